package org.mixquant.sensitivity;

import java.util.Map;
import org.mixquant.model.QuantizableModel;
import org.mixquant.tensor.WeightTensor;

/**
 * How far a version of one model's output moves from the FP32 output on fixed calibration data: one non-negative
 * number, 0 for the FP32 model itself. The FP32 outputs are computed once, at creation.
 */
public interface Distortion extends AutoCloseable {
    /** What is measured, e.g. {@code mean KL(FP32 softmax || quantized softmax)}, for provenance and tables. */
    String metric();

    /** The calibration data, e.g. {@code fashion-mnist train sample n=512 seed=0}; part of cache keys. */
    String calibration();

    /** Number of calibration samples (images or texts). */
    int samples();

    /** SHA-256 (hex) of what the FP32 model runs; part of cache keys. */
    String modelHash();

    /**
     * The mean distortion of {@code model} (the FP32 model with some weights replaced) over the calibration data.
     *
     * @throws IllegalArgumentException if {@code model} is not a version of this distortion's model type
     */
    double measure(QuantizableModel model);

    /**
     * The distortion of {@code fp32} with only {@code layer}'s weight replaced by {@code weight}: by default
     * {@code measure(fp32.withWeights({layer: weight}))}; implementations may reuse FP32 work up to that layer.
     */
    default double measureLayer(QuantizableModel fp32, String layer, WeightTensor weight) {
        return measure(fp32.withWeights(Map.of(layer, weight)));
    }

    /** Releases any native memory held for {@link #measureLayer} (no checked exception). */
    @Override
    default void close() {
    }
}
