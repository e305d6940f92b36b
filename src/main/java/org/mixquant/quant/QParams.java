package org.mixquant.quant;

import org.mixquant.tensor.ChannelOps;
import org.mixquant.tensor.WeightTensor;

/**
 * Chosen quantization parameters of one tensor: a float32 scale and an integer zero-point per output channel (one
 * entry when per-tensor; one per group of each channel when per-group), with the integer grid {@code qmin..qmax}.
 * Immutable; arrays are copied in and out.
 *
 * <p><b>Layout.</b> The parameters are {@link #count()} pairs. Per-tensor: one. Per-channel: pair {@code c} belongs
 * to output channel {@code c}. Per-group ({@link Granularity#perGroup}): {@link #groups()} groups per channel, pair
 * {@link #index(int, int) index(c, g)} {@code = g · channels + c} belongs to group {@code g} of channel {@code c}
 * (group-major, like GPTQ's {@code [in/G, out]} scales and ONNX's blocked {@code [⌈in/G⌉, out]} scale of a MatMul
 * weight). With one group per channel the layout is per-channel's. {@link #indexOf} maps a weight's flat index to its
 * pair for any granularity.
 *
 * <p>Min-max choice ({@link #choose}) follows DESIGN.md, over each channel, group or the tensor. A channel (group)
 * whose range is zero (all values 0) gets scale 1 and zero-point 0, so it is reproduced exactly (error 0). A positive
 * scale below {@link Float#MIN_NORMAL} is raised to it so that the float32 reciprocal stays finite.
 */
public final class QParams {
    private final QuantSpec spec;
    private final float[] scale;
    private final int[] zeroPoint;
    /** Groups per output channel (1 unless per-group with more than one group). */
    private final int groups;

    private QParams(QuantSpec spec, float[] scale, int[] zeroPoint, int groups) {
        this.spec = spec;
        this.scale = scale;
        this.zeroPoint = zeroPoint;
        this.groups = groups;
    }

    /**
     * Explicit parameters (e.g. from a scale search). One entry means per-tensor; otherwise one per channel (also
     * valid for a per-group spec whose group size covers the whole input dimension: one group per channel).
     *
     * @throws IllegalArgumentException if a scale is not positive and finite or a zero-point is off the grid
     */
    public static QParams of(QuantSpec spec, float[] scale, int[] zeroPoint) {
        return of(spec, 1, scale, zeroPoint);
    }

    /**
     * Explicit per-group parameters: {@code groups} groups per output channel, pair {@code g · channels + c} for
     * group {@code g} of channel {@code c} (see the class comment), {@code channels = scale.length / groups}.
     * {@code groups = 1} is {@link #of(QuantSpec, float[], int[])}.
     *
     * @throws IllegalArgumentException if {@code groups} does not divide the number of scales, {@code groups > 1}
     *                                  for a spec that is not per-group, or a scale or zero-point is invalid
     */
    public static QParams of(QuantSpec spec, int groups, float[] scale, int[] zeroPoint) {
        if (scale.length != zeroPoint.length || scale.length == 0) {
            throw new IllegalArgumentException("need as many zero-points as scales (≥ 1)");
        }
        if (groups < 1 || scale.length % groups != 0) {
            throw new IllegalArgumentException(groups + " groups per channel do not divide " + scale.length
                    + " scales");
        }
        if (groups > 1 && !spec.granularity().isPerGroup()) {
            throw new IllegalArgumentException(groups + " groups per channel need a per-group spec, got "
                    + spec.granularity().label());
        }
        for (int c = 0; c < scale.length; c++) {
            if (!(scale[c] > 0f) || !Float.isFinite(scale[c])) {
                throw new IllegalArgumentException("scale " + c + " must be positive and finite, got " + scale[c]);
            }
            if (zeroPoint[c] < spec.qmin() || zeroPoint[c] > spec.qmax()) {
                throw new IllegalArgumentException("zero-point " + zeroPoint[c] + " of entry " + c
                        + " is outside " + spec.qmin() + ".." + spec.qmax());
            }
        }
        return new QParams(spec, scale.clone(), zeroPoint.clone(), groups);
    }

    /**
     * Min-max parameters of {@code w} for {@code spec}: per tensor, per output channel, or per group of
     * {@code spec.granularity().groupSize()} input-dimension weights (ragged last group, see {@link Granularity}).
     * Pure: {@code w} is not modified.
     */
    public static QParams choose(WeightTensor w, QuantSpec spec) {
        int n = (int) spec.granularity().paramCount(w);
        float[] lo = new float[n];
        float[] hi = new float[n];
        rangeOf(w, spec, lo, hi);
        float[] scale = new float[n];
        int[] zp = new int[n];
        for (int c = 0; c < n; c++) {
            fromRange(spec, lo[c], hi[c], scale, zp, c);
        }
        return new QParams(spec, scale, zp, spec.granularity().groups(w));
    }

