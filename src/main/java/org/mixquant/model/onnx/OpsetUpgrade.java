package org.mixquant.model.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Moves a graph's default-domain nodes from opset 11 or later up to 13 or 21 without changing what they compute, for
 * {@link OnnxExport}. Between 11 and 13 these operators changed in ways a node written for 11 would break:
 * <ul>
 *   <li>{@code Unsqueeze}, {@code Squeeze}, {@code ReduceSum} (13): {@code axes} moved from an attribute to an INT64
 *       input; {@code Split} (13): {@code split} likewise;</li>
 *   <li>{@code Softmax}, {@code LogSoftmax}, {@code Hardmax} (13): with opset ≤ 12 the input is flattened to 2-D at
 *       {@code axis} (default 1) and normalised over the second dimension; 13 normalises along {@code axis} alone.
 *       The two agree for {@code axis = -1}; any other axis is kept exact as
 *       {@code Flatten(axis) → op(axis=-1) → Reshape(Shape(x))};</li>
 *   <li>{@code Dropout} (12): {@code ratio} moved from an attribute to an input.</li>
 * </ul>
 * Between 13 and 21: the other {@code Reduce*} operators (18) take {@code axes} as an input too; a {@code Split}
 * into equal parts (no {@code split} input) states {@code num_outputs} (18); {@code RoiAlign}
 * (16) changed its default {@code coordinate_transformation_mode}, so the old default is written out;
 * {@code GridSample} (20) renamed its modes {@code bilinear}/{@code bicubic} to {@code linear}/{@code cubic}.
 * {@code DFT} (20) and {@code GroupNormalization} (21) changed in ways not converted here: a model using them is
 * refused. The other operators' changes up to 21 only add types, optional inputs or attributes whose defaults keep
 * the old behaviour. Every converted model should still be run against the source (the export command does).
 */
final class OpsetUpgrade {
    private OpsetUpgrade() {
    }

    /** Reduce operators whose {@code axes} became an input at opset 18 ({@code ReduceSum} did at 13). */
    private static final java.util.Set<String> REDUCE_18 = java.util.Set.of("ReduceMean", "ReduceMax", "ReduceMin",
            "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare");

    /**
     * The converted nodes, in order, for opset {@code to} (13 or 21); new INT64/FLOAT constants go to {@code inits},
     * one line per converted operator kind to {@code notes} (both modified).
     *
     * @throws IllegalArgumentException if {@code from} is below 11, a default-domain node has a subgraph, or an
     *                                  operator cannot be converted (the message names it)
     */
    static List<OnnxMl.NodeProto> upgrade(String source, int from, int to, List<OnnxMl.NodeProto> nodes,
            OnnxExport.Names names, List<OnnxMl.TensorProto> inits, List<String> notes) {
        if (from < 11) {
            throw new IllegalArgumentException("'" + source + "' uses opset " + from + "; the export needs opset " + to
                    + " (per-channel DequantizeLinear " + OnnxExport.PER_AXIS_OPSET + ", INT4 "
                    + OnnxExport.INT4_OPSET + "), and moving a model there is implemented from opset 11 and 12 on"
                    + " (per-tensor 8-bit export needs opset " + OnnxExport.PER_TENSOR_OPSET + ")");
        }
        List<OnnxMl.NodeProto> out = nodes;
        if (from < OnnxExport.PER_AXIS_OPSET) {
            out = to13(source, from, out, names, inits, notes);
        }
        if (to > OnnxExport.PER_AXIS_OPSET) {
            out = to21(source, Math.max(from, OnnxExport.PER_AXIS_OPSET), to, out, names, inits, notes);
        }
        return out;
    }

