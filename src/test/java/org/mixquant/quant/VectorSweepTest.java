package org.mixquant.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.mixquant.quant.FakeQuantOracleTest.assertBitsEqual;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.mixquant.tensor.WeightTensor;

/**
 * {@link VectorSweep} against the scalar reference in {@link ErrorSweep}: per-layer SSE and Σw² within
 * {@link #SSE_REL_TOL}, and the same code for every value (which the SSE cannot show: an exact tie has the same
 * squared error on either side). Tensors cover ties (values exactly half a step from two codes), zero-range channels,
 * subnormals, huge values, lengths that are not a multiple of the vector length, per-tensor and per-channel,
 * symmetric and asymmetric, and both unit layouts (rows when the channel axis is last, channel segments otherwise).
 */
class VectorSweepTest {
    /**
     * The two kernels add the same non-negative double terms (each d² exact) in another order: they differ by at most
     * 2·n·2⁻⁵³ relative, below 1e-7 for the n ≤ 10⁵ values of these tensors; 1e-7 is the bound per layer.
     */
    static final double SSE_REL_TOL = 1e-7;

    private static final long SEED = 12L;

    @BeforeAll
    static void vectorKernelRuns() {
        assertTrue(SweepKernel.VECTOR.available(), "Surefire's argLine adds jdk.incubator.vector");
    }

    /** A named tensor for the comparison. */
    record Case(String name, WeightTensor w) {
    }

    static List<Case> cases() {
        int l = VectorSweep.lanes();
        Random rnd = new Random(SEED);
        List<Case> cs = new ArrayList<>();
        // Rows (channel axis last): row lengths around the vector length and with a tail.
        for (int channels : new int[] {1, l - 1, l, l + 1, 3 * l + 5, 67}) {
            if (channels >= 1) {
                cs.add(new Case("gauss rows C=" + channels, gauss(rnd, new int[] {9, channels}, 1)));
                cs.add(new Case("ties rows C=" + channels, ties(rnd, new int[] {7, channels}, 1)));
            }
        }
        // Segments (channel axis first / middle): inner lengths below, at, above the vector length, over a chunk.
        for (int inner : new int[] {1, l - 1, l + 3, 2 * l, ErrorSweep.SEGMENT_CHUNK + l + 1}) {
            cs.add(new Case("gauss segments inner=" + inner, gauss(rnd, new int[] {5, inner}, 0)));
            cs.add(new Case("ties segments inner=" + inner, ties(rnd, new int[] {4, inner}, 0)));
        }
        cs.add(new Case("conv [6,3,3,3]", gauss(rnd, new int[] {6, 3, 3, 3}, 0)));
        cs.add(new Case("middle axis [3,5,13]", gauss(rnd, new int[] {3, 5, 13}, 1)));
        // Per-tensor chunks: a short array and one with a partial last chunk.
        cs.add(new Case("gauss 1-D n=" + (2 * ErrorSweep.TENSOR_CHUNK + 2 * l + 3),
                gauss(rnd, new int[] {1, 2 * ErrorSweep.TENSOR_CHUNK + 2 * l + 3}, 0)));
        cs.add(new Case("zero-range channels", zeroRange(rnd, l)));
        cs.add(new Case("zero-range channels, axis last", zeroRange(rnd, l).withChannelAxis(1)));
        cs.add(new Case("subnormals", subnormals(rnd, l)));
        cs.add(new Case("subnormals, axis last", subnormals(rnd, l).withChannelAxis(1)));
        cs.add(new Case("huge values", huge(rnd, l)));
        cs.add(new Case("huge values, axis last", huge(rnd, l).withChannelAxis(1)));
        return cs;
    }

    @TestFactory
    Stream<DynamicNode> sweepEqualsScalarReference() {
        return cases().stream().map(c -> DynamicContainer.dynamicContainer(c.name(), Stream.of(Scheme.values())
                .flatMap(s -> TestGranularities.all().stream().map(g -> DynamicTest.dynamicTest(s + " " + g, () -> {
                    float[] before = c.w().toArray();
                    ErrorSweep.Result scalar = ErrorSweep.sweep(c.w(), s, g, SweepKernel.SCALAR);
                    ErrorSweep.Result vector = ErrorSweep.sweep(c.w(), s, g, SweepKernel.VECTOR);
                    String at = c.name() + " " + s + " " + g;
                    for (int k = 0; k < Bits.COUNT; k++) {
                        assertClose(scalar.sse()[k], vector.sse()[k], at + " int" + (Bits.MIN + k));
                    }
                    assertClose(scalar.sumSquares(), vector.sumSquares(), at + " Σw²");
                    assertEquals(scalar.count(), vector.count(), at);
                    assertBitsEqual(before, c.w().toArray(), at + ": input unchanged");
                })))));
    }

