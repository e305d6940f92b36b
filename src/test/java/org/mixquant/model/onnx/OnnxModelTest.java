package org.mixquant.model.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.tensor.WeightTensor;
import org.mixquant.model.Layer;
import org.mixquant.model.LayerKind;
import org.mixquant.model.TinyOnnx;

class OnnxModelTest {
    /** ONNX Runtime's MatMul/Gemm may sum in another order than this test's double reference. */
    static final double RUN_TOL = 1e-5;

    @TempDir
    Path dir;

    static final float[] W1 = TinyOnnx.values(12, 1);
    static final float[] W2 = TinyOnnx.values(6, 2);

    @Test
    void findsMatMulAndGemmWeightsWithTheirAxes() {
        OnnxModel m = OnnxModel.fromBytes("tiny", TinyOnnx.mlp(W1, W2).bytes());
        assertEquals(List.of("fc1/MatMul", "fc2/Gemm"), m.layerNames());
        Layer fc1 = m.layer("fc1/MatMul");
        assertEquals("W1", fc1.tensorName());
        assertEquals(LayerKind.MATMUL, fc1.kind());
        assertArrayEquals(new int[] {4, 3}, fc1.weight().shape());
        assertEquals(1, fc1.channelAxis());
        Layer fc2 = m.layer("fc2/Gemm");
        assertEquals(0, fc2.channelAxis(), "Gemm with transB=1 stores [out, in]");
        assertEquals(12 + 6, m.quantizableParams());
        assertEquals(2, m.otherParams(), "the bias stays FP32");
        assertArrayEquals(W1, fc1.weight().toArray());
    }

    @Test
    void gemmWithoutTransBHasAxisOne() {
        byte[] b = new TinyOnnx().input("x", 1, 3).output("y", 1, 2).init("W", TinyOnnx.values(6, 3), 3, 2)
                .node("Gemm", "g", List.of("x", "W"), List.of("y")).bytes();
        assertEquals(1, OnnxModel.fromBytes("g", b).layer("g").channelAxis());
    }

    @Test
    void convAndDepthwiseConv() {
        byte[] b = new TinyOnnx().input("x", 1, 2, 5, 5).output("z", 1, 4, 5, 5)
                .init("Wc", TinyOnnx.values(4 * 2 * 9, 4), 4, 2, 3, 3)
                .init("Wd", TinyOnnx.values(4 * 9, 5), 4, 1, 3, 3)
                .node("Conv", "conv", List.of("x", "Wc"), List.of("y"), "group", 1)
                .node("Conv", "dw", List.of("y", "Wd"), List.of("z"), "group", 4).bytes();
        OnnxModel m = OnnxModel.fromBytes("c", b);
        assertEquals(LayerKind.CONV, m.layer("conv").kind());
        assertEquals(LayerKind.DEPTHWISE_CONV, m.layer("dw").kind());
        assertEquals(0, m.layer("dw").channelAxis());
    }

    @Test
    void readsFloatDataInitializersAndNamesUnnamedNodes() {
        byte[] b = new TinyOnnx().input("x", 1, 2).output("y", 1, 2)
                .initFloatData("W", new float[] {1, 2, 3, 4}, 2, 2)
                .node("MatMul", "", List.of("x", "W"), List.of("y")).bytes();
        OnnxModel m = OnnxModel.fromBytes("f", b);
        assertEquals(List.of("MatMul_0"), m.layerNames());
        assertArrayEquals(new float[] {1, 2, 3, 4}, m.layers().get(0).weight().toArray());
    }

    @Test
    void runsWithReplacedWeightsAndLeavesTheOriginalAlone() throws Exception {
        OnnxModel m = OnnxModel.fromBytes("tiny", TinyOnnx.mlp(W1, W2).bytes());
        float[] x = {0.3f, -0.7f, 1.1f, 0.2f};
        float[] w1b = W1.clone();
        for (int i = 0; i < w1b.length; i++) {
            w1b[i] *= -0.5f;
        }
        OnnxModel replaced = m.withWeights(Map.of("fc1/MatMul", WeightTensor.of(w1b, new int[] {4, 3}, 1)));
        assertArrayEquals(W1, m.layer("fc1/MatMul").weight().toArray(), "the loaded model is never mutated");
        assertTrue(m.overrides().isEmpty());
        assertArrayEquals(w1b, replaced.layer("fc1/MatMul").weight().toArray());

        float[] yOrig = run(m, x);
        float[] yRepl = run(replaced, x);
        assertArrayEquals(reference(x, W1, W2), toDouble(yOrig), RUN_TOL);
        assertArrayEquals(reference(x, w1b, W2), toDouble(yRepl), RUN_TOL);
        assertNotEquals(Arrays.toString(yOrig), Arrays.toString(yRepl));
        assertArrayEquals(yOrig, run(m, x), "the original still runs with its own weights");
    }

