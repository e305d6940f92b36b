/**
 * Quantization methods behind one {@link org.mixquant.methods.Quantizer} interface: a model and a
 * {@link org.mixquant.quant.BitPlan} in, a new model with fake-quantized weights out (the input model is never
 * changed). {@link org.mixquant.methods.NearestRounding} is the vanilla (asymmetric or symmetric) min-max
 * quantizer of the paper.
 */
package org.mixquant.methods;
