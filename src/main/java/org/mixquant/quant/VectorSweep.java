package org.mixquant.quant;

import java.util.Arrays;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ErrorSweep}'s inner loops on {@code jdk.incubator.vector}: the only class of the toolkit that refers to the
 * Vector API, loaded only when {@link SweepKernel#VECTOR} is {@linkplain SweepKernel#available() available} (a JVM
 * without the module never resolves it). Each method has the signature and the result of the scalar method of the
 * same name in {@link ErrorSweep} (the range reductions: in {@link org.mixquant.tensor.ChannelOps}, used by
 * {@link QParams}), which it calls for the tail that does not fill a whole vector.
 *
 * <p><b>Same value per weight.</b> Per lane the kernel computes {@code c = min(max(v * inv, lo), hi)}, rounds it half
 * to even with {@code (c + 1.5·2²³) − 1.5·2²³}, and forms {@code d = v − r * scale} with a separate multiply and
 * subtract (never a fused multiply-add), all in float32 like the scalar {@code rint}, clamp, multiply, subtract:
 * <ul>
 * <li>Clamping before rounding gives the scalar result (rounding after clamping): {@code lo} and {@code hi} are
 * integers ({@code qmin − zp}, {@code qmax − zp}), and rint is non-decreasing and fixes integers, so for
 * {@code x < lo}: {@code rint(x) ≤ lo}, both give {@code lo}; for {@code x > hi} both give {@code hi}; in between both
 * give {@code rint(x)}. NaN stays NaN in both (lane-wise max/min are {@link Math#max}/{@link Math#min}).</li>
 * <li>The add/subtract rounds exactly: after the clamp {@code |c| ≤ 255 < 2²²}, so {@code c + 1.5·2²³} lies in
 * [2²³, 2²⁴), where float32's spacing is exactly 1: the sum is rounded to an integer half to even (IEEE default
 * rounding) and the subtraction is exact. Without the clamp first the trick alone is not rint from 2²² on: the sum
 * leaves [2²³, 2²⁴), where the spacing is no longer 1 — from 2²⁴ up it is 2, so an odd integer such as 2²² + 1 comes
 * back even (2²²); below 2²³ it is ½ or less, so −(2²² + ½) comes back unrounded. Such products (|v·inv| ≥ 2²², up to
 * ±∞: min-max scales never give them, other parameters could) are already integers or halves far outside
 * [lo, hi] (|lo|, |hi| ≤ 255), so the clamp maps them to {@code lo} or {@code hi} before the trick sees them —
 * exactly the code the scalar path's clamp after rint gives. ({@code VectorSweepTest} checks the trick's failure
 * alone, and the codes of such products against the scalar ones.) Subnormal products round to 0 like rint.</li>
 * <li>The only difference: rint(−0.3) is −0.0 and the trick gives +0.0; {@code r * scale} is then ±0 and
 * {@code v − (±0) = v} (up to the sign of a zero {@code d}), so {@code d²} is the same.</li>
 * </ul>
 *
 * <p><b>Double accumulation.</b> {@code d} is a float, so {@code d·d} is exact in double (48 ≤ 53 significant bits);
 * each float vector is widened to two double vectors (lower and upper half of the lanes) whose squares are added
 * with {@code fma} (exact product, one rounding: the same as the scalar {@code acc += (double) d * d}). The lanes
 * hold partial sums that are added at the end, so a sum differs from the scalar one only in the order of adding the
 * same non-negative terms: by at most n·2⁻⁵³ relative for n terms.
 */
final class VectorSweep {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Same vector size as {@link #F}: half as many lanes, so one float vector widens to parts 0 and 1. */
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** 1.5·2²³: adding and subtracting it rounds a float of magnitude below 2²² to an integer, half to even. */
    static final float ROUND = 0x1.8p23f;

    private VectorSweep() {
    }

    /** Floats per vector (the preferred species of this machine). */
    static int lanes() {
        return F.length();
    }