    @Test
    void rejectsWrongShapeAndUnknownLayer() {
        OnnxModel m = OnnxModel.fromBytes("tiny", TinyOnnx.mlp(W1, W2).bytes());
        assertThrows(IllegalArgumentException.class,
                () -> m.withWeights(Map.of("fc1/MatMul", WeightTensor.of(new float[12], new int[] {3, 4}, 1))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.withWeights(Map.of("nope", WeightTensor.vector(1f))));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }

    @Test
    void truncatedFileIsAClearError() throws IOException {
        byte[] full = TinyOnnx.mlp(W1, W2).bytes();
        Path p = Files.write(dir.resolve("cut.onnx"), Arrays.copyOf(full, full.length - 17));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxModel.load(p));
        assertTrue(e.getMessage().contains("not a valid ONNX model"), e.getMessage());
    }

    @Test
    void garbageFileIsAClearError() throws IOException {
        Path p = Files.writeString(dir.resolve("junk.onnx"), "this is not a protobuf, just text\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxModel.load(p));
        assertTrue(e.getMessage().contains("junk.onnx"), e.getMessage());
    }

    @Test
    void modelWithoutQuantizableWeights() {
        byte[] b = new TinyOnnx().input("x", 1, 2).output("y", 1, 2).node("Relu", "r", List.of("x"), List.of("y"))
                .bytes();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxModel.fromBytes("relu-only", b));
        assertTrue(e.getMessage().contains("no quantizable weights"), e.getMessage());
    }

