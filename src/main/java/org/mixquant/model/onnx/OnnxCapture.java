package org.mixquant.model.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
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
import org.mixquant.model.LayerSite;

/**
 * Captures the inputs of an ONNX model's MatMul and Gemm layers with ONNX Runtime: the tensors that feed the layers
 * are added to a copy of the graph as extra outputs ({@code graph.output}), and that copy is run with the weights of
 * any version of the same model (the FP32 original, or one with replaced weights, see {@link OnnxModel#withWeights}).
 * It also reads each layer's {@link LayerSite} from the graph: the bias {@code Add} that follows a MatMul (or a Gemm's
 * input C) and a following {@code Relu}, {@code Gelu} or BERT's erf-GELU pattern ({@code Div(√2) → Erf → Add(1) →
 * Mul → Mul(0.5)}).
 *
 * <p>Sites and the extended graph come from the model's {@link OnnxModel#graph() graph}, parsed once at load; the
 * loaded model is not changed. The extended graph is serialized once, here, and each capture opens a session of it
 * with the given model's replaced weights as initializer overrides.
 */
public final class OnnxCapture {
    private final OnnxModel source;
    /** The model with the captured tensors added as outputs, serialized. */
    private final byte[] extended;
    private final Map<String, LayerSite> sites;
    /** Gemm alpha per layer (1 when absent); Conv geometry per Conv layer; only for {@link #ofAnyLayer}. */
    private final Map<String, Float> alphas;
    private final Map<String, OnnxConv> convs;

    private OnnxCapture(OnnxModel source, byte[] extended, Map<String, LayerSite> sites) {
        this(source, extended, sites, Map.of(), Map.of());
    }

    private OnnxCapture(OnnxModel source, byte[] extended, Map<String, LayerSite> sites, Map<String, Float> alphas,
            Map<String, OnnxConv> convs) {
        this.source = source;
        this.extended = extended;
        this.sites = sites;
        this.alphas = alphas;
        this.convs = convs;
    }

    /**
     * A capture of every layer of any model run on named arrays ({@link #captureArrays}): MatMul, Gemm (any
     * {@code alpha}, {@code beta}, {@code transB}; no {@code transA}) and 2-D Conv layers, fed by intermediate tensors
     * or directly by graph inputs (whose values then come from the arrays).
     *
     * @throws IllegalArgumentException naming a layer that cannot be reconstructed (a Gemm with {@code transA}, a
     *                                  Conv with {@code auto_pad} or asymmetric pads, a non-2-D Conv)
     */
    public static OnnxCapture ofAnyLayer(OnnxModel model) {
        OnnxGraph graph = model.graph();
        Map<String, LayerSite> sites = new LinkedHashMap<>();
        Map<String, Float> alphas = new HashMap<>();
        Map<String, OnnxConv> convs = new HashMap<>();
        Set<String> fed = OnnxFeeds.inputsOf(model);
        List<String> inputs = new ArrayList<>();
        for (org.mixquant.model.Layer l : model.layers()) {
            LayerSites.Site s = LayerSites.of(graph, l, true);
            sites.put(l.name(), s.site());
            alphas.put(l.name(), s.alpha());
            if (s.conv() != null) {
                convs.put(l.name(), s.conv());
            }
            if (!fed.contains(s.site().input())) {
                inputs.add(s.site().input());
            }
        }
        return new OnnxCapture(model, graph.withOutputs(inputs), Collections.unmodifiableMap(sites),
                Map.copyOf(alphas), Map.copyOf(convs));
    }

    /** The factor a Gemm layer multiplies its input by ({@code alpha}); 1 for other layers and for {@link #of}. */
    public float inputScale(String layer) {
        site(layer);
        return alphas.getOrDefault(layer, 1f);
    }

    /** A Conv layer's geometry (captured by {@link #ofAnyLayer}); empty for MatMul and Gemm layers. */
    public java.util.Optional<OnnxConv> convolution(String layer) {
        site(layer);
        return java.util.Optional.ofNullable(convs.get(layer));
    }

