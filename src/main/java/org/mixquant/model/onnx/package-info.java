/**
 * ONNX models: {@link org.mixquant.model.onnx.OnnxGraph} (the protobuf parsed once and indexed: producers, consumers,
 * initializers, typed attribute readers), {@link org.mixquant.model.onnx.OnnxModel} (weights named by their
 * MatMul/Gemm/Conv node, new weights given to ONNX Runtime as initializers), the runner, layer sites (input, bias,
 * activation) and the capture of layer inputs, all read from the model's one graph, sentence encoders with their
 * tokenizer ({@link org.mixquant.model.onnx.TextEmbedder}), the one lock around ONNX Runtime's native sessions
 * ({@link org.mixquant.model.onnx.NativeSessions}), and the export of a quantized model as standard ONNX (integer
 * weights and {@code DequantizeLinear}, {@link org.mixquant.model.onnx.OnnxExport}) with its check against the
 * fake-quantized model ({@link org.mixquant.model.onnx.ExportCheck}).
 */
package org.mixquant.model.onnx;
