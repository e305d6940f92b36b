package org.mixquant.methods.rounding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.List;
import org.mixquant.methods.rounding.LearnedRounding;
import org.mixquant.methods.rounding.LayerReconstruction;

/**
 * What learned rounding minimises besides the regulariser: a function from the current (soft) weights of one or
 * more layers to a reconstruction loss on a mini-batch of calibration samples. Layer-wise AdaRound
 * ({@link LayerReconstruction}) rebuilds one layer's output from captured inputs; block-wise BRECQ rebuilds a block's
 * output from the block's captured inputs, with all of its layers' weights. {@link LearnedRounding} runs the same
 * loop for both.
 *
 * <p>Implementations keep their cached inputs and targets in their own manager and must put every array they
 * create in {@code step} (e.g. {@code input.get(step, index)} or {@code step.tempAttachAll(...)}), so nothing
 * outlives the step. Constants must be arrays ({@code x.pow(step.create(2f))}, not {@code x.pow(2f)}): see
 * {@link LearnedRounding} for why number operands corrupt the backward pass.
 */
public interface Reconstruction {
    /** Number of calibration samples that mini-batches index, ≥ 1. */
    int samples();

    /**
     * The reconstruction loss, a scalar.
     *
     * @param step    manager of this step; every temporary goes here
     * @param weights current weights of the layers being rounded, in the order the loop was given them (soft weights
     *                during optimisation, requiring gradients; fixed weights for evaluation)
     * @param rows    the samples of this mini-batch (indices in {@code 0 .. samples()-1}), or {@code null} for all
     */
    NDArray loss(NDManager step, List<NDArray> weights, int[] rows);

    /**
     * The mini-batch {@code rows} of {@code data} (first axis), or all of it when {@code rows} is {@code null}, as a
     * new array of {@code step}: how implementations take the samples of one step from their cached arrays.
     */
    static NDArray rows(NDManager step, NDArray data, int[] rows) {
        if (rows == null) {
            return data.get(step, new NDIndex(":"));
        }
        long[] idx = new long[rows.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = rows[i];
        }
        return data.get(step, new NDIndex("{}", step.create(idx)));
    }
}
