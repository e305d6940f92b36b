package org.mixquant.model.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.methods.NearestRounding;
import org.mixquant.model.Layer;
import org.mixquant.model.TinyOnnx;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.IntegerWeights;
import org.mixquant.quant.QuantSpec;
import org.mixquant.quant.Scheme;

class OnnxExportTest {
    /**
     * The exported graph computes {@code (q - zp) * scale} in float32, which equals the fake-quantized weight bit for
     * bit; the remaining difference is ONNX Runtime's order of float operations in a different graph (the issue's
     * bound).
     */
    static final double MAX_ABS_DIFF = 1e-5;

    private static OnnxModel mlp() {
        return OnnxModel.fromBytes("mlp", TinyOnnx.mlp(TinyOnnx.values(12, 1), TinyOnnx.values(6, 2)).bytes());
    }

    private static List<OnnxExport.IntegerLayer> integer(OnnxModel m, BitPlan plan) {
        List<OnnxExport.IntegerLayer> out = new ArrayList<>();
        for (Layer l : m.layers()) {
            QuantSpec spec = new QuantSpec(plan.bitsOf(l.name()), plan.scheme(), plan.granularity());
            IntegerWeights iw = IntegerWeights.nearest(l.weight(), spec);
            out.add(new OnnxExport.IntegerLayer(l.name(), iw.codes(), iw.params().scales(), iw.params().zeroPoints(),
                    iw.signed(), spec.bits(), iw.params().groups() > 1 ? spec.granularity().groupSize() : 0));
        }
        return out;
    }