    /**
     * The vector range reductions (min/max, max|w|) give the scalar parameters bit for bit, so both kernels quantize
     * every value with the same scale, clamp range and reciprocal.
     */
    @TestFactory
    Stream<DynamicNode> parametersEqualScalarOnes() {
        return cases().stream().map(c -> DynamicContainer.dynamicContainer(c.name(), Stream.of(Scheme.values())
                .flatMap(s -> TestGranularities.all().stream().map(g -> DynamicTest.dynamicTest(s + " " + g, () -> {
                    ErrorSweep.Prepared scalar = ErrorSweep.prepare(c.w(), s, g, SweepKernel.SCALAR);
                    ErrorSweep.Prepared vector = ErrorSweep.prepare(c.w(), s, g, SweepKernel.VECTOR);
                    String at = c.name() + " " + s + " " + g;
                    assertBitsEqual(scalar.scale, vector.scale, at + ": scales");
                    assertBitsEqual(scalar.inv, vector.inv, at + ": reciprocals");
                    assertBitsEqual(scalar.lo, vector.lo, at + ": clamp lows");
                    assertBitsEqual(scalar.hi, vector.hi, at + ": clamp highs");
                })))));
    }

    /**
     * The rounding step of the vector kernel gives the scalar code for every value of every case, with each value's
     * parameters for every bit-width. Codes are compared as numbers: the scalar rint keeps the sign of a negative
     * value that rounds to zero (−0.0), the add/subtract gives +0.0; {@code (±0)·scale} subtracted from v gives the
     * same d², so the sweep cannot differ.
     */
    @TestFactory
    Stream<DynamicNode> codesEqualScalarCodes() {
        return cases().stream().map(c -> DynamicContainer.dynamicContainer(c.name(), Stream.of(Scheme.values())
                .flatMap(s -> TestGranularities.all().stream().map(g -> DynamicTest.dynamicTest(s + " " + g, () -> {
                    ErrorSweep.Prepared p = ErrorSweep.prepare(c.w(), s, g, SweepKernel.VECTOR);
                    for (int k = 0; k < Bits.COUNT; k++) {
                        assertCodesEqual(c.w(), p, k, c.name() + " " + s + " " + g + " int" + (Bits.MIN + k));
                    }
                })))));
    }

    /**
     * On PyTorch's golden cases, the vector codes plus the zero-point are {@link FakeQuant#quantize}'s integer codes,
     * and code × scale is torch's fake-quantized value bit for bit (but for the sign of a zero, see
     * {@link #codesEqualScalarCodes}).
     */
    @TestFactory
    Stream<DynamicTest> codesMatchTorchGoldenFile() {
        return FakeQuantOracleTest.Golden.cases().stream().map(c -> DynamicTest.dynamicTest(c.displayName(), () -> {
            WeightTensor w = c.tensor();
            for (FakeQuantOracleTest.Golden.Config k : c.configs()) {
                String at = c.name() + " " + k.displayName();
                ErrorSweep.Prepared p = ErrorSweep.prepare(w, k.scheme(), k.granularity(), SweepKernel.VECTOR);
                int b = k.bits() - Bits.MIN;
                float[] code = vectorCodes(w, p, b);
                int[] q = new int[w.size()];
                FakeQuant.quantize(w, QParams.choose(w, k.spec()), q);
                float[] scale = perValue(w, p, p.scale, b);
                for (int i = 0; i < q.length; i++) {
                    float zp = k.zeroPoint()[p.pairOf(i)];
                    assertEquals(q[i], (int) (code[i] + zp), at + ": code at " + i);
                    float deq = code[i] * scale[i];
                    if (!(deq == k.out()[i])) {
                        fail(at + ": dequantized value at " + i + ": " + deq + " vs torch " + k.out()[i]);
                    }
                }
            }
        }));
    }

