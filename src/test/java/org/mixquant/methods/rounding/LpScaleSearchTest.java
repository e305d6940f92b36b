package org.mixquant.methods.rounding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mixquant.quant.FakeQuant;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.QParams;
import org.mixquant.quant.QuantSpec;
import org.mixquant.quant.Scheme;
import org.mixquant.tensor.WeightTensor;

class LpScaleSearchTest {
    /** A [in=48, out=16] MatMul weight, Gaussian with a few large outliers per channel (as FFN weights have). */
    static WeightTensor weights(long seed) {
        Random r = new Random(seed);
        float[] v = new float[48 * 16];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (0.05 * r.nextGaussian());
            if (r.nextInt(40) == 0) {
                v[i] *= 8;
            }
        }
        return WeightTensor.of(v, new int[] {48, 16}, 1);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4, 5, 6, 7, 8})
    void neverWorseThanMinMaxInLpError(int bits) {
        for (Scheme scheme : Scheme.values()) {
            for (Granularity g : org.mixquant.quant.TestGranularities.all()) {
                QuantSpec spec = new QuantSpec(bits, scheme, g);
                WeightTensor w = weights(bits);
                double searched = LpScaleSearch.lpError(w, LpScaleSearch.choose(w, spec), LpScaleSearch.P);
                double minMax = LpScaleSearch.lpError(w, QParams.choose(w, spec), LpScaleSearch.P);
                assertTrue(searched <= minMax, spec + ": " + searched + " > min-max " + minMax);
                if (bits <= 4) {
                    assertTrue(searched < minMax, spec + ": outliers make shrinking pay off at low bits");
                }
            }
        }
    }

    @Test
    void oneFactorIsExactlyMinMax() {
        WeightTensor w = weights(1);
        for (Scheme scheme : Scheme.values()) {
            QuantSpec spec = new QuantSpec(4, scheme, Granularity.PER_CHANNEL);
            QParams a = LpScaleSearch.choose(w, spec, LpScaleSearch.P, 1);
            QParams b = QParams.choose(w, spec);
            assertArrayEquals(b.scales(), a.scales(), 0f, scheme + " scales");
            assertArrayEquals(b.zeroPoints(), a.zeroPoints(), scheme + " zero-points");
        }
    }

    /** Brute force over BRECQ's grid in the test, channel by channel, with FakeQuant doing the rounding. */
    @Test
    void picksTheBestFactorOfBrecqsGrid() {
        WeightTensor w = weights(2);
        QuantSpec spec = QuantSpec.asymmetric(3);
        QParams got = LpScaleSearch.choose(w, spec);
        float[] col = new float[48];
        float[] out = new float[48];
        for (int c = 0; c < 16; c++) {
            float min = 0;
            float max = 0;
            for (int i = 0; i < 48; i++) {
                col[i] = w.get(i * 16 + c);
                min = Math.min(min, col[i]);
                max = Math.max(max, col[i]);
            }
            double best = Double.POSITIVE_INFINITY;
            float bestScale = 0;
            for (int i = 0; i < 80; i++) {
                float f = (float) (1.0 - 0.01 * i);
                float s = (max * f - min * f) / 7f;
                int z = (int) Math.min(Math.max(Math.rint(-(min * f) / s), 0), 7);
                FakeQuant.applyRange(col, 0, 48, s, z, 0, 7, out);
                double err = 0;
                for (int k = 0; k < 48; k++) {
                    err += Math.pow(Math.abs(col[k] - out[k]), 2.4);
                }
                if (err < best) {
                    best = err;
                    bestScale = s;
                }
            }
            assertEquals(bestScale, got.scale(c), 0f, "channel " + c);
        }
    }

    @Test
    void zeroChannelsStayExactAndTheInputIsUnchanged() {
        float[] v = {0, 0.5f, 0, -0.25f, 0, 1f};
        WeightTensor w = WeightTensor.of(v, new int[] {3, 2}, 1);
        float[] before = w.toArray();
        QParams q = LpScaleSearch.choose(w, QuantSpec.asymmetric(4));
        assertEquals(1f, q.scale(0), "all-zero channel: scale 1");
        assertEquals(0, q.zeroPoint(0));
        assertEquals(0, LpScaleSearch.lpError(w.withData(new float[] {0, 0, 0, 0, 0, 0}), q, 2.4));
        assertArrayEquals(before, w.toArray(), 0f);
    }

    @Test
    void rejectsBadArguments() {
        WeightTensor w = weights(3);
        QuantSpec spec = QuantSpec.asymmetric(4);
        assertThrows(IllegalArgumentException.class, () -> LpScaleSearch.choose(w, spec, 0, 80));
        assertThrows(IllegalArgumentException.class, () -> LpScaleSearch.choose(w, spec, 2.4, 0));
        assertThrows(IllegalArgumentException.class, () -> LpScaleSearch.choose(w, spec, 2.4, 101));
        assertThrows(IllegalArgumentException.class, () -> QuantSpec.asymmetric(9), "bits outside 2..8");
        assertThrows(IllegalArgumentException.class, () -> QuantSpec.asymmetric(1), "bits outside 2..8");
    }

    /**
     * Per-group search is the per-tensor search of each group on its own: groups of a conv-like [out, in, kh, kw]
     * tensor (input dimension 27, G = 8: groups of 8, 8, 8 and a ragged 3) and of an [in, out] tensor (rows), copied
     * out in input-dimension order, give the same scale and zero-point bit for bit.
     */
    @Test
    void perGroupSearchesEachGroupLikeATensor() {
        java.util.Random r = new java.util.Random(7);
        for (int[] shapeAxis : new int[][] {{4, 3, 3, 3, 0}, {27, 5, 1}}) {
            int axis = shapeAxis[shapeAxis.length - 1];
            int[] shape = java.util.Arrays.copyOf(shapeAxis, shapeAxis.length - 1);
            float[] v = new float[java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (r.nextGaussian() * (i % 11 == 0 ? 4 : 1));
            }
            WeightTensor w = WeightTensor.of(v, shape, axis);
            QuantSpec spec = new QuantSpec(3, Scheme.ASYMMETRIC, Granularity.perGroup(8));
            QParams q = LpScaleSearch.choose(w, spec);
            int channels = w.channels();
            int d = Granularity.inputDim(w);
            assertEquals(4, q.groups());
            for (int c = 0; c < channels; c++) {
                for (int g = 0; g < q.groups(); g++) {
                    int from = g * 8;
                    int to = Math.min(d, from + 8);
                    float[] group = new float[to - from];
                    for (int j = from; j < to; j++) { // input index j = o * inner + i
                        int o = j / w.inner();
                        int i = j % w.inner();
                        group[j - from] = v[(o * channels + c) * w.inner() + i];
                    }
                    QParams alone = LpScaleSearch.choose(WeightTensor.vector(group),
                            new QuantSpec(3, Scheme.ASYMMETRIC, Granularity.PER_TENSOR));
                    int k = q.index(c, g);
                    assertEquals(Float.floatToIntBits(alone.scale(0)), Float.floatToIntBits(q.scale(k)),
                            java.util.Arrays.toString(shape) + " channel " + c + " group " + g);
                    assertEquals(alone.zeroPoint(0), q.zeroPoint(k));
                }
            }
            // lpError subtracts in float32, the sum below in double: 1e-6 relative covers the per-term rounding
            assertEquals(LpScaleSearch.lpError(w, q, LpScaleSearch.P), sumOfGroupErrors(w, q), 1e-6
                    * LpScaleSearch.lpError(w, q, LpScaleSearch.P));
        }
    }

    /** Σ|w − ŵ|^p from FakeQuant's per-group values. */
    private static double sumOfGroupErrors(WeightTensor w, QParams q) {
        float[] out = new float[w.size()];
        org.mixquant.quant.FakeQuant.apply(w, q, out);
        double s = 0;
        for (int i = 0; i < out.length; i++) {
            s += Math.pow(Math.abs((double) w.get(i) - out[i]), LpScaleSearch.P);
        }
        return s;
    }
}
