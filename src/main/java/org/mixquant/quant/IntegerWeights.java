package org.mixquant.quant;

import java.util.Objects;
import org.mixquant.tensor.WeightTensor;

/**
 * A weight tensor stored as integers: the codes {@code q} (same shape and row-major order as the float tensor) and
 * the {@link QParams} that map them back, {@code ŵ = (q - zp) * scale} per output channel (or per tensor, or per
 * group of input-dimension weights: {@link QParams#indexOf} gives each code's pair). The one
 * place that turns a layer's weights and a bit-width into what an integer format stores; its {@link #dequantize()}
 * equals {@link FakeQuant#apply(WeightTensor, QuantSpec)} bit for bit, so an exported model computes with exactly
 * the weights the toolkit evaluated.
 *
 * <p>Codes lie in {@code qmin..qmax} of the spec: {@code 0 .. 2^b - 1} (asymmetric, fits an unsigned byte) or
 * {@code -(2^(b-1) - 1) .. 2^(b-1) - 1} (symmetric, zero-point 0, fits a signed byte). Immutable; arrays are copied
 * in and out.
 */
public final class IntegerWeights {
    private final QParams params;
    private final int[] codes;
    private final int[] shape;
    private final int channelAxis;

    private IntegerWeights(QParams params, int[] codes, int[] shape, int channelAxis) {
        this.params = params;
        this.codes = codes;
        this.shape = shape;
        this.channelAxis = channelAxis;
    }

    /**
     * Min-max parameters ({@link QParams#choose}) and nearest-rounded codes
     * {@code clamp(rint(w * (1f / scale)) + zp, qmin, qmax)} ({@link FakeQuant#quantize}) of {@code w}, which is not
     * modified.
     */
    public static IntegerWeights nearest(WeightTensor w, QuantSpec spec) {
        return of(w, QParams.choose(w, spec));
    }

    /**
     * Nearest-rounded codes of {@code w} (not modified) with given parameters, e.g. from a scale search.
     *
     * @throws IllegalArgumentException if the parameters do not {@linkplain QParams#checkFits fit} the tensor
     */
    public static IntegerWeights of(WeightTensor w, QParams p) {
        Objects.requireNonNull(p, "params");
        p.checkFits(w);
        int[] codes = new int[w.size()];
        FakeQuant.quantize(w, p, codes);
        return new IntegerWeights(p, codes, w.shape(), w.channelAxis());
    }

    /**
     * The codes of weights that already lie on the grid of {@code p}, e.g. a learned-rounding method's
     * {@code ŵ = (q − zp)·scale}: {@code q = rint(ŵ / scale) + zp} per weight (the quotient in double, which is
     * within {@code 255 · 2^-24} of the integer {@code q − zp} when {@code ŵ} was made by this formula), and every
     * code is checked to lie in {@code qmin..qmax} and to dequantize back to {@code ŵ} bit for bit
     * ({@link FakeQuant#dequantize}'s float32 {@code (q − zp) * scale}), so {@link #dequantize()} returns
     * {@code dequantized} exactly. {@code dequantized} is not modified.
     *
     * @throws IllegalArgumentException if the parameters do not fit the tensor, or naming the first weight that is
     *                                  not on the grid (its index, value, and the value its nearest code gives)
     */
    public static IntegerWeights recover(WeightTensor dequantized, QParams p) {
        Objects.requireNonNull(p, "params");
        p.checkFits(dequantized);
        float[] x = dequantized.unsafeData();
        int qmin = p.spec().qmin();
        int qmax = p.spec().qmax();
        int[] codes = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            int k = p.indexOf(dequantized, i);
            float scale = p.scale(k);
            int zp = p.zeroPoint(k);
            double r = Math.rint((double) x[i] / scale);
            long q = (long) r + zp;
            float back = (float) (q - zp) * scale;
            if (!Float.isFinite(x[i]) || q < qmin || q > qmax
                    || Float.floatToRawIntBits(back) != Float.floatToRawIntBits(x[i])) {
                throw new IllegalArgumentException("weight " + i + " (" + x[i] + ") is not on the grid of scale "
                        + scale + " and zero-point " + zp + " (" + p.spec() + "): its nearest code " + q
                        + (q < qmin || q > qmax ? " is outside " + qmin + ".." + qmax
                                : " dequantizes to " + back));
            }
            codes[i] = (int) q;
        }
        return new IntegerWeights(p, codes, dequantized.shape(), dequantized.channelAxis());
    }

    /** The scales and zero-points (one entry when per-tensor, one per output channel, or per group; see {@link QParams}). */
    public QParams params() {
        return params;
    }

    /** The spec the codes were made for (bits, scheme, granularity). */
    public QuantSpec spec() {
        return params.spec();
    }

    /** A copy of the integer codes, in the tensor's row-major order. */
    public int[] codes() {
        return codes.clone();
    }

    /** The code at flat row-major index {@code i}. */
    public int code(int i) {
        return codes[i];
    }

    /** Number of codes (weights). */
    public int size() {
        return codes.length;
    }

    /** A copy of the tensor's shape. */
    public int[] shape() {
        return shape.clone();
    }

    /** Index of the output-channel axis in {@link #shape()} (DESIGN.md: MatMul {@code [in, out]} → 1, ...). */
    public int channelAxis() {
        return channelAxis;
    }

    /** Whether the codes are signed (symmetric scheme) rather than unsigned (asymmetric). */
    public boolean signed() {
        return params.spec().scheme() == Scheme.SYMMETRIC;
    }

    /** The float weights the codes stand for, {@code (q - zp) * scale} in float32 ({@link FakeQuant#dequantize}). */
    public WeightTensor dequantize() {
        float[] out = new float[codes.length];
        WeightTensor shapeOf = WeightTensor.wrap(new float[codes.length], shape, channelAxis);
        FakeQuant.dequantize(shapeOf, codes, params, out);
        return WeightTensor.wrap(out, shape, channelAxis);
    }

    @Override
    public String toString() {
        return "IntegerWeights[" + java.util.Arrays.toString(shape) + " axis=" + channelAxis + ", " + spec() + "]";
    }
}
