package org.mixquant.model.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mixquant.model.LayerSite;
import org.mixquant.model.TinyOnnx;

class LayerSitesTest {
    static final float[] B = {1, 2, 3};

    /** {@code x → Relu → MatMul(W [4, 3]) "fc" → Add(h, b [3]) "fc/Add" → hb}, then {@code tail} nodes read hb. */
    static OnnxModel model(OnnxMl.NodeProto... tail) throws Exception {
        byte[] base = new TinyOnnx().input("x", 1, 4).output("y", 1, 3)
                .init("W", TinyOnnx.values(12, 1), 4, 3).init("b", B, 3).init("two", new float[] {2f}, 1)
                .node("Relu", "pre", List.of("x"), List.of("xr"))
                .node("MatMul", "fc", List.of("xr", "W"), List.of("h"))
                .node("Add", "fc/Add", List.of("h", "b"), List.of("hb")).bytes();
        return OnnxModel.fromBytes("site", OnnxGraphTest.withNodes(base, tail));
    }

    static LayerSite site(OnnxModel m, String layer) {
        return LayerSites.of(m.graph(), m.layer(layer));
    }

    static OnnxMl.NodeProto gelu(String approximate) {
        OnnxMl.NodeProto.Builder n = OnnxGraphTest.node("Gelu", "gelu", List.of("hb"), "y");
        if (approximate != null) {
            n.addAttribute(OnnxGraphTest.attr("approximate", OnnxMl.AttributeProto.AttributeType.STRING)
                    .setS(ByteString.copyFromUtf8(approximate)));
        }
        return n.build();
    }

    @Test
    void matMulBiasAddThenExactGelu() throws Exception {
        LayerSite s = site(model(gelu(null)), "fc");
        assertEquals(new LayerSite("fc", "xr", B, LayerSite.Activation.GELU), s);
        assertEquals(LayerSite.Activation.GELU, site(model(gelu("none")), "fc").activation());
        assertEquals(LayerSite.Activation.IDENTITY, site(model(gelu("tanh")), "fc").activation(),
                "the tanh approximation is not the GELU reconstruction applies");
    }

    @Test
    void reluAfterTheBiasAndNothingAfterIt() throws Exception {
        OnnxMl.NodeProto relu = OnnxGraphTest.node("Relu", "relu", List.of("hb"), "y").build();
        assertEquals(LayerSite.Activation.RELU, site(model(relu), "fc").activation());
        OnnxMl.NodeProto two = OnnxGraphTest.node("Relu", "relu2", List.of("hb"), "y2").build();
        assertEquals(LayerSite.Activation.IDENTITY, site(model(relu, two), "fc").activation(),
                "two readers: the bias output is used before the activation too");
    }

    @Test
    void erfGeluWithTheDivisorFromAConstantNode() throws Exception {
        OnnxMl.NodeProto sqrt2 = OnnxGraphTest.node("Constant", "c", List.of(), "sqrt2").addAttribute(
                OnnxGraphTest.attr("value_float", OnnxMl.AttributeProto.AttributeType.FLOAT).setF(1.4142135f)).build();
        OnnxMl.NodeProto[] erfGelu = {sqrt2,
            OnnxGraphTest.node("Div", "d", List.of("hb", "sqrt2"), "gd").build(),
            OnnxGraphTest.node("Erf", "e", List.of("gd"), "ge").build(),
            OnnxGraphTest.node("Mul", "m", List.of("hb", "ge"), "y").build()};
        assertEquals(LayerSite.Activation.GELU, site(model(erfGelu), "fc").activation());
        OnnxMl.NodeProto[] byTwo = erfGelu.clone();
        byTwo[1] = OnnxGraphTest.node("Div", "d", List.of("hb", "two"), "gd").build();
        assertEquals(LayerSite.Activation.IDENTITY, site(model(byTwo), "fc").activation(), "x/2 is not x/√2");
    }

    @Test
    void anAddOfAnotherTensorIsNotABias() throws Exception {
        byte[] b = new TinyOnnx().input("x", 1, 3).output("y", 1, 3).init("W", TinyOnnx.values(9, 1), 3, 3)
                .init("b4", new float[4], 4)
                .node("Relu", "pre", List.of("x"), List.of("xr"))
                .node("MatMul", "fc", List.of("xr", "W"), List.of("h"))
                .node("Add", "residual", List.of("h", "xr"), List.of("hr"))
                .node("Add", "wrong", List.of("hr", "b4"), List.of("y")).bytes();
        LayerSite s = site(OnnxModel.fromBytes("residual", b), "fc");
        assertNull(s.bias(), "a residual Add adds a tensor, not an initializer");
        assertEquals("xr", s.input());
        assertEquals(LayerSite.Activation.IDENTITY, s.activation());
    }

    @Test
    void gemmBiasIsInputCAndOnlyPlainGemmsAreSites() throws Exception {
        float[] w = TinyOnnx.values(12, 2);
        OnnxModel plain = OnnxModel.fromBytes("gemm", new TinyOnnx().input("x", 1, 4).output("y", 1, 3)
                .init("W", w, 3, 4).init("c", B, 3)
                .node("Relu", "pre", List.of("x"), List.of("xr"))
                .node("Gemm", "g", List.of("xr", "W", "c"), List.of("y"), "transB", 1).bytes());
        assertArrayEquals(B, site(plain, "g").bias());
        OnnxModel transA = OnnxModel.fromBytes("gemm", new TinyOnnx().input("x", 4, 1).output("y", 1, 3)
                .init("W", w, 3, 4)
                .node("Relu", "pre", List.of("x"), List.of("xr"))
                .node("Gemm", "g", List.of("xr", "W"), List.of("y"), "transA", 1, "transB", 1).bytes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> site(transA, "g"));
        assertTrue(e.getMessage().contains("only plain Gemm"), e.getMessage());
        OnnxModel badC = OnnxModel.fromBytes("gemm", new TinyOnnx().input("x", 1, 4).output("y", 1, 3)
                .init("W", w, 3, 4).init("c", new float[2], 2)
                .node("Relu", "pre", List.of("x"), List.of("xr"))
                .node("Gemm", "g", List.of("xr", "W", "c"), List.of("y"), "transB", 1).bytes());
        e = assertThrows(IllegalArgumentException.class, () -> site(badC, "g"));
        assertTrue(e.getMessage().contains("input C 'c'") && e.getMessage().contains("3 values"), e.getMessage());
    }

    @Test
    void convLayersAreNotSites() {
        OnnxModel conv = OnnxModel.fromBytes("conv", new TinyOnnx().input("x", 1, 1, 4, 4).output("y", 1, 2, 4, 4)
                .init("K", TinyOnnx.values(18, 3), 2, 1, 3, 3)
                .node("Relu", "pre", List.of("x"), List.of("xr"))
                .node("Conv", "conv", List.of("xr", "K"), List.of("y")).bytes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> site(conv, "conv"));
        assertTrue(e.getMessage().contains("capture supports MatMul and Gemm"), e.getMessage());
    }
}
