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
public final class OutputError extends OnnxDistortion<float[]> {
    private final NamedArrays inputs;
    private final Map<String, OnnxFeeds.Tensor> reference;
    private final double signal;
    private Map<String, OnnxTensor> feeds;

    private OutputError(OnnxModel fp32, NamedArrays inputs, int threads, Map<String, OnnxFeeds.Tensor> reference,
            double signal) {
        super(fp32, threads, inputs.source() + " n=" + samplesOf(inputs) + " sha256=" + inputs.sha256()
                .substring(0, 16));
        this.inputs = inputs;
        this.reference = reference;
        this.signal = signal;
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
        requireReference(fp32, threads);
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
    public int samples() {
        return samplesOf(inputs);
    }

    /** Samples along the arrays' common first axis, or 1 when they have none. */
    private static int samplesOf(NamedArrays inputs) {
        try {
            return (int) inputs.samples();
        } catch (IllegalArgumentException e) {
            return 1;
        }
    }

    @Override
    public double measure(QuantizableModel model) {
        OnnxModel onnx = versionOf(model, "output error");
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

    /** Single-layer passes run on the layer's graph suffix when the graph has one (float) output. */
    @Override
    boolean probes() {
        return fp32.graph().outputs().size() == 1 && reference.size() == 1;
    }

    @Override
    void openProbe() throws OrtException {
        if (probe == null) {
            feeds = OnnxFeeds.feeds(fp32, inputs);
            probe = LayerProbe.open(fp32, List.of(feeds), threads);
        }
    }

    /** Normalised by the FP32 signal of the whole graph, as {@link #measure}. */
    @Override
    double distance(float[] reference, float[] quantized) {
        return squaredError(reference, quantized) / signal;
    }

    /** The one output of the layer's suffix with {@code weight}, all samples. */
    @Override
    float[] probeOutput(String layer, WeightTensor weight) throws OrtException {
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
    void closeFeeds() {
        if (feeds != null) {
            feeds.values().forEach(OnnxTensor::close);
            feeds = null;
        }
    }
}
