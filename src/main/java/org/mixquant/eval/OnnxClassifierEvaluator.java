package org.mixquant.eval;

import ai.onnxruntime.OrtException;
import org.mixquant.data.LabelledImages;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.onnx.ImageClassifier;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.progress.Progress;

/**
 * Top-1 and top-5 accuracy of an ONNX image classifier ({@link ImageClassifier}: one NCHW float input, logits
 * {@code [batch, classes]}) and its quantized versions on a fixed set of {@link LabelledImages}, run by ONNX Runtime
 * in batches. The prediction is the highest output, ties to the lower class index (as {@code argmax}); an image is
 * top-5 correct when fewer than 5 classes rank above its true class by that order. Immutable; models are not changed.
 */
public final class OnnxClassifierEvaluator implements ClassifierEvaluator {
    /** Default images per ONNX Runtime call. */
    public static final int DEFAULT_BATCH = 250;
    /** The k of top-k. */
    public static final int TOP_K = 5;
    private final LabelledImages images;
    private final int batch;
    private final int threads;
    private final Progress progress;

    private OnnxClassifierEvaluator(LabelledImages images, int batch, int threads, Progress progress) {
        this.images = images;
        this.batch = batch;
        this.threads = threads;
        this.progress = progress;
    }

    /**
     * An evaluator over {@code images}.
     *
     * @param batch   images per ONNX Runtime call, ≥ 1
     * @param threads ONNX Runtime intra-op threads, ≥ 1
     */
    public static OnnxClassifierEvaluator create(LabelledImages images, int batch, int threads, Progress progress) {
        if (batch < 1 || threads < 1) {
            throw new IllegalArgumentException("batch size and threads must be ≥ 1, got " + batch + " and "
                    + threads);
        }
        return new OnnxClassifierEvaluator(images, batch, threads, progress == null ? Progress.NONE : progress);
    }

    /** The images scored on. */
    public LabelledImages images() {
        return images;
    }

    @Override
    public int size() {
        return images.size();
    }

    /**
     * Checks that {@code model} is an image classifier the images fit, before any long work.
     *
     * @throws IllegalArgumentException naming the mismatch (input not 4-D float, channel count, size, labels)
     */
    public void requireFits(OnnxModel model) {
        try {
            ImageClassifier.signature(model).requireFits(images);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    /** The predicted class of every image (highest output, ties to the lower index). */
    public int[] predictions(QuantizableModel model) {
        float[][] logits = logits(model);
        int[] p = new int[logits.length];
        for (int i = 0; i < logits.length; i++) {
            p[i] = argmax(logits[i]);
        }
        return p;
    }

    @Override
    public Accuracy evaluate(QuantizableModel model) {
        long t0 = System.nanoTime();
        float[][] logits = logits(model);
        int top1 = 0;
        int top5 = 0;
        for (int i = 0; i < logits.length; i++) {
            int r = rank(logits[i], images.label(i));
            top1 += r == 0 ? 1 : 0;
            top5 += r < TOP_K ? 1 : 0;
        }
        return new Accuracy(top1, logits.length, (System.nanoTime() - t0) / 1e9, images.name(), top5);
    }

    private float[][] logits(QuantizableModel model) {
        if (!(model instanceof OnnxModel onnx)) {
            throw new IllegalArgumentException("an ONNX image classifier was expected, got " + model.source());
        }
        boolean fp32 = onnx.overrides().isEmpty();
        String task = "accuracy (" + onnx.source() + (fp32 ? "" : ", quantized") + ")";
        float[][] logits;
        try {
            logits = ImageClassifier.logits(onnx, images, batch, threads, done -> progress.update(task, done,
                    images.size()));
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        }
        int bad = NonFiniteOutputs.rows(logits);
        if (fp32) {
            NonFiniteOutputs.requireFp32(onnx.source(), bad, logits.length, "images");
        } else {
            NonFiniteOutputs.requireQuantized(onnx.source(), bad, logits.length, "images");
        }
        return logits;
    }

    /**
     * How many classes rank above class {@code label}: a higher output, or an equal output at a lower index (so rank
     * 0 is the argmax with ties to the lower index).
     */
    static int rank(float[] logits, int label) {
        float v = logits[label];
        int r = 0;
        for (int c = 0; c < logits.length; c++) {
            if (logits[c] > v || (logits[c] == v && c < label)) {
                r++;
            }
        }
        return r;
    }

    /** Index of the highest value, ties to the lower index. */
    static int argmax(float[] v) {
        int best = 0;
        for (int c = 1; c < v.length; c++) {
            if (v[c] > v[best]) {
                best = c;
            }
        }
        return best;
    }
}
