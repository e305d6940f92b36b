package org.mixquant.model.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.mixquant.model.TinyBert;
import org.mixquant.model.TinyOnnx;

class OnnxGraphTest {
    static final OnnxGraph BERT = OnnxGraph.parse("tinybert", TinyBert.bytes(3));

    /** The names of nodes, for readable list comparisons. */
    static List<String> names(List<OnnxMl.NodeProto> nodes) {
        return nodes.stream().map(OnnxMl.NodeProto::getName).toList();
    }

    /** {@code base} with {@code extra} nodes appended to its graph. */
    static byte[] withNodes(byte[] base, OnnxMl.NodeProto... extra) throws InvalidProtocolBufferException {
        OnnxMl.ModelProto m = OnnxMl.ModelProto.parseFrom(base);
        OnnxMl.GraphProto.Builder g = m.getGraph().toBuilder();
        for (OnnxMl.NodeProto n : extra) {
            g.addNode(n);
        }
        return m.toBuilder().setGraph(g).build().toByteArray();
    }

    static OnnxMl.NodeProto.Builder node(String op, String name, List<String> in, String out) {
        return OnnxMl.NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(in).addOutput(out);
    }

    static OnnxMl.AttributeProto.Builder attr(String name, OnnxMl.AttributeProto.AttributeType type) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(type);
    }

    @Test
    void producersAndConsumersFollowTheEdges() {
        assertEquals("i/MatMul", BERT.producer("im").orElseThrow().getName());
        assertEquals("gelu/Mul_1", BERT.producer("g").orElseThrow().getName());
        assertEquals(Optional.empty(), BERT.producer("Wi"), "an initializer has no producer");
        assertEquals(Optional.empty(), BERT.producer("input_ids"), "a graph input has no producer");
        assertEquals(Optional.empty(), BERT.producer("nope"));
        assertEquals(List.of("gelu/Div", "gelu/Mul"), names(BERT.consumers("i")), "file order");
        assertEquals(List.of("q/MatMul", "o/Residual"), names(BERT.consumers("emb")));
        assertEquals(List.of("i/MatMul"), names(BERT.consumers("Wi")), "initializers are read too");
        assertEquals(List.of(), BERT.consumers("last_hidden_state"), "a graph output nobody reads");
        assertThrows(UnsupportedOperationException.class, () -> BERT.consumers("i").clear());
    }

    @Test
    void aNodeReadingATensorTwiceCountsTwice() throws Exception {
        byte[] b = new TinyOnnx().input("x", 1, 2).output("y", 1, 2).init("W", new float[4], 2, 2)
                .node("MatMul", "mm", List.of("x", "W"), List.of("h"))
                .node("Mul", "sq", List.of("h", "h"), List.of("y")).bytes();
        OnnxGraph g = OnnxGraph.parse("sq", b);
        assertEquals(List.of("sq", "sq"), names(g.consumers("h")), "the size is the number of reads");
    }

    @Test
    void walksTheLayerSitePatternMatMulBiasActivation() throws Exception {
        // fc1: MatMul → Add(h, b1) → Gelu(approximate = none); fc2: MatMul → Add(b2, h2) → Relu
        byte[] base = new TinyOnnx().input("x", 1, 4).output("y", 1, 2)
                .init("W1", TinyOnnx.values(12, 1), 4, 3).init("b1", new float[] {1, 2, 3}, 3)
                .init("W2", TinyOnnx.values(6, 2), 3, 2).init("b2", new float[] {-1, 1}, 2)
                .node("Relu", "pre", List.of("x"), List.of("xr"))
                .node("MatMul", "fc1", List.of("xr", "W1"), List.of("h"))
                .node("Add", "fc1/Add", List.of("h", "b1"), List.of("hb")).bytes();
        byte[] b = withNodes(base, node("Gelu", "gelu", List.of("hb"), "hg").build(),
                node("MatMul", "fc2", List.of("hg", "W2"), "h2").build(),
                node("Add", "fc2/Add", List.of("b2", "h2"), "h2b").build(),
                node("Relu", "relu", List.of("h2b"), "y").build());
        OnnxGraph g = OnnxGraph.parse("sites", b);

        OnnxMl.NodeProto fc1 = g.consumers("W1").get(0);
        assertEquals("fc1", fc1.getName());
        assertEquals("pre", g.producer(fc1.getInput(0)).orElseThrow().getName(), "the tensor that feeds the layer");
        OnnxMl.NodeProto add = g.consumers(fc1.getOutput(0)).get(0);
        assertEquals("Add", add.getOpType());
        assertArrayEquals(new float[] {1, 2, 3}, g.floats(add.getInput(1)), "the bias Add's other input");
        OnnxMl.NodeProto gelu = g.consumers(add.getOutput(0)).get(0);
        assertEquals("Gelu", gelu.getOpType());
        assertEquals("none", g.stringAttr(gelu, "approximate", "none"), "exact GELU is the default");

        OnnxMl.NodeProto fc2 = g.consumers("W2").get(0);
        assertEquals("gelu", g.producer(fc2.getInput(0)).orElseThrow().getName());
        OnnxMl.NodeProto add2 = g.consumers(fc2.getOutput(0)).get(0);
        assertEquals("b2", add2.getInput(0), "bias first, as BERT exports write it");
        assertArrayEquals(new float[] {-1, 1}, g.floats("b2"));
        assertEquals(List.of("relu"), names(g.consumers(add2.getOutput(0))));
        assertTrue(g.outputs().contains("y"));
        assertFalse(g.producer("y").isEmpty());
    }

    @Test
    void attributeReadersGiveValuesDefaultsAndClearTypeErrors() throws Exception {
        OnnxMl.NodeProto gemm = node("Gemm", "fc/Gemm", List.of("x", "W"), "y")
                .addAttribute(attr("transB", OnnxMl.AttributeProto.AttributeType.INT).setI(1))
                .addAttribute(attr("alpha", OnnxMl.AttributeProto.AttributeType.FLOAT).setF(0.5f))
                .addAttribute(attr("pads", OnnxMl.AttributeProto.AttributeType.INTS).addInts(1).addInts(2))
                .addAttribute(attr("approximate", OnnxMl.AttributeProto.AttributeType.STRING)
                        .setS(ByteString.copyFromUtf8("tanh")))
                .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("group").setI(4)) // no type: old exporters
                .build();
        OnnxGraph g = BERT;
        assertEquals(1, g.intAttr(gemm, "transB", 0));
        assertEquals(0, g.intAttr(gemm, "transA", 0), "default when absent");
        assertEquals(4, g.intAttr(gemm, "group", 1), "an untyped attribute holding i");
        assertEquals(0.5f, g.floatAttr(gemm, "alpha", 1f));
        assertEquals(1f, g.floatAttr(gemm, "beta", 1f));
        assertArrayEquals(new long[] {1, 2}, g.intsAttr(gemm, "pads"));
        long[] dflt = {7};
        long[] got = g.intsAttr(gemm, "strides", dflt);
        assertArrayEquals(new long[] {7}, got);
        assertNotSame(dflt, got, "the default is copied, so callers cannot change it");
        assertEquals("tanh", g.stringAttr(gemm, "approximate", "none"));
        assertEquals("none", g.stringAttr(gemm, "mode", "none"));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.intAttr(gemm, "alpha", 1));
        assertTrue(e.getMessage().contains("'alpha'") && e.getMessage().contains("fc/Gemm")
                && e.getMessage().contains("is FLOAT, expected INT"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> g.floatAttr(gemm, "transB", 1f));
        assertTrue(e.getMessage().contains("is INT, expected FLOAT"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> g.stringAttr(gemm, "pads", ""));
        assertTrue(e.getMessage().contains("is INTS, expected STRING"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> g.intsAttr(gemm, "approximate"));
        assertTrue(e.getMessage().contains("is STRING, expected INTS"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> g.floatAttr(gemm, "group", 1f));
        assertTrue(e.getMessage().contains("is UNDEFINED, expected FLOAT"), "untyped and not holding f: "
                + e.getMessage());
        OnnxMl.NodeProto unnamed = gemm.toBuilder().setName("").build();
        e = assertThrows(IllegalArgumentException.class, () -> g.intAttr(unnamed, "alpha", 1));
        assertTrue(e.getMessage().contains("unnamed Gemm node"), e.getMessage());
    }

    @Test
    void scalarsFromInitializersAndConstants() throws Exception {
        assertEquals(Optional.of(1.4142135f), BERT.scalar("sqrt2"));
        assertEquals(Optional.empty(), BERT.scalar("bq"), "eight values are not a scalar");
        assertEquals(Optional.empty(), BERT.scalar("im"), "a MatMul output is not a constant");
        OnnxMl.TensorProto two = OnnxMl.TensorProto.newBuilder().setDataType(1).addFloatData(2f).build();
        OnnxMl.TensorProto ints = OnnxMl.TensorProto.newBuilder().setDataType(7).addInt64Data(2).build();
        byte[] b = withNodes(TinyBert.bytes(3),
                node("Constant", "c1", List.of(), "c1").addAttribute(
                        attr("value_float", OnnxMl.AttributeProto.AttributeType.FLOAT).setF(0.5f)).build(),
                node("Constant", "c2", List.of(), "c2").addAttribute(
                        attr("value", OnnxMl.AttributeProto.AttributeType.TENSOR).setT(two)).build(),
                node("Constant", "c3", List.of(), "c3").addAttribute(
                        attr("value", OnnxMl.AttributeProto.AttributeType.TENSOR).setT(ints)).build());
        OnnxGraph g = OnnxGraph.parse("constants", b);
        assertEquals(Optional.of(0.5f), g.scalar("c1"));
        assertEquals(Optional.of(2f), g.scalar("c2"));
        assertEquals(Optional.empty(), g.scalar("c3"), "an INT64 constant is not a float scalar");
    }

    @Test
    void initializersAreIndexedInFileOrderWithCheckedCounts() {
        assertEquals(List.of("E", "Wq", "bq", "Wi", "bi", "Wo", "bo", "sqrt2", "one", "half"),
                List.copyOf(BERT.initializers().keySet()));
        assertEquals((long) TinyBert.H * TinyBert.I, BERT.elementCount("Wi"));
        assertEquals(1, BERT.elementCount("sqrt2"));
        assertArrayEquals(TinyOnnx.values(TinyBert.I, 3 + 4), BERT.floats("bi"));
        float[] once = BERT.floats("bi");
        once[0] = 99;
        assertArrayEquals(TinyOnnx.values(TinyBert.I, 3 + 4), BERT.floats("bi"), "each call copies");
        assertThrows(IllegalArgumentException.class, () -> BERT.elementCount("im"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BERT.floats("nope"));
        assertTrue(e.getMessage().contains("'nope'"), e.getMessage());
        assertEquals(List.of("input_ids", "attention_mask"), List.copyOf(BERT.inputs()));
        assertEquals(List.of("last_hidden_state"), List.copyOf(BERT.outputs()));
    }

    @Test
    void floatsOfANonFloatInitializerIsAClearError() {
        byte[] b = TinyOnnx.mlp(TinyOnnx.values(12, 1), TinyOnnx.values(6, 2))
                .initRaw("ids", OnnxMl.TensorProto.DataType.INT64, new byte[16], 2).bytes();
        OnnxGraph g = OnnxGraph.parse("mlp", b);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.floats("ids"));
        assertTrue(e.getMessage().contains("'ids'") && e.getMessage().contains("INT64"), e.getMessage());
    }

    @Test
    void nodeNamesAreOwnOrGenerated() {
        byte[] b = new TinyOnnx().input("x", 1, 2).output("y", 1, 2).init("W", new float[4], 2, 2)
                .node("Relu", "", List.of("x"), List.of("xr"))
                .node("MatMul", "mm", List.of("xr", "W"), List.of("y")).bytes();
        OnnxGraph g = OnnxGraph.parse("names", b);
        assertEquals("Relu_0", g.nodeName(0));
        assertEquals("mm", g.nodeName(1));
        assertTrue(g.hasNodeNamed("mm"));
        assertFalse(g.hasNodeNamed("Relu_0"), "generated names are not explicit");
    }

    @Test
    void strictParsingNamesTheSource() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxGraph.parse("junk", new byte[] {1, 2, 3, 4, 5}));
        assertTrue(e.getMessage().contains("'junk'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> OnnxGraph.parse("empty", new TinyOnnx().input("x", 1).output("x", 1).bytes()));
        assertTrue(e.getMessage().contains("no graph nodes"), e.getMessage());
        byte[] twice = TinyOnnx.mlp(TinyOnnx.values(12, 1), TinyOnnx.values(6, 2))
                .init("W1", TinyOnnx.values(12, 1), 4, 3).bytes();
        e = assertThrows(IllegalArgumentException.class, () -> OnnxGraph.parse("twice", twice));
        assertTrue(e.getMessage().contains("'W1'") && e.getMessage().contains("defined twice"), e.getMessage());
    }

    @Test
    void initializerDataAliasesTheParsedBytesInsteadOfCopyingThem() {
        // OnnxModel keeps both its bytes and its graph: a copy of the data would double a model's memory
        byte[] bytes = TinyBert.bytes(3);
        OnnxGraph g = OnnxGraph.parse("alias", bytes);
        byte[] raw = g.initializer("Wq").orElseThrow().getRawData().toByteArray();
        int at = indexOf(bytes, raw);
        assertTrue(at > 0, "Wq's raw data is in the model bytes");
        float before = g.floats("Wq")[0];
        bytes[at + 3] ^= 0x40; // flip an exponent bit of the first little-endian float
        assertTrue(g.floats("Wq")[0] != before, "a change to the bytes shows through: no copy was made");
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void withOutputsAddsEachTensorOnceAndKeepsTheRest() throws Exception {
        byte[] extended = BERT.withOutputs(List.of("im", "last_hidden_state", "im", "g"));
        OnnxGraph g = OnnxGraph.parse("extended", extended);
        assertEquals(List.of("last_hidden_state", "im", "g"), List.copyOf(g.outputs()));
        assertEquals(BERT.initializers().keySet(), g.initializers().keySet());
        assertEquals(BERT.nodes(), g.nodes());
        assertEquals(List.of("last_hidden_state"), List.copyOf(BERT.outputs()), "the parsed graph is unchanged");
    }
}
