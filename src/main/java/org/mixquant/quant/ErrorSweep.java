package org.mixquant.quant;

import org.mixquant.tensor.WeightTensor;

/**
 * The round-off error of every candidate bit-width (2..8) of one tensor from a single pass over its values.
 *
 * <p>Usage: {@link #prepare} chooses min-max parameters for all seven bit-widths from one range reduction; then
 * {@link #accumulate} walks the values once, and for each value evaluates the seven fake-quantized copies (same
 * arithmetic as {@link FakeQuant}) and adds each squared difference to its own double accumulator. The walk is cut
 * into independent units (rows when the channel axis is last, channel segments otherwise), so callers may split
 * the units over threads and add the partial sums in unit order for a deterministic result.
 *
 * <p>Per-group ({@link Granularity#perGroup}): the range reduction gives one min-max range per group (scalar loop
 * for both kernels; min and max do not depend on order), and the single walk evaluates each value with its group's
 * seven parameter sets: rows of an {@code [in, out]} tensor use the row kernel with the row's group offset, other
 * layouts walk each channel segment in runs that stay within one group.
 *
 * <p>The loops here are the scalar reference; {@link SweepKernel#VECTOR} runs the same arithmetic per value on the
 * Vector API ({@code VectorSweep}), chosen per {@link Prepared} ({@link SweepKernel#forSweep} by default).
 */
public final class ErrorSweep {
    /** Units of a per-tensor sweep are chunks of this many values (fits in L1 across the seven passes). */
    static final int TENSOR_CHUNK = 2048;
    /** Channel segments longer than this are walked in chunks so seven passes over a chunk stay in cache. */
    static final int SEGMENT_CHUNK = 2048;

    private ErrorSweep() {
    }

    /**
     * Result of a sweep.
     *
     * @param sse        Σ(w − ŵ)² for bits 2..8 (index {@code bits - 2}), in double
     * @param sumSquares Σ w² in double
     * @param count      number of values
     */
    public record Result(double[] sse, double sumSquares, long count) {
        /** Mean squared error {@code sse / count} at {@code bits}. */
        public double mse(int bits) {
            return sse[Bits.check(bits) - Bits.MIN] / count;
        }

        /** Relative error {@code Σ(w−ŵ)² / Σw²} at {@code bits} (0 when the tensor is all zeros). */
        public double relative(int bits) {
            double s = sse[Bits.check(bits) - Bits.MIN];
            return sumSquares == 0 ? 0 : s / sumSquares;
        }
    }

    /** Parameters of all seven bit-widths for one tensor, ready for {@link #accumulate}. */
    public static final class Prepared {
        final WeightTensor w;
        final SweepKernel kernel;
        /** Parameter pairs per bit-width: 1, channels, or channels · groups (per-group). */
        final int channels;
        /** Per-group: G; 0 otherwise. */
        final int groupSize;
        final int unitLength;
        final int units;
        final boolean rowUnits;
        final boolean perTensor;
        /** Per bit-width k = bits-2, per parameter pair c (QParams layout): index {@code k * channels + c}. */
        final float[] inv;
        final float[] scale;
        /** Per bit-width and channel: {@code qmin - zp} and {@code qmax - zp}, the clamp range of rint(w / scale). */
        final float[] lo;
        final float[] hi;
        final float[] qmin;
        final float[] qmax;

        Prepared(WeightTensor w, QuantSpec base, SweepKernel kernel) {
            this.w = w;
            this.kernel = kernel.require();
            boolean perGroup = base.granularity().isPerGroup();
            this.perTensor = base.granularity().isPerTensor();
            this.groupSize = perGroup ? base.granularity().groupSize() : 0;
            this.channels = (int) base.granularity().paramCount(w);
            float[] lo = new float[channels];
            float[] hi = new float[channels];
            QParams.rangeOf(w, base, lo, hi, this.kernel);
            this.inv = new float[Bits.COUNT * channels];
            this.scale = new float[Bits.COUNT * channels];
            this.lo = new float[Bits.COUNT * channels];
            this.hi = new float[Bits.COUNT * channels];
            this.qmin = new float[Bits.COUNT];
            this.qmax = new float[Bits.COUNT];
            float[] s1 = new float[1];
            int[] z1 = new int[1];
            for (int k = 0; k < Bits.COUNT; k++) {
                QuantSpec spec = base.withBits(Bits.MIN + k);
                qmin[k] = spec.qmin();
                qmax[k] = spec.qmax();
                for (int c = 0; c < channels; c++) {
                    QParams.fromRange(spec, lo[c], hi[c], s1, z1, 0);
                    scale[k * channels + c] = s1[0];
                    inv[k * channels + c] = 1f / s1[0];
                    this.lo[k * channels + c] = qmin[k] - z1[0];
                    this.hi[k * channels + c] = qmax[k] - z1[0];
                }
            }
            if (perTensor) {
                rowUnits = false;
                unitLength = Math.min(TENSOR_CHUNK, w.size());
            } else if (w.inner() == 1) {
                rowUnits = true;
                unitLength = w.channels();
            } else if (perGroup) { // one unit per channel segment, walked in runs that stay in one group
                rowUnits = false;
                unitLength = w.inner();
            } else {
                rowUnits = false;
                unitLength = Math.min(SEGMENT_CHUNK, w.inner());
            }
            this.units = rowUnits ? w.outer() : (!perTensor
                    ? w.outer() * w.channels() * ceilDiv(w.inner(), unitLength)
                    : ceilDiv(w.size(), unitLength));
        }

