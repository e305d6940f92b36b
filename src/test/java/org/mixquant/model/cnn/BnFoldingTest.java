package org.mixquant.model.cnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mixquant.tensor.WeightTensor;
import org.mixquant.model.Djl;

class BnFoldingTest {
    /**
     * Folded and unfolded outputs are each computed in double from float inputs, so they differ only by the float32
     * rounding of the folded weights and bias (relative 2^-24 each): over 2·3·3 = 18 products of size ≤ 10 that is
     * below 1e-5.
     */
    static final double MATH_TOL = 1e-5;
    /** libtorch float32: conv(x, W·s) + b vs BN(conv(x, W)) reassociate products; |y| ≤ ~20 here, ulp ~2e-6. */
    static final double DJL_TOL = 2e-5;

    private static WeightTensor rand(Random r, int[] shape, double lo, double hi) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return WeightTensor.wrap(a, shape, 0);
    }

    /** A tiny conv 2→3 channels, 3×3, stride 1, padding 1, on a 4×4 input, with its BatchNorm. */
    private record Tiny(ConvSpec spec, WeightTensor w, WeightTensor g, WeightTensor b, WeightTensor mu,
            WeightTensor var, float[] x) {
        static Tiny make(long seed) {
            Random r = new Random(seed);
            ConvSpec c = ConvSpec.dense("c", "bn", 2, 3, 3, 1);
            float[] x = new float[2 * 16];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            return new Tiny(c, rand(r, c.weightShape(), -1, 1), rand(r, new int[] {3}, 0.5, 2),
                    rand(r, new int[] {3}, -1, 1), rand(r, new int[] {3}, -0.5, 0.5), rand(r, new int[] {3}, 0.1, 3),
                    x);
        }
    }

    /** Naive conv (stride 1, pad 1, 3×3) in double: out[co][i][j] for a 2×4×4 input. */
    private static double[] conv(float[] w, float[] bias, float[] x) {
        double[] out = new double[3 * 16];
        for (int co = 0; co < 3; co++) {
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    double s = bias == null ? 0 : bias[co];
                    for (int ci = 0; ci < 2; ci++) {
                        for (int ki = 0; ki < 3; ki++) {
                            for (int kj = 0; kj < 3; kj++) {
                                int ii = i + ki - 1;
                                int jj = j + kj - 1;
                                if (ii >= 0 && ii < 4 && jj >= 0 && jj < 4) {
                                    s += (double) w[((co * 2 + ci) * 3 + ki) * 3 + kj] * x[(ci * 4 + ii) * 4 + jj];
                                }
                            }
                        }
                    }
                    out[(co * 4 + i) * 4 + j] = s;
                }
            }
        }
        return out;
    }

    @Test
    void foldedConvEqualsConvThenBatchNormInDouble() {
        Tiny t = Tiny.make(1);
        WeightTensor[] f = BnFolding.fold(t.w(), t.g(), t.b(), t.mu(), t.var(), CnnNetwork.BN_EPS);
        double[] plain = conv(t.w().toArray(), null, t.x());
        double[] folded = conv(f[0].toArray(), f[1].toArray(), t.x());
        for (int co = 0; co < 3; co++) {
            double s = t.g().get(co) / Math.sqrt(t.var().get(co) + CnnNetwork.BN_EPS);
            for (int k = 0; k < 16; k++) {
                double bn = (plain[co * 16 + k] - t.mu().get(co)) * s + t.b().get(co);
                assertEquals(bn, folded[co * 16 + k], MATH_TOL, "channel " + co + " pixel " + k);
            }
        }
    }

    @Test
    void identityBatchNormLeavesTheWeights() {
        Tiny t = Tiny.make(2);
        float eps = CnnNetwork.BN_EPS;
        WeightTensor ones = WeightTensor.wrap(new float[] {1, 1, 1}, new int[] {3}, 0);
        WeightTensor zeros = WeightTensor.wrap(new float[3], new int[] {3}, 0);
        WeightTensor var = WeightTensor.wrap(new float[] {1 - eps, 1 - eps, 1 - eps}, new int[] {3}, 0);
        WeightTensor[] f = BnFolding.fold(t.w(), ones, zeros, zeros, var, eps);
        // (1 - eps) + eps is exactly 1 in double, so the scale is exactly 1
        assertArrayEquals(t.w().toArray(), f[0].toArray(), 0f);
        assertArrayEquals(new float[3], f[1].toArray(), 0f);
    }

    @Test
    void foldingInDjlMatchesBatchNormInference() {
        Tiny t = Tiny.make(3);
        WeightTensor[] f = BnFolding.fold(t.w(), t.g(), t.b(), t.mu(), t.var(), CnnNetwork.BN_EPS);
        try (NDManager m = Djl.engine().newBaseManager()) {
            Map<String, NDArray> p = new HashMap<>();
            p.put("c.weight", CnnRunner.toNd(m, t.w()));
            p.put("bn.weight", CnnRunner.toNd(m, t.g()));
            p.put("bn.bias", CnnRunner.toNd(m, t.b()));
            p.put("bn.running_mean", CnnRunner.toNd(m, t.mu()));
            p.put("bn.running_var", CnnRunner.toNd(m, t.var()));
            Map<String, NDArray> q = new HashMap<>();
            q.put("c.weight", CnnRunner.toNd(m, f[0]));
            q.put("c.bias", CnnRunner.toNd(m, f[1]));
            NDArray x = m.create(t.x(), new Shape(1, 2, 4, 4));
            float[] bn = new CnnRunner.BnOps(p, false).conv(t.spec(), x).toFloatArray();
            float[] folded = new CnnRunner.FoldedOps(q).conv(t.spec(), x).toFloatArray();
            for (int i = 0; i < bn.length; i++) {
                assertEquals(bn[i], folded[i], DJL_TOL, "element " + i);
            }
            // the BatchNorm in inference mode did not touch its running statistics
            assertArrayEquals(t.var().toArray(), p.get("bn.running_var").toFloatArray(), 0f);
        }
    }

    @Test
    void rejectsMismatchedOrNonPositiveVariance() {
        Tiny t = Tiny.make(4);
        WeightTensor two = WeightTensor.wrap(new float[2], new int[] {2}, 0);
        assertThrows(IllegalArgumentException.class, () -> BnFolding.fold(t.w(), two, t.b(), t.mu(), t.var(), 1e-5));
        WeightTensor neg = WeightTensor.wrap(new float[] {1, -1, 1}, new int[] {3}, 0);
        assertThrows(IllegalArgumentException.class, () -> BnFolding.fold(t.w(), t.g(), t.b(), t.mu(), neg, 1e-5));
    }

    @Test
    void foldingDoesNotChangeItsInput() {
        CnnWeights w = CnnWeights.init(CnnNetwork.mobilenetv2(), 9);
        byte[] before = w.toBytes();
        BnFolding.fold(CnnNetwork.mobilenetv2(), w);
        assertArrayEquals(before, w.toBytes());
    }
}
