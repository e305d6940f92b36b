package org.mixquant.methods;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.QuantSpec;
import org.mixquant.tensor.WeightTensor;

/** {@link GptqLayer}: the factorisation, block-size invariance and bad inputs (tiny, singular, non-finite). */
class GptqLayerTest {
    /** Double round-off on a well-conditioned 40 × 40 matrix (condition number ~10). */
    static final double FACTOR_TOL = 1e-10;

    private static float[] gaussian(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    @Test
    void upperFactorTimesItselfIsTheInverse() {
        int n = 40;
        Random r = new Random(3);
        double[] h = GptqLayer.hessian(gaussian(r, 400 * n), 400, n);
        double lambda = 0.5;
        double[] u = GptqLayer.upperCholeskyOfInverse(h, n, lambda);
        // (UᵀU)(H + λI) = I
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    double utu = 0;
                    for (int m = 0; m <= Math.min(i, k); m++) {
                        utu += u[m * n + i] * u[m * n + k];
                    }
                    s += utu * (h[k * n + j] + (k == j ? lambda : 0));
                }
                assertEquals(i == j ? 1 : 0, s, FACTOR_TOL, "(" + i + "," + j + ")");
            }
            for (int j = 0; j < i; j++) {
                assertEquals(0, u[i * n + j], "upper triangular");
            }
        }
    }

    @Test
    void blockSizeOnlyChangesTheOrderOfUpdates() {
        Random r = new Random(5);
        int out = 24;
        int in = 100;
        float[] w = gaussian(r, out * in);
        double[] h = GptqLayer.hessian(gaussian(r, 300 * in), 300, in);
        QuantSpec spec = QuantSpec.asymmetric(3);
        GptqLayer.Result big = GptqLayer.solve(w, out, in, h, spec, GptqOptions.defaults());
        GptqLayer.Result small = GptqLayer.solve(w, out, in, h, spec, GptqOptions.defaults().withBlockSize(7)
                .withThreads(2));
        int diff = 0;
        for (int i = 0; i < w.length; i++) {
            diff += big.codes()[i] != small.codes()[i] ? 1 : 0;
        }
        assertTrue(diff <= w.length / 1000, diff + " codes differ between blocks of 128 and 7");
        assertEquals(big.errorSum(), small.errorSum(), 1e-9 * big.errorSum());
    }

    @Test
    void gptqBeatsNearestOnItsOwnLoss() {
        Random r = new Random(8);
        int out = 16;
        int in = 64;
        float[] w = gaussian(r, out * in);
        // correlated inputs: where error feedback helps most
        float[] x = new float[500 * in];
        for (int i = 0; i < 500; i++) {
            double common = r.nextGaussian();
            for (int j = 0; j < in; j++) {
                x[i * in + j] = (float) (common + 0.3 * r.nextGaussian());
            }
        }
        double[] h = GptqLayer.hessian(x, 500, in);
        QuantSpec spec = QuantSpec.asymmetric(3);
        for (GptqOptions o : List.of(GptqOptions.defaults(), GptqOptions.defaults().withActOrder(true),
                GptqOptions.defaults().withGroupSize(16), GptqOptions.defaults().withGroupSize(16)
                        .withActOrder(true))) {
            GptqLayer.Result g = GptqLayer.solve(w, out, in, h, spec, o);
            float[] near = new float[w.length];
            Gptq.nearestInto(w, out, in, spec, o.groupSize(), near);
            double lg = GptqLayer.layerLoss(w, g.weights(), out, in, h);
            double ln = GptqLayer.layerLoss(w, near, out, in, h);
            assertTrue(lg < 0.5 * ln, o.describe() + ": gptq " + lg + " vs nearest " + ln);
            assertTrue(o.groupSize() == 0 || o.actOrder() == o.staticGroups(), "act-order forces static groups");
        }
    }

    @Test
    void tinyCalibrationIsDampedAndReportedNeverNaN() {
        Random r = new Random(11);
        int out = 8;
        int in = 64;
        int rows = 5; // fewer rows than columns: XᵀX has rank 5
        float[] w = gaussian(r, out * in);
        double[] h = GptqLayer.hessian(gaussian(r, rows * in), rows, in);
        List<String> warnings = new ArrayList<>();
        WeightTensor wt = WeightTensor.of(w, new int[] {out, in}, 0);
        Gptq.LayerResult res = Gptq.quantizeWeight("tiny", wt, List.of(h), rows, QuantSpec.asymmetric(4),
                GptqOptions.defaults(), warnings);
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("5 calibration rows for 64 input columns"), warnings.get(0));
        for (int i = 0; i < w.length; i++) {
            assertTrue(Float.isFinite(res.weight().get(i)), "finite weight " + i);
        }
        assertTrue(res.gptqLoss() <= res.nearestLoss(), res.gptqLoss() + " vs " + res.nearestLoss());
    }

    @Test
    void allZeroInputsAreDeadColumnsWithZeroWeights() {
        int out = 4;
        int in = 10;
        float[] w = gaussian(new Random(2), out * in);
        double[] h = new double[in * in]; // X = 0: every column dead
        GptqLayer.Result r = GptqLayer.solve(w, out, in, h, QuantSpec.asymmetric(4), GptqOptions.defaults());
        assertEquals(in, r.deadColumns());
        for (float v : r.weights()) {
            assertEquals(0f, v, "a dead input's weight becomes 0 (the reference does the same)");
        }
    }

    @Test
    void aFailedFactorisationGetsMoreDampingWithAWarningThenAClearError() {
        int in = 3;
        int out = 2;
        float[] w = {0.1f, -0.2f, 0.3f, 0.4f, 0.5f, -0.6f};
        // indefinite: eigenvalues 1, 1, -0.5 (mean diagonal 0.5): 1% dampening is not enough, 10% neither, 100%
        // (0.5) neither, 1000% (5) is
        double[] h = {1, 0, 0, 0, 1, 0, 0, 0, -0.5};
        GptqLayer.Result r = GptqLayer.solve(w, out, in, h, QuantSpec.asymmetric(4), GptqOptions.defaults()
                .withDamp(0.01));
        assertEquals(3, r.warnings().size(), r.warnings().toString());
        assertTrue(r.warnings().get(0).contains("Cholesky factorisation failed"), r.warnings().get(0));
        assertEquals(10.0, r.dampFraction(), 1e-12);
        for (float v : r.weights()) {
            assertTrue(Float.isFinite(v));
        }
        // strongly indefinite: no dampening up to 10^4 × helps
        double[] bad = {1, 0, 0, 0, 1, 0, 0, 0, -1e6};
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> GptqLayer.solve(w, out, in, bad,
                QuantSpec.asymmetric(4), GptqOptions.defaults()));
        assertTrue(e.getMessage().contains("not positive definite"), e.getMessage());
    }

    @Test
    void nonFiniteHessianIsAClearError() {
        double[] h = {1, 0, 0, Double.NaN};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GptqLayer.solve(
                new float[] {1, 2}, 1, 2, h, QuantSpec.asymmetric(4), GptqOptions.defaults()));
        assertTrue(e.getMessage().contains("non-finite"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GptqLayer.solve(new float[] {1, 2, 3}, 1, 2,
                new double[4], QuantSpec.asymmetric(4), GptqOptions.defaults()));
    }

    @Test
    void optionsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> GptqOptions.defaults().withDamp(0));
        assertThrows(IllegalArgumentException.class, () -> GptqOptions.defaults().withBlockSize(0));
        assertThrows(IllegalArgumentException.class, () -> GptqOptions.defaults().withGroupSize(-1));
        assertEquals("block 128, damp 0.01, act-order, groups of 32 (static)",
                GptqOptions.defaults().withActOrder(true).withGroupSize(32).describe());
    }

    @Test
    void blocksOfOnnxLayerNames() {
        assertEquals("/encoder/layer.3", Gptq.block("/encoder/layer.3/attention/self/query/MatMul"));
        assertEquals("/encoder/layer.11", Gptq.block("/encoder/layer.11/output/dense/MatMul"));
        assertEquals("/model/layers.0", Gptq.block("/model/layers.0/mlp/up_proj/MatMul"));
        assertEquals("/pooler/dense/MatMul", Gptq.block("/pooler/dense/MatMul"));
        assertEquals("/head/MatMul", Gptq.block("/head/MatMul"));
    }

    @Test
    void matMulWeightsAreTransposedAndRestored() {
        Random r = new Random(4);
        int in = 20;
        int out = 6;
        float[] w = gaussian(r, in * out); // ONNX MatMul [in, out], channel axis 1
        WeightTensor mm = WeightTensor.of(w, new int[] {in, out}, 1);
        double[] h = GptqLayer.hessian(gaussian(r, 100 * in), 100, in);
        Gptq.LayerResult res = Gptq.quantizeWeight("mm", mm, List.of(h), 100, QuantSpec.asymmetric(8),
                GptqOptions.defaults(), new ArrayList<>());
        assertArrayEquals(new int[] {in, out}, res.weight().shape());
        assertEquals(1, res.weight().channelAxis());
        for (int i = 0; i < w.length; i++) {
            // at 8 bits every weight stays within a few steps of the original
            assertEquals(w[i], res.weight().get(i), 0.1, "weight " + i);
        }
    }

    @Test
    void aPerGroupPlanRunsGptqWithItsGroups() {
        GptqOptions o = GptqOptions.defaults();
        assertEquals(0, Gptq.optionsFor(o, Granularity.PER_CHANNEL).groupSize());
        assertEquals(64, Gptq.optionsFor(o, Granularity.perGroup(64)).groupSize());
        assertEquals(64, Gptq.optionsFor(o.withGroupSize(64), Granularity.perGroup(64))
                .groupSize());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gptq.optionsFor(o.withGroupSize(32), Granularity.perGroup(64)));
        assertTrue(e.getMessage().contains("32") && e.getMessage().contains("64"), e.getMessage());
    }

    @Test
    void oneLayerAloneReportsNearestAndGptqLossesOnItsOwnInputs() {
        Random r = new Random(5);
        int in = 24;
        int out = 8;
        int rows = 200;
        float[] w = gaussian(r, in * out); // ONNX MatMul [in, out]
        float[] x = gaussian(r, rows * in);
        float[] wBefore = w.clone();
        float[] xBefore = x.clone();
        WeightTensor mm = WeightTensor.of(w, new int[] {in, out}, 1);
        QuantSpec spec = QuantSpec.asymmetric(3);
        Gptq.LayerReport rep = Gptq.layer("mm", mm, x, rows, spec, GptqOptions.defaults());
        double[] h = GptqLayer.hessian(x, rows, in);
        Gptq.LayerResult direct = Gptq.quantizeWeight("mm", mm, List.of(h), rows, spec, GptqOptions.defaults(),
                new ArrayList<>());
        // same computation, same order: equal to the last bit
        assertEquals(direct.gptqLoss(), rep.gptqLoss(), 0.0);
        // nearest: each output channel on its own min-max grid, loss Σ δᵀ(H/2)δ computed independently here
        float[] wt = Gptq.transpose(w, in, out);
        float[] nearest = org.mixquant.quant.FakeQuant.apply(WeightTensor.of(wt, new int[] {out, in}, 0), spec)
                .toArray();
        assertEquals(GptqLayer.layerLoss(wt, nearest, out, in, h), rep.nearestLoss(), 0.0);
        assertTrue(rep.gptqLoss() < rep.nearestLoss(), rep.gptqLoss() + " vs " + rep.nearestLoss());
        assertEquals(rows, rep.rows());
        assertEquals(in, rep.columns());
        assertEquals(3, rep.bits());
        Gptq.LayerReport grouped = Gptq.layer("mm", mm, x, rows,
                spec.withGranularity(Granularity.perGroup(8)), GptqOptions.defaults());
        assertTrue(grouped.nearestLoss() < rep.nearestLoss(), "groups of 8 lower nearest's loss");
        assertArrayEquals(wBefore, w, 0f);
        assertArrayEquals(xBefore, x, 0f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gptq.layer("mm", mm, x, rows + 1, spec, GptqOptions.defaults()));
        assertTrue(e.getMessage().contains("mm") && e.getMessage().contains("24"), e.getMessage());
    }
}
