package org.mixquant.eval;

import org.mixquant.model.QuantizableModel;

/**
 * Scores a classifier, FP32 or quantized, on a fixed labelled image set: {@link AccuracyEvaluator} for the bundled
 * Fashion-MNIST CNNs (DJL), {@link OnnxClassifierEvaluator} for any ONNX image classifier.
 */
public interface ClassifierEvaluator {
    /**
     * Top-1 (and, where measured, top-5) accuracy of {@code model}.
     *
     * @throws IllegalArgumentException if this evaluator cannot run {@code model}
     * @throws IllegalStateException    if some outputs are NaN or infinite
     */
    Accuracy evaluate(QuantizableModel model);

    /** How many images it scores on. */
    int size();
}
