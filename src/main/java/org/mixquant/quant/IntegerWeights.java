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
