package org.mixquant.model;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A tiny BERT-shaped ONNX model for tests of token capture and AdaRound (built with the ONNX protobuf classes, no
 * files checked in). Inputs {@code input_ids} and {@code attention_mask} {@code [batch, tokens]} int64 (the mask is
 * not used by the graph); output {@code last_hidden_state [batch, tokens, H]}:
 * <pre>
 *   emb = Gather(E [V, H], input_ids)
 *   q   = Add(bq, MatMul(emb, Wq [H, H]))                         layer "q/MatMul", no activation
 *   i   = Add(MatMul(q, Wi [H, I]), bi); g = erf-GELU(i)           layer "i/MatMul", BERT's Div(√2)→Erf→Add→Mul→Mul
 *   out = Add(Add(bo, MatMul(g, Wo [I, H])), emb)                 layer "o/MatMul", residual, no activation
 * </pre>
 */
public final class TinyBert {
    /** Vocabulary size. */
    public static final int V = 20;
    /** Hidden width. */
    public static final int H = 8;
    /** Intermediate width. */
    public static final int I = 12;
    /** The MiniLM (bert-base-uncased) vocabulary size: a model with it runs with the MiniLM tokenizer. */
    public static final int MINILM_VOCAB = 30522;
    /** The MiniLM tokenizer's id of the word "the". */
    public static final int MINILM_THE = 1996;

    private TinyBert() {
    }

    /** The model with deterministic pseudo-random weights from {@code seed}. */
    public static byte[] bytes(long seed) {
        return bytes(seed, V, Map.of());
    }

    /**
     * The model with a vocabulary of {@code vocab} tokens (30522 runs with the MiniLM tokenizer), and the initializers
     * named in {@code edits} changed in place by their function (e.g. a NaN in one embedding row).
     */
    public static byte[] bytes(long seed, int vocab, Map<String, Consumer<float[]>> edits) {
        Map<String, float[]> w = new LinkedHashMap<>();
        w.put("E", TinyOnnx.values(vocab * H, seed));
        w.put("Wq", scaled(TinyOnnx.values(H * H, seed + 1), 0.5f));
        w.put("bq", TinyOnnx.values(H, seed + 2));
        w.put("Wi", scaled(TinyOnnx.values(H * I, seed + 3), 0.5f));
        w.put("bi", TinyOnnx.values(I, seed + 4));
        w.put("Wo", scaled(TinyOnnx.values(I * H, seed + 5), 0.5f));
        w.put("bo", TinyOnnx.values(H, seed + 6));
        edits.forEach((name, edit) -> edit.accept(w.get(name)));
        List<OnnxMl.TensorProto> inits = new ArrayList<>();
        inits.add(init("E", w.get("E"), vocab, H));
        inits.add(init("Wq", w.get("Wq"), H, H));
        inits.add(init("bq", w.get("bq"), H));
        inits.add(init("Wi", w.get("Wi"), H, I));
        inits.add(init("bi", w.get("bi"), I));
        inits.add(init("Wo", w.get("Wo"), I, H));
        inits.add(init("bo", w.get("bo"), H));
        inits.add(init("sqrt2", new float[] {1.4142135f}));
        inits.add(init("one", new float[] {1f}));
        inits.add(init("half", new float[] {0.5f}));
        List<OnnxMl.NodeProto> nodes = new ArrayList<>();
        nodes.add(node("Gather", "emb/Gather", List.of("E", "input_ids"), "emb"));
        nodes.add(node("MatMul", "q/MatMul", List.of("emb", "Wq"), "qm"));
        nodes.add(node("Add", "q/Add", List.of("bq", "qm"), "q"));
        nodes.add(node("MatMul", "i/MatMul", List.of("q", "Wi"), "im"));
        nodes.add(node("Add", "i/Add", List.of("im", "bi"), "i"));
        nodes.add(node("Div", "gelu/Div", List.of("i", "sqrt2"), "gd"));
        nodes.add(node("Erf", "gelu/Erf", List.of("gd"), "ge"));
        nodes.add(node("Add", "gelu/Add", List.of("ge", "one"), "ga"));
        nodes.add(node("Mul", "gelu/Mul", List.of("i", "ga"), "gm"));
        nodes.add(node("Mul", "gelu/Mul_1", List.of("gm", "half"), "g"));
        nodes.add(node("MatMul", "o/MatMul", List.of("g", "Wo"), "om"));
        nodes.add(node("Add", "o/Add", List.of("bo", "om"), "o"));
        nodes.add(node("Add", "o/Residual", List.of("o", "emb"), "last_hidden_state"));
        OnnxMl.GraphProto g = OnnxMl.GraphProto.newBuilder().setName("tinybert").addAllNode(nodes)
                .addAllInitializer(inits)
                .addInput(valueInfo("input_ids", OnnxMl.TensorProto.DataType.INT64, "batch", "tokens"))
                .addInput(valueInfo("attention_mask", OnnxMl.TensorProto.DataType.INT64, "batch", "tokens"))
                .addOutput(valueInfo("last_hidden_state", OnnxMl.TensorProto.DataType.FLOAT, "batch", "tokens", null))
                .build();
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8).setProducerName("mixquant-test")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).setGraph(g)
                .build().toByteArray();
    }

    /** Random token ids in {@code 1..V-1}: {@code n} sequences of lengths 2..maxLen. */
    public static long[][] ids(int n, int maxLen, long seed) {
        java.util.Random r = new java.util.Random(seed);
        long[][] ids = new long[n][];
        for (int i = 0; i < n; i++) {
            ids[i] = new long[2 + r.nextInt(maxLen - 1)];
            for (int t = 0; t < ids[i].length; t++) {
                ids[i][t] = 1 + r.nextInt(V - 1);
            }
        }
        return ids;
    }

    private static float[] scaled(float[] v, float s) {
        for (int i = 0; i < v.length; i++) {
            v[i] *= s;
        }
        return v;
    }

    private static OnnxMl.TensorProto init(String name, float[] values, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setRawData(ByteString.copyFrom(b.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    private static OnnxMl.NodeProto node(String op, String name, List<String> in, String out) {
        return OnnxMl.NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(in).addOutput(out).build();
    }

    private static OnnxMl.ValueInfoProto valueInfo(String name, OnnxMl.TensorProto.DataType type, String... dims) {
        OnnxMl.TensorShapeProto.Builder s = OnnxMl.TensorShapeProto.newBuilder();
        for (String d : dims) {
            OnnxMl.TensorShapeProto.Dimension.Builder db = OnnxMl.TensorShapeProto.Dimension.newBuilder();
            if (d == null) {
                db.setDimValue(H);
            } else {
                db.setDimParam(d);
            }
            s.addDim(db);
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(s)))
                .build();
    }
}
