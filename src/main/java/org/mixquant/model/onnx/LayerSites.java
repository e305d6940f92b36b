package org.mixquant.model.onnx;

import ai.onnx.proto.OnnxMl;
import java.util.List;
import org.mixquant.model.Layer;
import org.mixquant.model.LayerSite;

/**
 * Reads a MatMul or Gemm layer's {@link LayerSite} from an {@link OnnxGraph}: the tensor that feeds it (the node's
 * input 0), its bias (a Gemm's input C, or the {@code Add} that alone reads a MatMul's output when its other input
 * is a FLOAT initializer of one value per output channel), and the activation that alone reads the result:
 * {@code Relu}, exact {@code Gelu} (not {@code approximate="tanh"}), or BERT's erf-GELU pattern
 * ({@code Div(√2) → Erf → Add(1) → Mul → Mul(0.5)}, recognised by its {@code Div(√2) → Erf} head next to the
 * {@code Mul}). Anything else is {@link LayerSite.Activation#IDENTITY}.
 */
final class LayerSites {
    /** √2 in float32, as exporters write the erf-GELU divisor. */
    private static final float SQRT2 = 1.4142135f;
    /** Exporters write √2 as a float32 literal; 1e-5 accepts its rounding, not a different constant. */
    private static final float SQRT2_TOL = 1e-5f;

    private LayerSites() {
    }

    /**
     * The site of {@code layer}, a layer of the model {@code graph} was parsed from.
     *
     * @throws IllegalArgumentException if the layer is not a MatMul or a plain Gemm ({@code alpha = beta = 1}, no
     *                                  {@code transA}), is fed directly by a graph input, or a Gemm's input C is not
     *                                  a FLOAT initializer with one value per output channel
     */
    static LayerSite of(OnnxGraph graph, Layer layer) {
        return of(graph, layer, false).site();
    }

    /**
     * A layer's site for reconstruction on any model: with the Gemm's {@code alpha} (its input is scaled by it
     * before the weight; the bias is {@code beta·C}) and a Conv's geometry.
     *
     * @param site  input, bias and activation
     * @param alpha the factor on the layer's input (a Gemm's {@code alpha}; 1 otherwise)
     * @param conv  a Conv layer's geometry, or {@code null} for MatMul and Gemm
     */
    record Site(LayerSite site, float alpha, OnnxConv conv) {
    }

    /**
     * The site of {@code layer} for reconstruction on any model ({@code anyLayer}): MatMul, Gemm with any
     * {@code alpha}/{@code beta} (no {@code transA}) and 2-D Conv layers, fed by an intermediate tensor or a graph
     * input. Without {@code anyLayer}, as {@link #of(OnnxGraph, Layer)}: MatMul and plain Gemm layers fed by an
     * intermediate tensor (the token capture of text models).
     */
    static Site of(OnnxGraph graph, Layer layer, boolean anyLayer) {
        String name = layer.name();
        OnnxMl.NodeProto node = nodeOf(graph, layer, anyLayer);
        String input = node.getInput(0);
        if (!anyLayer && graph.inputs().contains(input) && graph.initializer(input).isEmpty()) {
            throw new IllegalArgumentException("layer '" + name + "' is fed directly by the graph input '"
                    + input + "'; capture needs an intermediate tensor");
        }
        int out = layer.channels();
        float[] bias = null;
        float alpha = 1f;
        OnnxConv conv = null;
        String post = node.getOutput(0);
        if (node.getOpType().equals("Gemm")) {
            alpha = graph.floatAttr(node, "alpha", 1f);
            float beta = graph.floatAttr(node, "beta", 1f);
            if (graph.intAttr(node, "transA", 0) != 0 || (!anyLayer && (alpha != 1f || beta != 1f))) {
                throw new IllegalArgumentException("layer '" + name + "' is a Gemm with transA" + (anyLayer ? ""
                        : ", alpha or beta") + "; only plain Gemm layers can be reconstructed");
            }
            if (node.getInputCount() > 2 && !node.getInput(2).isEmpty()) {
                bias = biasOf(graph, node.getInput(2), out);
                if (bias == null) {
                    throw new IllegalArgumentException("layer '" + name + "': Gemm input C '"
                            + node.getInput(2) + "' is not a FLOAT initializer with " + out + " values");
                }
                for (int i = 0; i < bias.length; i++) {
                    bias[i] *= beta;
                }
            }
        } else if (node.getOpType().equals("Conv")) {
            conv = OnnxConv.of(graph, node, name, layer.shape().length);
            if (node.getInputCount() > 2 && !node.getInput(2).isEmpty()) {
                bias = biasOf(graph, node.getInput(2), out);
                if (bias == null) {
                    throw new IllegalArgumentException("layer '" + name + "': Conv input B '"
                            + node.getInput(2) + "' is not a FLOAT initializer with " + out + " values");
                }
            }
        } else {
            List<OnnxMl.NodeProto> next = graph.consumers(post);
            if (next.size() == 1 && next.get(0).getOpType().equals("Add")) {
                OnnxMl.NodeProto add = next.get(0);
                String other = add.getInput(0).equals(post) ? add.getInput(1) : add.getInput(0);
                float[] b = biasOf(graph, other, out);
                if (b != null) {
                    bias = b;
                    post = add.getOutput(0);
                }
            }
        }
        return new Site(new LayerSite(name, input, bias, activationAfter(graph, post)), alpha, conv);
    }

