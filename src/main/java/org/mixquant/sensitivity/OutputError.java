package org.mixquant.sensitivity;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import java.util.List;
import java.util.Map;
import org.mixquant.data.NamedArrays;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.onnx.LayerProbe;
import org.mixquant.model.onnx.OnnxFeeds;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.tensor.WeightTensor;

/**
 * The distortion of any ONNX model on user-given input arrays ({@link NamedArrays}): the normalised squared error of
 * its float graph outputs, Σ(y − ŷ)² / Σy² over every output concatenated (all elements, all samples, summed in
 * double), y the FP32 outputs. It is the noise-to-signal power ratio behind the overall SQNR that {@code evaluate
 * --inputs} reports ({@code eval.OutputFidelity}): distortion = 10^(−SQNR/10), so a plan's measured distortion and its
 * SQNR are the same number on two scales. All samples go in one ONNX Runtime run. {@link #measureLayer} on a graph
 * with one output runs only the layer's graph suffix ({@link LayerProbe}, its reference the same suffix with the FP32
 * weight); with several outputs it runs the whole model. Not thread-safe; {@link #close()} releases the probe.
 */
public final class OutputError implements Distortion {
    private final OnnxModel fp32;
    private final NamedArrays inputs;
    private final int threads;
    private final String calibration;
    private final Map<String, OnnxFeeds.Tensor> reference;
    private final double signal;
    private Map<String, OnnxTensor> feeds;
    private LayerProbe probe;
    private String probeLayer;
    private float[] probeReference;

    private OutputError(OnnxModel fp32, NamedArrays inputs, int threads, Map<String, OnnxFeeds.Tensor> reference,
            double signal) {
        this.fp32 = fp32;
        this.inputs = inputs;
        this.threads = threads;
        this.reference = reference;
        this.signal = signal;
        this.calibration = inputs.source() + " n=" + samples() + " sha256=" + inputs.sha256().substring(0, 16);
    }

    /**
     * The output error against {@code fp32} (unmodified) on {@code inputs}.
     *
     * @param threads ONNX Runtime intra-op threads, ≥ 1
     * @throws IllegalArgumentException if the model carries replaced weights, an input is missing or does not fit the
     *                                  graph (naming it), or every FP32 output is zero on the inputs (no signal to
     *                                  normalise by)
     */
    public static OutputError create(OnnxModel fp32, NamedArrays inputs, int threads) throws OrtException {
        if (!fp32.overrides().isEmpty()) {
            throw new IllegalArgumentException("the reference must be the unmodified FP32 model");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
        }
        Map<String, OnnxFeeds.Tensor> ref = OnnxFeeds.outputs(fp32, inputs, threads);
        double signal = 0;
        for (OnnxFeeds.Tensor t : ref.values()) {
            for (float v : t.values()) {
                signal += (double) v * v;
            }
        }
        if (!(signal > 0) || Double.isInfinite(signal)) {
            throw new IllegalArgumentException("the FP32 outputs of " + fp32.source() + " on " + inputs.source()
                    + " are " + (signal == 0 ? "all zero" : "not finite") + ": no signal to measure the output error"
                    + " against");
        }
        return new OutputError(fp32, inputs, threads, ref, signal);
    }

    @Override
    public String metric() {
        return "normalised output error sum (y - y^)^2 / sum y^2 over all float outputs (= 10^(-SQNR/10))";
    }

    @Override
    public String calibration() {
        return calibration;
    }

    @Override
    public int samples() {
        try {
            return (int) inputs.samples();
        } catch (IllegalArgumentException e) {
            return 1;
        }
    }

    @Override
    public String modelHash() {
        return fp32.fingerprint();
    }

    @Override
    public double measure(QuantizableModel model) {
        if (!(model instanceof OnnxModel onnx) || onnx.graph() != fp32.graph()) {
            throw new IllegalArgumentException("output error of " + fp32.source() + " needs a version of that model,"
                    + " got " + model.source());
        }
        Map<String, OnnxFeeds.Tensor> q;
        try {
            q = OnnxFeeds.outputs(onnx, inputs, threads);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on " + model.source() + ": " + e.getMessage(), e);
        }
        double noise = 0;
        for (Map.Entry<String, OnnxFeeds.Tensor> e : reference.entrySet()) {
            noise += squaredError(e.getValue().values(), q.get(e.getKey()).values());
        }
        return noise / signal;
    }

    /**
     * The output error with only {@code layer}'s weight replaced: from the layer's graph suffix when the graph has one
     * output (normalised by the FP32 signal, as {@link #measure}), else {@link #measure} of the whole model.
     */
    @Override
    public double measureLayer(QuantizableModel model, String layer, WeightTensor weight) {
        if (model != fp32 || fp32.graph().outputs().size() != 1 || reference.size() != 1) {
            return Distortion.super.measureLayer(model, layer, weight);
        }
        try {
            if (probe == null) {
                feeds = OnnxFeeds.feeds(fp32, inputs);
                probe = LayerProbe.open(fp32, List.of(feeds), threads);
            }
            if (!layer.equals(probeLayer)) {
                probeReference = probeOutput(layer, fp32.layer(layer).weight());
                probeLayer = layer;
            }
            return squaredError(probeReference, probeOutput(layer, weight)) / signal;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on " + model.source() + ": " + e.getMessage(), e);
        }
    }

    private float[] probeOutput(String layer, WeightTensor weight) throws OrtException {
        float[][] out = new float[1][];
        probe.run(layer, weight, (b, first) -> {
            java.nio.FloatBuffer buf = ((OnnxTensor) first).getFloatBuffer();
            out[0] = new float[buf.remaining()];
            buf.get(out[0]);
        });
        return out[0];
    }

    /** Σ(y − ŷ)² in double. */
    private static double squaredError(float[] y, float[] yq) {
        double noise = 0;
        for (int i = 0; i < y.length; i++) {
            double d = (double) y[i] - yq[i];
            noise += d * d;
        }
        return noise;
    }

    @Override
    public void close() {
        if (probe != null) {
            probe.close();
            probe = null;
        }
        if (feeds != null) {
            feeds.values().forEach(OnnxTensor::close);
            feeds = null;
        }
        probeLayer = null;
        probeReference = null;
    }
}