    private static List<OnnxMl.NodeProto> to21(String source, int from, int to, List<OnnxMl.NodeProto> nodes,
            OnnxExport.Names names, List<OnnxMl.TensorProto> inits, List<String> notes) {
        Map<String, Integer> counts = new TreeMap<>();
        List<OnnxMl.NodeProto> out = new ArrayList<>(nodes.size());
        for (OnnxMl.NodeProto n : nodes) {
            if (!OnnxExport.isDefault(n.getDomain())) {
                out.add(n);
                continue;
            }
            checkNoSubgraph(source, from, to, n);
            String op = n.getOpType();
            if (REDUCE_18.contains(op) && from < 18) {
                out.add(attrToInput(n, "axes", 1, names, inits, counts));
            } else if (op.equals("Split") && from < 18 && (n.getInputCount() < 2 || n.getInput(1).isEmpty())) {
                // from 18 an equal split names its parts with num_outputs (before, the outputs' count said it)
                out.add(n.toBuilder().addAttribute(intAttr("num_outputs", n.getOutputCount())).build());
                counts.merge(op, 1, Integer::sum);
            } else if (op.equals("RoiAlign") && from < 16 && attribute(n, "coordinate_transformation_mode") == null) {
                out.add(n.toBuilder().addAttribute(OnnxMl.AttributeProto.newBuilder()
                        .setName("coordinate_transformation_mode").setType(OnnxMl.AttributeProto.AttributeType.STRING)
                        .setS(ByteString.copyFromUtf8("output_half_pixel"))).build());
                counts.merge(op, 1, Integer::sum);
            } else if (op.equals("GridSample") && from < 20) {
                OnnxMl.AttributeProto mode = attribute(n, "mode");
                String m = mode == null ? "bilinear" : mode.getS().toStringUtf8();
                String renamed = m.equals("bilinear") ? "linear" : m.equals("bicubic") ? "cubic" : m;
                out.add(withoutAttribute(n, "mode").addAttribute(OnnxMl.AttributeProto.newBuilder().setName("mode")
                        .setType(OnnxMl.AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(renamed)))
                        .build());
                counts.merge(op, 1, Integer::sum);
            } else if ((op.equals("DFT") && from < 20) || (op.equals("GroupNormalization") && from < 21)) {
                throw new IllegalArgumentException("'" + source + "' has a " + op + " node, whose definition changed"
                        + " between opset " + from + " and " + to + " in a way this export does not convert");
            } else {
                out.add(n);
            }
        }
        counts.forEach((op, k) -> notes.add(k + " " + op + " node(s) converted from opset " + from + " to " + to));
        return out;
    }

    private static void checkNoSubgraph(String source, int from, int to, OnnxMl.NodeProto n) {
        for (OnnxMl.AttributeProto a : n.getAttributeList()) {
            if (a.hasG() || a.getGraphsCount() > 0) {
                throw new IllegalArgumentException("'" + source + "' has a " + n.getOpType() + " node with a"
                        + " subgraph; moving it from opset " + from + " to " + to + " is not implemented");
            }
        }
    }

    private static List<OnnxMl.NodeProto> to13(String source, int from, List<OnnxMl.NodeProto> nodes,
            OnnxExport.Names names, List<OnnxMl.TensorProto> inits, List<String> notes) {
        int needed = OnnxExport.PER_AXIS_OPSET;
        Map<String, Integer> counts = new TreeMap<>();
        List<OnnxMl.NodeProto> out = new ArrayList<>(nodes.size());
        for (OnnxMl.NodeProto n : nodes) {
            if (!OnnxExport.isDefault(n.getDomain())) {
                out.add(n);
                continue;
            }
            checkNoSubgraph(source, from, needed, n);
            String op = n.getOpType();
            switch (op) {
                case "Unsqueeze", "Squeeze", "ReduceSum" -> out.add(attrToInput(n, "axes", 1, names, inits, counts));
                case "Split" -> out.add(attrToInput(n, "split", 1, names, inits, counts));
                case "Softmax", "LogSoftmax", "Hardmax" -> normaliseAlongAxis(n, names, out, inits, counts);
                case "Dropout" -> out.add(dropoutRatio(n, names, inits, counts));
                default -> out.add(n);
            }
        }
        counts.forEach((op, k) -> notes.add(k + " " + op + " node(s) converted from opset " + from + " to " + needed));
        return out;
    }

