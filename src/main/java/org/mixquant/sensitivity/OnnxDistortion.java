package org.mixquant.sensitivity;

import ai.onnxruntime.OrtException;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.onnx.LayerProbe;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.tensor.WeightTensor;

/**
 * What the ONNX distortions share ({@link EmbeddingCosine}, {@link OnnxClassifierKl}, {@link OutputError}): the FP32
 * model, ONNX Runtime threads and calibration name, the model hash ({@link OnnxModel#fingerprint()}), and single-layer
 * passes on the layer's graph suffix ({@link LayerProbe}): the reference is the same suffix with the FP32 weight, run
 * once per layer and kept while that layer's bit-widths are measured, so both sides of the distance come from one ONNX
 * Runtime graph.
 *
 * @param <R> what one probe pass yields (embeddings, log-softmax rows, output values)
 */
abstract class OnnxDistortion<R> implements Distortion {
    final OnnxModel fp32;
    final int threads;
    private final String calibration;
    /** Opened by {@link #openProbe()}, closed by {@link #close()}. */
    LayerProbe probe;
    private String probeLayer;
    private R probeReference;

    OnnxDistortion(OnnxModel fp32, int threads, String calibration) {
        this.fp32 = fp32;
        this.threads = threads;
        this.calibration = calibration;
    }

    /** Rejects a reference with replaced weights and fewer than one thread. */
    static void requireReference(OnnxModel fp32, int threads) {
        if (!fp32.overrides().isEmpty()) {
            throw new IllegalArgumentException("the reference must be the unmodified FP32 model");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
        }
    }

    @Override
    public final String calibration() {
        return calibration;
    }

    @Override
    public final String modelHash() {
        return fp32.fingerprint();
    }

    /**
     * {@code model} as a version of the FP32 model (the same parsed graph).
     *
     * @throws IllegalArgumentException naming {@code what} is measured otherwise
     */
    final OnnxModel versionOf(QuantizableModel model, String what) {
        if (!(model instanceof OnnxModel onnx) || onnx.graph() != fp32.graph()) {
            throw new IllegalArgumentException(what + " of " + fp32.source() + " needs a version of that model, got "
                    + model.source());
        }
        return onnx;
    }

    /** Whether single-layer passes run on the probe (else each runs the whole model). */
    boolean probes() {
        return true;
    }

    /** Opens the probe when it is not open yet. */
    abstract void openProbe() throws OrtException;

    /** One probe pass: the suffix of {@code layer} with {@code weight}, over all calibration samples. */
    abstract R probeOutput(String layer, WeightTensor weight) throws OrtException;

    /** The distortion of a probe pass against the FP32 one. */
    abstract double distance(R reference, R quantized);

    /**
     * The distortion with only {@code layer}'s weight replaced, from the layer's graph suffix; any model other than
     * the FP32 one (or a distortion that does not {@link #probes()}) falls back to a whole-model run.
     */
    @Override
    public final double measureLayer(QuantizableModel model, String layer, WeightTensor weight) {
        if (model != fp32 || !probes()) {
            return Distortion.super.measureLayer(model, layer, weight);
        }
        try {
            openProbe();
            if (!layer.equals(probeLayer)) {
                probeReference = probeOutput(layer, fp32.layer(layer).weight());
                probeLayer = layer;
            }
            return distance(probeReference, probeOutput(layer, weight));
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on " + model.source() + ": " + e.getMessage(), e);
        }
    }

    /** Closes the probe and what fed it ({@link #closeFeeds()}) and drops the kept FP32 pass. */
    @Override
    public final void close() {
        if (probe != null) {
            probe.close();
            probe = null;
        }
        closeFeeds();
        probeLayer = null;
        probeReference = null;
    }

    /** Releases the tensors or batches {@link #openProbe()} made to feed the probe. */
    abstract void closeFeeds();
}