    /** Runs a session on input {@code name} of {@code shape}, returning the first output flattened. */
    private static float[] run(OrtSession s, String name, float[] x, long... shape) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
                OrtSession.Result r = NativeSessions.GLOBAL.call(() -> s.run(Map.of(name, in)))) {
            FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] out = new float[fb.remaining()];
            fb.get(out);
            return out;
        }
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }

    private static OnnxMl.TensorProto init(OnnxMl.ModelProto m, String name) {
        return m.getGraph().getInitializerList().stream().filter(t -> t.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no initializer " + name));
    }

    private static OnnxMl.NodeProto dequantizer(OnnxMl.ModelProto m, String output) {
        return m.getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().equals("DequantizeLinear") && n.getOutput(0).equals(output)).findFirst()
                .orElseThrow(() -> new AssertionError("no DequantizeLinear writes " + output));
    }

    private static Long axisOf(OnnxMl.NodeProto n) {
        return n.getAttributeList().stream().filter(a -> a.getName().equals("axis")).map(a -> a.getI()).findFirst()
                .orElse(null);
    }

    @Test
    void exportedModelRunsInOrtAndMatchesFakeQuantPerChannel(@TempDir Path dir) throws Exception {
        Path file = TinyOnnx.mlp(TinyOnnx.values(12, 1), TinyOnnx.values(6, 2)).write(dir, "mlp.onnx");
        byte[] fileBefore = Files.readAllBytes(file);
        OnnxModel m = OnnxModel.load(file);
        byte[] protoBefore = m.graph().proto().toByteArray();
        BitPlan plan = BitPlan.uniform(m.source(), m.layerNames(), 3, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);
        List<OnnxExport.IntegerLayer> layers = integer(m, plan);
        OnnxExport export = OnnxExport.of(m, layers);
        Path out = dir.resolve("mlp-q.onnx");
        export.write(out);
        assertEquals(export.byteSize(), Files.size(out));

        OnnxMl.ModelProto q = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(out));
        assertEquals(13, OnnxExport.defaultOpset(q));
        assertEquals(List.of("fc1/MatMul", "fc2/Gemm"), export.layers());
        // W1 [4, 3] of a MatMul → axis 1, W2 [2, 3] of a Gemm with transB → axis 0
        Map<String, Long> axes = Map.of("W1", 1L, "W2", 0L);
        for (int i = 0; i < 2; i++) {
            String w = i == 0 ? "W1" : "W2";
            assertTrue(q.getGraph().getInitializerList().stream().noneMatch(t -> t.getName().equals(w)),
                    "the float initializer " + w + " is gone");
            OnnxMl.NodeProto dq = dequantizer(q, w);
            assertEquals(axes.get(w), axisOf(dq));
            OnnxMl.TensorProto codes = init(q, dq.getInput(0));
            OnnxMl.TensorProto scale = init(q, dq.getInput(1));
            OnnxMl.TensorProto zp = init(q, dq.getInput(2));
            assertEquals(OnnxMl.TensorProto.DataType.UINT8.getNumber(), codes.getDataType());
            assertEquals(OnnxMl.TensorProto.DataType.UINT8.getNumber(), zp.getDataType());
            assertEquals(OnnxMl.TensorProto.DataType.FLOAT.getNumber(), scale.getDataType());
            assertEquals(m.layers().get(i).weight().channels(), scale.getDims(0));
            int[] shape = m.layers().get(i).weight().shape();
            assertEquals(List.of((long) shape[0], (long) shape[1]), codes.getDimsList());
            byte[] raw = codes.getRawData().toByteArray();
            int[] expected = layers.get(i).codes();
            for (int k = 0; k < expected.length; k++) {
                assertEquals(expected[k], raw[k] & 0xFF, w + " code " + k);
            }
            byte[] zpRaw = zp.getRawData().toByteArray();
            float[] sc = new float[scale.getDims(0) > 0 ? (int) scale.getDims(0) : 1];
            ByteBuffer.wrap(scale.getRawData().toByteArray()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(sc);
            assertArrayEquals(layers.get(i).scales(), sc);
            for (int c = 0; c < zpRaw.length; c++) {
                assertEquals(layers.get(i).zeroPoints()[c], zpRaw[c] & 0xFF);
            }
        }

        OnnxModel fake = (OnnxModel) new NearestRounding().quantize(m, plan).model();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Random r = new Random(7);
        try (OnnxRunner a = fake.open(env, 1);
                OrtSession b = NativeSessions.GLOBAL.call(() -> env.createSession(out.toString(),
                        new OrtSession.SessionOptions()))) {
            for (int s = 0; s < 8; s++) {
                float[] x = {r.nextFloat() * 2 - 1, r.nextFloat() * 2 - 1, r.nextFloat() * 2 - 1, r.nextFloat()};
                float[] ya = run(a.session(), "x", x, 1, 4);
                float[] yb = run(b, "x", x, 1, 4);
                assertTrue(maxAbsDiff(ya, yb) <= MAX_ABS_DIFF, "sample " + s + ": " + maxAbsDiff(ya, yb));
            }
        }
        ExportCheck check = ExportCheck.run(fake, export, 1).orElseThrow();
        assertTrue(check.maxAbsDiff() <= MAX_ABS_DIFF, check.toString());
        assertEquals(ExportCheck.SAMPLES * 2L, check.values());

        assertArrayEquals(fileBefore, Files.readAllBytes(file), "the source file is unchanged");
        assertArrayEquals(protoBefore, m.graph().proto().toByteArray(), "the source model is unchanged");
        assertTrue(m.overrides().isEmpty());
    }

    @Test
    void symmetricPerTensorUsesInt8ScalarsWithoutAxis() throws Exception {
        OnnxModel m = mlp();
        BitPlan plan = BitPlan.uniform(m.source(), m.layerNames(), 4, Scheme.SYMMETRIC, Granularity.PER_TENSOR);
        OnnxExport export = OnnxExport.of(m, integer(m, plan));
        OnnxMl.ModelProto q = export.proto();
        assertEquals(13, export.opset(), "opset 13 is kept (it is above the 10 per-tensor needs)");
        OnnxMl.NodeProto dq = dequantizer(q, "W1");
        assertEquals(null, axisOf(dq));
        assertEquals(OnnxMl.TensorProto.DataType.INT8.getNumber(), init(q, dq.getInput(0)).getDataType());
        assertEquals(0, init(q, dq.getInput(1)).getDimsCount(), "a per-tensor scale is a scalar");
        byte[] codes = init(q, dq.getInput(0)).getRawData().toByteArray();
        int[] expected = IntegerWeights.nearest(m.layer("fc1/MatMul").weight(),
                new QuantSpec(4, Scheme.SYMMETRIC, Granularity.PER_TENSOR)).codes();
        for (int k = 0; k < codes.length; k++) {
            assertEquals(expected[k], codes[k], "signed code " + k);
        }
        OnnxModel fake = (OnnxModel) new NearestRounding().quantize(m, plan).model();
        ExportCheck check = ExportCheck.run(fake, export, 1).orElseThrow();
        assertTrue(check.maxAbsDiff() <= MAX_ABS_DIFF, check.toString());
    }

    /**
     * An opset-11 model with an {@code Unsqueeze} (axes attribute) and a {@code Softmax} over axis 1 of a rank-3
     * tensor, where opset 11 (flatten to 2-D) and 13 (one axis) differ: after the move to 13 it must still compute
     * what the opset-11 model computes.
     */
    @Test
    void opset11ModelIsMovedTo13WithoutChangingWhatItComputes() throws Exception {
        byte[] base = new TinyOnnx().input("x", 1, 4).output("y", 1, 2, 3)
                .init("W", TinyOnnx.values(24, 3), 4, 6).init("shape", new float[0], 0)
                .node("MatMul", "fc/MatMul", List.of("x", "W"), List.of("h"))
                .node("Unsqueeze", "unsq", List.of("h"), List.of("h3"))
                .node("Reshape", "reshape", List.of("h3", "dims"), List.of("r"))
                .node("Softmax", "softmax", List.of("r"), List.of("y"), "axis", 1).bytes();
        OnnxMl.ModelProto p = OnnxMl.ModelProto.parseFrom(base);
        OnnxMl.GraphProto.Builder g = p.getGraph().toBuilder();
        // Unsqueeze's axes as an attribute (opset 11); Reshape [1, 6] → [1, 2, 3] via an INT64 initializer
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (g.getNode(i).getOpType().equals("Unsqueeze")) {
                g.setNode(i, g.getNode(i).toBuilder().addAttribute(OnnxMl.AttributeProto.newBuilder().setName("axes")
                        .setType(OnnxMl.AttributeProto.AttributeType.INTS).addInts(0)));
            }
        }
        g.removeInitializer(1);
        ByteBuffer dims = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(1).putLong(2).putLong(3);
        g.addInitializer(OnnxMl.TensorProto.newBuilder().setName("dims")
                .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber()).addDims(3)
                .setRawData(com.google.protobuf.ByteString.copyFrom(dims.array())));
        byte[] v11 = p.toBuilder().setIrVersion(6).clearOpsetImport()
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(11)).setGraph(g)
                .build().toByteArray();
        OnnxModel m = OnnxModel.fromBytes("v11", v11);
        BitPlan plan = BitPlan.uniform(m.source(), m.layerNames(), 5, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);
        OnnxExport export = OnnxExport.of(m, integer(m, plan));
        assertEquals(11, export.originalOpset());
        assertEquals(13, export.opset());
        assertTrue(export.proto().getIrVersion() >= 7);
        assertEquals(List.of("1 Softmax node(s) converted from opset 11 to 13",
                "1 Unsqueeze node(s) converted from opset 11 to 13"), export.conversions());
        OnnxModel fake = (OnnxModel) new NearestRounding().quantize(m, plan).model();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[] x = {0.3f, -0.7f, 0.9f, 0.1f};
        try (OnnxRunner a = fake.open(env, 1); OnnxRunner b = export.open(env, 1)) {
            float[] ya = run(a.session(), "x", x, 1, 4);
            float[] yb = run(b.session(), "x", x, 1, 4);
            assertEquals(6, ya.length);
            // opset-11 Softmax(axis=1) of [1, 2, 3] normalises all 6 values together: they sum to 1
            double sum = 0;
            for (float v : ya) {
                sum += v;
            }
            assertEquals(1.0, sum, 1e-6);
            assertTrue(maxAbsDiff(ya, yb) <= MAX_ABS_DIFF, "max abs diff " + maxAbsDiff(ya, yb));
        }
    }

    /**
     * 4-bit layers as UINT4/INT4 (opset 21), the others in bytes: two codes per byte, low nibble first, and ONNX
     * Runtime computes what the fake-quantized model computes.
     */
    @Test
    void int4StorageForLayersOfFourBitsAndFewer() throws Exception {
        OnnxModel m = mlp();
        for (Scheme scheme : Scheme.values()) {
            BitPlan plan = new BitPlan("mixed", m.source(), scheme, Granularity.PER_CHANNEL, "file", Map.of(),
                    Map.of(), Map.of("fc1/MatMul", scheme == Scheme.SYMMETRIC ? 2 : 4, "fc2/Gemm", 7));
            List<OnnxExport.IntegerLayer> layers = integer(m, plan);
            OnnxExport export = OnnxExport.of(m, layers, true);
            assertEquals(OnnxExport.INT4_OPSET, export.opset());
            assertTrue(export.proto().getIrVersion() >= 10);
            OnnxMl.ModelProto q = export.proto();
            boolean signed = scheme == Scheme.SYMMETRIC;
            OnnxMl.NodeProto dq1 = dequantizer(q, "W1");
            OnnxMl.TensorProto codes = init(q, dq1.getInput(0));
            assertEquals((signed ? OnnxMl.TensorProto.DataType.INT4 : OnnxMl.TensorProto.DataType.UINT4).getNumber(),
                    codes.getDataType());
            assertEquals(codes.getDataType(), init(q, dq1.getInput(2)).getDataType());
            byte[] raw = codes.getRawData().toByteArray();
            assertEquals(6, raw.length, "12 codes in 6 bytes");
            int[] expected = layers.get(0).codes();
            for (int k = 0; k < expected.length; k++) {
                int nibble = (raw[k / 2] >> ((k % 2) * 4)) & 0xF;
                int value = signed && nibble > 7 ? nibble - 16 : nibble;
                assertEquals(expected[k], value, scheme + " code " + k);
            }
            assertEquals((signed ? OnnxMl.TensorProto.DataType.INT8 : OnnxMl.TensorProto.DataType.UINT8).getNumber(),
                    init(q, dequantizer(q, "W2").getInput(0)).getDataType(), "7 bits stay in a byte");
            OnnxModel fake = (OnnxModel) new NearestRounding().quantize(m, plan).model();
            ExportCheck check = ExportCheck.run(fake, export, 1).orElseThrow();
            assertTrue(check.maxAbsDiff() <= MAX_ABS_DIFF, scheme + " " + check);
        }
    }

    /**
     * Opset 13 → 21 moves ReduceMean's axes attribute to an input and gives an equal Split its num_outputs, keeping
     * the output.
     */
    @Test
    void opset13ReduceMeanIsMovedTo21() throws Exception {
        byte[] bytes = new TinyOnnx().input("x", 1, 4).output("y", 1, 1)
                .init("W", TinyOnnx.values(24, 4), 4, 6)
                .node("MatMul", "fc/MatMul", List.of("x", "W"), List.of("h"))
                .node("Split", "split", List.of("h"), List.of("h1", "h2"), "axis", 1)
                .node("Sub", "sub", List.of("h1", "h2"), List.of("d"))
                .node("ReduceMean", "mean", List.of("d"), List.of("y"), "keepdims", 1).bytes();
        OnnxMl.ModelProto p = OnnxMl.ModelProto.parseFrom(bytes);
        OnnxMl.GraphProto.Builder g = p.getGraph().toBuilder();
        g.setNode(3, g.getNode(3).toBuilder().addAttribute(OnnxMl.AttributeProto.newBuilder().setName("axes")
                .setType(OnnxMl.AttributeProto.AttributeType.INTS).addInts(1)));
        OnnxModel m = OnnxModel.fromBytes("reduce", p.toBuilder().setGraph(g).build().toByteArray());
        BitPlan plan = BitPlan.uniform(m.source(), m.layerNames(), 3, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);
        OnnxExport export = OnnxExport.of(m, integer(m, plan), true);
        assertEquals(List.of("1 ReduceMean node(s) converted from opset 13 to 21",
                "1 Split node(s) converted from opset 13 to 21"), export.conversions());
        OnnxModel fake = (OnnxModel) new NearestRounding().quantize(m, plan).model();
        ExportCheck check = ExportCheck.run(fake, export, 1).orElseThrow();
        assertTrue(check.maxAbsDiff() <= MAX_ABS_DIFF, check.toString());
    }

    /** An old-style model that also lists its weights as graph inputs: the replaced weight is no input any more. */
    @Test
    void weightListedAsGraphInputIsDroppedFromTheInputs() throws Exception {
        OnnxModel m = mlp();
        OnnxMl.ModelProto p = m.graph().proto();
        OnnxMl.GraphProto.Builder g = p.getGraph().toBuilder();
        g.addInput(OnnxMl.ValueInfoProto.newBuilder().setName("W1").setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()))));
        OnnxModel listed = OnnxModel.fromBytes("listed", p.toBuilder().setGraph(g).build().toByteArray());
        BitPlan plan = BitPlan.uniform(listed.source(), listed.layerNames(), 6, Scheme.ASYMMETRIC,
                Granularity.PER_CHANNEL);
        OnnxExport export = OnnxExport.of(listed, integer(listed, plan));
        assertEquals(List.of("x"), export.proto().getGraph().getInputList().stream().map(v -> v.getName()).toList());
        OnnxModel fake = (OnnxModel) new NearestRounding().quantize(listed, plan).model();
        ExportCheck check = ExportCheck.run(fake, export, 1).orElseThrow();
        assertTrue(check.maxAbsDiff() <= MAX_ABS_DIFF, check.toString());
        assertEquals(integer(listed, plan), integer(listed, plan), "IntegerLayer compares arrays by content");
    }

    private static long intAttr(OnnxMl.NodeProto n, String name) {
        return n.getAttributeList().stream().filter(a -> a.getName().equals(name)).mapToLong(a -> a.getI())
                .findFirst().orElseThrow(() -> new AssertionError(n.getName() + " has no " + name));
    }

    /** A conv [4, 2, 3, 3] and a depthwise conv [4, 1, 3, 3] on a 7×7 two-channel input (no padding). */
    static OnnxModel convs() {
        return OnnxModel.fromBytes("convs", new TinyOnnx().input("x", 1, 2, 7, 7).output("z", 1, 4, 3, 3)
                .init("Wc", TinyOnnx.values(4 * 2 * 9, 4), 4, 2, 3, 3)
                .init("Wd", TinyOnnx.values(4 * 9, 5), 4, 1, 3, 3)
                .node("Conv", "conv", List.of("x", "Wc"), List.of("y"), "group", 1)
                .node("Conv", "dw", List.of("y", "Wd"), List.of("z"), "group", 4).bytes());
    }

    /**
     * Per-group scales as blocked DequantizeLinear (opset 21): MatMul [4, 3] with G = 3 (groups of 3 and a ragged 1
     * along axis 0) and G = 2, Gemm [2, 3] with G = 2 (2 and a ragged 1 along axis 1), convs with G = 5 over the flattened
     * in·kh·kw (18 = 5+5+5+3 and 9 = 5+4; codes stored [out, in·kh·kw], then Reshape), in bytes and in nibbles, both
     * schemes. ONNX Runtime 1.20's CPU kernel must compute the fake-quantized model's outputs.
     */
    @Test
    void perGroupIsBlockedDequantizeLinearWithRaggedLastBlocks() throws Exception {
        record Case(OnnxModel model, int group, Map<String, long[]> paramDims, Map<String, Long> axes) {
        }
        List<Case> cases = List.of(
                // W2 has 3 weights per channel: G = 3 is one group, exported per channel
                new Case(mlp(), 3, Map.of("W1", new long[] {2, 3}), Map.of("W1", 0L)),
                new Case(mlp(), 2, Map.of("W1", new long[] {2, 3}, "W2", new long[] {2, 2}),
                        Map.of("W1", 0L, "W2", 1L)),
                new Case(convs(), 5, Map.of("Wc", new long[] {4, 4}, "Wd", new long[] {4, 2}),
                        Map.of("Wc", 1L, "Wd", 1L)));
        for (Case k : cases) {
            OnnxModel m = k.model();
            for (Scheme scheme : Scheme.values()) {
                for (boolean int4 : new boolean[] {false, true}) {
                    BitPlan plan = BitPlan.uniform(m.source(), m.layerNames(), 4, scheme,
                            Granularity.perGroup(k.group()));
                    OnnxExport export = OnnxExport.of(m, integer(m, plan), int4);
                    String what = m.source() + " G=" + k.group() + " " + scheme + " int4=" + int4;
                    assertEquals(OnnxExport.INT4_OPSET, export.opset(), what);
                    for (Map.Entry<String, long[]> e : k.paramDims().entrySet()) {
                        OnnxMl.NodeProto dq = export.proto().getGraph().getNodeList().stream()
                                .filter(n -> n.getOpType().equals("DequantizeLinear")
                                        && n.getInput(0).startsWith(e.getKey() + "_"))
                                .findFirst().orElseThrow();
                        assertEquals(k.group(), intAttr(dq, "block_size"), what);
                        assertEquals((long) k.axes().get(e.getKey()), intAttr(dq, "axis"), what);
                        assertArrayEquals(e.getValue(), init(export.proto(), dq.getInput(1)).getDimsList().stream()
                                .mapToLong(Long::longValue).toArray(), what + " " + e.getKey());
                    }
                    OnnxModel fake = (OnnxModel) new NearestRounding().quantize(m, plan).model();
                    ExportCheck check = ExportCheck.run(fake, export, 1).orElseThrow();
                    assertTrue(check.maxAbsDiff() <= MAX_ABS_DIFF, what + ": " + check);
                    assertTrue(check.values() > 0, what);
                }
            }
        }
    }

    @Test
    void refusesWhatItCannotExport() {
        OnnxModel m = mlp();
        BitPlan plan = BitPlan.uniform(m.source(), m.layerNames(), 4, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);
        List<OnnxExport.IntegerLayer> layers = integer(m, plan);
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> OnnxExport.of(m, List.of(layers.get(0), layers.get(0))));
        assertTrue(twice.getMessage().contains("listed twice"), twice.getMessage());
        OnnxExport.IntegerLayer wrong = new OnnxExport.IntegerLayer("fc1/MatMul", new int[5], new float[] {1f},
                new int[] {0}, false, 4);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OnnxExport.of(m, List.of(wrong))).getMessage()
                .contains("has 12 weights, got 5 codes"));
        assertThrows(IllegalArgumentException.class, () -> new OnnxExport.IntegerLayer("fc1/MatMul",
                new int[] {256}, new float[] {1f}, new int[] {0}, false, 8));
        OnnxModel replaced = (OnnxModel) new NearestRounding().quantize(m, plan).model();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OnnxExport.of(replaced, layers)).getMessage()
                .contains("replaced weights"));

        OnnxMl.ModelProto v9 = m.graph().proto().toBuilder().clearOpsetImport()
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(9)).build();
        OnnxModel old = OnnxModel.fromBytes("v9", v9.toByteArray());
        String msg = assertThrows(IllegalArgumentException.class, () -> OnnxExport.of(old, integer(old, plan)))
                .getMessage();
        assertTrue(msg.contains("opset 9") && msg.contains("implemented from opset 11"), msg);

        OnnxMl.GraphProto.Builder g = m.graph().proto().getGraph().toBuilder();
        g.setInitializer(2, g.getInitializer(2).toBuilder().clearRawData()
                .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                .addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey("location").setValue("b2.bin")));
        OnnxModel ext = OnnxModel.fromBytes("ext", m.graph().proto().toBuilder().setGraph(g).build().toByteArray());
        String extMsg = assertThrows(IllegalArgumentException.class, () -> OnnxExport.of(ext, integer(ext, plan)))
                .getMessage();
        assertTrue(extMsg.contains("external data") && extMsg.contains("not supported yet"), extMsg);
        assertFalse(m.graph().proto().getGraph().getInitializer(2).hasDataLocation());
    }
}
