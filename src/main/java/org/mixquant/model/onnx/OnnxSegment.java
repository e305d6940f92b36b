package org.mixquant.model.onnx;

import ai.onnx.proto.OnnxMl;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The part of a graph needed to compute some tensors when some others are given: the ancestors of the wanted tensors,
 * walking back from each through its producer and stopping at <em>cut</em> tensors (fed from outside), graph inputs
 * and initializers. Serialized as a standalone model whose inputs are the original graph inputs it reads plus the cut
 * tensors it reads (FLOAT, shape left free), whose outputs are the wanted tensors (FLOAT) and whose initializers are
 * those its nodes read.
 *
 * <p>Used to capture the inputs of one transformer block from the block before it instead of from the token ids: with
 * the same node definitions and the same values fed at the cut, ONNX Runtime computes the same values as in the whole
 * graph.
 *
 * @param model        the serialized segment
 * @param inputs       its graph inputs (original inputs and cut tensors it reads)
 * @param initializers the initializers it reads
 * @param nodes        how many nodes it has
 */
public record OnnxSegment(byte[] model, Set<String> inputs, Set<String> initializers, int nodes) {
    /**
     * The segment of {@code graph} that computes {@code wanted} from {@code cut}.
     *
     * @param wanted tensors to compute (node outputs); a wanted tensor that is also cut is computed, not fed
     * @param cut    tensors to be fed instead of computed
     * @throws IllegalArgumentException if a wanted tensor is produced by no node, or the graph has control-flow nodes
     */
    public static OnnxSegment of(OnnxGraph graph, Collection<String> wanted, Collection<String> cut) {
        Set<String> feed = new HashSet<>(cut);
        feed.removeAll(wanted);
        Set<OnnxMl.NodeProto> chosen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<String> pending = new ArrayDeque<>();
        for (String w : wanted) {
            if (graph.producer(w).isEmpty()) {
                throw new IllegalArgumentException("'" + graph.source() + "' has no node that computes '" + w + "'");
            }
            pending.add(w);
        }
        Set<String> seen = new HashSet<>();
        while (!pending.isEmpty()) {
            String t = pending.pop();
            if (!seen.add(t) || (feed.contains(t) && !wanted.contains(t))) {
                continue;
            }
            OnnxMl.NodeProto p = graph.producer(t).orElse(null);
            if (p == null || !chosen.add(p)) {
                continue;
            }
            for (OnnxMl.AttributeProto a : p.getAttributeList()) {
                if (a.hasG() || a.getGraphsCount() > 0) {
                    throw new IllegalArgumentException("'" + graph.source() + "' has a control-flow node ("
                            + p.getOpType() + " '" + p.getName() + "'); graph segments are not supported for it");
                }
            }
            for (String i : p.getInputList()) {
                if (!i.isEmpty()) {
                    pending.add(i);
                }
            }
        }
        Set<String> read = new LinkedHashSet<>();
        Set<String> produced = new HashSet<>();
        OnnxMl.ModelProto proto = graph.proto();
        OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName(proto.getGraph().getName() + "-segment");
        int count = 0;
        for (OnnxMl.NodeProto n : graph.nodes()) {
            if (chosen.contains(n)) {
                g.addNode(n);
                count++;
                for (String i : n.getInputList()) {
                    if (!i.isEmpty()) {
                        read.add(i);
                    }
                }
                produced.addAll(n.getOutputList());
            }
        }
        Set<String> inputs = new LinkedHashSet<>();
        Set<String> inits = new LinkedHashSet<>();
        Map<String, OnnxMl.TensorProto> all = graph.initializers();
        for (OnnxMl.ValueInfoProto v : proto.getGraph().getInputList()) {
            if (read.contains(v.getName()) && !produced.contains(v.getName())) {
                g.addInput(v);
                inputs.add(v.getName());
            }
        }
        for (String t : read) {
            if (produced.contains(t) || inputs.contains(t)) {
                continue;
            }
            if (feed.contains(t)) {
                g.addInput(floatValue(t));
                inputs.add(t);
            } else if (all.containsKey(t)) {
                inits.add(t);
            } else {
                throw new IllegalStateException("segment of '" + graph.source() + "' reads '" + t
                        + "', which is neither computed, fed, an input nor an initializer");
            }
        }
        for (String t : inits) {
            g.addInitializer(all.get(t));
        }
        for (String w : new LinkedHashSet<>(wanted)) {
            g.addOutput(floatValue(w));
        }
        byte[] bytes = proto.toBuilder().setGraph(g).build().toByteArray();
        return new OnnxSegment(bytes, Collections.unmodifiableSet(inputs), Collections.unmodifiableSet(inits), count);
    }

    /**
     * The tensors of {@code graph} whose value depends on any of {@code initializers}: their consumers' outputs,
     * transitively (node order is topological in ONNX).
     */
    public static Set<String> downstreamOf(OnnxGraph graph, Collection<String> initializers) {
        Set<String> tainted = new HashSet<>(initializers);
        for (OnnxMl.NodeProto n : graph.nodes()) {
            if (n.getInputList().stream().anyMatch(tainted::contains)) {
                for (String o : n.getOutputList()) {
                    if (!o.isEmpty()) {
                        tainted.add(o);
                    }
                }
            }
        }
        return tainted;
    }

    private static OnnxMl.ValueInfoProto floatValue(String name) {
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()))).build();
    }

    @Override
    public String toString() {
        return "OnnxSegment[" + nodes + " nodes, inputs " + inputs + ", " + initializers.size() + " initializers]";
    }
}
