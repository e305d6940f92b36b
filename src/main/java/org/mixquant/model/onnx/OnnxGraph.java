package org.mixquant.model.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An ONNX model's graph, parsed once and indexed: its nodes in file order, the node that produces each tensor, the
 * nodes that read it, its initializers by name with their checked element counts, its inputs and outputs, and typed
 * attribute readers. Loading ({@link OnnxModel}), layer-site matching and capture ({@link OnnxCapture}) all read this
 * one object instead of parsing the file again.
 *
 * <p>Parsing is strict: a model without graph nodes, an initializer defined twice, or an initializer whose declared
 * size disagrees with the data it holds (negative dimension, more than {@link Integer#MAX_VALUE} elements,
 * {@code raw_data} or typed values of the wrong length) is rejected before any weight array is allocated. Large byte
 * fields alias the bytes parsed from (nothing is copied), so the caller must not change those bytes afterwards.
 *
 * <p>Immutable: the protobuf messages are immutable and every collection handed out is unmodifiable.
 */
public final class OnnxGraph {
    private final String source;
    private final OnnxMl.ModelProto proto;
    private final List<OnnxMl.NodeProto> nodes;
    private final Map<String, OnnxMl.NodeProto> producers;
    private final Map<String, List<OnnxMl.NodeProto>> consumers;
    private final Map<String, OnnxMl.TensorProto> initializers;
    private final Map<String, Long> counts;
    private final Set<String> inputs;
    private final Set<String> outputs;
    private final Set<String> explicitNodeNames;

    private OnnxGraph(String source, OnnxMl.ModelProto proto) {
        this.source = source;
        this.proto = proto;
        OnnxMl.GraphProto g = proto.getGraph();
        this.nodes = g.getNodeList();
        Map<String, OnnxMl.TensorProto> inits = new LinkedHashMap<>();
        Map<String, Long> sizes = new HashMap<>();
        for (OnnxMl.TensorProto t : g.getInitializerList()) {
            if (inits.put(t.getName(), t) != null) {
                throw new IllegalArgumentException("'" + source + "': initializer '" + t.getName()
                        + "' is defined twice (corrupt model)");
            }
            sizes.put(t.getName(), checkedCount(t, source));
        }
        Map<String, OnnxMl.NodeProto> prod = new HashMap<>();
        Map<String, List<OnnxMl.NodeProto>> cons = new HashMap<>();
        Set<String> named = new HashSet<>();
        for (OnnxMl.NodeProto n : nodes) {
            for (String o : n.getOutputList()) {
                if (!o.isEmpty()) {
                    prod.put(o, n);
                }
            }
            for (String i : n.getInputList()) {
                if (!i.isEmpty()) {
                    cons.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
                }
            }
            if (!n.getName().isEmpty()) {
                named.add(n.getName());
            }
        }
        cons.replaceAll((k, v) -> Collections.unmodifiableList(v));
        this.initializers = Collections.unmodifiableMap(inits);
        this.counts = sizes;
        this.producers = prod;
        this.consumers = cons;
        this.explicitNodeNames = Collections.unmodifiableSet(named);
        this.inputs = names(g.getInputList());
        this.outputs = names(g.getOutputList());
    }

    /**
     * Parses and indexes a serialized ONNX model. Byte fields of the result alias {@code bytes}, which the caller
     * must not change afterwards.
     *
     * @param source a label for messages, e.g. {@code minilm} or the file path
     * @throws IllegalArgumentException if the bytes are not an ONNX model with graph nodes, an initializer is defined
     *                                  twice, or an initializer's declared size disagrees with its data (the message
     *                                  names {@code source} and the initializer)
     */
    public static OnnxGraph parse(String source, byte[] bytes) {
        OnnxMl.ModelProto proto;
        try {
            // a stream over an immutable-declared buffer: only then does aliasing keep initializer data in place
            // instead of copying it (the model keeps these bytes; a copy would double its memory)
            CodedInputStream in = UnsafeByteOperations.unsafeWrap(bytes).newCodedInput();
            in.setSizeLimit(Integer.MAX_VALUE);
            in.enableAliasing(true);
            proto = OnnxMl.ModelProto.parseFrom(in);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("'" + source + "' is not a valid ONNX model (truncated or corrupt): "
                    + e.getMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("'" + source + "' could not be parsed as ONNX: " + e.getMessage());
        }
        if (!proto.hasGraph() || proto.getGraph().getNodeCount() == 0) {
            throw new IllegalArgumentException("'" + source + "' is not a valid ONNX model: it has no graph nodes");
        }
        return new OnnxGraph(source, proto);
    }

    /** The label given at parse, used in messages. */
    public String source() {
        return source;
    }

    /** The parsed model (immutable protobuf message). */
    public OnnxMl.ModelProto proto() {
        return proto;
    }

    /** The nodes in file order (topological in a valid model). */
    public List<OnnxMl.NodeProto> nodes() {
        return nodes;
    }

    /**
     * The name a node goes by in layer names and messages: its own name, or {@code OpType_index} (index in
     * {@link #nodes()}) when it has none.
     */
    public String nodeName(int index) {
        OnnxMl.NodeProto n = nodes.get(index);
        return n.getName().isEmpty() ? n.getOpType() + "_" + index : n.getName();
    }

    /** Whether some node is explicitly called {@code name} (generated {@code OpType_index} names do not count). */
    public boolean hasNodeNamed(String name) {
        return explicitNodeNames.contains(name);
    }

    /**
     * The node that writes {@code tensor}, empty for initializers, graph inputs and unknown names. In a corrupt graph
     * where two nodes write the same tensor, the later one.
     */
    public Optional<OnnxMl.NodeProto> producer(String tensor) {
        return Optional.ofNullable(producers.get(tensor));
    }

    /**
     * The nodes that read {@code tensor}, in file order, a node once per input slot that reads it (so
     * {@code Mul(x, x)} counts twice: the size is the number of reads). Empty if nothing reads it.
     */
    public List<OnnxMl.NodeProto> consumers(String tensor) {
        return consumers.getOrDefault(tensor, List.of());
    }

    /** The initializers by name, in file order. */
    public Map<String, OnnxMl.TensorProto> initializers() {
        return initializers;
    }

    /** The initializer called {@code name}, if there is one. */
    public Optional<OnnxMl.TensorProto> initializer(String name) {
        return Optional.ofNullable(initializers.get(name));
    }

    /**
     * The number of elements initializer {@code name} declares, checked against its data at parse.
     *
     * @throws IllegalArgumentException if there is no such initializer
     */
    public long elementCount(String name) {
        Long n = counts.get(name);
        if (n == null) {
            throw new IllegalArgumentException("'" + source + "' has no initializer '" + name + "'");
        }
        return n;
    }

    /** Names of the graph's inputs ({@code graph.input}, which may list initializers too), in file order. */
    public Set<String> inputs() {
        return inputs;
    }

    /** Names of the graph's outputs, in file order. */
    public Set<String> outputs() {
        return outputs;
    }

    /**
     * The values of a FLOAT initializer, whose size was checked at parse; allocates only here.
     *
     * @throws IllegalArgumentException if there is no such initializer, it is not FLOAT, or its data is in an
     *                                  external file
     */
    public float[] floats(String initializer) {
        OnnxMl.TensorProto t = initializers.get(initializer);
        if (t == null) {
            throw new IllegalArgumentException("'" + source + "' has no initializer '" + initializer + "'");
        }
        if (t.getDataType() != OnnxMl.TensorProto.DataType.FLOAT.getNumber()) {
            throw new IllegalArgumentException("'" + source + "': initializer '" + initializer + "' is "
                    + typeName(t.getDataType()) + ", not FLOAT");
        }
        if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
            throw new IllegalArgumentException("'" + source + "': initializer '" + initializer
                    + "' keeps its data in an external file, which is not supported");
        }
        long n = counts.get(initializer);
        if (t.getRawData().isEmpty() && t.getFloatDataCount() != n) {
            throw new IllegalArgumentException("'" + source + "': initializer '" + initializer + "' of shape "
                    + t.getDimsList() + " needs " + n + " values but holds " + t.getFloatDataCount()
                    + " values (truncated or corrupt model)");
        }
        return values(t, n);
    }

    /**
     * The value of a one-element FLOAT tensor: an initializer, or the output of a {@code Constant} node
     * ({@code value} or {@code value_float}). Empty for anything else, including malformed constants.
     */
    public Optional<Float> scalar(String tensor) {
        OnnxMl.TensorProto t = initializers.get(tensor);
        if (t == null) {
            OnnxMl.NodeProto p = producers.get(tensor);
            if (p == null || !p.getOpType().equals("Constant")) {
                return Optional.empty();
            }
            for (OnnxMl.AttributeProto a : p.getAttributeList()) {
                if (a.getName().equals("value_float")) {
                    return Optional.of(a.getF());
                }
                if (a.getName().equals("value") && a.hasT()) {
                    t = a.getT();
                }
            }
        }
        if (t == null || t.getDataType() != OnnxMl.TensorProto.DataType.FLOAT.getNumber()
                || t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
            return Optional.empty();
        }
        for (long d : t.getDimsList()) {
            if (d != 1) {
                return Optional.empty();
            }
        }
        boolean raw = !t.getRawData().isEmpty();
        if (raw ? t.getRawData().size() != 4 : t.getFloatDataCount() != 1) {
            return Optional.empty();
        }
        return Optional.of(values(t, 1)[0]);
    }

    /**
     * An INT attribute of {@code node}, or {@code dflt} if the node does not have it.
     *
     * @throws IllegalArgumentException if the attribute has another type (the message names the node)
     */
    public long intAttr(OnnxMl.NodeProto node, String name, long dflt) {
        OnnxMl.AttributeProto a = attribute(node, name, OnnxMl.AttributeProto.AttributeType.INT);
        return a == null ? dflt : a.getI();
    }

    /**
     * A FLOAT attribute of {@code node}, or {@code dflt} if the node does not have it.
     *
     * @throws IllegalArgumentException if the attribute has another type (the message names the node)
     */
    public float floatAttr(OnnxMl.NodeProto node, String name, float dflt) {
        OnnxMl.AttributeProto a = attribute(node, name, OnnxMl.AttributeProto.AttributeType.FLOAT);
        return a == null ? dflt : a.getF();
    }

    /**
     * An INTS attribute of {@code node} (a new array), or a copy of {@code dflt} if the node does not have it.
     *
     * @throws IllegalArgumentException if the attribute has another type (the message names the node)
     */
    public long[] intsAttr(OnnxMl.NodeProto node, String name, long... dflt) {
        OnnxMl.AttributeProto a = attribute(node, name, OnnxMl.AttributeProto.AttributeType.INTS);
        if (a == null) {
            return dflt.clone();
        }
        long[] v = new long[a.getIntsCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.getInts(i);
        }
        return v;
    }

    /**
     * A STRING attribute of {@code node} decoded as UTF-8, or {@code dflt} if the node does not have it.
     *
     * @throws IllegalArgumentException if the attribute has another type (the message names the node)
     */
    public String stringAttr(OnnxMl.NodeProto node, String name, String dflt) {
        OnnxMl.AttributeProto a = attribute(node, name, OnnxMl.AttributeProto.AttributeType.STRING);
        return a == null ? dflt : a.getS().toStringUtf8();
    }

    /**
     * The serialized model with {@code extra} tensors added as FLOAT graph outputs (those already outputs are not
     * repeated); everything else, initializers included, is as parsed.
     */
    public byte[] withOutputs(Collection<String> extra) {
        return withOutputs(extra, true);
    }

    /**
     * Like {@link #withOutputs} but the extra outputs declare no type, so tensors of any element type can be added;
     * ONNX Runtime gives them the type it infers.
     */
    public byte[] withUntypedOutputs(Collection<String> extra) {
        return withOutputs(extra, false);
    }

    private byte[] withOutputs(Collection<String> extra, boolean asFloat) {
        Set<String> all = new LinkedHashSet<>(outputs);
        OnnxMl.GraphProto.Builder gb = proto.getGraph().toBuilder();
        for (String name : extra) {
            if (all.add(name)) {
                OnnxMl.ValueInfoProto.Builder v = OnnxMl.ValueInfoProto.newBuilder().setName(name);
                if (asFloat) {
                    v.setType(OnnxMl.TypeProto.newBuilder().setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                            .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())));
                }
                gb.addOutput(v);
            }
        }
        return proto.toBuilder().setGraph(gb).build().toByteArray();
    }

    /**
     * Bits one element of an ONNX data type takes in {@code raw_data}; 0 for types without a fixed size (STRING,
     * UNDEFINED, unknown).
     */
    static int elementBits(int dataType) {
        OnnxMl.TensorProto.DataType t = OnnxMl.TensorProto.DataType.forNumber(dataType);
        if (t == null) {
            return 0;
        }
        return switch (t.name()) {
            case "FLOAT", "INT32", "UINT32" -> 32;
            case "DOUBLE", "INT64", "UINT64", "COMPLEX64" -> 64;
            case "COMPLEX128" -> 128;
            case "FLOAT16", "BFLOAT16", "INT16", "UINT16" -> 16;
            case "INT8", "UINT8", "BOOL", "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ" -> 8;
            case "INT4", "UINT4" -> 4;
            default -> 0;
        };
    }

    /** The name of an ONNX data type ({@code FLOAT16}), or {@code data type N} for an unknown number. */
    static String typeName(int dataType) {
        OnnxMl.TensorProto.DataType t = OnnxMl.TensorProto.DataType.forNumber(dataType);
        return t == null ? "data type " + dataType : t.name();
    }

    /**
     * The attribute called {@code name}, null if absent. An attribute without a type (written by some old
     * exporters) is accepted when it holds the expected field.
     */
    private OnnxMl.AttributeProto attribute(OnnxMl.NodeProto node, String name,
            OnnxMl.AttributeProto.AttributeType expected) {
        for (OnnxMl.AttributeProto a : node.getAttributeList()) {
            if (!a.getName().equals(name)) {
                continue;
            }
            if (a.getType() == expected || (a.getType() == OnnxMl.AttributeProto.AttributeType.UNDEFINED
                    && holds(a, expected))) {
                return a;
            }
            throw new IllegalArgumentException("'" + source + "': attribute '" + name + "' of "
                    + (node.getName().isEmpty() ? "an unnamed " + node.getOpType() + " node"
                    : node.getOpType() + " node '" + node.getName() + "'")
                    + " is " + a.getType() + ", expected " + expected);
        }
        return null;
    }

    private static boolean holds(OnnxMl.AttributeProto a, OnnxMl.AttributeProto.AttributeType type) {
        return switch (type) {
            case INT -> a.hasI();
            case FLOAT -> a.hasF();
            case STRING -> a.hasS();
            case INTS -> a.getIntsCount() > 0;
            default -> false;
        };
    }

    /** The {@code n} values of a FLOAT tensor whose stored length is {@code n} (raw little-endian or float_data). */
    private static float[] values(OnnxMl.TensorProto t, long n) {
        float[] out = new float[Math.toIntExact(n)];
        ByteString raw = t.getRawData();
        if (!raw.isEmpty()) {
            raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = t.getFloatData(i);
            }
        }
        return out;
    }

    private static Set<String> names(List<OnnxMl.ValueInfoProto> values) {
        Set<String> s = new LinkedHashSet<>();
        for (OnnxMl.ValueInfoProto v : values) {
            s.add(v.getName());
        }
        return Collections.unmodifiableSet(s);
    }

    /**
     * The number of elements an initializer declares, checked against the data it holds before anything is
     * allocated: no negative dimension, no overflow, at most {@link Integer#MAX_VALUE} elements, and (unless the
     * data is external) {@code raw_data} of exactly {@code count × element size} bytes or as many typed values.
     */
    private static long checkedCount(OnnxMl.TensorProto t, String source) {
        long n = 1;
        for (int d = 0; d < t.getDimsCount(); d++) {
            long v = t.getDims(d);
            if (v < 0) {
                throw new IllegalArgumentException("'" + source + "': initializer '" + t.getName()
                        + "' has a negative dimension " + v + " in " + t.getDimsList());
            }
            try {
                n = Math.multiplyExact(n, v);
            } catch (ArithmeticException e) {
                n = Long.MAX_VALUE;
            }
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("'" + source + "': initializer '" + t.getName() + "' of shape "
                        + t.getDimsList() + " declares more than " + Integer.MAX_VALUE + " elements");
            }
        }
        if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
            return n;
        }
        int bits = elementBits(t.getDataType());
        ByteString raw = t.getRawData();
        if (!raw.isEmpty() || t.hasRawData()) {
            long expected = (n * bits + 7) / 8;
            if (bits > 0 && raw.size() != expected) {
                throw new IllegalArgumentException("'" + source + "': initializer '" + t.getName() + "' of shape "
                        + t.getDimsList() + " and type " + typeName(t.getDataType()) + " needs " + expected
                        + " bytes but has " + raw.size() + " bytes (truncated or corrupt model)");
            }
            return n;
        }
        long stored = t.getFloatDataCount() + t.getInt32DataCount() + t.getInt64DataCount()
                + t.getDoubleDataCount() + t.getUint64DataCount() + t.getStringDataCount();
        String type = typeName(t.getDataType());
        long expected = switch (type) {
            case "COMPLEX64", "COMPLEX128" -> 2 * n;
            case "INT4", "UINT4" -> (n + 1) / 2;
            default -> n;
        };
        if (bits > 0 && stored != expected) {
            throw new IllegalArgumentException("'" + source + "': initializer '" + t.getName() + "' of shape "
                    + t.getDimsList() + " and type " + type + " holds " + stored + " values, expected " + expected
                    + " (truncated or corrupt model)");
        }
        return n;
    }

    @Override
    public String toString() {
        return "OnnxGraph[" + source + ", " + nodes.size() + " nodes, " + initializers.size() + " initializers]";
    }
}
