/**
 * Learned rounding, shared by AdaRound and BRECQ: rectified-sigmoid soft rounding
 * ({@link org.mixquant.methods.rounding.SoftRounding}), its temperature schedule
 * ({@link org.mixquant.methods.rounding.RoundingSchedule}), per-channel Lp-2.4 scales
 * ({@link org.mixquant.methods.rounding.LpScaleSearch}), PyTorch's Adam ({@link org.mixquant.methods.rounding.TorchAdam})
 * and the one optimisation loop ({@link org.mixquant.methods.rounding.LearnedRounding}) over any
 * {@link org.mixquant.methods.rounding.Reconstruction} objective: one layer
 * ({@link org.mixquant.methods.rounding.LayerReconstruction}) or a block of layers
 * ({@link org.mixquant.methods.rounding.UnitReconstruction}). DJL autograd rule: every constant under autograd is an
 * NDArray, never a Java number (DJL 0.36's PyTorch engine frees number operands before backward reads them).
 */
package org.mixquant.methods.rounding;