    /**
     * Runs {@code state} (the captured model or a version of it with replaced weights) on {@code arrays} in one run and
     * returns the named layer inputs whole, as ONNX Runtime produced them; a tensor that is a graph input comes from
     * the arrays (it must be float32).
     *
     * @throws IllegalArgumentException if {@code state} is not a version of the captured model, a tensor is not a
     *                                  captured layer input, or the arrays do not fit the graph's inputs
     */
    public Map<String, OnnxFeeds.Tensor> captureArrays(OnnxModel state, org.mixquant.data.NamedArrays arrays,
            Collection<String> tensors, int threads) throws OrtException {
        if (state.graph() != source.graph()) {
            throw new IllegalArgumentException("model '" + state.source() + "' is not a version of the captured model '"
                    + source.source() + "' (capture runs the same graph with replaced weights)");
        }
        Set<String> captured = new HashSet<>();
        for (LayerSite s : sites.values()) {
            captured.add(s.input());
        }
        Set<String> fed = OnnxFeeds.inputsOf(source);
        List<String> run = new ArrayList<>();
        Map<String, OnnxFeeds.Tensor> out = new LinkedHashMap<>();
        for (String t : new LinkedHashSet<>(tensors)) {
            if (!captured.contains(t)) {
                throw new IllegalArgumentException("tensor '" + t + "' is not captured (captured: " + captured + ")");
            }
            if (!fed.contains(t)) {
                run.add(t);
            }
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, OnnxFeeds.Tensor> got;
        try (OnnxRunner runner = state.open(env, threads, extended)) {
            // run even when every tensor is a graph input: the run checks the arrays against the graph's inputs
            got = OnnxFeeds.run(env, runner.session(), arrays, run.isEmpty() ? List.copyOf(source.graph().outputs())
                    : run, state.source());
        }
        for (String t : new LinkedHashSet<>(tensors)) {
            if (fed.contains(t)) {
                org.mixquant.data.NpyArray a = arrays.get(t);
                out.put(t, new OnnxFeeds.Tensor(a.floats(), a.shape()));
            } else {
                out.put(t, got.get(t));
            }
        }
        return out;
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
        OnnxGraph graph = model.graph();
        Map<String, LayerSite> sites = new LinkedHashMap<>();
        for (String name : layers) {
            sites.put(name, LayerSites.of(graph, model.layer(name)));
        }
        if (sites.isEmpty()) {
            throw new IllegalArgumentException("no layers to capture");
        }
        List<String> inputs = new ArrayList<>();
        for (LayerSite s : sites.values()) {
            inputs.add(s.input());
        }
        return new OnnxCapture(model, graph.withOutputs(inputs), Collections.unmodifiableMap(sites));
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
        requireVersion(state);
        List<String> names = capturedNames(tensors);
        Batches plan = Batches.of(ids, keepRows, batchSize);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxRunner runner = state.open(env, threads, extended)) {
            return run(env, runner.session(), plan, names, Map.of(), null);
        }
    }

    /**
     * A capture that runs, for each call, only the part of the graph between what an earlier call kept and the
     * requested tensors ({@link Staged}); same arguments as {@link #captureTokens}, fixed for all its calls.
     *
     * @throws IllegalArgumentException as {@link #captureTokens} for the texts, rows and batch size
     */
    public Staged staged(long[][] ids, int[] keepRows, int threads, int batchSize) {
        return new Staged(Batches.of(ids, keepRows, batchSize), threads);
    }

    /**
     * Captures in forward order without re-running the whole model each time: every call keeps the full values of
     * the tensors it captured (all tokens of every batch, padding included), and the next call feeds those of them
     * that no weight changed since can reach (found from the graph, {@link OnnxSegment#downstreamOf}) and runs only
     * the {@link OnnxSegment} from them to the requested tensors. For a transformer quantized block by block, the
     * capture of block k then runs blocks k − 1 and k instead of the embeddings and blocks 0..k. The first call, and
     * any call whose kept tensors all changed, runs from the graph inputs. Results equal {@link #captureTokens}'s:
     * the same nodes run on the same values (tested bit for bit on MiniLM). Holds the last call's tensors in memory
     * (4 bytes × padded tokens × width each). Not thread-safe.
     */
    public final class Staged {
        private final Batches plan;
        private final int threads;
        private OnnxModel previous;
        /** tensor → per batch, its full {@code [b, len, width]} values from the previous call. */
        private Map<String, float[][]> kept = Map.of();
        private int lastNodes;

        private Staged(Batches plan, int threads) {
            this.plan = plan;
            this.threads = threads;
        }

        /**
         * The named tensors of {@code state} as {@link #captureTokens} returns them.
         *
         * @throws IllegalArgumentException as {@link #captureTokens}
         */
        public Map<String, float[]> capture(OnnxModel state, Collection<String> tensors) throws OrtException {
            requireVersion(state);
            List<String> names = capturedNames(tensors);
            Map<String, float[][]> feed = new LinkedHashMap<>();
            if (previous != null) {
                Set<String> changed = new HashSet<>();
                Set<String> names0 = new HashSet<>(state.overrides().keySet());
                names0.addAll(previous.overrides().keySet());
                for (String init : names0) {
                    if (state.overrides().get(init) != previous.overrides().get(init)) {
                        changed.add(init);
                    }
                }
                Set<String> reached = OnnxSegment.downstreamOf(source.graph(), changed);
                for (Map.Entry<String, float[][]> e : kept.entrySet()) {
                    if (!reached.contains(e.getKey()) && !names.contains(e.getKey())) {
                        feed.put(e.getKey(), e.getValue());
                    }
                }
            }
            OnnxSegment segment = OnnxSegment.of(source.graph(), names, feed.keySet());
            feed.keySet().retainAll(segment.inputs());
            lastNodes = segment.nodes();
            Map<String, float[][]> full = new LinkedHashMap<>();
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            Map<String, float[]> out;
            try (OnnxRunner runner = state.open(env, threads, segment.model(), segment.initializers())) {
                out = run(env, runner.session(), plan, names, feed, full);
            }
            previous = state;
            kept = full;
            return out;
        }

