/**
 * ONNX models: {@link org.mixquant.model.onnx.OnnxModel} (the graph parsed from the protobuf, weights named by their
 * MatMul/Gemm/Conv node, new weights given to ONNX Runtime as initializers), the runner and the capture of layer
 * inputs, sentence encoders with their tokenizer ({@link org.mixquant.model.onnx.TextEmbedder}), and the one lock
 * around ONNX Runtime's native sessions ({@link org.mixquant.model.onnx.NativeSessions}).
 */
package org.mixquant.model.onnx;