    /** The clamped, rounded code {@code min(max(rint(v * inv), lo), hi)} of each lane (see the class comment). */
    private static FloatVector code(FloatVector v, FloatVector inv, FloatVector lo, FloatVector hi) {
        return v.mul(inv).max(lo).min(hi).add(ROUND).sub(ROUND);
    }

    /** {@code acc + d²} over lane half {@code part} (0 or 1) of {@code d}, in double. */
    private static DoubleVector addSquares(FloatVector d, int part, DoubleVector acc) {
        DoubleVector h = (DoubleVector) d.convertShape(VectorOperators.F2D, D, part);
        return h.fma(h, acc);
    }

    /** Vector form of {@link ErrorSweep#rowError}: element j of the row has channel j's parameters. */
    static double rowError(float[] x, int base, int channels, float[] inv, float[] scale, float[] lo, float[] hi,
            int pOff) {
        DoubleVector acc0 = DoubleVector.zero(D);
        DoubleVector acc1 = DoubleVector.zero(D);
        int j = 0;
        for (int bound = F.loopBound(channels); j < bound; j += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, base + j);
            FloatVector r = code(v, FloatVector.fromArray(F, inv, pOff + j), FloatVector.fromArray(F, lo, pOff + j),
                    FloatVector.fromArray(F, hi, pOff + j));
            FloatVector d = v.sub(r.mul(FloatVector.fromArray(F, scale, pOff + j)));
            acc0 = addSquares(d, 0, acc0);
            acc1 = addSquares(d, 1, acc1);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD)
                + ErrorSweep.rowError(x, base + j, channels - j, inv, scale, lo, hi, pOff + j);
    }

    /** Vector form of {@link ErrorSweep#segmentError}: a run of values with one scale and zero-point. */
    static double segmentError(float[] x, int start, int len, float inv, float scale, float lo, float hi) {
        FloatVector vInv = FloatVector.broadcast(F, inv);
        FloatVector vScale = FloatVector.broadcast(F, scale);
        FloatVector vLo = FloatVector.broadcast(F, lo);
        FloatVector vHi = FloatVector.broadcast(F, hi);
        DoubleVector acc0 = DoubleVector.zero(D);
        DoubleVector acc1 = DoubleVector.zero(D);
        int i = start;
        for (int end = start + F.loopBound(len); i < end; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            FloatVector d = v.sub(code(v, vInv, vLo, vHi).mul(vScale));
            acc0 = addSquares(d, 0, acc0);
            acc1 = addSquares(d, 1, acc1);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD)
                + ErrorSweep.segmentError(x, i, start + len - i, inv, scale, lo, hi);
    }

    /** Vector form of {@link ErrorSweep#sumSquares}: Σ x² over {@code [start, start + len)} in double. */
    static double sumSquares(float[] x, int start, int len) {
        DoubleVector acc0 = DoubleVector.zero(D);
        DoubleVector acc1 = DoubleVector.zero(D);
        int i = start;
        for (int end = start + F.loopBound(len); i < end; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            acc0 = addSquares(v, 0, acc0);
            acc1 = addSquares(v, 1, acc1);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD) + ErrorSweep.sumSquares(x, i, start + len - i);
    }

