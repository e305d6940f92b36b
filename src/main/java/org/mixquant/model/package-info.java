/**
 * Quantizable models: a {@link org.mixquant.model.QuantizableModel} exposes its quantizable weights as named
 * {@link org.mixquant.model.Layer}s and can be re-made with some weights replaced, never mutating the original.
 * {@link org.mixquant.model.onnx.OnnxModel} reads any {@code .onnx} file; {@link org.mixquant.model.Models} resolves
 * built-in names ({@code minilm}, and the Fashion-MNIST CNNs of {@code org.mixquant.model.cnn});
 * {@link org.mixquant.model.onnx.OnnxCapture} exposes the inputs of MatMul/Gemm layers ({@link org.mixquant.model.LayerSite})
 * as extra graph outputs for calibration. {@link org.mixquant.model.Djl} holds the offline DJL
 * engine the CNNs and learned rounding run on. Depends on {@code tensor}, {@code data} and {@code io}.
 */
package org.mixquant.model;
