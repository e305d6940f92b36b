package org.mixquant.model;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Builds small ONNX models in tests with the ONNX protobuf classes (no files checked in). */
public final class TinyOnnx {
    private final List<OnnxMl.NodeProto> nodes = new ArrayList<>();
    private final List<OnnxMl.TensorProto> inits = new ArrayList<>();
    private final List<OnnxMl.ValueInfoProto> inputs = new ArrayList<>();
    private final List<OnnxMl.ValueInfoProto> outputs = new ArrayList<>();

    /** A float input of the given shape. */
    public TinyOnnx input(String name, long... shape) {
        inputs.add(valueInfo(name, shape));
        return this;
    }

    /** An input of any element type; a dimension {@code -1} is dynamic (named {@code d0}, {@code d1}, ...). */
    public TinyOnnx input(String name, OnnxMl.TensorProto.DataType type, long... shape) {
        OnnxMl.TensorShapeProto.Builder s = OnnxMl.TensorShapeProto.newBuilder();
        for (int i = 0; i < shape.length; i++) {
            s.addDim(shape[i] < 0 ? OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("d" + i)
                    : OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(shape[i]));
        }
        inputs.add(OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(s)))
                .build());
        return this;
    }

    /** A float output of the given shape. */
    public TinyOnnx output(String name, long... shape) {
        outputs.add(valueInfo(name, shape));
        return this;
    }

    /** A float output; a dimension {@code -1} is dynamic (named {@code o0}, {@code o1}, ...). */
    public TinyOnnx outputDynamic(String name, long... shape) {
        OnnxMl.TensorShapeProto.Builder s = OnnxMl.TensorShapeProto.newBuilder();
        for (int i = 0; i < shape.length; i++) {
            s.addDim(shape[i] < 0 ? OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("o" + i)
                    : OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(shape[i]));
        }
        outputs.add(OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setShape(s))).build());
        return this;
    }

    /**
     * A tiny image classifier: {@code x [batch, channels, 8, 8]} → Conv W {@code [16, channels, 3, 3]} (no bias) →
     * Relu → GlobalAveragePool → Flatten → Gemm {@code [classes, 16]} (transB=1) → {@code y [batch, classes]}.
     */
    public static TinyOnnx cnn(int channels, int classes) {
        return new TinyOnnx().input("x", OnnxMl.TensorProto.DataType.FLOAT, -1, channels, 8, 8)
                .outputDynamic("y", -1, classes)
                .init("W", values(16 * channels * 9, 1), 16, channels, 3, 3)
                .init("F", values(classes * 16, 2), classes, 16)
                .node("Conv", "conv", List.of("x", "W"), List.of("c"))
                .node("Relu", "relu", List.of("c"), List.of("r"))
                .node("GlobalAveragePool", "gap", List.of("r"), List.of("g"))
                .node("Flatten", "flat", List.of("g"), List.of("f"))
                .node("Gemm", "fc", List.of("f", "F"), List.of("y"), "transB", 1);
    }

    /** A float initializer stored as raw little-endian bytes. */
    public TinyOnnx init(String name, float[] values, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        inits.add(OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).addAllDims(box(dims))
                .setRawData(ByteString.copyFrom(b.array())).build());
        return this;
    }

    /**
     * An initializer of any ONNX data type with the given raw bytes and declared dims, which need not agree (for
     * tests of corrupt files).
     */
    public TinyOnnx initRaw(String name, OnnxMl.TensorProto.DataType type, byte[] raw, long... dims) {
        inits.add(OnnxMl.TensorProto.newBuilder().setName(name).setDataType(type.getNumber()).addAllDims(box(dims))
                .setRawData(ByteString.copyFrom(raw)).build());
        return this;
    }

    /** A float initializer stored in the float_data field. */
    public TinyOnnx initFloatData(String name, float[] values, long... dims) {
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).addAllDims(box(dims));
        for (float v : values) {
            t.addFloatData(v);
        }
        inits.add(t.build());
        return this;
    }

    /** A node; attributes as name/int pairs. */
    public TinyOnnx node(String op, String name, List<String> in, List<String> out, Object... intAttrs) {
        OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(in)
                .addAllOutput(out);
        for (int i = 0; i < intAttrs.length; i += 2) {
            n.addAttribute(OnnxMl.AttributeProto.newBuilder().setName((String) intAttrs[i])
                    .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(((Number) intAttrs[i + 1]).longValue()));
        }
        nodes.add(n.build());
        return this;
    }

    /** The serialized model (IR 8, opset 13). */
    public byte[] bytes() {
        OnnxMl.GraphProto g = OnnxMl.GraphProto.newBuilder().setName("tiny").addAllNode(nodes)
                .addAllInitializer(inits).addAllInput(inputs).addAllOutput(outputs).build();
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8).setProducerName("mixquant-test")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).setGraph(g)
                .build().toByteArray();
    }

    /** Writes the model into {@code dir} as {@code name}. */
    public Path write(Path dir, String name) throws IOException {
        return Files.write(dir.resolve(name), bytes());
    }

    /**
     * A two-layer MLP: {@code y = relu(x·W1) ·W2ᵀ} with MatMul W1 {@code [4, 3]} (axis 1) and Gemm W2 {@code [2, 3]}
     * with transB=1 (axis 0), input {@code x [1, 4]}, output {@code y [1, 2]}.
     */
    public static TinyOnnx mlp(float[] w1, float[] w2) {
        return new TinyOnnx().input("x", 1, 4).output("y", 1, 2)
                .init("W1", w1, 4, 3).init("W2", w2, 2, 3).init("b2", new float[] {0.5f, -0.5f}, 2)
                .node("MatMul", "fc1/MatMul", List.of("x", "W1"), List.of("h"))
                .node("Relu", "relu", List.of("h"), List.of("hr"))
                .node("Gemm", "fc2/Gemm", List.of("hr", "W2", "b2"), List.of("y"), "transB", 1);
    }

    /** Deterministic pseudo-random values in [-1, 1). */
    public static float[] values(int n, long seed) {
        java.util.Random r = new java.util.Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextFloat() * 2 - 1;
        }
        return v;
    }

    private static OnnxMl.ValueInfoProto valueInfo(String name, long... shape) {
        OnnxMl.TensorShapeProto.Builder s = OnnxMl.TensorShapeProto.newBuilder();
        for (long d : shape) {
            s.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setShape(s))).build();
    }

    private static List<Long> box(long[] dims) {
        List<Long> l = new ArrayList<>();
        for (long d : dims) {
            l.add(d);
        }
        return l;
    }
}
