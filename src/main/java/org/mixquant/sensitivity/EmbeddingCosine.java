package org.mixquant.sensitivity;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.util.List;
import org.mixquant.data.Texts;
import org.mixquant.model.onnx.LayerProbe;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.onnx.OnnxRunner;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.onnx.TextEmbedder;
import org.mixquant.tensor.WeightTensor;

/**
 * Sentence-encoder distortion: mean over calibration texts of 1 − cos(FP32 embedding, quantized embedding), the
 * embeddings being unit-length ({@link TextEmbedder}); the dot product is summed in double.
 */
public final class EmbeddingCosine extends OnnxDistortion<float[][]> {
    /** Calibration texts for the measured cost. */
    public static final int DEFAULT_TEXTS = 256;

    private final TextEmbedder embedder;
    private final List<String> texts;
    private final float[][] reference;
    /** Created on the first {@link #measureLayer}; closed by {@link #close}. */
    private TextEmbedder.Batches batches;
    private Batching batching = Batching.BUCKETED;

    private EmbeddingCosine(OnnxModel fp32, TextEmbedder embedder, List<String> texts, int threads,
            String calibration) throws OrtException {
        super(fp32, threads, calibration);
        this.embedder = embedder;
        this.texts = List.copyOf(texts);
        this.reference = embed(fp32);
    }

    /**
     * How {@link #measureLayer} batches the calibration texts (sorted by token count either way; each batch padded to
     * its longest text). The tables agree up to float summation order.
     */
    public enum Batching {
        /**
         * At most {@value TextEmbedder#DEFAULT_BATCH} texts per batch, cut early where padding would exceed
         * {@link TextEmbedder#BUCKET_PADDING} of the batch's tokens (the default).
         */
        BUCKETED,
        /** {@value TextEmbedder#DEFAULT_BATCH} texts per batch whatever their lengths (the first version's batches). */
        FIXED
    }

    /**
     * Chooses how single-layer runs batch the texts (default {@link Batching#BUCKETED}); takes effect at the next
     * {@link #close} (batches are made on the first {@link #measureLayer}).
     */
    public void batching(Batching how) {
        this.batching = java.util.Objects.requireNonNull(how);
    }

    /**
     * Where the single-layer work's time went since the last {@link #close} ({@link LayerProbe.Timings}), or
     * {@code null} before the first {@link #measureLayer}.
     */
    public LayerProbe.Timings timings() {
        return probe == null ? null : probe.timings();
    }

    /**
     * 1 − cos against {@code fp32} (unmodified) on {@code texts}.
     *
     * @param name    a short name for the texts, e.g. {@code fortunes[512:768]}; a hash of the texts is appended
     * @param threads ONNX Runtime intra-op threads, ≥ 1
     */
    public static EmbeddingCosine create(OnnxModel fp32, TextEmbedder embedder, List<String> texts, String name,
            int threads) throws OrtException {
        if (!fp32.overrides().isEmpty()) {
            throw new IllegalArgumentException("the reference must be the unmodified FP32 model");
        }
        if (texts.isEmpty() || threads < 1) {
            throw new IllegalArgumentException("need at least one text and one thread");
        }
        return new EmbeddingCosine(fp32, embedder, texts, threads, name + " n=" + texts.size() + " maxTokens="
                + embedder.maxTokens() + " sha256=" + Texts.sha256(texts).substring(0, 16) + embedder.settingsKey());
    }

    @Override
    public String metric() {
        return "mean (1 - cos) of sentence embeddings";
    }

    @Override
    public int samples() {
        return texts.size();
    }

    @Override
    public double measure(QuantizableModel model) {
        if (!(model instanceof OnnxModel onnx)) {
            throw new IllegalArgumentException("embedding distortion needs an ONNX model, got " + model.source());
        }
        float[][] q;
        try {
            q = embed(onnx);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on " + model.source() + ": " + e.getMessage(), e);
        }
        return meanOneMinusCos(reference, q);
    }

    /**
     * Single-layer passes ({@link OnnxDistortion#measureLayer}) run only what {@code layer}'s weight changes
     * ({@link LayerProbe}): the layer's suffix of the graph, fed with the FP32 tensors at its boundary, against the
     * same suffix with the FP32 weight (fusions can differ from the whole graph's in the last bits).
     */
    @Override
    void openProbe() throws OrtException {
        if (probe == null) {
            java.util.Set<String> inputs = new java.util.LinkedHashSet<>(fp32.graph().inputs());
            inputs.removeAll(fp32.graph().initializers().keySet());
            batches = embedder.batches(inputs, texts, TextEmbedder.DEFAULT_BATCH,
                    batching == Batching.FIXED ? Double.POSITIVE_INFINITY : TextEmbedder.BUCKET_PADDING);
            probe = LayerProbe.open(fp32, batches.allFeeds(), threads);
        }
    }

    @Override
    double distance(float[][] reference, float[][] quantized) {
        return meanOneMinusCos(reference, quantized);
    }

    @Override
    float[][] probeOutput(String layer, WeightTensor weight) throws OrtException {
        float[][] out = new float[texts.size()][];
        probe.run(layer, weight, (b, first) -> batches.pool(b, first, out));
        return out;
    }

    @Override
    void closeFeeds() {
        if (batches != null) {
            batches.close();
            batches = null;
        }
    }

    private static double meanOneMinusCos(float[][] reference, float[][] q) {
        double sum = 0;
        for (int i = 0; i < q.length; i++) {
            double dot = 0;
            for (int d = 0; d < q[i].length; d++) {
                dot += (double) reference[i][d] * q[i][d];
            }
            sum += 1 - dot;
        }
        return Math.max(0, sum / q.length);
    }

    private float[][] embed(OnnxModel m) throws OrtException {
        try (OnnxRunner r = m.open(OrtEnvironment.getEnvironment(), threads)) {
            return embedder.embed(r.session(), texts, TextEmbedder.DEFAULT_BATCH, null);
        }
    }
}
