package org.mixquant.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import org.mixquant.data.FashionMnist;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.cnn.CnnRunner;
import org.mixquant.model.Djl;
import org.mixquant.progress.Progress;
import org.mixquant.model.cnn.ImageBatches;

/**
 * Top-1 accuracy of Fashion-MNIST CNNs ({@link CnnModel}) on a fixed image set, by default the 10,000 test images.
 * Inference runs BN-folded, in batches, on DJL's PyTorch engine with {@code threads} intra-op threads (libtorch
 * parallelises each convolution over the cores). Immutable; the models it evaluates are not changed.
 */
public final class AccuracyEvaluator implements ClassifierEvaluator {
    /** Default images per inference batch. */
    public static final int DEFAULT_BATCH = 500;
    private final FashionMnist images;
    private final int batchSize;
    private final int threads;
    private final Progress progress;

    private AccuracyEvaluator(FashionMnist images, int batchSize, int threads, Progress progress) {
        this.images = images;
        this.batchSize = batchSize;
        this.threads = threads;
        this.progress = progress;
    }

    /**
     * An evaluator over {@code images}.
     *
     * @param batchSize images per batch, ≥ 1
     * @param threads   libtorch intra-op threads, ≥ 1 (a process-wide setting)
     */
    public static AccuracyEvaluator create(FashionMnist images, int batchSize, int threads, Progress progress) {
        if (batchSize < 1 || threads < 1) {
            throw new IllegalArgumentException("batch size and threads must be ≥ 1, got " + batchSize + " and "
                    + threads);
        }
        return new AccuracyEvaluator(images, batchSize, threads, progress == null ? Progress.NONE : progress);
    }

    /**
     * An evaluator over the Fashion-MNIST test split, or its first {@code limit} images when {@code limit > 0}
     * (a quicker estimate), with all cores.
     *
     * @throws IOException if the data set is not installed (the message says how to install it)
     */
    public static AccuracyEvaluator testSet(int limit, Progress progress) throws IOException {
        FashionMnist test = FashionMnist.load(FashionMnist.Split.TEST);
        if (limit > 0) {
            test = test.head(limit);
        }
        return create(test, DEFAULT_BATCH, Runtime.getRuntime().availableProcessors(), progress);
    }

    /** The images evaluated on. */
    public FashionMnist images() {
        return images;
    }

    @Override
    public int size() {
        return images.size();
    }

    /**
     * Top-1 of {@code model} (BN-folded, with whatever weights it carries).
     *
     * @throws IllegalArgumentException if {@code model} is not a {@link CnnModel}
     * @throws IllegalStateException    if some logits are NaN or infinite (the message counts the images and says
     *                                  whether the FP32 or a quantized model gave them)
     */
    @Override
    public Accuracy evaluate(QuantizableModel model) {
        if (!(model instanceof CnnModel cnn)) {
            throw new IllegalArgumentException("accuracy needs a Fashion-MNIST CNN (resnet20-fashion,"
                    + " mobilenetv2-fashion), got " + model.source());
        }
        try (CnnRunner r = cnn.open()) {
            return run(r, "accuracy (" + cnn.source() + ")", !cnn.isModified(), cnn.source());
        }
    }

    /** Top-1 of the BatchNorm (unfolded) form of {@code model}, for checking the folding. */
    public Accuracy evaluateUnfolded(CnnModel model) {
        try (CnnRunner r = model.openUnfolded()) {
            return run(r, "accuracy (" + model.source() + ", unfolded)", !model.isModified(), model.source());
        }
    }

    /** @param fp32 whether {@code r} runs the unmodified FP32 weights (for the message on non-finite logits) */
    private Accuracy run(CnnRunner r, String task, boolean fp32, String source) {
        Djl.threads(threads);
        long t0 = System.nanoTime();
        int correct = 0;
        int nonFinite = 0;
        int n = images.size();
        for (ImageBatches.Batch b : ImageBatches.batches(images, r.manager(), batchSize)) {
            try (b) {
                NDArray logits = r.logits(b.images());
                nonFinite += (int) logits.isNaN().logicalOr(logits.isInfinite()).toType(DataType.INT32, false)
                        .sum(new int[] {1}).gt(0).toType(DataType.INT64, false).sum().getLong();
                NDArray pred = logits.argMax(1).toType(DataType.INT32, false);
                correct += (int) pred.eq(b.labels()).toType(DataType.INT64, false).sum().getLong();
                progress.update(task, b.to(), n);
            }
        }
        if (fp32) {
            NonFiniteOutputs.requireFp32(source, nonFinite, n, "images");
        } else {
            NonFiniteOutputs.requireQuantized(source, nonFinite, n, "images");
        }
        return new Accuracy(correct, n, (System.nanoTime() - t0) / 1e9, images.name());
    }
}