    /**
     * The ranges that min-max choice starts from, one per parameter pair ({@link Granularity#paramCount}, in the
     * layout of the class comment): for asymmetric, {@code lo} receives the min and {@code hi} the max; for
     * symmetric, {@code hi} receives max|w| and {@code lo} its negation. Both arrays are modified.
     */
    static void rangeOf(WeightTensor w, QuantSpec spec, float[] lo, float[] hi) {
        rangeOf(w, spec, lo, hi, SweepKernel.SCALAR);
    }

    /**
     * As {@link #rangeOf(WeightTensor, QuantSpec, float[], float[])}, the reductions run by {@code kernel} (the
     * vector ones give the same floats: min and max do not depend on order). Per-group ranges are reduced by the
     * scalar loop {@link #groupRange} for both kernels (same floats).
     */
    static void rangeOf(WeightTensor w, QuantSpec spec, float[] lo, float[] hi, SweepKernel kernel) {
        float[] x = w.unsafeData();
        if (spec.granularity().isPerGroup()) {
            groupRange(w, spec.granularity().groupSize(), spec.scheme() == Scheme.ASYMMETRIC, lo, hi);
            return;
        }
        boolean vector = kernel == SweepKernel.VECTOR; // VectorSweep is loaded only on this branch
        boolean perChannel = spec.granularity().isPerChannel();
        int outer = perChannel ? w.outer() : 1;
        int channels = perChannel ? w.channels() : 1;
        int inner = perChannel ? w.inner() : x.length;
        if (spec.scheme() == Scheme.ASYMMETRIC && vector) {
            VectorSweep.minMax(x, outer, channels, inner, lo, hi);
        } else if (spec.scheme() == Scheme.ASYMMETRIC) {
            ChannelOps.minMax(x, outer, channels, inner, lo, hi);
        } else {
            if (vector) {
                VectorSweep.maxAbs(x, outer, channels, inner, hi);
            } else {
                ChannelOps.maxAbs(x, outer, channels, inner, hi);
            }
            for (int c = 0; c < channels; c++) {
                lo[c] = -hi[c];
            }
        }
    }

    /**
     * Per-group min and max (asymmetric) or −max|w| and max|w| (symmetric) of {@code w} for groups of
     * {@code groupSize}, at index {@code g · channels + c}. {@code lo} and {@code hi} (length ≥ channels · groups)
     * are modified.
     */
    static void groupRange(WeightTensor w, int groupSize, boolean asymmetric, float[] lo, float[] hi) {
        float[] x = w.unsafeData();
        int channels = w.channels();
        int inner = w.inner();
        int outer = w.outer();
        int n = (int) Granularity.perGroup(groupSize).paramCount(w);
        java.util.Arrays.fill(lo, 0, n, asymmetric ? Float.POSITIVE_INFINITY : 0f);
        java.util.Arrays.fill(hi, 0, n, asymmetric ? Float.NEGATIVE_INFINITY : 0f);
        for (int o = 0; o < outer; o++) {
            for (int c = 0; c < channels; c++) {
                int base = (o * channels + c) * inner;
                int j0 = o * inner; // input index of the segment's first value
                for (int i = 0; i < inner; ) {
                    int g = (j0 + i) / groupSize;
                    int end = Math.min(inner, (g + 1) * groupSize - j0);
                    int k = g * channels + c;
                    float l = lo[k];
                    float h = hi[k];
                    for (; i < end; i++) {
                        float v = x[base + i];
                        if (asymmetric) {
                            l = Math.min(l, v);
                            h = Math.max(h, v);
                        } else {
                            h = Math.max(h, Math.abs(v));
                        }
                    }
                    lo[k] = l;
                    hi[k] = h;
                }
            }
        }
        if (!asymmetric) {
            for (int k = 0; k < n; k++) {
                lo[k] = -hi[k];
            }
        }
    }

