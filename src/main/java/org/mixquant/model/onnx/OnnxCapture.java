package org.mixquant.model.onnx;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.Layer;
import org.mixquant.model.LayerSite;

/**
 * Captures the inputs of an ONNX model's MatMul and Gemm layers with ONNX Runtime: the tensors that feed the layers
 * are added to a copy of the graph as extra outputs ({@code graph.output}), and that copy is run with the weights of
 * any version of the same model (the FP32 original, or one with replaced weights, see {@link OnnxModel#withWeights}).
 * It also reads each layer's {@link LayerSite} from the graph: the bias {@code Add} that follows a MatMul (or a Gemm's
 * input C) and a following {@code Relu}, {@code Gelu} or BERT's erf-GELU pattern ({@code Div(√2) → Erf → Add(1) →
 * Mul → Mul(0.5)}).
 *
 * <p>The loaded model is not changed; the extended graph is built once, here, and each capture opens a session of
 * it with the given model's replaced weights as initializer overrides.
 */
public final class OnnxCapture {
    private static final float SQRT2 = 1.4142135f;

    private final OnnxModel source;
    private final byte[] graph;
    private final Map<String, LayerSite> sites;

    private OnnxCapture(OnnxModel source, byte[] graph, Map<String, LayerSite> sites) {
        this.source = source;
        this.graph = graph;
        this.sites = sites;
    }

    /** A capture of every layer of {@code model} (all must be MatMul or Gemm layers). */
    public static OnnxCapture of(OnnxModel model) {
        return of(model, model.layerNames());
    }

