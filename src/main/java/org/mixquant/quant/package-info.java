/**
 * Quantization primitives: {@link org.mixquant.quant.QuantSpec} (bits 2..8, scheme, granularity: per-tensor,
 * per-channel or per-group of G input-dimension weights, {@link org.mixquant.quant.Granularity}), choosing
 * quantization parameters ({@link org.mixquant.quant.QParams#choose}), fake quantization
 * ({@link org.mixquant.quant.FakeQuant}), integer codes with their parameters
 * ({@link org.mixquant.quant.IntegerWeights}, what an exported model stores), the one-pass error sweep over all
 * bit-widths ({@link org.mixquant.quant.ErrorSweep}; scalar or SIMD, {@link org.mixquant.quant.SweepKernel}), and the
 * immutable per-layer {@link org.mixquant.quant.BitPlan}. {@code VectorSweep} is the only class of the toolkit that
 * uses {@code jdk.incubator.vector}, and is loaded only when the JVM has that module.
 *
 * <p>Numerics match PyTorch's {@code torch.fake_quantize_per_channel_affine} / {@code _per_tensor_affine} bit for
 * bit: the value is multiplied by the float32 reciprocal of the scale and rounded half to even
 * ({@link java.lang.Math#rint}). Depends only on {@code org.mixquant.tensor} (and, optionally, the Vector API).
 */
package org.mixquant.quant;