    /**
     * Scale and zero-point of channel {@code c} from its range, written into {@code scale[c]} and {@code zp[c]}
     * (both modified). For symmetric, {@code hi} is max|w|.
     */
    static void fromRange(QuantSpec spec, float lo, float hi, float[] scale, int[] zp, int c) {
        if (spec.scheme() == Scheme.ASYMMETRIC) {
            float l = Math.min(lo, 0f);
            float h = Math.max(hi, 0f);
            float s = (h - l) / (float) spec.qmax();
            if (s == 0f) {
                scale[c] = 1f;
                zp[c] = 0;
                return;
            }
            s = Math.max(s, Float.MIN_NORMAL);
            float z = (float) Math.rint(-l / s);
            scale[c] = s;
            zp[c] = (int) Math.min(Math.max(z, 0f), (float) spec.qmax());
        } else {
            float s = hi / (float) spec.qmax();
            scale[c] = s == 0f ? 1f : Math.max(s, Float.MIN_NORMAL);
            zp[c] = 0;
        }
    }

    /** The specification these parameters were chosen for. */
    public QuantSpec spec() {
        return spec;
    }

    /**
     * Number of scale/zero-point pairs, as before per-group existed: 1 for per-tensor, one per channel for
     * per-channel, and {@code channels · groups} for per-group. Same as {@link #count()}; code written for
     * per-channel that checks {@code channels() == w.channels()} therefore rejects multi-group parameters instead of
     * misreading them.
     */
    public int channels() {
        return scale.length;
    }

    /** Number of scale/zero-point pairs (1, channels, or channels · groups). */
    public int count() {
        return scale.length;
    }

    /** Groups per output channel: 1 unless per-group with more than one group. */
    public int groups() {
        return groups;
    }

    /** Output channels covered: {@code count() / groups()} (1 for per-tensor). */
    public int outputChannels() {
        return scale.length / groups;
    }

    /** Pair index of group {@code g} of output channel {@code c}: {@code g · outputChannels() + c}. */
    public int index(int c, int g) {
        return g * outputChannels() + c;
    }

    /**
     * Checks that these parameters fit {@code w}: one pair, or one per channel of {@code w}, or
     * {@code channels · groups} with the group count of {@code w} under this spec's group size.
     *
     * @throws IllegalArgumentException naming the mismatch otherwise
     */
    public void checkFits(WeightTensor w) {
        if (scale.length == 1) {
            return;
        }
        if (outputChannels() != w.channels()) {
            throw new IllegalArgumentException("parameters have " + outputChannels() + " channels, tensor has "
                    + w.channels());
        }
        if (groups > 1 && groups != spec.granularity().groups(w)) {
            throw new IllegalArgumentException("parameters have " + groups + " groups per channel, tensor "
                    + w.shapeString() + " has " + spec.granularity().groups(w) + " groups of "
                    + spec.granularity().groupSize());
        }
    }

    /**
     * The pair index of the weight at flat row-major index {@code i} of {@code w} (which these parameters must
     * {@linkplain #checkFits fit}): 0 per-tensor, its channel per-channel, {@code g · channels + c} per-group with
     * {@code g = (o · inner + i mod inner) / G}.
     */
    public int indexOf(WeightTensor w, int i) {
        if (scale.length == 1) {
            return 0;
        }
        return groups == 1 ? w.channelOf(i) : groupIndexOf(w, spec.granularity().groupSize(), i);
    }

    /**
     * Pair index {@code g · channels + c} of the weight at flat index {@code i} of {@code w} for groups of
     * {@code groupSize}: channel {@code c}, group {@code g = (o · inner + i mod inner) / groupSize}.
     */
    static int groupIndexOf(WeightTensor w, int groupSize, int i) {
        int inner = w.inner();
        int o = i / (inner * w.channels());
        return ((o * inner + i % inner) / groupSize) * w.channels() + w.channelOf(i);
    }

    /** The scale of every weight of {@code w} (row-major, length {@code w.size()}), broadcast from its pair. */
    public float[] perElementScales(WeightTensor w) {
        checkFits(w);
        float[] out = new float[w.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = scale[indexOf(w, i)];
        }
        return out;
    }

    /** The zero-point of every weight of {@code w} (row-major, length {@code w.size()}), broadcast from its pair. */
    public int[] perElementZeroPoints(WeightTensor w) {
        checkFits(w);
        int[] out = new int[w.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = zeroPoint[indexOf(w, i)];
        }
        return out;
    }

    /** Scale of pair {@code k} (channel {@code k} when per-channel; see {@link #index}). */
    public float scale(int k) {
        return scale[k];
    }

    /** Zero-point of pair {@code k}. */
    public int zeroPoint(int k) {
        return zeroPoint[k];
    }

    /** Copy of the scales, in the layout of the class comment. */
    public float[] scales() {
        return scale.clone();
    }

    /** Copy of the zero-points, in the layout of the class comment. */
    public int[] zeroPoints() {
        return zeroPoint.clone();
    }

    float[] scalesUnsafe() {
        return scale;
    }

    int[] zeroPointsUnsafe() {
        return zeroPoint;
    }
}
