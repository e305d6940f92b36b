package org.mixquant.methods.rounding;

import org.mixquant.quant.Granularity;
import org.mixquant.quant.QParams;
import org.mixquant.quant.QuantSpec;
import org.mixquant.quant.Scheme;
import org.mixquant.tensor.WeightTensor;

/**
 * Scale initialisation by shrinking the min-max range to the lowest L<sub>p</sub> rounding error, as BRECQ's
 * {@code UniformAffineQuantizer} with {@code scale_method='mse'} does (yhhhli/BRECQ {@code quant/quant_layer.py},
 * following LAPQ, p = 2.4), per output channel (or once per tensor, or per group of input-dimension weights when the
 * spec is per-group: each group is searched like a channel).
 *
 * <p>For each channel, with range {@code [lo, hi]} ({@code lo = min(min w, 0)}, {@code hi = max(max w, 0)} for
 * asymmetric; {@code hi = max|w|} for symmetric), every factor {@code f = 1 - 0.01·i}, {@code i = 0 .. 79} (1.00 down
 * to 0.21, BRECQ's grid), is tried: the range {@code [f·lo, f·hi]} gives a scale and zero-point by DESIGN.md's
 * conventions ({@code scale = (f·hi - f·lo) / (2^b - 1)}, {@code zp = clamp(rint(-f·lo / scale), 0, 2^b - 1)};
 * symmetric {@code scale = f·max|w| / (2^(b-1) - 1)}), the channel is fake-quantized with them (round half to
 * even, see {@link org.mixquant.quant.FakeQuant}) and the one with the smallest {@code Σ|w - ŵ|^p} wins; ties go
 * to the larger range, as BRECQ's strict {@code <} does. A zero-range channel keeps scale 1 and zero-point 0.
 *
 * <p>Differences from BRECQ, on purpose: the range always includes 0 (DESIGN.md; BRECQ's search does not clamp, which
 * only matters for a channel whose weights all have one sign), the zero-point is clamped to the grid, and the
 * error is summed in double, so near-ties can resolve differently from BRECQ's float32 mean.
 */
public final class LpScaleSearch {
    /** The norm BRECQ and LAPQ use: p = 2.4. */
    public static final double P = 2.4;
    /** Number of shrink factors tried: {@code 1 - 0.01·i} for {@code i = 0 .. 79}. */
    public static final int FACTORS = 80;
    /** Step between shrink factors. */
    public static final double STEP = 0.01;

    private LpScaleSearch() {
    }

    /**
     * Scales and zero-points for {@code w} under {@code spec}, by BRECQ's grid and p = 2.4. Pure: {@code w} is not
     * modified.
     */
    public static QParams choose(WeightTensor w, QuantSpec spec) {
        return choose(w, spec, P, FACTORS);
    }

    /**
     * Scales and zero-points for {@code w} under {@code spec}, trying the first {@code factors} shrink factors
     * {@code 1 - 0.01·i} with the L<sub>p</sub> error {@code Σ|w - ŵ|^p}.
     *
     * @param p       norm exponent, &gt; 0
     * @param factors how many factors to try, 1..100 (1 gives min-max)
     * @throws IllegalArgumentException for a bad {@code p} or {@code factors}
     */
    public static QParams choose(WeightTensor w, QuantSpec spec, double p, int factors) {
        if (!(p > 0) || Double.isInfinite(p)) {
            throw new IllegalArgumentException("p must be positive and finite, got " + p);
        }
        if (factors < 1 || factors > 100) {
            throw new IllegalArgumentException("factors must be in 1..100, got " + factors);
        }
        Granularity g = spec.granularity();
        int pairs = (int) g.paramCount(w);
        int groups = g.groups(w);
        float[] scale = new float[pairs];
        int[] zp = new int[pairs];
        int maxLen = g.isPerTensor() ? w.size() : Math.min(Granularity.inputDim(w),
                g.isPerGroup() ? g.groupSize() : Integer.MAX_VALUE);
        // channels (groups) are independent: search them in parallel (each writes only its own entries)
        java.util.stream.IntStream.range(0, pairs).parallel().forEach(k -> {
            float[] buf = new float[maxLen];
            int len = gather(w, g, groups, k, buf);
            searchChannel(len == maxLen ? buf : java.util.Arrays.copyOf(buf, len), spec, p, factors, scale, zp, k);
        });
        return QParams.of(spec, groups, scale, zp);
    }