    /**
     * The add/subtract rounding alone is wrong from 2²² on (why the kernel clamps first, see {@link VectorSweep}): an
     * odd integer above 2²² comes back even, a half below −2²² comes back unrounded. Below 2²² it is rint.
     */
    @Test
    void roundingTrickAloneFailsFrom2pow22() {
        float odd = 0x1p22f + 1f;
        assertEquals(0x1p22f, (odd + VectorSweep.ROUND) - VectorSweep.ROUND, "odd integer above 2^22");
        assertNotEquals(Math.rint(odd), (double) ((odd + VectorSweep.ROUND) - VectorSweep.ROUND));
        float half = -(0x1p22f + 0.5f);
        assertEquals(half, (half + VectorSweep.ROUND) - VectorSweep.ROUND, "half below -2^22 stays a half");
        assertNotEquals(Math.rint(half), (double) ((half + VectorSweep.ROUND) - VectorSweep.ROUND));
        // Below 2^22 it is rint exactly, ties to even included.
        for (float x : new float[] {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 254.5f, -255.5f, 0x1p22f - 0.5f,
                -(0x1p22f - 0.5f), 0x1p22f - 1f, 1e-40f, -1e-40f}) {
            assertEquals((float) Math.rint(x), (x + VectorSweep.ROUND) - VectorSweep.ROUND, 0f, "x = " + x);
        }
    }

    /**
     * Products of any size — halves and odd integers from 2²² up, ±∞, NaN, subnormals — get the scalar code, in the
     * vector body and in the tail, for clamp ranges like the sweep's (integers within ±255).
     */
    @Test
    void hugeProductsGetTheScalarCode() {
        float[] specials = {0x1p22f + 1f, 0x1p22f + 0.5f, -(0x1p22f + 0.5f), -(0x1p22f + 1f), 0x1p23f + 1f,
            -0x1p23f - 3f, 0x1p24f, 3.0e38f, -3.0e38f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
            Float.MIN_VALUE, -Float.MIN_VALUE, 1e-40f, 126.5f, 127.5f, -127.5f, -128.5f, 255.5f, 0.5f, -0.5f, 1.5f};
        int n = 5 * VectorSweep.lanes() + 3;
        float[][] ranges = {{-127, 127}, {0, 255}, {-255, 0}, {-128, 127}, {-1, 2}};
        for (float[] range : ranges) {
            for (float inv : new float[] {1f, 0.5f, 3f, 0x1p100f}) {
                float[] x = new float[n];
                for (int i = 0; i < n; i++) {
                    x[i] = specials[i % specials.length];
                }
                float[] invs = fill(n, inv);
                float[] lo = fill(n, range[0]);
                float[] hi = fill(n, range[1]);
                float[] out = new float[n];
                VectorSweep.codes(x, n, invs, lo, hi, 0, out);
                for (int i = 0; i < n; i++) {
                    float want = ErrorSweep.code(x[i], inv, range[0], range[1]);
                    String at = "x = " + x[i] + ", inv = " + inv + ", range " + range[0] + ".." + range[1];
                    if (Float.isNaN(want)) {
                        assertTrue(Float.isNaN(out[i]), at + ": NaN stays NaN");
                    } else {
                        assertEquals(want, out[i], 0f, at);
                    }
                }
            }
        }
    }

    // --- helpers ----------------------------------------------------------------------------------------------------

    private static void assertClose(double scalar, double vector, String what) {
        double err = Math.abs(vector - scalar);
        if (!(err <= SSE_REL_TOL * Math.abs(scalar))) {
            fail(what + ": scalar " + scalar + " vs vector " + vector + " (relative " + err / Math.abs(scalar)
                    + " > " + SSE_REL_TOL + ")");
        }
    }

    private static void assertCodesEqual(WeightTensor w, ErrorSweep.Prepared p, int k, String at) {
        float[] x = w.toArray();
        float[] got = vectorCodes(w, p, k);
        float[] inv = perValue(w, p, p.inv, k);
        float[] lo = perValue(w, p, p.lo, k);
        float[] hi = perValue(w, p, p.hi, k);
        for (int i = 0; i < x.length; i++) {
            float want = ErrorSweep.code(x[i], inv[i], lo[i], hi[i]);
            if (!(want == got[i])) {
                fail(at + ": value " + x[i] + " at " + i + ": scalar code " + want + ", vector " + got[i]);
            }
        }
    }

