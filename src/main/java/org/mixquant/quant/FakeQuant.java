package org.mixquant.quant;

import org.mixquant.tensor.WeightTensor;

/**
 * Quantize, dequantize, and their composition (fake quantization), exactly as
 * {@code torch.fake_quantize_per_channel_affine}: {@code q = clamp(rint(w * (1f / scale)) + zp, qmin, qmax)},
 * {@code ŵ = (q - zp) * scale}, with float32 arithmetic and rounding half to even. Per-group parameters
 * ({@link Granularity#perGroup}) apply each group's scale and zero-point to its run of input-dimension weights, which
 * equals {@code torch.fake_quantize_per_channel_affine} on the tensor reshaped so that each group is a channel.
 */
public final class FakeQuant {
    private FakeQuant() {
    }

    /**
     * Fake-quantizes {@code w} with {@code p} into {@code out} (modified, length {@code w.size()}); {@code w} is
     * not modified.
     *
     * @return Σ(w − ŵ)² in double
     * @throws IllegalArgumentException if the parameters' channel count does not fit the tensor
     */
    public static double apply(WeightTensor w, QParams p, float[] out) {
        if (out.length != w.size()) {
            throw new IllegalArgumentException("out has " + out.length + " values, tensor has " + w.size());
        }
        float[] x = w.unsafeData();
        float[] scale = p.scalesUnsafe();
        int[] zp = p.zeroPointsUnsafe();
        float qmin = p.spec().qmin();
        float qmax = p.spec().qmax();
        double sse = 0;
        if (p.count() == 1) {
            return applyRange(x, 0, x.length, scale[0], zp[0], qmin, qmax, out);
        }
        p.checkFits(w);
        int channels = w.channels();
        int inner = w.inner();
        int outer = w.outer();
        if (p.groups() > 1) {
            return applyGroups(x, outer, channels, inner, p.spec().granularity().groupSize(), scale, zp, qmin, qmax,
                    out);
        }
        for (int o = 0; o < outer; o++) {
            for (int c = 0; c < channels; c++) {
                int base = (o * channels + c) * inner;
                sse += applyRange(x, base, inner, scale[c], zp[c], qmin, qmax, out);
            }
        }
        return sse;
    }

    /**
     * Per-group fake quantization of {@code x} viewed as {@code [outer, channels, inner]}, pair
     * {@code g · channels + c} for group {@code g = (o · inner + i) / groupSize} of channel {@code c} (see
     * {@link QParams}). {@code out} is modified. Returns Σ(x − ŵ)² in double.
     */
    static double applyGroups(float[] x, int outer, int channels, int inner, int groupSize, float[] scale, int[] zp,
            float qmin, float qmax, float[] out) {
        double sse = 0;
        if (inner == 1) { // channel axis last ([in, out]): row o is in group o / G for every channel
            for (int o = 0; o < outer; o++) {
                int base = o * channels;
                int pOff = (o / groupSize) * channels;
                for (int c = 0; c < channels; c++) {
                    sse += applyRange(x, base + c, 1, scale[pOff + c], zp[pOff + c], qmin, qmax, out);
                }
            }
            return sse;
        }
        for (int o = 0; o < outer; o++) {
            int j0 = o * inner;
            for (int c = 0; c < channels; c++) {
                int base = (o * channels + c) * inner;
                for (int i = 0; i < inner; ) {
                    int g = (j0 + i) / groupSize;
                    int end = Math.min(inner, (g + 1) * groupSize - j0);
                    int k = g * channels + c;
                    sse += applyRange(x, base + i, end - i, scale[k], zp[k], qmin, qmax, out);
                    i = end;
                }
            }
        }
        return sse;
    }

    /** A new tensor holding the fake-quantized values of {@code w} (min-max parameters for {@code spec}). */
    public static WeightTensor apply(WeightTensor w, QuantSpec spec) {
        float[] out = new float[w.size()];
        apply(w, QParams.choose(w, spec), out);
        return WeightTensor.wrap(out, w.shape(), w.channelAxis());
    }

    /**
     * Fake-quantizes {@code x[off .. off+len)} with one scale and zero-point into the same positions of
     * {@code out} (modified). Returns Σ(x − ŵ)² in double.
     */
    public static double applyRange(float[] x, int off, int len, float scale, int zp, float qmin, float qmax,
            float[] out) {
        float inv = 1f / scale;
        float z = zp;
        double sse = 0;
        for (int i = off, end = off + len; i < end; i++) {
            float v = x[i];
            float q = (float) Math.rint(v * inv) + z;
            q = Math.min(Math.max(q, qmin), qmax);
            float r = (q - z) * scale;
            out[i] = r;
            float d = v - r;
            sse += (double) d * d;
        }
        return sse;
    }

    /**
     * Integer codes {@code clamp(rint(w * (1f / scale)) + zp, qmin, qmax)} of {@code w} (not modified), written to
     * {@code codes} (modified).
     */
    public static void quantize(WeightTensor w, QParams p, int[] codes) {
        float[] x = w.unsafeData();
        float[] scale = p.scalesUnsafe();
        int[] zp = p.zeroPointsUnsafe();
        float qmin = p.spec().qmin();
        float qmax = p.spec().qmax();
        p.checkFits(w);
        for (int i = 0; i < x.length; i++) {
            int c = p.indexOf(w, i);
            float q = (float) Math.rint(x[i] * (1f / scale[c])) + zp[c];
            codes[i] = (int) Math.min(Math.max(q, qmin), qmax);
        }
    }

    /** Real values {@code (q - zp) * scale} of integer codes, written to {@code out} (modified). */
    public static void dequantize(WeightTensor shapeOf, int[] codes, QParams p, float[] out) {
        float[] scale = p.scalesUnsafe();
        int[] zp = p.zeroPointsUnsafe();
        p.checkFits(shapeOf);
        for (int i = 0; i < codes.length; i++) {
            int c = p.indexOf(shapeOf, i);
            out[i] = (float) (codes[i] - zp[c]) * scale[c];
        }
    }
}