        /** Nodes the last call ran (for reports and tests). */
        public int lastNodes() {
            return lastNodes;
        }
    }

    private void requireVersion(OnnxModel state) {
        if (state.graph() != source.graph()) {
            throw new IllegalArgumentException("model '" + state.source() + "' is not a version of the captured model '"
                    + source.source() + "' (capture runs the same graph with replaced weights)");
        }
    }

    private List<String> capturedNames(Collection<String> tensors) {
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
        return names;
    }

    /**
     * Texts in batches sorted by length: {@code order} of the texts, each text's first row {@code offset}, each row's
     * output slot ({@code -1}: not kept) and the number of kept rows.
     */
    private record Batches(long[][] ids, int[] offset, int[] slot, int kept, Integer[] order, int batchSize) {
        static Batches of(long[][] ids, int[] keepRows, int batchSize) {
            if (ids.length == 0) {
                throw new IllegalArgumentException("no texts to capture");
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be ≥ 1, got " + batchSize);
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
            return new Batches(ids, offset, slot, kept, order, batchSize);
        }

        int count() {
            return (ids.length + batchSize - 1) / batchSize;
        }
    }

    /**
     * Runs every batch: feeds the token inputs the session has and, per batch, the {@code fed} tensors; copies the kept
     * rows of {@code names} out, and, when {@code full} is not null, each name's whole batch values into it.
     */
    private Map<String, float[]> run(OrtEnvironment env, OrtSession session, Batches plan, List<String> names,
            Map<String, float[][]> fed, Map<String, float[][]> full) throws OrtException {
        Set<String> graphInputs = source.graph().inputs();
        if (!graphInputs.contains("input_ids") || !graphInputs.contains("attention_mask")) {
            throw new IllegalArgumentException("token capture needs a BERT-style model with inputs input_ids and"
                    + " attention_mask; this model has inputs " + graphInputs);
        }
        Set<String> inputNames = session.getInputNames();
        long[][] ids = plan.ids();
        Integer[] order = plan.order();
        int n = ids.length;
        int batchSize = plan.batchSize();
        Map<String, float[]> out = new LinkedHashMap<>();
        Map<String, Integer> widths = new HashMap<>();
        Set<String> requested = new LinkedHashSet<>(names);
        for (int start = 0, bi = 0; start < n; start += batchSize, bi++) {
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
                if (inputNames.contains("input_ids")) {
                    feeds.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(idBuf), shape));
                }
                if (inputNames.contains("attention_mask")) {
                    feeds.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
                }
                if (inputNames.contains("token_type_ids")) {
                    feeds.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[b * len]),
                            shape));
                }
                for (Map.Entry<String, float[][]> e : fed.entrySet()) {
                    float[] v = e.getValue()[bi];
                    long width = v.length / ((long) b * len);
                    feeds.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(v), new long[] {b, len,
                        width}));
                }
                final int bb = b;
                final int ll = len;
                final int batchIndex = bi;
                try (OrtSession.Result r = NativeSessions.GLOBAL.call(() -> session.run(feeds, requested))) {
                    for (String t : names) {
                        OnnxValue v = r.get(t).orElseThrow();
                        long[] s = ((OnnxTensor) v).getInfo().getShape();
                        if (s.length != 3 || s[0] != bb || s[1] != ll) {
                            throw new IllegalArgumentException("captured tensor '" + t + "' has shape "
                                    + java.util.Arrays.toString(s) + ", expected [" + bb + ", " + ll + ", width]");
                        }
                        int width = Math.toIntExact(s[2]);
                        Integer w0 = widths.putIfAbsent(t, width);
                        if (w0 != null && w0 != width) {
                            throw new IllegalStateException("width of '" + t + "' changed between batches");
                        }
                        float[] dst = out.computeIfAbsent(t, k -> new float[Math.multiplyExact(plan.kept(), width)]);
                        FloatBuffer src = ((OnnxTensor) v).getFloatBuffer();
                        for (int j = 0; j < bb; j++) {
                            int text = order[start + j];
                            for (int tok = 0; tok < ids[text].length; tok++) {
                                int k = plan.slot()[plan.offset()[text] + tok];
                                if (k >= 0) {
                                    src.position((j * ll + tok) * width);
                                    src.get(dst, k * width, width);
                                }
                            }
                        }
                        if (full != null) {
                            float[] all = new float[Math.multiplyExact(bb * ll, width)];
                            src.position(0);
                            src.get(all);
                            full.computeIfAbsent(t, k -> new float[plan.count()][])[batchIndex] = all;
                        }
                    }
                }
            } finally {
                feeds.values().forEach(OnnxTensor::close);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "OnnxCapture[" + source.source() + ", " + sites.size() + " layers]";
    }
}
