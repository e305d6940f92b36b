package org.mixquant.methods.rounding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mixquant.model.LayerSite;
import org.mixquant.model.Djl;
import org.mixquant.tensor.WeightTensor;

class LayerReconstructionTest {
    /** float32 matmul and sums over ≤ 40 terms of O(1) values against a double reference. */
    static final double TOL = 1e-5;

    static float[] gaussian(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    @Test
    void lossIsTheMeanPerRowSquaredErrorAfterBiasAndActivation() {
        int rows = 10;
        int in = 6;
        int out = 4;
        float[] xq = gaussian(rows * in, 1);
        float[] xf = gaussian(rows * in, 2);
        float[] w = gaussian(in * out, 3);
        float[] w2 = gaussian(in * out, 4);
        float[] b = gaussian(out, 5);
        WeightTensor fp = WeightTensor.of(w, new int[] {in, out}, 1);
        try (NDManager m = Djl.engine().newBaseManager()) {
            LayerReconstruction rec = LayerReconstruction.create(m, xq, xf, fp, b, LayerSite.Activation.RELU);
            double expected = 0;
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < out; j++) {
                    double p = b[j];
                    double t = b[j];
                    for (int k = 0; k < in; k++) {
                        p += (double) xq[r * in + k] * w2[k * out + j];
                        t += (double) xf[r * in + k] * w[k * out + j];
                    }
                    double d = Math.max(p, 0) - Math.max(t, 0);
                    expected += d * d;
                }
            }
            expected /= rows;
            assertEquals(expected, rec.evaluate(fp.withData(w2)), TOL * expected);
            float[] targets = rec.targets();
            assertEquals(rows * out, targets.length);
            assertEquals(0, LayerReconstruction.create(m, xf, xf, fp, b, LayerSite.Activation.GELU).evaluate(fp),
                    0, "same inputs, same weights: exact reconstruction");
        }
    }

    @Test
    void relu6ClipsTheTargetsAndPredictionsAtSix() {
        int rows = 10;
        int in = 6;
        int out = 4;
        float[] xq = gaussian(rows * in, 6);
        float[] xf = gaussian(rows * in, 7);
        float[] w = gaussian(in * out, 8);
        float[] w2 = gaussian(in * out, 9);
        for (int i = 0; i < w.length; i++) {
            w[i] *= 4;  // outputs of a few units: many above 6, many below 0
            w2[i] *= 4;
        }
        WeightTensor fp = WeightTensor.of(w, new int[] {in, out}, 1);
        int clipped = 0;
        double expected = 0;
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < out; j++) {
                double p = 0;
                double t = 0;
                for (int k = 0; k < in; k++) {
                    p += (double) xq[r * in + k] * w2[k * out + j];
                    t += (double) xf[r * in + k] * w[k * out + j];
                }
                clipped += t > 6 ? 1 : 0;
                double d = Math.min(Math.max(p, 0), 6) - Math.min(Math.max(t, 0), 6);
                expected += d * d;
            }
        }
        expected /= rows;
        assertTrue(clipped >= 5, "the data reach the clip: " + clipped);
        try (NDManager m = Djl.engine().newBaseManager()) {
            LayerReconstruction rec = LayerReconstruction.create(m, xq, xf, fp, null, LayerSite.Activation.RELU6);
            assertEquals(expected, rec.evaluate(fp.withData(w2)), TOL * expected);
            for (float t : rec.targets()) {
                assertTrue(t >= 0 && t <= 6, "target " + t);
            }
        }
    }

    @Test
    void outInWeightsAreTransposed() {
        int rows = 8;
        float[] x = gaussian(rows * 5, 6);
        float[] w = gaussian(5 * 3, 7);
        float[] wt = new float[15];
        for (int k = 0; k < 5; k++) {
            for (int j = 0; j < 3; j++) {
                wt[j * 5 + k] = w[k * 3 + j];
            }
        }
        try (NDManager m = Djl.engine().newBaseManager()) {
            LayerReconstruction a = LayerReconstruction.create(m, x, x, WeightTensor.of(w, new int[] {5, 3}, 1), null,
                    LayerSite.Activation.IDENTITY);
            LayerReconstruction b = LayerReconstruction.create(m, x, x, WeightTensor.of(wt, new int[] {3, 5}, 0),
                    null, LayerSite.Activation.IDENTITY);
            assertArrayEquals(a.targets(), b.targets(), 1e-6f);
            assertEquals(rows, b.samples());
            assertEquals(5, b.inputs());
            assertEquals(3, b.outputs());
        }
    }

    @Test
    void rejectsMisfits() {
        WeightTensor w = WeightTensor.of(new float[12], new int[] {4, 3}, 1);
        try (NDManager m = Djl.engine().newBaseManager()) {
            assertThrows(IllegalArgumentException.class, () -> LayerReconstruction.create(m, new float[0],
                    new float[0], w, null, LayerSite.Activation.IDENTITY), "no rows");
            assertThrows(IllegalArgumentException.class, () -> LayerReconstruction.create(m, new float[7],
                    new float[7], w, null, LayerSite.Activation.IDENTITY), "not a multiple of the input width");
            assertThrows(IllegalArgumentException.class, () -> LayerReconstruction.create(m, new float[8],
                    new float[4], w, null, LayerSite.Activation.IDENTITY), "row counts differ");
            assertThrows(IllegalArgumentException.class, () -> LayerReconstruction.create(m, new float[8],
                    new float[8], w, new float[2], LayerSite.Activation.IDENTITY), "bias length");
            WeightTensor conv = WeightTensor.of(new float[16], new int[] {2, 2, 2, 2}, 0);
            assertThrows(IllegalArgumentException.class, () -> LayerReconstruction.create(m, new float[8],
                    new float[8], conv, null, LayerSite.Activation.IDENTITY), "convolutions are BRECQ's");
            LayerReconstruction ok = LayerReconstruction.create(m, new float[8], new float[8], w, null,
                    LayerSite.Activation.IDENTITY);
            assertThrows(IllegalArgumentException.class, () -> ok.loss(m, List.of(), null));
        }
    }
}
