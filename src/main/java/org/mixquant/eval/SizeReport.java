package org.mixquant.eval;

import org.mixquant.model.Layer;
import org.mixquant.model.QuantizableModel;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;

/**
 * Storage of a model under a bit plan, in bits and MB (1 MB = 10^6 bytes).
 *
 * <p>Counted: each quantized weight at its bits; per-channel and per-tensor: for every output channel (or the tensor)
 * a float32 scale (32 bits) and, for the asymmetric scheme, an 8-bit zero-point; per-group (DESIGN.md): for every
 * group ({@code channels · ⌈D/G⌉} per layer, D = weights per output channel, the ragged last group counted as a
 * group) an FP16 scale (16 bits) and, for the asymmetric scheme, a zero-point of the layer's bits b. Everything that
 * is not a
 * quantizable layer weight — embeddings, biases, LayerNorm/BatchNorm parameters, and weights the model stores in
 * another type such as FP16 — stays as stored ({@link QuantizableModel#otherBits()}: 32 bits each for FP32) and is
 * reported separately. The unquantized size is every quantizable weight at 32 bits plus the rest as stored.
 *
 * @param quantizedParams     weights in quantizable layers
 * @param otherParams         parameters that are not quantized
 * @param otherBits           their storage as the model holds them (32 bits per FP32 value, 16 per FP16 value)
 * @param weightBits          Σ bitsᵢ·paramsᵢ
 * @param qparamBits          scale and zero-point storage
 * @param averageBits         Σ bitsᵢ·paramsᵢ / Σ paramsᵢ over quantizable layers (the plan's average)
 * @param averageBitsWithQParams (weightBits + qparamBits) / quantizedParams: the storage bits per weight, which shows
 *                               the true cost of small groups ({@link #storageBits()})
 */
public record SizeReport(long quantizedParams, long otherParams, long otherBits, long weightBits, long qparamBits,
        double averageBits, double averageBitsWithQParams) {

    /** Bits of a float32 scale. */
    public static final int SCALE_BITS = 32;
    /** Bits of an asymmetric zero-point (stored as one byte). */
    public static final int ZERO_POINT_BITS = 8;
    /** Bits of a per-group scale (FP16); a per-group zero-point takes the layer's bits. */
    public static final int GROUP_SCALE_BITS = 16;

    /** Accounts {@code model} quantized with {@code plan}. */
    public static SizeReport of(QuantizableModel model, BitPlan plan) {
        plan.validateFor(model.layerNames());
        long params = 0;
        long wbits = 0;
        long qbits = 0;
        for (Layer l : model.layers()) {
            int b = plan.bitsOf(l.name());
            params += l.params();
            wbits += b * l.params();
            qbits += qparamBits(plan.granularity(), plan.scheme(), b, l.channels(), l.params());
        }
        return new SizeReport(params, model.otherParams(), model.otherBits(), wbits, qbits, (double) wbits / params,
                (double) (wbits + qbits) / params);
    }

    /**
     * Scale and zero-point storage of one layer of {@code params} weights in {@code channels} output channels at
     * {@code bits}: per-channel/per-tensor {@code pairs · (32 + 8 if asymmetric)}, per-group
     * {@code pairs · (16 + bits if asymmetric)}, pairs as {@link Granularity#paramCount(int, long)}.
     */
    public static long qparamBits(Granularity g, Scheme scheme, int bits, int channels, long params) {
        long pairs = g.paramCount(channels, params / channels);
        boolean asym = scheme == Scheme.ASYMMETRIC;
        long each = g.isPerGroup() ? GROUP_SCALE_BITS + (asym ? bits : 0) : SCALE_BITS + (asym ? ZERO_POINT_BITS : 0);
        return pairs * each;
    }

    /** Storage bits per quantized weight, scales and zero-points included ({@link #averageBitsWithQParams()}). */
    public double storageBits() {
        return averageBitsWithQParams;
    }

    /** The model in FP32. */
    public static SizeReport fp32(QuantizableModel model) {
        long params = model.quantizableParams();
        return new SizeReport(params, model.otherParams(), model.otherBits(), 32L * params, 0, 32, 32);
    }

    /** Quantized layers (weights + scales/zero-points) in MB. */
    public double quantizedLayersMB() {
        return (weightBits + qparamBits) / 8e6;
    }

    /** The unquantized rest of the model, as stored, in MB. */
    public double otherMB() {
        return otherBits / 8e6;
    }

    /** Whole model in MB: quantized layers plus the FP32 rest. */
    public double totalMB() {
        return quantizedLayersMB() + otherMB();
    }

    /** Whole model unquantized in MB: the quantizable weights in FP32, the rest as stored. */
    public double fp32MB() {
        return (quantizedParams * 32 + otherBits) / 8e6;
    }

    /** One-line description of what is counted. */
    public static String whatIsCounted() {
        return "size counts each quantized weight at its bits plus a float32 scale (and an 8-bit zero-point for"
                + " asymmetric) per output channel or tensor, or per group an FP16 scale (and a zero-point of the"
                + " layer's bits); embeddings, biases and norm parameters stay as stored (FP32, or e.g. FP16);"
                + " 1 MB = 10^6 bytes";
    }
}
