package org.mixquant.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mixquant.methods.NearestRounding;
import org.mixquant.model.Layer;
import org.mixquant.model.Models;
import org.mixquant.model.TinyOnnx;
import org.mixquant.model.onnx.ExportCheck;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;

class QuantizedExportTest {
    /** The bound on |exported − fake-quantized| outputs (float32 evaluation order in ONNX Runtime). */
    static final double MAX_ABS_DIFF = 1e-5;

    /** The fake-quantized twin holds exactly NearestRounding's weights, so the export reproduces evaluate's model. */
    @Test
    void fakeQuantTwinEqualsNearestRounding() {
        OnnxModel m = OnnxModel.fromBytes("mlp", TinyOnnx.mlp(TinyOnnx.values(12, 1), TinyOnnx.values(6, 2)).bytes());
        BitPlan plan = new BitPlan("mixed", m.source(), Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, "file",
                java.util.Map.of(), java.util.Map.of(), java.util.Map.of("fc1/MatMul", 2, "fc2/Gemm", 7));
        QuantizedExport ex = QuantizedExport.nearest(m, plan);
        OnnxModel nearest = (OnnxModel) new NearestRounding().quantize(m, plan).model();
        for (Layer l : nearest.layers()) {
            assertArrayEquals(l.weight().toArray(), ex.fakeQuant().layer(l.name()).weight().toArray(), l.name());
        }
        assertEquals(List.of("fc1/MatMul", "fc2/Gemm"), ex.onnx().layers());
        assertEquals(SizeReport.of(m, plan), ex.size());
    }

    /**
     * MiniLM (opset 11, moved to 13, or to 21 for INT4) at 4 bits: the exported file's sentence embeddings of 16
     * fortunes equal the fake-quantized model's within the bound. In 8-bit containers the file is smaller than FP32
     * but larger than the computed size; in UINT4 it is within 1% of the computed size (protobuf framing and names).
     */
    @Test
    void miniLmExportReproducesFakeQuantEmbeddings() throws Exception {
        OnnxModel m = Models.minilm();
        BitPlan plan = BitPlan.uniform(m.source(), m.layerNames(), 4, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);
        long fp32 = m.graph().proto().getSerializedSize();
        for (boolean int4 : new boolean[] {false, true}) {
            QuantizedExport ex = QuantizedExport.nearest(m, plan, int4);
            assertEquals(11, ex.onnx().originalOpset());
            assertEquals(int4 ? 21 : 13, ex.onnx().opset());
            ExportCheck check = ExportCheck.run(ex.fakeQuant(), ex.onnx(), 2).orElseThrow();
            double computed = ex.size().totalMB() * 1e6;
            System.out.printf("minilm 4-bit export (int4 %s): %s; file %d bytes, FP32 file %d bytes, computed %.0f"
                    + " bytes; conversions %s%n", int4, check, ex.onnx().byteSize(), fp32, computed,
                    ex.onnx().conversions());
            assertEquals(ExportCheck.TEXTS + " fortunes (sentence embeddings)", check.inputs());
            assertTrue(check.maxAbsDiff() <= MAX_ABS_DIFF, check.toString());
            assertTrue(ex.onnx().byteSize() > computed, ex.onnx().byteSize() + " bytes");
            if (int4) {
                assertTrue(ex.onnx().byteSize() < computed * 1.01, ex.onnx().byteSize() + " bytes");
            } else {
                assertTrue(ex.onnx().byteSize() < fp32, ex.onnx().byteSize() + " bytes");
            }
        }
    }

    /**
     * MiniLM at 4 bits with groups of 128 (blocked DequantizeLinear, opset 21), in bytes and in UINT4: the embeddings
     * equal the fake-quantized model's within the bound (sessions with MatMulNBits accuracy level 0, see
     * {@link org.mixquant.model.onnx.OnnxExport#MATMUL_NBITS_ACCURACY}); the file is larger than the computed size
     * (float32 group scales, zero-points in the codes' container) and smaller than FP32.
     */
    @Test
    void miniLmPerGroupExportReproducesFakeQuantEmbeddings() throws Exception {
        OnnxModel m = Models.minilm();
        BitPlan plan = BitPlan.uniform(m.source(), m.layerNames(), 4, Scheme.ASYMMETRIC, Granularity.perGroup(128));
        long fp32 = m.graph().proto().getSerializedSize();
        for (boolean int4 : new boolean[] {false, true}) {
            QuantizedExport ex = QuantizedExport.nearest(m, plan, int4);
            assertEquals(21, ex.onnx().opset());
            ExportCheck check = ExportCheck.run(ex.fakeQuant(), ex.onnx(), 2).orElseThrow();
            double computed = ex.size().totalMB() * 1e6;
            System.out.printf("minilm 4-bit G=128 export (int4 %s): %s; file %d bytes, FP32 file %d bytes, computed"
                    + " %.0f bytes%n", int4, check, ex.onnx().byteSize(), fp32, computed);
            assertTrue(check.maxAbsDiff() <= MAX_ABS_DIFF, check.toString());
            assertTrue(ex.onnx().byteSize() > computed && ex.onnx().byteSize() < fp32, ex.onnx().byteSize() + " B");
        }
    }
}