    /**
     * A capture of the named layers' inputs.
     *
     * @throws IllegalArgumentException for an unknown layer, a layer that is not a MatMul or a plain Gemm
     *                                  ({@code alpha = beta = 1}, no {@code transA}), or a layer fed directly by a
     *                                  graph input
     */
    public static OnnxCapture of(OnnxModel model, Collection<String> layers) {
        OnnxMl.ModelProto proto = parse(model);
        OnnxMl.GraphProto g = proto.getGraph();
        Map<String, OnnxMl.TensorProto> inits = new HashMap<>();
        for (OnnxMl.TensorProto t : g.getInitializerList()) {
            inits.put(t.getName(), t);
        }
        Map<String, OnnxMl.NodeProto> producer = new HashMap<>();
        Map<String, List<OnnxMl.NodeProto>> consumers = new HashMap<>();
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            for (String o : n.getOutputList()) {
                producer.put(o, n);
            }
            for (String i : n.getInputList()) {
                consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
            }
        }
        Set<String> graphInputs = new HashSet<>();
        for (OnnxMl.ValueInfoProto v : g.getInputList()) {
            graphInputs.add(v.getName());
        }
        Map<String, LayerSite> sites = new LinkedHashMap<>();
        for (String name : layers) {
            Layer layer = model.layer(name);
            OnnxMl.NodeProto node = nodeOf(g, layer);
            String input = node.getInput(0);
            if (graphInputs.contains(input) && !inits.containsKey(input)) {
                throw new IllegalArgumentException("layer '" + name + "' is fed directly by the graph input '"
                        + input + "'; capture needs an intermediate tensor");
            }
            int out = layer.weight().channels();
            float[] bias = null;
            String post = node.getOutput(0);
            if (node.getOpType().equals("Gemm")) {
                if (intAttr(node, "transA", 0) != 0 || floatAttr(node, "alpha", 1f) != 1f
                        || floatAttr(node, "beta", 1f) != 1f) {
                    throw new IllegalArgumentException("layer '" + name + "' is a Gemm with transA, alpha or beta;"
                            + " only plain Gemm layers can be reconstructed");
                }
                if (node.getInputCount() > 2 && !node.getInput(2).isEmpty()) {
                    bias = biasOf(inits.get(node.getInput(2)), out);
                    if (bias == null) {
                        throw new IllegalArgumentException("layer '" + name + "': Gemm input C '"
                                + node.getInput(2) + "' is not a FLOAT initializer with " + out + " values");
                    }
                }
            } else {
                List<OnnxMl.NodeProto> next = consumers.getOrDefault(post, List.of());
                if (next.size() == 1 && next.get(0).getOpType().equals("Add")) {
                    OnnxMl.NodeProto add = next.get(0);
                    String other = add.getInput(0).equals(post) ? add.getInput(1) : add.getInput(0);
                    float[] b = biasOf(inits.get(other), out);
                    if (b != null) {
                        bias = b;
                        post = add.getOutput(0);
                    }
                }
            }
            LayerSite.Activation act = activationAfter(post, consumers, producer, inits);
            sites.put(name, new LayerSite(name, input, bias, act));
        }
        if (sites.isEmpty()) {
            throw new IllegalArgumentException("no layers to capture");
        }
        Set<String> outputs = new LinkedHashSet<>();
        for (OnnxMl.ValueInfoProto v : g.getOutputList()) {
            outputs.add(v.getName());
        }
        OnnxMl.GraphProto.Builder gb = g.toBuilder();
        for (LayerSite s : sites.values()) {
            if (outputs.add(s.input())) {
                gb.addOutput(OnnxMl.ValueInfoProto.newBuilder().setName(s.input())
                        .setType(OnnxMl.TypeProto.newBuilder().setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                                .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()))));
            }
        }
        byte[] extended = proto.toBuilder().setGraph(gb).build().toByteArray();
        return new OnnxCapture(model, extended, Collections.unmodifiableMap(sites));
    }

    /** The sites of the captured layers, in the order they were given. */
    public List<LayerSite> sites() {
        return List.copyOf(sites.values());
    }

    /**
     * The site of one captured layer.
     *
     * @throws IllegalArgumentException if the layer is not captured here
     */
    public LayerSite site(String layer) {
        LayerSite s = sites.get(layer);
        if (s == null) {
            throw new IllegalArgumentException("layer '" + layer + "' is not among the captured layers");
        }
        return s;
    }

    /**
     * Runs {@code state} (the captured model, or a version of it with replaced weights) on token sequences and
     * returns the named captured tensors as rows, one per non-padding token.
     *
     * <p>Rows are numbered in text order, then token order: text {@code i}'s token {@code t} is row
     * {@code Σ_{j<i} len(j) + t}. Texts run in batches sorted by length and padded to the batch's longest (with
     * attention mask 0, and {@code token_type_ids} 0 if the graph has that input); padding rows are dropped.
     *
     * @param ids       token ids per text (see {@link TokenIds}); not modified
     * @param keepRows  the rows to return, strictly increasing, or {@code null} for all rows
     * @param tensors   names of captured tensors (the {@link LayerSite#input()} of captured layers)
     * @param threads   ONNX Runtime intra-op threads
     * @param batchSize texts per ONNX Runtime call
     * @return tensor name → {@code keepRows.length × width} floats, row-major, where {@code width} is the tensor's last
     *         dimension
     * @throws IllegalArgumentException if {@code state} is not a version of the captured model, a tensor is not
     *                                  captured, there are no texts, or a captured tensor is not {@code [batch,
     *                                  tokens, width]}
     */
    public Map<String, float[]> captureTokens(OnnxModel state, long[][] ids, int[] keepRows,
            Collection<String> tensors, int threads, int batchSize) throws OrtException {
        if (state.bytes() != source.bytes()) {
            throw new IllegalArgumentException("model '" + state.source() + "' is not a version of the captured model '"
                    + source.source() + "' (capture runs the same graph with replaced weights)");
        }
        if (ids.length == 0) {
            throw new IllegalArgumentException("no texts to capture");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be ≥ 1, got " + batchSize);
        }
        Set<String> captured = new HashSet<>();
        for (LayerSite s : sites.values()) {
            captured.add(s.input());
        }
        List<String> names = List.copyOf(new LinkedHashSet<>(tensors));
        for (String t : names) {
            if (!captured.contains(t)) {
                throw new IllegalArgumentException("tensor '" + t + "' is not captured (captured: " + captured + ")");
            }
        }
        int n = ids.length;
        int[] offset = new int[n + 1];
        for (int i = 0; i < n; i++) {
            if (ids[i].length == 0) {
                throw new IllegalArgumentException("text " + i + " has no tokens");
            }
            offset[i + 1] = Math.addExact(offset[i], ids[i].length);
        }
        int total = offset[n];
        int[] slot = new int[total];
        int kept;
        if (keepRows == null) {
            for (int r = 0; r < total; r++) {
                slot[r] = r;
            }
            kept = total;
        } else {
            java.util.Arrays.fill(slot, -1);
            for (int k = 0; k < keepRows.length; k++) {
                int r = keepRows[k];
                if (r < 0 || r >= total || (k > 0 && r <= keepRows[k - 1])) {
                    throw new IllegalArgumentException("keepRows must be strictly increasing in 0.." + (total - 1)
                            + ", got " + r + " at position " + k);
                }
                slot[r] = k;
            }
            kept = keepRows.length;
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> ids[a].length != ids[b].length
                ? Integer.compare(ids[a].length, ids[b].length) : Integer.compare(a, b));
        Map<String, float[]> out = new LinkedHashMap<>();
        Map<String, Integer> widths = new HashMap<>();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxRunner runner = state.open(env, threads, graph)) {
            OrtSession session = runner.session();
            Set<String> inputNames = session.getInputNames();
            if (!inputNames.contains("input_ids") || !inputNames.contains("attention_mask")) {
                throw new IllegalArgumentException("token capture needs a BERT-style model with inputs input_ids and"
                        + " attention_mask; this model has inputs " + inputNames);
            }
            boolean typeIds = inputNames.contains("token_type_ids");
            Set<String> requested = new LinkedHashSet<>(names);
            for (int start = 0; start < n; start += batchSize) {
                int end = Math.min(n, start + batchSize);
                int b = end - start;
                int len = 0;
                for (int j = start; j < end; j++) {
                    len = Math.max(len, ids[order[j]].length);
                }
                long[] idBuf = new long[b * len];
                long[] mask = new long[b * len];
                for (int j = 0; j < b; j++) {
                    long[] row = ids[order[start + j]];
                    System.arraycopy(row, 0, idBuf, j * len, row.length);
                    java.util.Arrays.fill(mask, j * len, j * len + row.length, 1L);
                }
                long[] shape = {b, len};
                Map<String, OnnxTensor> feeds = new HashMap<>();
                try {
                    feeds.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(idBuf), shape));
                    feeds.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
                    if (typeIds) {
                        feeds.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[b * len]),
                                shape));
                    }
                    try (OrtSession.Result r = NativeSessions.GLOBAL.call(() -> session.run(feeds, requested))) {
                        for (String t : names) {
                            OnnxValue v = r.get(t).orElseThrow();
                            long[] s = ((OnnxTensor) v).getInfo().getShape();
                            if (s.length != 3 || s[0] != b || s[1] != len) {
                                throw new IllegalArgumentException("captured tensor '" + t + "' has shape "
                                        + java.util.Arrays.toString(s) + ", expected [" + b + ", " + len
                                        + ", width]");
                            }
                            int width = Math.toIntExact(s[2]);
                            Integer w0 = widths.putIfAbsent(t, width);
                            if (w0 != null && w0 != width) {
                                throw new IllegalStateException("width of '" + t + "' changed between batches");
                            }
                            float[] dst = out.computeIfAbsent(t, k -> new float[Math.multiplyExact(kept, width)]);
                            FloatBuffer src = ((OnnxTensor) v).getFloatBuffer();
                            for (int j = 0; j < b; j++) {
                                int text = order[start + j];
                                for (int tok = 0; tok < ids[text].length; tok++) {
                                    int k = slot[offset[text] + tok];
                                    if (k >= 0) {
                                        src.position((j * len + tok) * width);
                                        src.get(dst, k * width, width);
                                    }
                                }
                            }
                        }
                    }
                } finally {
                    feeds.values().forEach(OnnxTensor::close);
                }
            }
        }
        return out;
    }

    private static OnnxMl.ModelProto parse(OnnxModel model) {
        try {
            CodedInputStream in = CodedInputStream.newInstance(model.bytes());
            in.setSizeLimit(Integer.MAX_VALUE);
            return OnnxMl.ModelProto.parseFrom(in);
        } catch (IOException e) {
            throw new IllegalStateException("model '" + model.source() + "' parsed at load but not now", e);
        }
    }

    /** The MatMul or Gemm node whose input B is the layer's initializer (the first, as {@link OnnxModel} names). */
    private static OnnxMl.NodeProto nodeOf(OnnxMl.GraphProto g, Layer layer) {
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            String op = n.getOpType();
            if ((op.equals("MatMul") || op.equals("Gemm")) && n.getInputCount() > 1
                    && n.getInput(1).equals(layer.tensorName())) {
                return n;
            }
        }
        throw new IllegalArgumentException("layer '" + layer.name() + "' is a " + layer.kind()
                + " layer; capture supports MatMul and Gemm layers");
    }

    /** The values of a FLOAT initializer holding exactly {@code out} values in its last dimension, else null. */
    private static float[] biasOf(OnnxMl.TensorProto t, int out) {
        if (t == null || t.getDataType() != OnnxMl.TensorProto.DataType.FLOAT.getNumber()) {
            return null;
        }
        long count = 1;
        for (long d : t.getDimsList()) {
            count *= d;
        }
        if (count != out || t.getDimsCount() == 0 || t.getDims(t.getDimsCount() - 1) != out) {
            return null;
        }
        return floats(t);
    }

    private static float[] floats(OnnxMl.TensorProto t) {
        if (!t.getRawData().isEmpty()) {
            FloatBuffer fb = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            float[] v = new float[fb.remaining()];
            fb.get(v);
            return v;
        }
        float[] v = new float[t.getFloatDataCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = t.getFloatData(i);
        }
        return v;
    }

    private static LayerSite.Activation activationAfter(String post, Map<String, List<OnnxMl.NodeProto>> consumers,
            Map<String, OnnxMl.NodeProto> producer, Map<String, OnnxMl.TensorProto> inits) {
        List<OnnxMl.NodeProto> next = consumers.getOrDefault(post, List.of());
        if (next.size() == 1 && next.get(0).getOpType().equals("Relu")) {
            return LayerSite.Activation.RELU;
        }
        if (next.size() == 1 && next.get(0).getOpType().equals("Gelu")
                && !"tanh".equals(stringAttr(next.get(0), "approximate"))) {
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
            if (div != null && mul != null) {
                Float d = scalarOf(div.getInput(1), producer, inits);
                List<OnnxMl.NodeProto> afterDiv = consumers.getOrDefault(div.getOutput(0), List.of());
                if (d != null && Math.abs(d - SQRT2) < 1e-5f && afterDiv.size() == 1
                        && afterDiv.get(0).getOpType().equals("Erf")) {
                    return LayerSite.Activation.GELU;
                }
            }
        }
        return LayerSite.Activation.IDENTITY;
    }

    /** The value of a one-element FLOAT initializer or Constant node output, else null. */
    private static Float scalarOf(String name, Map<String, OnnxMl.NodeProto> producer,
            Map<String, OnnxMl.TensorProto> inits) {
        OnnxMl.TensorProto t = inits.get(name);
        if (t == null) {
            OnnxMl.NodeProto p = producer.get(name);
            if (p != null && p.getOpType().equals("Constant")) {
                for (OnnxMl.AttributeProto a : p.getAttributeList()) {
                    if (a.getName().equals("value") && a.hasT()) {
                        t = a.getT();
                    } else if (a.getName().equals("value_float")) {
                        return a.getF();
                    }
                }
            }
        }
        if (t == null || t.getDataType() != OnnxMl.TensorProto.DataType.FLOAT.getNumber()) {
            return null;
        }
        float[] v = floats(t);
        return v.length == 1 ? v[0] : null;
    }

    private static long intAttr(OnnxMl.NodeProto node, String name, long dflt) {
        for (OnnxMl.AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        return dflt;
    }

    private static float floatAttr(OnnxMl.NodeProto node, String name, float dflt) {
        for (OnnxMl.AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getF();
            }
        }
        return dflt;
    }

    private static String stringAttr(OnnxMl.NodeProto node, String name) {
        for (OnnxMl.AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getS().toStringUtf8();
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "OnnxCapture[" + source.source() + ", " + sites.size() + " layers]";
    }
}