    /** Moves INTS attribute {@code attr} (if present) to input {@code slot} as a 1-D INT64 initializer. */
    private static OnnxMl.NodeProto attrToInput(OnnxMl.NodeProto n, String attr, int slot, OnnxExport.Names names,
            List<OnnxMl.TensorProto> inits, Map<String, Integer> counts) {
        OnnxMl.AttributeProto a = attribute(n, attr);
        if (a == null) {
            return n;
        }
        String name = names.fresh(label(n) + "_" + attr);
        ByteBuffer b = ByteBuffer.allocate(a.getIntsCount() * 8).order(ByteOrder.LITTLE_ENDIAN);
        a.getIntsList().forEach(b::putLong);
        inits.add(OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber()).addDims(a.getIntsCount())
                .setRawData(ByteString.copyFrom(b.array())).build());
        OnnxMl.NodeProto.Builder nb = withoutAttribute(n, attr);
        while (nb.getInputCount() < slot) {
            nb.addInput("");
        }
        if (nb.getInputCount() == slot) {
            nb.addInput(name);
        } else {
            nb.setInput(slot, name);
        }
        counts.merge(n.getOpType(), 1, Integer::sum);
        return nb.build();
    }

    private static void normaliseAlongAxis(OnnxMl.NodeProto n, OnnxExport.Names names, List<OnnxMl.NodeProto> out,
            List<OnnxMl.TensorProto> inits, Map<String, Integer> counts) {
        OnnxMl.AttributeProto a = attribute(n, "axis");
        long axis = a == null ? 1 : a.getI();
        if (axis == -1) {
            out.add(n);
            return;
        }
        String x = n.getInput(0);
        String base = label(n);
        String flat = names.fresh(base + "_flat");
        String norm = names.fresh(base + "_2d");
        String shape = names.fresh(base + "_shape");
        out.add(OnnxMl.NodeProto.newBuilder().setOpType("Flatten").setName(names.freshNode(base + "/Flatten"))
                .addInput(x).addOutput(flat).addAttribute(intAttr("axis", axis)).build());
        out.add(withoutAttribute(n, "axis").setInput(0, flat).setOutput(0, norm).addAttribute(intAttr("axis", -1))
                .build());
        out.add(OnnxMl.NodeProto.newBuilder().setOpType("Shape").setName(names.freshNode(base + "/Shape"))
                .addInput(x).addOutput(shape).build());
        out.add(OnnxMl.NodeProto.newBuilder().setOpType("Reshape").setName(names.freshNode(base + "/Reshape"))
                .addInput(norm).addInput(shape).addOutput(n.getOutput(0)).build());
        counts.merge(n.getOpType(), 1, Integer::sum);
    }

    private static OnnxMl.NodeProto dropoutRatio(OnnxMl.NodeProto n, OnnxExport.Names names,
            List<OnnxMl.TensorProto> inits, Map<String, Integer> counts) {
        OnnxMl.AttributeProto a = attribute(n, "ratio");
        if (a == null) {
            return n;
        }
        String name = names.fresh(label(n) + "_ratio");
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(a.getF());
        inits.add(OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setRawData(ByteString.copyFrom(b.array()))
                .build());
        OnnxMl.NodeProto.Builder nb = withoutAttribute(n, "ratio");
        if (nb.getInputCount() == 1) {
            nb.addInput(name);
        } else {
            nb.setInput(1, name);
        }
        counts.merge(n.getOpType(), 1, Integer::sum);
        return nb.build();
    }

    private static String label(OnnxMl.NodeProto n) {
        return n.getName().isEmpty() ? n.getOpType() + "_" + n.getOutput(0) : n.getName();
    }

    private static OnnxMl.AttributeProto attribute(OnnxMl.NodeProto n, String name) {
        for (OnnxMl.AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    private static OnnxMl.NodeProto.Builder withoutAttribute(OnnxMl.NodeProto n, String name) {
        OnnxMl.NodeProto.Builder b = n.toBuilder().clearAttribute();
        for (OnnxMl.AttributeProto a : n.getAttributeList()) {
            if (!a.getName().equals(name)) {
                b.addAttribute(a);
            }
        }
        return b;
    }

    private static OnnxMl.AttributeProto intAttr(String name, long v) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INT)
                .setI(v).build();
    }
}