    @Test
    void nonFiniteWeightNamesTheLayer() {
        float[] bad = W1.clone();
        bad[7] = Float.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxModel.fromBytes("nan", TinyOnnx.mlp(bad, W2).bytes()));
        assertTrue(e.getMessage().contains("fc1/MatMul") && e.getMessage().contains("NaN"), e.getMessage());
        float[] inf = W2.clone();
        inf[0] = Float.NEGATIVE_INFINITY;
        e = assertThrows(IllegalArgumentException.class, () -> OnnxModel.fromBytes("inf", TinyOnnx.mlp(W1, inf)
                .bytes()));
        assertTrue(e.getMessage().contains("fc2/Gemm") && e.getMessage().contains("Infinity"), e.getMessage());
    }

    @Test
    void rawDataOfTheWrongLengthIsCorrupt() {
        byte[] b = new TinyOnnx().input("x", 1, 2).output("y", 1, 2).init("W", new float[] {1, 2, 3}, 2, 2)
                .node("MatMul", "m", List.of("x", "W"), List.of("y")).bytes();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxModel.fromBytes("w", b));
        assertTrue(e.getMessage().contains("needs 16 bytes but has 12"), e.getMessage());
    }

    /** A MatMul model whose weight declares {@code dims} but stores {@code raw}. */
    static byte[] declaring(byte[] raw, long... dims) {
        return new TinyOnnx().input("x", 1, 2).output("y", 1, 2)
                .initRaw("W", ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT, raw, dims)
                .node("MatMul", "mm", List.of("x", "W"), List.of("y")).bytes();
    }

    static IllegalArgumentException rejected(byte[] model) {
        return assertThrows(IllegalArgumentException.class, () -> OnnxModel.fromBytes("hostile.onnx", model));
    }

    @Test
    void declaredSizesAreCheckedAgainstTheDataBeforeAllocating() {
        // 46340² floats = 8.6 GB declared in a ~100-byte file: used to be an OutOfMemoryError
        IllegalArgumentException e = rejected(declaring(new byte[16], 46340, 46340));
        assertTrue(e.getMessage().contains("'W'") && e.getMessage().contains("16 bytes"), e.getMessage());
        // 46341² > 2^31 - 1 elements: used to be "-2147479015" (NegativeArraySizeException)
        e = rejected(declaring(new byte[16], 46341, 46341));
        assertTrue(e.getMessage().contains("'W'") && e.getMessage().contains("elements"), e.getMessage());
        // the product of the dims overflows a long
        e = rejected(declaring(new byte[16], Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE));
        assertTrue(e.getMessage().contains("'W'"), e.getMessage());
        // float_data with fewer values than declared
        byte[] floatData = new TinyOnnx().input("x", 1, 2).output("y", 1, 2)
                .initFloatData("W", new float[4], 40000, 40000)
                .node("MatMul", "mm", List.of("x", "W"), List.of("y")).bytes();
        e = rejected(floatData);
        assertTrue(e.getMessage().contains("'W'") && e.getMessage().contains("4 values"), e.getMessage());
    }

    @Test
    void otherInitializersAreCheckedToo() {
        byte[] negative = TinyOnnx.mlp(W1, W2)
                .initRaw("bad", ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT, new byte[8], -2, 1).bytes();
        IllegalArgumentException e = rejected(negative);
        assertTrue(e.getMessage().contains("'bad'") && e.getMessage().contains("-2"), e.getMessage());
        byte[] shortData = TinyOnnx.mlp(W1, W2)
                .initRaw("emb", ai.onnx.proto.OnnxMl.TensorProto.DataType.INT64, new byte[8], 1000, 1000).bytes();
        e = rejected(shortData);
        assertTrue(e.getMessage().contains("'emb'") && e.getMessage().contains("8 bytes"), e.getMessage());
    }

    @Test
    void modelFileOverTwoGigabytesIsRejectedBeforeReading() throws IOException {
        Path big = dir.resolve("big.onnx");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(Integer.MAX_VALUE + 1L); // sparse: costs no disk
        }
        IOException e = assertThrows(IOException.class, () -> OnnxModel.load(big));
        assertTrue(e.getMessage().contains(big.toString()) && e.getMessage().contains("2 GB"), e.getMessage());
    }

    @Test
    void layerNamesAreUniqueEvenWhenAGeneratedNameIsTaken() {
        // the unnamed MatMul at index 1 would be called MatMul_1, which the first node is explicitly called
        float[] a = TinyOnnx.values(4, 7);
        float[] b = TinyOnnx.values(4, 8);
        byte[] bytes = new TinyOnnx().input("x", 1, 2).output("z", 1, 2).init("Wa", a, 2, 2).init("Wb", b, 2, 2)
                .node("MatMul", "MatMul_1", List.of("x", "Wa"), List.of("y"))
                .node("MatMul", "", List.of("y", "Wb"), List.of("z")).bytes();
        OnnxModel m = OnnxModel.fromBytes("dup", bytes);
        assertEquals(2, Set.copyOf(m.layerNames()).size(), m.layerNames().toString());
        assertEquals("Wa", m.layer("MatMul_1").tensorName(), "the explicit name keeps its node");
        String renamed = m.layerNames().get(1);
        assertEquals("Wb", m.layer(renamed).tensorName());
        assertEquals(m.layerNames(), OnnxModel.fromBytes("dup", bytes).layerNames(), "deterministic");
        assertEquals(1, m.warnings().size());
        assertTrue(m.warnings().get(0).contains(renamed) && m.warnings().get(0).contains("MatMul_1"),
                m.warnings().toString());

        // two nodes that share one explicit name
        byte[] same = new TinyOnnx().input("x", 1, 2).output("z", 1, 2).init("Wa", a, 2, 2).init("Wb", b, 2, 2)
                .node("MatMul", "mm", List.of("x", "Wa"), List.of("y"))
                .node("MatMul", "mm", List.of("y", "Wb"), List.of("z")).bytes();
        OnnxModel s = OnnxModel.fromBytes("same", same);
        assertEquals(2, Set.copyOf(s.layerNames()).size(), s.layerNames().toString());
        assertEquals("Wa", s.layer("mm").tensorName());
    }

    @Test
    void nonFp32WeightsAreListedAndCountedAtTheirRealSize() {
        byte[] fp16 = new byte[2 * 6];
        byte[] bytes = new TinyOnnx().input("x", 1, 4).output("z", 1, 2).init("W1", W1, 4, 3)
                .initRaw("Wh", ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT16, fp16, 3, 2)
                .node("MatMul", "fc1", List.of("x", "W1"), List.of("h"))
                .node("MatMul", "fc2", List.of("h", "Wh"), List.of("z")).bytes();
        OnnxModel m = OnnxModel.fromBytes("half", bytes);
        assertEquals(List.of("fc1"), m.layerNames());
        assertEquals(List.of(new OnnxModel.SkippedWeight("Wh", "fc2", "FLOAT16", 6, 12)), m.skippedWeights());
        assertEquals(6, m.otherParams());
        assertEquals(6 * 16, m.otherBits(), "FP16 weights are stored in 16 bits, not 32");
    }

    @Test
    void fingerprintChangesWithReplacedWeights() {
        OnnxModel m = OnnxModel.fromBytes("tiny", TinyOnnx.mlp(W1, W2).bytes());
        OnnxModel same = OnnxModel.fromBytes("tiny", TinyOnnx.mlp(W1, W2).bytes());
        assertEquals(m.fingerprint(), same.fingerprint());
        OnnxModel r = m.withWeights(Map.of("fc2/Gemm", WeightTensor.of(new float[6], new int[] {2, 3}, 0)));
        assertNotEquals(m.fingerprint(), r.fingerprint());
    }

    static float[] run(OnnxModel m, float[] x) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxRunner r = m.open(env, 1);
             OnnxTensor in = OnnxTensor.createTensor(env, new float[][] {x});
             OrtSession.Result res = r.session().run(Map.of("x", in))) {
            return ((float[][]) res.get(0).getValue())[0];
        }
    }

    static double[] reference(float[] x, float[] w1, float[] w2) {
        double[] h = new double[3];
        for (int j = 0; j < 3; j++) {
            for (int i = 0; i < 4; i++) {
                h[j] += (double) x[i] * w1[i * 3 + j];
            }
            h[j] = Math.max(0, h[j]);
        }
        double[] y = {0.5, -0.5};
        for (int o = 0; o < 2; o++) {
            for (int j = 0; j < 3; j++) {
                y[o] += h[j] * w2[o * 3 + j];
            }
        }
        return y;
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /**
     * A replaced Conv weight is what the session computes with: ONNX Runtime's ALL_OPT layout transformation ignored
     * addInitializer for Conv weights (the FP32 weight ran), so such sessions use EXTENDED_OPT. All-zero weights
     * must give all-zero outputs (no bias).
     */
    @Test
    void replacedConvWeightIsUsedBySessions() throws Exception {
        OnnxModel m = OnnxModel.fromBytes("conv", new TinyOnnx().input("x", 1, 2, 7, 7).output("z", 1, 4, 5, 5)
                .init("Wc", TinyOnnx.values(72, 4), 4, 2, 3, 3)
                .node("Conv", "conv", List.of("x", "Wc"), List.of("z"), "group", 1).bytes());
        OnnxModel zero = m.withWeights(Map.of("conv", WeightTensor.wrap(new float[72], new int[] {4, 2, 3, 3}, 0)));
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        for (OnnxModel model : List.of(m, zero)) {
            try (OnnxRunner r = model.open(env, 1);
                    OnnxTensor in = OnnxTensor.createTensor(env, java.nio.FloatBuffer.wrap(TinyOnnx.values(98, 3)),
                            new long[] {1, 2, 7, 7});
                    OrtSession.Result out = NativeSessions.GLOBAL.call(() -> r.session().run(Map.of("x", in)))) {
                java.nio.FloatBuffer fb = ((OnnxTensor) out.get(0)).getFloatBuffer();
                double max = 0;
                while (fb.hasRemaining()) {
                    max = Math.max(max, Math.abs(fb.get()));
                }
                if (model == zero) {
                    assertEquals(0.0, max, "zero weights give zero outputs");
                } else {
                    assertTrue(max > 0.1, "the FP32 conv computes something: " + max);
                }
            }
        }
    }
}
