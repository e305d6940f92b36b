/**
 * Quantization methods behind one {@link org.mixquant.methods.Quantizer} interface: a model and a
 * {@link org.mixquant.quant.BitPlan} in, a new model with fake-quantized weights out (the input model is never
 * changed). {@link org.mixquant.methods.NearestRounding} is the vanilla (asymmetric or symmetric) min-max quantizer
 * of the paper; {@link org.mixquant.methods.AdaRound} learns the rounding of each layer (CNN or ONNX) and
 * {@link org.mixquant.methods.Brecq} of each block, both with the one loop of {@code methods.rounding}, on calibration
 * data captured by a {@link org.mixquant.methods.CalibrationCapture}. Methods take a plan, never a search.
 */
package org.mixquant.methods;
