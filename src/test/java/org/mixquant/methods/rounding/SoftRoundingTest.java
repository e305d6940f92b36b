package org.mixquant.methods.rounding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mixquant.model.Djl;
import org.mixquant.quant.FakeQuant;
import org.mixquant.quant.QParams;
import org.mixquant.quant.QuantSpec;
import org.mixquant.tensor.WeightTensor;

class SoftRoundingTest {
    /**
     * h(α₀) goes through float32 log (in double, then rounded), sigmoid, ×1.2 and −0.1: a few float32 ulps of values
     * in [0, 1], i.e. ≲ 3e-7; 1e-6 leaves a margin and is far below the 1/2^b steps that matter.
     */
    static final double FRACTION_TOL = 1e-6;

    static WeightTensor weights(long seed, int in, int out, int axis) {
        Random r = new Random(seed);
        float[] v = new float[in * out];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (0.1 * r.nextGaussian());
        }
        return WeightTensor.of(v, axis == 1 ? new int[] {in, out} : new int[] {out, in}, axis);
    }

    @Test
    void startsAtTheFractionalPartAndReproducesTheWeights() {
        for (int axis : new int[] {0, 1}) {
            WeightTensor w = weights(1, 24, 8, axis);
            QParams q = LpScaleSearch.choose(w, QuantSpec.asymmetric(4));
            try (NDManager m = Djl.engine().newBaseManager()) {
                SoftRounding r = SoftRounding.create(m, w, q);
                float[] h = r.rectifiedSigmoid().toFloatArray();
                float[] soft = r.softWeight().toFloatArray();
                for (int i = 0; i < h.length; i++) {
                    int c = w.channelOf(i);
                    float v = w.get(i) / q.scale(c);
                    double frac = v - Math.floor(v);
                    assertEquals(frac, h[i], FRACTION_TOL, "h(α₀) = frac(w/s) at " + i);
                    double code = Math.floor(v) + frac + q.zeroPoint(c);
                    if (code >= 0 && code <= 15) {
                        assertEquals(w.get(i), soft[i], FRACTION_TOL * q.scale(c) * 4,
                                "inside the grid the first soft weight is w");
                    }
                }
            }
        }
    }

    @Test
    void hardRoundingAtTheStartIsRoundingToNearest() {
        WeightTensor w = weights(2, 32, 16, 1);
        QParams q = LpScaleSearch.choose(w, QuantSpec.asymmetric(3));
        int[] nearest = new int[w.size()];
        FakeQuant.quantize(w, q, nearest);
        try (NDManager m = Djl.engine().newBaseManager()) {
            SoftRounding r = SoftRounding.create(m, w, q);
            int[] start = r.hardCodes();
            assertArrayEquals(start, r.nearestCodes());
            int ties = 0;
            for (int i = 0; i < start.length; i++) {
                if (start[i] != nearest[i]) {
                    float v = w.get(i) / q.scale(w.channelOf(i));
                    assertEquals(0.5, v - Math.floor(v), 1e-6, "only exact halves may differ (rint is half-even)");
                    ties++;
                }
            }
            assertTrue(ties <= 1, "random weights have (almost) no ties");
            WeightTensor hard = r.hardWeight();
            float[] fq = new float[w.size()];
            FakeQuant.apply(w, q, fq);
            assertArrayEquals(fq, hard.toArray(), 0f, "dequantized like FakeQuant");
            assertEquals(w.channelAxis(), hard.channelAxis());
        }
    }

    /**
     * Per-group parameters (G = 16 over an input dimension of 40: groups of 16, 16 and a ragged 8) are broadcast per
     * weight: the first soft weights reproduce w inside the grid with each weight's group scale, and hard rounding
     * at the start is FakeQuant's per-group rounding to nearest.
     */
    @Test
    void perGroupParametersAreBroadcastPerWeight() {
        for (int axis : new int[] {0, 1}) {
            WeightTensor w = weights(5, 40, 8, axis);
            QuantSpec spec = new QuantSpec(4, org.mixquant.quant.Scheme.ASYMMETRIC,
                    org.mixquant.quant.Granularity.perGroup(16));
            QParams q = LpScaleSearch.choose(w, spec);
            assertEquals(3, q.groups(), "⌈40 / 16⌉ groups");
            float[] fq = new float[w.size()];
            FakeQuant.apply(w, q, fq);
            try (NDManager m = Djl.engine().newBaseManager()) {
                SoftRounding r = SoftRounding.create(m, w, q);
                float[] soft = r.softWeight().toFloatArray();
                float[] scales = q.perElementScales(w);
                int[] zps = q.perElementZeroPoints(w);
                for (int i = 0; i < soft.length; i++) {
                    float v = w.get(i) / scales[i];
                    double code = Math.floor(v) + (v - Math.floor(v)) + zps[i];
                    if (code >= 0 && code <= 15) {
                        assertEquals(w.get(i), soft[i], FRACTION_TOL * scales[i] * 4, "axis " + axis + " at " + i);
                    }
                }
                float[] hard = r.hardWeight().toArray();
                int differ = 0;
                for (int i = 0; i < hard.length; i++) {
                    if (hard[i] != fq[i]) {
                        float v = w.get(i) / scales[i];
                        assertEquals(0.5, v - Math.floor(v), 1e-6, "only exact halves may differ");
                        differ++;
                    }
                }
                assertTrue(differ <= 1, "random weights have (almost) no ties");
            }
        }
    }

    @Test
    void hardCodesFollowTheSignOfAlphaAndStayOnTheGrid() {
        WeightTensor w = WeightTensor.of(new float[] {0.26f, 0.74f, -0.5f, 3f}, new int[] {1, 4}, 0);
        QParams q = QParams.of(QuantSpec.asymmetric(2), new float[] {0.5f}, new int[] {1});
        try (NDManager m = Djl.engine().newBaseManager()) {
            SoftRounding up = SoftRounding.create(m, w, q, new float[] {5, 5, 5, 5});
            // floor(w/s) = 0, 1, -1, 6; +1, +zp 1, clamp to 0..3
            assertArrayEquals(new int[] {2, 3, 1, 3}, up.hardCodes());
            SoftRounding down = SoftRounding.create(m, w, q, new float[] {-5, -5, -5, -5});
            assertArrayEquals(new int[] {1, 2, 0, 3}, down.hardCodes());
            assertArrayEquals(new float[] {0f, 0.5f, -0.5f, 1f}, down.hardWeight().toArray(), 0f);
            assertThrows(IllegalArgumentException.class, () -> SoftRounding.create(m, w, q, new float[3]));
        }
    }

    @Test
    void regulariserIsZeroAtHardValuesAndOneAtAHalf() {
        try (NDManager m = Djl.engine().newBaseManager()) {
            NDArray hard = m.create(new float[] {0, 1, 1, 0});
            assertEquals(0f, SoftRounding.regulariser(hard, 20).getFloat(), 0f);
            NDArray half = m.create(new float[] {0.5f, 0.5f});
            assertEquals(2f, SoftRounding.regulariser(half, 2).getFloat(), 0f);
            NDArray quarter = m.create(new float[] {0.25f});
            // 1 - |2·0.25 - 1|^2 = 0.75; with β = 20 almost 1
            assertEquals(0.75f, SoftRounding.regulariser(quarter, 2).getFloat(), 1e-7f);
            assertTrue(SoftRounding.regulariser(quarter, 20).getFloat() > 0.999f);
        }
    }

    @Test
    void gradientsFlowToAlphaOnly() {
        WeightTensor w = weights(3, 8, 4, 1);
        QParams q = LpScaleSearch.choose(w, QuantSpec.asymmetric(4));
        try (NDManager m = Djl.engine().newBaseManager();
             ai.djl.training.GradientCollector gc = Djl.engine().newGradientCollector()) {
            SoftRounding r = SoftRounding.create(m, w, q);
            gc.backward(r.softWeight().sum());
            float[] g = r.alpha().getGradient().toFloatArray();
            double norm = 0;
            for (float v : g) {
                norm += Math.abs(v);
            }
            assertTrue(norm > 0, "α receives a gradient");
        }
    }
}
