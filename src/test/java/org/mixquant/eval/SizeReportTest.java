package org.mixquant.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.TinyOnnx;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;

class SizeReportTest {
    static final OnnxModel MLP = OnnxModel.fromBytes("mlp", TinyOnnx.mlp(TinyOnnx.values(12, 1),
            TinyOnnx.values(6, 2)).bytes());

    static BitPlan plan(Scheme s, Granularity g) {
        Map<String, Integer> bits = new LinkedHashMap<>();
        bits.put("fc1/MatMul", 4);
        bits.put("fc2/Gemm", 2);
        return new BitPlan("p", "mlp", s, g, "test", Map.of(), Map.of(), bits);
    }

    @Test
    void countsWeightsScalesAndZeroPoints() {
        SizeReport r = SizeReport.of(MLP, plan(Scheme.ASYMMETRIC, Granularity.PER_CHANNEL));
        assertEquals(18, r.quantizedParams());
        assertEquals(2, r.otherParams());
        assertEquals(12 * 4 + 6 * 2, r.weightBits());
        // fc1 [4, 3] axis 1 → 3 channels; fc2 [2, 3] axis 0 → 2 channels; 32-bit scale + 8-bit zero-point each.
        assertEquals((3 + 2) * 40, r.qparamBits());
        assertEquals(60 / 18.0, r.averageBits(), 1e-15);
        assertEquals((60 + 200) / 18.0, r.averageBitsWithQParams(), 1e-15);
        assertEquals((60 + 200) / 8e6 + 2 * 32 / 8e6, r.totalMB(), 1e-18);
        assertEquals(20 * 32 / 8e6, r.fp32MB(), 1e-18);
    }

    @Test
    void nonFp32WeightsCountAtTheirStoredSize() {
        // fc2's weight is FLOAT16: not quantized, and 6 values × 16 bits, not × 32
        OnnxModel half = OnnxModel.fromBytes("half", new TinyOnnx().input("x", 1, 4).output("z", 1, 2)
                .init("W1", TinyOnnx.values(12, 1), 4, 3)
                .initRaw("Wh", ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT16, new byte[12], 3, 2)
                .node("MatMul", "fc1", java.util.List.of("x", "W1"), java.util.List.of("h"))
                .node("MatMul", "fc2", java.util.List.of("h", "Wh"), java.util.List.of("z")).bytes());
        BitPlan p = BitPlan.uniform("half", half.layerNames(), 4, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);
        SizeReport r = SizeReport.of(half, p);
        assertEquals(6, r.otherParams());
        assertEquals(6 * 16 / 8e6, r.otherMB(), 1e-18);
        assertEquals((12 * 32 + 6 * 16) / 8e6, r.fp32MB(), 1e-18, "the unquantized model as stored");
        assertEquals(6 * 16 / 8e6, SizeReport.fp32(half).otherMB(), 1e-18);
    }

    @Test
    void symmetricPerTensorStoresOneScalePerLayer() {
        SizeReport r = SizeReport.of(MLP, plan(Scheme.SYMMETRIC, Granularity.PER_TENSOR));
        assertEquals(2 * 32, r.qparamBits());
    }

    @Test
    void fp32() {
        SizeReport r = SizeReport.fp32(MLP);
        assertEquals(32, r.averageBits());
        assertEquals(r.fp32MB(), r.totalMB(), 1e-18);
    }

    /**
     * Per-group: every group's FP16 scale and b-bit zero-point (asymmetric). fc1 [4, 3] axis 1: input dimension 4,
     * 3 channels; fc2 [2, 3] axis 0: input dimension 3, 2 channels. G = 2: fc1 3·2 = 6 groups, fc2 2·⌈3/2⌉ = 4 groups
     * (a ragged last group of 1 counted as a group).
     */
    @Test
    void perGroupCountsEveryGroupsFp16ScaleAndBBitZeroPoint() {
        SizeReport r = SizeReport.of(MLP, plan(Scheme.ASYMMETRIC, Granularity.perGroup(2)));
        assertEquals(6 * (16 + 4) + 4 * (16 + 2), r.qparamBits());
        assertEquals(60 / 18.0, r.averageBits(), 1e-15, "weight bits do not change with the granularity");
        assertEquals((60 + 6 * 20 + 4 * 18) / 18.0, r.storageBits(), 1e-15);
        SizeReport sym = SizeReport.of(MLP, plan(Scheme.SYMMETRIC, Granularity.perGroup(2)));
        assertEquals((6 + 4) * 16, sym.qparamBits(), "symmetric: no zero-point");
        // G ≥ the input dimension is one group per channel, but still stored the per-group way (FP16, b bits)
        SizeReport one = SizeReport.of(MLP, plan(Scheme.ASYMMETRIC, Granularity.perGroup(128)));
        assertEquals(3 * (16 + 4) + 2 * (16 + 2), one.qparamBits());
    }

    /** MiniLM-sized arithmetic: 4-bit asymmetric with G = 128 costs 4 + (16 + 4)/128 = 4.15625 bits per weight. */
    @Test
    void storageBitsOfALargeGroup() {
        assertEquals(384L * 3 * (16 + 4), SizeReport.qparamBits(Granularity.perGroup(128), Scheme.ASYMMETRIC, 4,
                384, 384L * 384));
        assertEquals(384L * (32 + 8), SizeReport.qparamBits(Granularity.PER_CHANNEL, Scheme.ASYMMETRIC, 4, 384,
                384L * 384), "per-channel unchanged: float32 scale + 8-bit zero-point");
    }
}