    /** The vector codes of every value of {@code w} at bit-width index {@code k}, over the whole array at once. */
    private static float[] vectorCodes(WeightTensor w, ErrorSweep.Prepared p, int k) {
        float[] out = new float[w.size()];
        VectorSweep.codes(w.toArray(), w.size(), perValue(w, p, p.inv, k), perValue(w, p, p.lo, k),
                perValue(w, p, p.hi, k), 0, out);
        return out;
    }

    /** Each value's entry of a per-(bit, channel) parameter array of {@code p}. */
    private static float[] perValue(WeightTensor w, ErrorSweep.Prepared p, float[] param, int k) {
        float[] v = new float[w.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = param[k * p.channels + p.pairOf(i)];
        }
        return v;
    }

    private static int channelOf(WeightTensor w, int i) {
        return (i / w.inner()) % w.channels();
    }

    private static float[] fill(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private static int size(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    private static WeightTensor gauss(Random rnd, int[] shape, int axis) {
        float[] x = new float[size(shape)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextGaussian() * 0.05);
        }
        return WeightTensor.of(x, shape, axis);
    }

    /**
     * Values on quarter steps whose int8 scale is exactly 1, so every value at .5 is an exact tie at int8: even
     * channels span exactly −128..127 (asymmetric scale 255/255), odd channels −127..127 (symmetric scale 127/127);
     * per tensor the range is −128..127. Channels with one value only get no fixed ends (any value is then exact).
     */
    private static WeightTensor ties(Random rnd, int[] shape, int axis) {
        WeightTensor t = WeightTensor.of(new float[size(shape)], shape, axis);
        float[] x = new float[t.size()];
        int[] seen = new int[t.channels()];
        for (int i = 0; i < x.length; i++) {
            int c = channelOf(t, i);
            float bottom = c % 2 == 0 ? -128f : -127f;
            if (seen[c] == 0) {
                x[i] = bottom;
            } else if (seen[c] == 1) {
                x[i] = 127f;
            } else {
                x[i] = bottom + rnd.nextInt(4 * (int) (127f - bottom)) / 4f;
            }
            seen[c]++;
        }
        return WeightTensor.of(x, shape, axis);
    }

    /** Four channels of length 2·lanes + 3, two of them all zeros (zero range: the sweep's error is exactly 0). */
    private static WeightTensor zeroRange(Random rnd, int l) {
        int inner = 2 * l + 3;
        float[] x = new float[4 * inner];
        for (int i = 0; i < inner; i++) {
            x[i] = (float) rnd.nextGaussian();
            x[2 * inner + i] = (float) rnd.nextGaussian() * 1e-3f;
        }
        return WeightTensor.of(x, new int[] {4, inner}, 0);
    }

    /** Channels of subnormal values only, and subnormals mixed with normal values. */
    private static WeightTensor subnormals(Random rnd, int l) {
        int inner = 3 * l + 1;
        float[] x = new float[3 * inner];
        for (int i = 0; i < inner; i++) {
            x[i] = Float.MIN_VALUE * (rnd.nextInt(2001) - 1000);                       // subnormal only
            x[inner + i] = i % 2 == 0 ? Float.MIN_VALUE * rnd.nextInt(1 << 20) : (float) rnd.nextGaussian();
            x[2 * inner + i] = Float.MIN_NORMAL * (float) rnd.nextGaussian() * 0.5f;    // around the edge
        }
        return WeightTensor.of(x, new int[] {3, inner}, 0);
    }

    /** Values near 10³⁷ (squares overflow float, not double) next to ordinary ones. */
    private static WeightTensor huge(Random rnd, int l) {
        int inner = 2 * l + 1;
        float[] x = new float[3 * inner];
        for (int i = 0; i < inner; i++) {
            x[i] = (float) (rnd.nextGaussian() * 1e37);
            x[inner + i] = i == 0 ? 1.5e38f : (float) rnd.nextGaussian();
            x[2 * inner + i] = (float) rnd.nextGaussian() * 1e30f;
        }
        return WeightTensor.of(x, new int[] {3, inner}, 0);
    }
}
