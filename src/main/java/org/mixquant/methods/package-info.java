/**
 * Quantization methods behind one {@link org.mixquant.methods.Quantizer} interface: a model and a
 * {@link org.mixquant.quant.BitPlan} in, a new model with fake-quantized weights out (the input model is never
 * changed). {@link org.mixquant.methods.NearestRounding} is the vanilla (asymmetric or symmetric) min-max quantizer
 * of the paper; {@link org.mixquant.methods.AdaRound} learns the rounding of each layer (rectified-sigmoid soft
 * rounding, {@link org.mixquant.methods.SoftRounding}; the temperature schedule,
 * {@link org.mixquant.methods.RoundingSchedule}; per-channel Lp-2.4 scales, {@link org.mixquant.methods.LpScaleSearch})
 * with one optimisation loop, {@link org.mixquant.methods.LearnedRounding}, over any
 * {@link org.mixquant.methods.Reconstruction} objective — layer-wise ({@link org.mixquant.methods.LayerReconstruction})
 * today, block-wise for BRECQ next — on calibration data captured by a {@link org.mixquant.methods.CalibrationCapture}.
 * DJL autograd rule: every constant under autograd is an NDArray, never a Java number (DJL 0.36's PyTorch engine
 * frees number operands before backward reads them). {@code methods.train} trains the Fashion-MNIST CNNs.
 */
package org.mixquant.methods;
