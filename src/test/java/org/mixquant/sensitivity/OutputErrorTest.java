package org.mixquant.sensitivity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mixquant.data.NamedArrays;
import org.mixquant.data.NpyArray;
import org.mixquant.data.NpzFiles;
import org.mixquant.model.TinyOnnx;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.progress.Progress;
import org.mixquant.quant.Bits;
import org.mixquant.quant.FakeQuant;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.QuantSpec;
import org.mixquant.quant.Scheme;
import org.mixquant.search.CostTable;
import org.mixquant.tensor.WeightTensor;

class OutputErrorTest {
    /**
     * ONNX Runtime's float32 MatMul against the double sums here: the outputs differ by ~1e-7 of |y|, the 8-bit noise
     * is ~1e-3 of |y|, so the noise power is right to ~1e-4 relative; 1e-3 leaves room.
     */
    static final double REL_TOL = 1e-3;

    /**
     * {@code y = x·W} (MatMul, W {@code [4, 3]}), plus a MatMul {@code x·D} whose output feeds no graph output. By
     * hand: cost(W, b) = Σ‖x(Ŵ − W)‖² / Σ‖xW‖², cost(D, b) = 0 at every b.
     */
    static OnnxModel linearWithADeadBranch() {
        return OnnxModel.fromBytes("linear.onnx", new TinyOnnx()
                .input("x", OnnxMl.TensorProto.DataType.FLOAT, -1, 4).output("y", OnnxMl.TensorProto.DataType.FLOAT, -1,
                        3)
                .init("W", TinyOnnx.values(12, 5), 4, 3).init("D", TinyOnnx.values(8, 6), 4, 2)
                .node("MatMul", "fc", List.of("x", "W"), List.of("y"))
                .node("MatMul", "dead", List.of("x", "D"), List.of("z")).bytes());
    }

    static NamedArrays inputs(long seed, int n) {
        return new NamedArrays("x" + seed + ".npz", Map.of("x", NpzFiles.random("x", seed, n, 4)));
    }

    @Test
    void aLayerTheOutputIgnoresCostsNothingAndTheOtherItsNormalisedOutputError() throws Exception {
        OnnxModel m = linearWithADeadBranch();
        NamedArrays in = inputs(1, 16);
        try (OutputError d = OutputError.create(m, in, 1)) {
            CostTable t = MeasuredCost.compute(m, d, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, Progress.NONE);
            String fc = m.layerNames().stream().filter(n -> n.contains("fc")).findFirst().orElseThrow();
            String dead = m.layerNames().stream().filter(n -> n.contains("dead")).findFirst().orElseThrow();
            float[] x = in.get("x").floats();
            WeightTensor w = m.layer(fc).weight();
            for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                assertEquals(0.0, t.cost(t.indexOf(dead), b), 0.0, "ignored layer at " + b + " bits");
                WeightTensor q = FakeQuant.apply(w, new QuantSpec(b, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL));
                double expected = noiseToSignal(x, w.unsafeData(), q.unsafeData());
                assertEquals(expected, t.cost(t.indexOf(fc), b), REL_TOL * expected, "fc at " + b + " bits");
            }
            assertTrue(t.cost(t.indexOf(fc), 2) > t.cost(t.indexOf(fc), 8));
            assertEquals(0.0, d.measure(m), 0.0, "FP32 against itself");
            assertEquals(16, d.samples());
        }
    }

    /** Σ_i ‖x_i(Ŵ − W)‖² / Σ_i ‖x_i W‖² for {@code x [n, 4]}, W {@code [4, 3]} row-major, in double. */
    private static double noiseToSignal(float[] x, float[] w, float[] q) {
        double noise = 0;
        double signal = 0;
        for (int i = 0; i < x.length / 4; i++) {
            for (int o = 0; o < 3; o++) {
                double y = 0;
                double e = 0;
                for (int k = 0; k < 4; k++) {
                    y += (double) x[i * 4 + k] * w[k * 3 + o];
                    e += (double) x[i * 4 + k] * (q[k * 3 + o] - w[k * 3 + o]);
                }
                signal += y * y;
                noise += e * e;
            }
        }
        return noise / signal;
    }

    /** With two graph outputs every layer reaches one, each run is of the whole model, and both outputs count. */
    @Test
    void twoOutputsBothCount() throws Exception {
        OnnxModel m = OnnxModel.fromBytes("two.onnx", new TinyOnnx()
                .input("x", OnnxMl.TensorProto.DataType.FLOAT, -1, 4)
                .output("y", OnnxMl.TensorProto.DataType.FLOAT, -1, 3)
                .output("z", OnnxMl.TensorProto.DataType.FLOAT, -1, 2)
                .init("W", TinyOnnx.values(12, 5), 4, 3).init("D", TinyOnnx.values(8, 6), 4, 2)
                .node("MatMul", "fc", List.of("x", "W"), List.of("y"))
                .node("MatMul", "side", List.of("x", "D"), List.of("z")).bytes());
        try (OutputError d = OutputError.create(m, inputs(3, 8), 1)) {
            CostTable t = MeasuredCost.compute(m, d, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, Progress.NONE);
            for (int i = 0; i < t.size(); i++) {
                assertTrue(t.cost(i, 2) > t.cost(i, 8) && t.cost(i, 8) > 0, t.layers().get(i));
            }
        }
    }

    /** The cache key names the calibration data by content: other arrays, another key; equal arrays, the same. */
    @Test
    void theCacheKeyChangesWithTheCalibrationArrays() throws Exception {
        OnnxModel m = linearWithADeadBranch();
        try (OutputError a = OutputError.create(m, inputs(1, 8), 1);
                OutputError same = OutputError.create(m, inputs(1, 8), 1);
                OutputError other = OutputError.create(m, inputs(2, 8), 1);
                OutputError fewer = OutputError.create(m, inputs(1, 8).slice(0, 4), 1)) {
            String k = MeasuredCost.key(a, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);
            assertEquals(k, MeasuredCost.key(same, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL));
            assertNotEquals(k, MeasuredCost.key(other, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL));
            assertNotEquals(k, MeasuredCost.key(fewer, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL));
            assertTrue(other.calibration().contains("sha256="), other.calibration());
        }
    }

    @Test
    void allZeroOutputsAreRefusedWithOneLine() {
        OnnxModel m = linearWithADeadBranch();
        NamedArrays zeros = new NamedArrays("zeros.npz", Map.of("x", NpyArray.ofFloats("x", new float[8], 2, 4)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OutputError.create(m, zeros,
                1));
        assertTrue(e.getMessage().contains("are all zero"), e.getMessage());
    }
}