    /**
     * The MatMul or Gemm node (or with {@code anyLayer} also Conv) whose weight input is the layer's initializer
     * (the first, as {@link OnnxModel} names).
     */
    private static OnnxMl.NodeProto nodeOf(OnnxGraph graph, Layer layer, boolean anyLayer) {
        for (OnnxMl.NodeProto n : graph.consumers(layer.tensorName())) {
            String op = n.getOpType();
            if ((op.equals("MatMul") || op.equals("Gemm") || (anyLayer && op.equals("Conv"))) && n.getInputCount() > 1
                    && n.getInput(1).equals(layer.tensorName())) {
                return n;
            }
        }
        throw new IllegalArgumentException("layer '" + layer.name() + "' is a " + layer.kind()
                + " layer; capture supports MatMul and Gemm layers");
    }

    /** The values of a FLOAT initializer holding exactly {@code out} values in its last dimension, else null. */
    private static float[] biasOf(OnnxGraph graph, String tensor, int out) {
        OnnxMl.TensorProto t = graph.initializers().get(tensor);
        if (t == null || t.getDataType() != OnnxMl.TensorProto.DataType.FLOAT.getNumber()) {
            return null;
        }
        if (graph.elementCount(tensor) != out || t.getDimsCount() == 0 || t.getDims(t.getDimsCount() - 1) != out) {
            return null;
        }
        return graph.floats(tensor);
    }

    private static LayerSite.Activation activationAfter(OnnxGraph graph, String post) {
        List<OnnxMl.NodeProto> next = graph.consumers(post);
        if (next.size() == 1 && next.get(0).getOpType().equals("Relu")) {
            return LayerSite.Activation.RELU;
        }
        if (next.size() == 1 && next.get(0).getOpType().equals("Gelu")
                && !"tanh".equals(graph.stringAttr(next.get(0), "approximate", "none"))) {
            return LayerSite.Activation.GELU;
        }
        if (next.size() == 2) {
            OnnxMl.NodeProto div = null;
            OnnxMl.NodeProto mul = null;
            for (OnnxMl.NodeProto c : next) {
                if (c.getOpType().equals("Div") && c.getInput(0).equals(post)) {
                    div = c;
                } else if (c.getOpType().equals("Mul")) {
                    mul = c;
                }
            }
            if (div != null && mul != null && div.getInputCount() > 1 && div.getOutputCount() > 0) {
                float d = graph.scalar(div.getInput(1)).orElse(Float.NaN);
                List<OnnxMl.NodeProto> afterDiv = graph.consumers(div.getOutput(0));
                if (Math.abs(d - SQRT2) < SQRT2_TOL && afterDiv.size() == 1
                        && afterDiv.get(0).getOpType().equals("Erf")) {
                    return LayerSite.Activation.GELU;
                }
            }
        }
        return LayerSite.Activation.IDENTITY;
    }
}
