package org.mixquant.model.onnx;

import ai.onnx.proto.OnnxMl;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The part of a graph that one weight can change: the nodes that read the weight initializer directly or through
 * other such nodes (its descendants, in file order, which ONNX requires to be topological) plus the constant nodes
 * they read (nodes fed only by initializers and other constant nodes, e.g. {@code Constant}), the <em>boundary</em>
 * tensors those nodes read that the weight does not change (activations computed upstream, graph inputs), and the
 * graph outputs the weight reaches.
 *
 * <p>With the boundary tensors of an FP32 run kept, a version of the model that differs from FP32 only in this weight
 * gives exactly the same outputs when only the suffix is run on them — the idea behind measuring one layer at a time
 * without re-running everything in front of it. {@link #model} serializes the suffix as a standalone model whose
 * inputs are the weight and the boundary tensors.
 *
 * <p>Graphs with control-flow nodes (a node with a graph-valued attribute, e.g. {@code If}, {@code Loop}) are refused:
 * their subgraphs may read outer tensors implicitly, which this analysis does not follow.
 */
public final class OnnxSuffix {
    private final OnnxGraph graph;
    private final String weight;
    private final List<OnnxMl.NodeProto> nodes;
    private final List<String> boundary;
    private final List<String> outputs;
    private final Set<String> initializers;

    private OnnxSuffix(OnnxGraph graph, String weight, List<OnnxMl.NodeProto> nodes, List<String> boundary,
            List<String> outputs, Set<String> initializers) {
        this.graph = graph;
        this.weight = weight;
        this.nodes = nodes;
        this.boundary = boundary;
        this.outputs = outputs;
        this.initializers = initializers;
    }

    /**
     * The suffix of {@code initializer} in {@code graph}.
     *
     * @throws IllegalArgumentException if {@code initializer} is not an initializer of the graph, or the graph has
     *                                  control-flow nodes
     */
    public static OnnxSuffix of(OnnxGraph graph, String initializer) {
        if (graph.initializer(initializer).isEmpty()) {
            throw new IllegalArgumentException("'" + graph.source() + "' has no initializer '" + initializer + "'");
        }
        Set<String> changed = new HashSet<>();
        changed.add(initializer);
        List<OnnxMl.NodeProto> nodes = new ArrayList<>();
        for (OnnxMl.NodeProto n : graph.nodes()) {
            for (OnnxMl.AttributeProto a : n.getAttributeList()) {
                if (a.hasG() || a.getGraphsCount() > 0) {
                    throw new IllegalArgumentException("'" + graph.source() + "' has a control-flow node ("
                            + n.getOpType() + " '" + n.getName() + "'); one-layer suffixes are not supported for it");
                }
            }
            if (n.getInputList().stream().anyMatch(changed::contains)) {
                nodes.add(n);
                for (String o : n.getOutputList()) {
                    if (!o.isEmpty()) {
                        changed.add(o);
                    }
                }
            }
        }
        // nodes whose inputs are all initializers or outputs of such nodes (Constant, shape arithmetic on
        // constants) are cheap and the same in every run: pulled into the suffix rather than fed at its boundary
        Map<String, OnnxMl.NodeProto> staticProducer = new HashMap<>();
        for (OnnxMl.NodeProto n : graph.nodes()) {
            boolean isStatic = !n.getOpType().startsWith("Random") && n.getInputList().stream().allMatch(i ->
                    i.isEmpty() || (graph.initializers().containsKey(i) && !i.equals(initializer))
                            || staticProducer.containsKey(i));
            if (isStatic) {
                for (String o : n.getOutputList()) {
                    staticProducer.put(o, n);
                }
            }
        }
        Set<String> computed = new HashSet<>(changed);
        Set<OnnxMl.NodeProto> chosen = Collections.newSetFromMap(new IdentityHashMap<>());
        chosen.addAll(nodes);
        Deque<String> pending = new ArrayDeque<>();
        nodes.forEach(n -> pending.addAll(n.getInputList()));
        while (!pending.isEmpty()) {
            OnnxMl.NodeProto p = staticProducer.get(pending.pop());
            if (p != null && chosen.add(p)) {
                pending.addAll(p.getInputList());
                computed.addAll(p.getOutputList());
            }
        }
        List<OnnxMl.NodeProto> ordered = new ArrayList<>();
        for (OnnxMl.NodeProto n : graph.nodes()) {
            if (chosen.contains(n)) {
                ordered.add(n);
            }
        }
        Set<String> boundary = new LinkedHashSet<>();
        Set<String> inits = new LinkedHashSet<>();
        for (OnnxMl.NodeProto n : ordered) {
            for (String i : n.getInputList()) {
                if (i.isEmpty() || computed.contains(i)) {
                    continue;
                }
                if (graph.initializers().containsKey(i)) {
                    inits.add(i);
                } else {
                    boundary.add(i);
                }
            }
        }
        List<String> outs = new ArrayList<>();
        for (String o : graph.outputs()) {
            if (changed.contains(o)) {
                outs.add(o);
            }
        }
        return new OnnxSuffix(graph, initializer, Collections.unmodifiableList(ordered), List.copyOf(boundary),
                List.copyOf(outs), Collections.unmodifiableSet(inits));
    }

    /** The weight initializer this suffix starts from. */
    public String weight() {
        return weight;
    }

    /** The nodes that depend on the weight, in graph order. */
    public List<OnnxMl.NodeProto> nodes() {
        return nodes;
    }

    /**
     * The tensors the suffix reads that the weight does not change (upstream activations and graph inputs), in order
     * of first use; initializers are not included.
     */
    public List<String> boundary() {
        return boundary;
    }

    /** The graph outputs the weight reaches, in the graph's output order (empty if it reaches none). */
    public List<String> outputs() {
        return outputs;
    }

    /**
     * The suffix as a standalone serialized model: its inputs are the weight (FLOAT, the initializer's shape) and the
     * boundary tensors (the given element types, shapes left free), its outputs {@link #outputs()}, its initializers
     * those the suffix reads besides the weight. Opsets and IR version are the graph's.
     *
     * @param boundaryTypes ONNX element type ({@code TensorProto.DataType} number) of every boundary tensor
     * @throws IllegalArgumentException if a boundary tensor has no type, or the weight reaches no graph output
     */
    public byte[] model(Map<String, Integer> boundaryTypes) {
        if (outputs.isEmpty()) {
            throw new IllegalArgumentException("initializer '" + weight + "' of '" + graph.source()
                    + "' reaches no graph output");
        }
        OnnxMl.ModelProto proto = graph.proto();
        OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName(proto.getGraph().getName() + "-suffix");
        g.addAllNode(nodes);
        for (String name : initializers) {
            g.addInitializer(graph.initializers().get(name));
        }
        OnnxMl.TensorProto w = graph.initializers().get(weight);
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (long d : w.getDimsList()) {
            shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        g.addInput(OnnxMl.ValueInfoProto.newBuilder().setName(weight).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(w.getDataType()).setShape(shape))));
        for (String b : boundary) {
            Integer type = boundaryTypes.get(b);
            if (type == null) {
                throw new IllegalArgumentException("no element type given for boundary tensor '" + b + "'");
            }
            g.addInput(OnnxMl.ValueInfoProto.newBuilder().setName(b).setType(OnnxMl.TypeProto.newBuilder()
                    .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(type))));
        }
        for (OnnxMl.ValueInfoProto o : proto.getGraph().getOutputList()) {
            if (outputs.contains(o.getName())) {
                g.addOutput(o);
            }
        }
        return proto.toBuilder().setGraph(g).build().toByteArray();
    }
}