        /** Index within one bit-width's parameter block of the pair that flat value {@code i} uses. */
        int pairOf(int i) {
            if (perTensor) {
                return 0;
            }
            return groupSize == 0 ? w.channelOf(i) : QParams.groupIndexOf(w, groupSize, i);
        }

        /** Number of independent units the sweep is cut into. */
        public int units() {
            return units;
        }

        /** Number of values in the tensor. */
        public long count() {
            return w.size();
        }

        /** The kernel {@link #accumulate} runs. */
        public SweepKernel kernel() {
            return kernel;
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /**
     * Chooses min-max parameters for bits 2..8 with {@code scheme} and {@code granularity} (one range reduction), for
     * the default kernel of a sweep of this tensor's size ({@link SweepKernel#forSweep}).
     */
    public static Prepared prepare(WeightTensor w, Scheme scheme, Granularity granularity) {
        return prepare(w, scheme, granularity, SweepKernel.forSweep(w.size()));
    }

    /**
     * As {@link #prepare(WeightTensor, Scheme, Granularity)}, for the given kernel.
     *
     * @throws IllegalStateException when {@code kernel} is not {@linkplain SweepKernel#available() available}
     */
    public static Prepared prepare(WeightTensor w, Scheme scheme, Granularity granularity, SweepKernel kernel) {
        return new Prepared(w, new QuantSpec(Bits.MAX, scheme, granularity), kernel);
    }

    /**
     * Adds the squared errors of units {@code [fromUnit, toUnit)} to {@code sse[0..6]} (bits 2..8) and Σw² to
     * {@code sse[7]}. {@code sse} (length ≥ 8) is modified; nothing else is.
     */
    public static void accumulate(Prepared p, int fromUnit, int toUnit, double[] sse) {
        float[] x = p.w.unsafeData();
        // VectorSweep is referenced only on this branch: the class is not loaded unless the kernel is VECTOR.
        boolean vector = p.kernel == SweepKernel.VECTOR;
        if (p.rowUnits) {
            int channels = p.w.channels();
            for (int u = fromUnit; u < toUnit; u++) {
                int base = u * channels;
                int gOff = p.groupSize == 0 ? 0 : (u / p.groupSize) * channels; // row u's group, per-group
                for (int k = 0; k < Bits.COUNT; k++) {
                    int off = k * p.channels + gOff;
                    sse[k] += vector ? VectorSweep.rowError(x, base, channels, p.inv, p.scale, p.lo, p.hi, off)
                            : rowError(x, base, channels, p.inv, p.scale, p.lo, p.hi, off);
                }
                sse[Bits.COUNT] += vector ? VectorSweep.sumSquares(x, base, channels) : sumSquares(x, base, channels);
            }
            return;
        }
        if (p.groupSize > 0) {
            accumulateGroups(p, fromUnit, toUnit, sse, vector);
            return;
        }
        int n = x.length;
        int inner = p.w.inner();
        int chunksPerSegment = ceilDiv(inner, p.unitLength);
        for (int u = fromUnit; u < toUnit; u++) {
            int start;
            int len;
            int c;
            if (p.perTensor) {
                start = u * p.unitLength;
                len = Math.min(p.unitLength, n - start);
                c = 0;
            } else {
                int segment = u / chunksPerSegment;
                int chunk = u % chunksPerSegment;
                c = segment % p.channels;
                start = segment * inner + chunk * p.unitLength;
                len = Math.min(p.unitLength, inner - chunk * p.unitLength);
            }
            for (int k = 0; k < Bits.COUNT; k++) {
                int idx = k * p.channels + c;
                sse[k] += vector ? VectorSweep.segmentError(x, start, len, p.inv[idx], p.scale[idx], p.lo[idx],
                        p.hi[idx]) : segmentError(x, start, len, p.inv[idx], p.scale[idx], p.lo[idx], p.hi[idx]);
            }
            sse[Bits.COUNT] += vector ? VectorSweep.sumSquares(x, start, len) : sumSquares(x, start, len);
        }
    }

    /**
     * Per-group units when the channel axis is not last: unit u is channel segment {@code (o, c)} ({@code u = o ·
     * channels + c}), walked in runs that lie in one group (and at most {@link #SEGMENT_CHUNK} long), each run
     * evaluated at the seven bit-widths while it is in cache. The run is {@link #segmentError}'s, so the SIMD kernel
     * gives the same value per weight.
     */
    private static void accumulateGroups(Prepared p, int fromUnit, int toUnit, double[] sse, boolean vector) {
        float[] x = p.w.unsafeData();
        int inner = p.w.inner();
        int channels = p.w.channels();
        int groupSize = p.groupSize;
        for (int u = fromUnit; u < toUnit; u++) {
            int o = u / channels;
            int c = u % channels;
            int base = u * inner;
            int j0 = o * inner;
            for (int i = 0; i < inner; ) {
                int g = (j0 + i) / groupSize;
                int end = Math.min(Math.min(inner, (g + 1) * groupSize - j0), i + SEGMENT_CHUNK);
                int len = end - i;
                int start = base + i;
                for (int k = 0; k < Bits.COUNT; k++) {
                    int idx = k * p.channels + g * channels + c;
                    sse[k] += vector ? VectorSweep.segmentError(x, start, len, p.inv[idx], p.scale[idx], p.lo[idx],
                            p.hi[idx]) : segmentError(x, start, len, p.inv[idx], p.scale[idx], p.lo[idx], p.hi[idx]);
                }
                sse[Bits.COUNT] += vector ? VectorSweep.sumSquares(x, start, len) : sumSquares(x, start, len);
                i = end;
            }
        }
    }

    /**
     * Error of a row whose element j belongs to channel j (channel axis last). Clamping {@code rint(w / scale)} to
     * {@code [qmin - zp, qmax - zp]} and multiplying by the scale equals FakeQuant's
     * {@code (clamp(rint(w / scale) + zp, qmin, qmax) - zp) * scale} bit for bit (all terms are small integers, exact
     * in float) with two fewer operations per value.
     */
    static double rowError(float[] x, int base, int channels, float[] inv, float[] scale, float[] lo,
            float[] hi, int pOff) {
        double acc = 0;
        for (int j = 0; j < channels; j++) {
            float v = x[base + j];
            float d = v - code(v, inv[pOff + j], lo[pOff + j], hi[pOff + j]) * scale[pOff + j];
            acc += (double) d * d;
        }
        return acc;
    }

    /** Error of a run of values that share one scale and zero-point (same arithmetic as {@link #rowError}). */
    static double segmentError(float[] x, int start, int len, float inv, float scale, float lo, float hi) {
        double acc = 0;
        for (int i = start, end = start + len; i < end; i++) {
            float v = x[i];
            float d = v - code(v, inv, lo, hi) * scale;
            acc += (double) d * d;
        }
        return acc;
    }

    /**
     * The code of one value relative to the zero-point: {@code min(max(rint(v * inv), lo), hi)}, i.e.
     * {@code q − zp}, rounded half to even in float32 like {@code torch.fake_quantize_*_affine}.
     */
    static float code(float v, float inv, float lo, float hi) {
        float r = (float) Math.rint(v * inv);
        return Math.min(Math.max(r, lo), hi);
    }

    /** Σ x² over {@code [start, start + len)} in double. */
    static double sumSquares(float[] x, int start, int len) {
        double acc = 0;
        for (int i = start, end = start + len; i < end; i++) {
            acc += (double) x[i] * x[i];
        }
        return acc;
    }

    /**
     * Single-threaded sweep of one tensor over bits 2..8 with the default kernel of a sweep of its size
     * ({@link SweepKernel#forSweep}).
     */
    public static Result sweep(WeightTensor w, Scheme scheme, Granularity granularity) {
        return sweep(w, scheme, granularity, SweepKernel.forSweep(w.size()));
    }

    /** Single-threaded sweep of one tensor over bits 2..8 with {@code kernel}. */
    public static Result sweep(WeightTensor w, Scheme scheme, Granularity granularity, SweepKernel kernel) {
        Prepared p = prepare(w, scheme, granularity, kernel);
        double[] acc = new double[Bits.COUNT + 1];
        accumulate(p, 0, p.units(), acc);
        return toResult(acc, w.size());
    }

    /** Turns an accumulator filled by {@link #accumulate} into a result. */
    public static Result toResult(double[] acc, long count) {
        double[] sse = new double[Bits.COUNT];
        System.arraycopy(acc, 0, sse, 0, Bits.COUNT);
        return new Result(sse, acc[Bits.COUNT], count);
    }
}
