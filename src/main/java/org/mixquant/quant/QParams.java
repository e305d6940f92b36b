package org.mixquant.quant;

import org.mixquant.tensor.ChannelOps;
import org.mixquant.tensor.WeightTensor;

/**
 * Chosen quantization parameters of one tensor: a float32 scale and an integer zero-point per channel (one entry
 * when per-tensor), with the integer grid {@code qmin..qmax}. Immutable; arrays are copied in and out.
 *
 * <p>Min-max choice ({@link #choose}) follows DESIGN.md. A channel whose range is zero (all values 0) gets scale 1
 * and zero-point 0, so it is reproduced exactly (error 0). A positive scale below {@link Float#MIN_NORMAL} is
 * raised to it so that the float32 reciprocal stays finite.
 */
public final class QParams {
    private final QuantSpec spec;
    private final float[] scale;
    private final int[] zeroPoint;

    private QParams(QuantSpec spec, float[] scale, int[] zeroPoint) {
        this.spec = spec;
        this.scale = scale;
        this.zeroPoint = zeroPoint;
    }

    /**
     * Explicit parameters (e.g. from a scale search). One entry means per-tensor; otherwise one per channel.
     *
     * @throws IllegalArgumentException if a scale is not positive and finite or a zero-point is off the grid
     */
    public static QParams of(QuantSpec spec, float[] scale, int[] zeroPoint) {
        if (scale.length != zeroPoint.length || scale.length == 0) {
            throw new IllegalArgumentException("need as many zero-points as scales (≥ 1)");
        }
        for (int c = 0; c < scale.length; c++) {
            if (!(scale[c] > 0f) || !Float.isFinite(scale[c])) {
                throw new IllegalArgumentException("scale of channel " + c + " must be positive and finite, got "
                        + scale[c]);
            }
            if (zeroPoint[c] < spec.qmin() || zeroPoint[c] > spec.qmax()) {
                throw new IllegalArgumentException("zero-point " + zeroPoint[c] + " of channel " + c
                        + " is outside " + spec.qmin() + ".." + spec.qmax());
            }
        }
        return new QParams(spec, scale.clone(), zeroPoint.clone());
    }

    /**
     * Min-max parameters of {@code w} for {@code spec}. Pure: {@code w} is not modified.
     */
    public static QParams choose(WeightTensor w, QuantSpec spec) {
        int ch = spec.granularity() == Granularity.PER_CHANNEL ? w.channels() : 1;
        float[] lo = new float[ch];
        float[] hi = new float[ch];
        rangeOf(w, spec, lo, hi);
        float[] scale = new float[ch];
        int[] zp = new int[ch];
        for (int c = 0; c < ch; c++) {
            fromRange(spec, lo[c], hi[c], scale, zp, c);
        }
        return new QParams(spec, scale, zp);
    }

    /**
     * The per-channel (or single) ranges that min-max choice starts from: for asymmetric, {@code lo} receives the
     * min and {@code hi} the max; for symmetric, {@code hi} receives max|w| and {@code lo} its negation. Both arrays
     * are modified.
     */
    static void rangeOf(WeightTensor w, QuantSpec spec, float[] lo, float[] hi) {
        rangeOf(w, spec, lo, hi, SweepKernel.SCALAR);
    }

    /**
     * As {@link #rangeOf(WeightTensor, QuantSpec, float[], float[])}, the reductions run by {@code kernel} (the
     * vector ones give the same floats: min and max do not depend on order).
     */
    static void rangeOf(WeightTensor w, QuantSpec spec, float[] lo, float[] hi, SweepKernel kernel) {
        boolean vector = kernel == SweepKernel.VECTOR; // VectorSweep is loaded only on this branch
        float[] x = w.unsafeData();
        boolean perChannel = spec.granularity() == Granularity.PER_CHANNEL;
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

    /** Number of channels with their own parameters (1 for per-tensor). */
    public int channels() {
        return scale.length;
    }

    /** Scale of channel {@code c}. */
    public float scale(int c) {
        return scale[c];
    }

    /** Zero-point of channel {@code c}. */
    public int zeroPoint(int c) {
        return zeroPoint[c];
    }

    /** Copy of the scales. */
    public float[] scales() {
        return scale.clone();
    }

    /** Copy of the zero-points. */
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
