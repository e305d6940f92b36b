package org.mixquant.model;

/** The operation a quantizable weight feeds. */
public enum LayerKind {
    /** ONNX MatMul input B, shape {@code [in, out]}: channel axis 1 (last). */
    MATMUL,
    /** ONNX Gemm input B: {@code [out, in]} (channel axis 0) with {@code transB=1}, else {@code [in, out]} (axis 1). */
    GEMM,
    /** Convolution weight {@code [out, in/groups, kh, kw]}: channel axis 0. */
    CONV,
    /** Depthwise convolution (groups == channels): channel axis 0; known to be hard to quantize. */
    DEPTHWISE_CONV,
    /** Fully connected layer {@code [out, in]} (PyTorch/DJL Linear): channel axis 0. */
    LINEAR
}