    /**
     * {@code Σ|w - ŵ|^p} of fake-quantizing {@code w} with {@code q} (summed in double).
     *
     * @throws IllegalArgumentException if the parameters' channel count does not fit the tensor
     */
    public static double lpError(WeightTensor w, QParams q, double p) {
        q.checkFits(w);
        Granularity g = q.count() == 1 ? Granularity.PER_TENSOR
                : q.groups() > 1 ? q.spec().granularity() : Granularity.PER_CHANNEL;
        float[] buf = new float[q.count() == 1 ? w.size() : Granularity.inputDim(w)];
        double sum = 0;
        for (int k = 0; k < q.count(); k++) {
            int len = gather(w, g, q.groups(), k, buf);
            sum += lpOf(java.util.Arrays.copyOf(buf, len), q.scale(k), q.zeroPoint(k), q.spec().qmin(),
                    q.spec().qmax(), p, Double.MAX_VALUE);
        }
        return sum;
    }

    /**
     * Copies the values of parameter pair {@code k} ({@link QParams} layout: the whole tensor, channel {@code k}, or
     * group {@code k / channels} of channel {@code k % channels}) into {@code buf} (modified) in input-dimension
     * order; returns how many.
     */
    private static int gather(WeightTensor w, Granularity g, int groups, int k, float[] buf) {
        float[] x = w.unsafeData();
        if (g.isPerTensor()) {
            System.arraycopy(x, 0, buf, 0, x.length);
            return x.length;
        }
        int outer = w.outer();
        int channels = w.channels();
        int inner = w.inner();
        int c = k % channels;
        int from = 0;
        int to = outer * inner;
        if (groups > 1) {
            from = (k / channels) * g.groupSize();
            to = Math.min(to, from + g.groupSize());
        }
        int n = 0;
        for (int j = from; j < to; ) { // input index j = o * inner + i
            int o = j / inner;
            int i = j % inner;
            int len = Math.min(inner - i, to - j);
            System.arraycopy(x, (o * channels + c) * inner + i, buf, n, len);
            n += len;
            j += len;
        }
        return n;
    }

    private static void searchChannel(float[] x, QuantSpec spec, double p, int factors, float[] scale, int[] zp,
            int c) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        float maxAbs = 0f;
        for (float v : x) {
            min = Math.min(min, v);
            max = Math.max(max, v);
            maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        boolean asym = spec.scheme() == Scheme.ASYMMETRIC;
        float lo = asym ? Math.min(min, 0f) : -maxAbs;
        float hi = asym ? Math.max(max, 0f) : maxAbs;
        if (hi - lo == 0f) {
            scale[c] = 1f;
            zp[c] = 0;
            return;
        }
        double best = Double.POSITIVE_INFINITY;
        float[] s = new float[1];
        int[] z = new int[1];
        for (int i = 0; i < factors; i++) {
            float f = (float) (1.0 - i * STEP);
            fromRange(spec, lo * f, hi * f, s, z);
            double err = lpOf(x, s[0], z[0], spec.qmin(), spec.qmax(), p, best);
            if (err < best) {
                best = err;
                scale[c] = s[0];
                zp[c] = z[0];
            }
        }
    }

    /** Scale and zero-point of the range {@code [lo, hi]} (DESIGN.md conventions), written to {@code s[0], z[0]}. */
    static void fromRange(QuantSpec spec, float lo, float hi, float[] s, int[] z) {
        if (spec.scheme() == Scheme.ASYMMETRIC) {
            float sc = Math.max((hi - lo) / (float) spec.qmax(), Float.MIN_NORMAL);
            float zf = (float) Math.rint(-lo / sc);
            s[0] = sc;
            z[0] = (int) Math.min(Math.max(zf, 0f), (float) spec.qmax());
        } else {
            s[0] = Math.max(hi / (float) spec.qmax(), Float.MIN_NORMAL);
            z[0] = 0;
        }
    }

    /**
     * {@code Σ|x - ŵ|^p} for one scale and zero-point; stops early (returning a value ≥ {@code bound}) once the sum
     * reaches {@code bound}, since such a candidate cannot win.
     */
    private static double lpOf(float[] x, float scale, int zp, int qmin, int qmax, double p, double bound) {
        float inv = 1f / scale;
        float z = zp;
        float lo = qmin;
        float hi = qmax;
        boolean square = p == 2.0;
        double half = p / 2;
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            float v = x[i];
            float q = Math.min(Math.max((float) Math.rint(v * inv) + z, lo), hi);
            double d = v - (q - z) * scale;
            double d2 = d * d;
            if (d2 != 0) {
                sum += square ? d2 : Math.pow(d2, half);
            }
            if ((i & 1023) == 1023 && sum >= bound) {
                return sum;
            }
        }
        return sum;
    }
}
