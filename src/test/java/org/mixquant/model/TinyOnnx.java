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
        inputs.add(typed(name, type, shape));
        return this;
    }

    private static OnnxMl.ValueInfoProto typed(String name, OnnxMl.TensorProto.DataType type, long... shape) {
        OnnxMl.TensorShapeProto.Builder s = OnnxMl.TensorShapeProto.newBuilder();
        for (int i = 0; i < shape.length; i++) {
            s.addDim(shape[i] < 0 ? OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("d" + i)
                    : OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(shape[i]));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(s)))
                .build();
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

    /** A node; attributes as name/value pairs: an Integer or Long (INT), a Float (FLOAT) or a long[] (INTS). */
    public TinyOnnx node(String op, String name, List<String> in, List<String> out, Object... intAttrs) {
        OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(in)
                .addAllOutput(out);
        for (int i = 0; i < intAttrs.length; i += 2) {
            Object v = intAttrs[i + 1];
            OnnxMl.AttributeProto.Builder a = OnnxMl.AttributeProto.newBuilder().setName((String) intAttrs[i]);
            if (v instanceof long[] ints) {
                a.setType(OnnxMl.AttributeProto.AttributeType.INTS);
                for (long x : ints) {
                    a.addInts(x);
                }
            } else if (v instanceof Float f) {
                a.setType(OnnxMl.AttributeProto.AttributeType.FLOAT).setF(f);
            } else {
                a.setType(OnnxMl.AttributeProto.AttributeType.INT).setI(((Number) v).longValue());
            }
            n.addAttribute(a);
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

    /**
     * A small CNN with a dynamic batch: {@code x [N, 1, 6, 6]} → Conv {@code conv} (W {@code [4, 1, 3, 3]}, bias,
     * pads 1) → Relu → Flatten → Gemm {@code fc} (W {@code [3, 144]}, transB=1, alpha 0.5, beta 2, bias) →
     * {@code y [N, 3]}.
     */
    public static TinyOnnx convNet(long seed) {
        return new TinyOnnx().input("x", OnnxMl.TensorProto.DataType.FLOAT, -1, 1, 6, 6)
                .output("y", OnnxMl.TensorProto.DataType.FLOAT, -1, 3)
                .init("Wc", values(36, seed), 4, 1, 3, 3).init("bc", values(4, seed + 1), 4)
                .init("Wf", scaled(values(432, seed + 2), 0.2f), 3, 144).init("bf", values(3, seed + 3), 3)
                .node("Conv", "conv", List.of("x", "Wc", "bc"), List.of("c"), "pads", new long[] {1, 1, 1, 1},
                        "kernel_shape", new long[] {3, 3})
                .node("Relu", "relu", List.of("c"), List.of("r"))
                .node("Flatten", "flat", List.of("r"), List.of("f"), "axis", 1)
                .node("Gemm", "fc", List.of("f", "Wf", "bf"), List.of("y"), "transB", 1, "alpha", 0.5f,
                        "beta", 2f);
    }

    /**
     * An MLP with a dynamic batch: {@code x [N, 8]} → MatMul {@code fc1} (W {@code [8, 16]}) → Add bias → Relu →
     * Gemm {@code fc2} (W {@code [16, 4]}, transB=0, bias) → {@code y [N, 4]}.
     */
    public static TinyOnnx mlpNet(long seed) {
        return new TinyOnnx().input("x", OnnxMl.TensorProto.DataType.FLOAT, -1, 8)
                .output("y", OnnxMl.TensorProto.DataType.FLOAT, -1, 4)
                .init("W1", values(128, seed), 8, 16).init("b1", values(16, seed + 1), 16)
                .init("W2", scaled(values(64, seed + 2), 0.5f), 16, 4).init("b2", values(4, seed + 3), 4)
                .node("MatMul", "fc1", List.of("x", "W1"), List.of("h"))
                .node("Add", "add1", List.of("h", "b1"), List.of("hb"))
                .node("Relu", "relu", List.of("hb"), List.of("hr"))
                .node("Gemm", "fc2", List.of("hr", "W2", "b2"), List.of("y"));
    }

    /** An output of any element type; a dimension {@code -1} is dynamic. */
    public TinyOnnx output(String name, OnnxMl.TensorProto.DataType type, long... shape) {
        outputs.add(typed(name, type, shape));
        return this;
    }

    private static float[] scaled(float[] v, float f) {
        for (int i = 0; i < v.length; i++) {
            v[i] *= f;
        }
        return v;
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