    /**
     * Vector form of {@link org.mixquant.tensor.ChannelOps#minMax} (same arguments, same result: lane-wise and
     * across-lane min/max have {@link Math#min}/{@link Math#max} semantics, so order does not matter, −0.0 &lt; 0.0
     * and NaN wins). {@code min} and {@code max} are modified.
     */
    static void minMax(float[] x, int outer, int channels, int inner, float[] min, float[] max) {
        Arrays.fill(min, 0, channels, Float.POSITIVE_INFINITY);
        Arrays.fill(max, 0, channels, Float.NEGATIVE_INFINITY);
        if (inner == 1) { // channel axis last: lanes run across channels, rows one after the other
            int bound = F.loopBound(channels);
            for (int o = 0; o < outer; o++) {
                int base = o * channels;
                int c = 0;
                for (; c < bound; c += F.length()) {
                    FloatVector v = FloatVector.fromArray(F, x, base + c);
                    FloatVector.fromArray(F, min, c).min(v).intoArray(min, c);
                    FloatVector.fromArray(F, max, c).max(v).intoArray(max, c);
                }
                for (; c < channels; c++) {
                    min[c] = Math.min(min[c], x[base + c]);
                    max[c] = Math.max(max[c], x[base + c]);
                }
            }
            return;
        }
        for (int o = 0; o < outer; o++) {
            for (int c = 0; c < channels; c++) {
                int start = (o * channels + c) * inner;
                FloatVector lo = FloatVector.broadcast(F, Float.POSITIVE_INFINITY);
                FloatVector hi = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
                int i = start;
                for (int end = start + F.loopBound(inner); i < end; i += F.length()) {
                    FloatVector v = FloatVector.fromArray(F, x, i);
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
                float l = Math.min(min[c], lo.reduceLanes(VectorOperators.MIN));
                float h = Math.max(max[c], hi.reduceLanes(VectorOperators.MAX));
                for (int end = start + inner; i < end; i++) {
                    l = Math.min(l, x[i]);
                    h = Math.max(h, x[i]);
                }
                min[c] = l;
                max[c] = h;
            }
        }
    }

    /**
     * Vector form of {@link org.mixquant.tensor.ChannelOps#maxAbs} (same arguments, same result). {@code maxAbs}
     * is modified.
     */
    static void maxAbs(float[] x, int outer, int channels, int inner, float[] maxAbs) {
        Arrays.fill(maxAbs, 0, channels, 0f);
        if (inner == 1) { // channel axis last: lanes run across channels
            int bound = F.loopBound(channels);
            for (int o = 0; o < outer; o++) {
                int base = o * channels;
                int c = 0;
                for (; c < bound; c += F.length()) {
                    FloatVector.fromArray(F, maxAbs, c).max(FloatVector.fromArray(F, x, base + c).abs())
                            .intoArray(maxAbs, c);
                }
                for (; c < channels; c++) {
                    maxAbs[c] = Math.max(maxAbs[c], Math.abs(x[base + c]));
                }
            }
            return;
        }
        for (int o = 0; o < outer; o++) {
            for (int c = 0; c < channels; c++) {
                int start = (o * channels + c) * inner;
                FloatVector m = FloatVector.zero(F);
                int i = start;
                for (int end = start + F.loopBound(inner); i < end; i += F.length()) {
                    m = m.max(FloatVector.fromArray(F, x, i).abs());
                }
                float r = Math.max(maxAbs[c], m.reduceLanes(VectorOperators.MAX));
                for (int end = start + inner; i < end; i++) {
                    r = Math.max(r, Math.abs(x[i]));
                }
                maxAbs[c] = r;
            }
        }
    }

    /**
     * Writes the code {@code min(max(rint(x[i] * inv[pOff + i]), lo[pOff + i]), hi[pOff + i])} (that is,
     * {@code q − zp}) of each value of {@code x[0, len)} to {@code out[0, len)}, with the rounding step of
     * {@link #rowError} and {@link #segmentError} (vector body, {@link ErrorSweep#code} for the tail): lets tests
     * compare the kernel's rounding value by value with the scalar one. Needs integer {@code lo}, {@code hi} with
     * |lo|, |hi| < 2²² (the sweep's are at most 255). {@code out} is modified; nothing else is.
     */
    static void codes(float[] x, int len, float[] inv, float[] lo, float[] hi, int pOff, float[] out) {
        int i = 0;
        for (int bound = F.loopBound(len); i < bound; i += F.length()) {
            code(FloatVector.fromArray(F, x, i), FloatVector.fromArray(F, inv, pOff + i),
                    FloatVector.fromArray(F, lo, pOff + i), FloatVector.fromArray(F, hi, pOff + i)).intoArray(out, i);
        }
        for (; i < len; i++) {
            out[i] = ErrorSweep.code(x[i], inv[pOff + i], lo[pOff + i], hi[pOff + i]);
        }
    }
}
