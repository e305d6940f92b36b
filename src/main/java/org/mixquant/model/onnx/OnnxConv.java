package org.mixquant.model.onnx;

import ai.onnx.proto.OnnxMl;

/**
 * The geometry of a 2-D ONNX {@code Conv} node, as reconstruction re-runs it outside ONNX Runtime (DJL's
 * {@code Conv2d}): weight {@code [out, in / group, kh, kw]}, input {@code [N, in, H, W]}.
 *
 * @param strides   {@code [sh, sw]} (ONNX default 1)
 * @param pads      {@code [ph, pw]}, the same at both ends (ONNX {@code pads = [ph, pw, ph, pw]}; default 0)
 * @param dilations {@code [dh, dw]} (default 1)
 * @param group     groups (default 1; {@code in} for a depthwise convolution)
 */
public record OnnxConv(int[] strides, int[] pads, int[] dilations, int group) {
    /** Copies the arrays. */
    public OnnxConv {
        strides = strides.clone();
        pads = pads.clone();
        dilations = dilations.clone();
    }

    @Override
    public int[] strides() {
        return strides.clone();
    }

    @Override
    public int[] pads() {
        return pads.clone();
    }

    @Override
    public int[] dilations() {
        return dilations.clone();
    }

    /**
     * Reads the attributes of a Conv node whose weight has {@code weightRank} dimensions.
     *
     * @throws IllegalArgumentException naming the layer for what reconstruction does not handle: not 2-D,
     *                                  {@code auto_pad} other than {@code NOTSET}/{@code VALID}, or padding that
     *                                  differs between the two ends of an axis
     */
    static OnnxConv of(OnnxGraph graph, OnnxMl.NodeProto node, String layer, int weightRank) {
        if (weightRank != 4) {
            throw new IllegalArgumentException("layer '" + layer + "' is a " + (weightRank - 2) + "-D Conv; learned"
                    + " rounding reconstructs 2-D convolutions only");
        }
        String autoPad = graph.stringAttr(node, "auto_pad", "NOTSET");
        if (!autoPad.equals("NOTSET") && !autoPad.equals("VALID")) {
            throw new IllegalArgumentException("layer '" + layer + "' is a Conv with auto_pad=" + autoPad
                    + "; learned rounding needs explicit pads (re-export the model with explicit padding)");
        }
        long[] s = graph.intsAttr(node, "strides", 1, 1);
        long[] d = graph.intsAttr(node, "dilations", 1, 1);
        long[] p = graph.intsAttr(node, "pads", 0, 0, 0, 0);
        if (s.length != 2 || d.length != 2 || p.length != 4) {
            throw new IllegalArgumentException("layer '" + layer + "': Conv attributes strides/dilations/pads have"
                    + " the wrong length for a 2-D convolution");
        }
        if (p[0] != p[2] || p[1] != p[3]) {
            throw new IllegalArgumentException("layer '" + layer + "' is a Conv with asymmetric pads "
                    + java.util.Arrays.toString(p) + "; learned rounding supports the same padding at both ends");
        }
        long group = graph.intAttr(node, "group", 1);
        return new OnnxConv(new int[] {(int) s[0], (int) s[1]}, new int[] {(int) p[0], (int) p[1]},
                new int[] {(int) d[0], (int) d[1]}, (int) group);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OnnxConv c && java.util.Arrays.equals(strides, c.strides)
                && java.util.Arrays.equals(pads, c.pads) && java.util.Arrays.equals(dilations, c.dilations)
                && group == c.group;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(java.util.Arrays.hashCode(strides), java.util.Arrays.hashCode(pads),
                java.util.Arrays.hashCode(dilations), group);
    }

    @Override
    public String toString() {
        return "OnnxConv[strides " + java.util.Arrays.toString(strides) + ", pads " + java.util.Arrays.toString(pads)
                + ", dilations " + java.util.Arrays.toString(dilations) + ", group " + group + "]";
    }
}
