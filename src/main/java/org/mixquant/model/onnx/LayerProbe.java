package org.mixquant.model.onnx;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mixquant.tensor.WeightTensor;

/**
 * Runs an FP32 ONNX model with one layer's weight replaced, on fixed input batches, computing only what that weight
 * changes: the layer's {@link OnnxSuffix}, fed with the boundary tensors of an FP32 run. This is what a one-layer
 * sensitivity table needs (layers × 7 bit-widths runs that differ from FP32 in one weight), at the cost of the
 * suffix instead of the whole network.
 *
 * <p>Layers are handled in groups of consecutive layers: for a group, one FP32 run per batch captures the boundary
 * tensors of all its layers (kept in native memory until the next group), and one session per layer runs its suffix
 * with the weight as an input, so every bit-width of a layer reuses the same session. Asking for the layers in model
 * order (as the cost tables do) captures each group once.
 *
 * <p>Not thread-safe. Close it to release sessions and captured tensors; the input batches stay the caller's.
 */
public final class LayerProbe implements AutoCloseable {
    /** Consecutive layers whose boundaries are captured together (one transformer block of MiniLM has 6). */
    static final int GROUP = 6;

    /** Receives the first graph output of one batch. */
    @FunctionalInterface
    public interface BatchOutput {
        void accept(int batch, OnnxValue firstOutput) throws OrtException;
    }

    private final OnnxModel fp32;
    private final List<Map<String, OnnxTensor>> batches;
    private final int threads;
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final String firstOutput;
    private Group group;
    private long captureNanos;
    private long buildNanos;
    private long createNanos;
    private long runNanos;
    private long outputNanos;
    private int captures;
    private int sessions;
    private int runs;

    /**
     * Where this probe's time went since it was opened, wall seconds of the calling thread (ONNX Runtime's own
     * threads work inside {@code runS}, {@code captureS} and {@code createS}).
     *
     * @param captureS starting each group: the suffix analysis of its layers, serialising the capture graph,
     *                 creating its session and the FP32 runs capturing the group's boundary tensors
     * @param buildS   building and serialising the suffix graphs (Java)
     * @param createS  ONNX Runtime session creation of the suffix graphs
     * @param runS     suffix runs ({@code OrtSession.run})
     * @param outputS  handing the outputs to the caller (e.g. pooling embeddings, on the Java side)
     * @param captures capture passes (one per group)
     * @param sessions suffix sessions created
     * @param runs     suffix runs, one per batch
     */
    public record Timings(double captureS, double buildS, double createS, double runS, double outputS, int captures,
            int sessions, int runs) {
    }

    /** Where the time went so far ({@link Timings}). */
    public Timings timings() {
        return new Timings(captureNanos / 1e9, buildNanos / 1e9, createNanos / 1e9, runNanos / 1e9,
                outputNanos / 1e9, captures, sessions, runs);
    }

    private LayerProbe(OnnxModel fp32, List<Map<String, OnnxTensor>> batches, int threads) {
        this.fp32 = fp32;
        this.batches = List.copyOf(batches);
        this.threads = threads;
        List<OnnxMl.ValueInfoProto> outs = fp32.graph().proto().getGraph().getOutputList();
        if (outs.isEmpty()) {
            throw new IllegalArgumentException("'" + fp32.source() + "' has no graph outputs");
        }
        this.firstOutput = outs.get(0).getName();
    }

    /**
     * A probe of {@code fp32} (which must be the unmodified model) on {@code batches}, each a map from every graph
     * input to its tensor for that batch (kept open by the caller until this probe is closed).
     *
     * @param threads ONNX Runtime intra-op threads, ≥ 1
     */
    public static LayerProbe open(OnnxModel fp32, List<Map<String, OnnxTensor>> batches, int threads) {
        if (!fp32.overrides().isEmpty()) {
            throw new IllegalArgumentException("a layer probe starts from the unmodified FP32 model");
        }
        if (batches.isEmpty() || threads < 1) {
            throw new IllegalArgumentException("need at least one batch and one thread");
        }
        return new LayerProbe(fp32, batches, threads);
    }

    /**
     * Runs every batch with {@code layer}'s weight replaced by {@code weight} and hands the graph's first output of
     * each batch to {@code out} (valid only during the call).
     *
     * @throws IllegalArgumentException for an unknown layer or a weight of another shape
     */
    public void run(String layer, WeightTensor weight, BatchOutput out) throws OrtException {
        String tensor = fp32.layer(layer).withWeight(weight).tensorName();
        if (group == null || !group.suffixes.containsKey(tensor)) {
            if (group != null) {
                group.close();
                group = null;
            }
            long t0 = System.nanoTime();
            group = new Group(groupFrom(layer));
            captureNanos += System.nanoTime() - t0;
            captures++;
        }
        group.run(tensor, weight, out);
    }

    /** The initializer names of {@code layer} and the layers after it, {@link #GROUP} at most. */
    private List<String> groupFrom(String layer) {
        List<String> names = fp32.layerNames();
        int at = names.indexOf(layer);
        List<String> tensors = new ArrayList<>();
        for (int i = at; i < Math.min(names.size(), at + GROUP); i++) {
            tensors.add(fp32.layers().get(i).tensorName());
        }
        return tensors;
    }

    /** The ONNX data type number of a tensor (ONNX Runtime's Java enum numbers its constants differently). */
    static int onnxType(TensorInfo info) {
        String name = info.onnxType.name().replace("ONNX_TENSOR_ELEMENT_DATA_TYPE_", "");
        return OnnxMl.TensorProto.DataType.valueOf(name).getNumber();
    }

    @Override
    public void close() {
        if (group != null) {
            group.close();
            group = null;
        }
    }

    /** Captured FP32 boundary tensors of a few layers and one suffix session per layer. */
    private final class Group implements AutoCloseable {
        private final Map<String, OnnxSuffix> suffixes = new LinkedHashMap<>();
        private final Map<String, OnnxRunner> sessions = new HashMap<>();
        private final List<OrtSession.Result> captured = new ArrayList<>();
        private final List<Map<String, OnnxValue>> boundary = new ArrayList<>();

        Group(List<String> tensors) throws OrtException {
            Set<String> extra = new LinkedHashSet<>();
            long t0 = System.nanoTime();
            for (String t : tensors) {
                OnnxSuffix s = OnnxSuffix.of(fp32.graph(), t);
                suffixes.put(t, s);
                for (String b : s.boundary()) {
                    if (!fp32.graph().inputs().contains(b)) {
                        extra.add(b);
                    }
                }
            }
            try {
                try (OnnxRunner capture = fp32.open(env, threads, fp32.graph().withUntypedOutputs(extra))) {
                    for (Map<String, OnnxTensor> feeds : batches) {
                        OrtSession.Result r = NativeSessions.GLOBAL.call(() -> capture.session().run(feeds));
                        captured.add(r);
                        Map<String, OnnxValue> values = new HashMap<>(feeds);
                        for (Map.Entry<String, OnnxValue> e : r) {
                            values.put(e.getKey(), e.getValue());
                        }
                        boundary.add(values);
                    }
                }
            } catch (OrtException | RuntimeException e) {
                close();
                throw e;
            }
        }

        void run(String tensor, WeightTensor weight, BatchOutput out) throws OrtException {
            OnnxSuffix s = suffixes.get(tensor);
            if (!s.outputs().contains(firstOutput)) {
                // the weight does not reach the first output: it is the FP32 one
                long t0 = System.nanoTime();
                for (int b = 0; b < boundary.size(); b++) {
                    out.accept(b, boundary.get(b).get(firstOutput));
                }
                outputNanos += System.nanoTime() - t0;
                return;
            }
            OnnxRunner session = sessions.get(tensor);
            if (session == null) {
                Map<String, Integer> types = new HashMap<>();
                for (String name : s.boundary()) {
                    types.put(name, onnxType((TensorInfo) boundary.get(0).get(name).getInfo()));
                }
                long t0 = System.nanoTime();
                byte[] graph = s.model(types);
                long t1 = System.nanoTime();
                session = fp32.open(env, threads, graph);
                buildNanos += t1 - t0;
                createNanos += System.nanoTime() - t1;
                sessions.put(tensor, session);
                LayerProbe.this.sessions++;
            }
            OrtSession sess = session.session();
            try (OnnxTensor w = OnnxModel.tensor(env, weight)) {
                for (int b = 0; b < boundary.size(); b++) {
                    Map<String, OnnxTensor> feeds = new HashMap<>();
                    feeds.put(tensor, w);
                    for (String name : s.boundary()) {
                        feeds.put(name, (OnnxTensor) boundary.get(b).get(name));
                    }
                    long t0 = System.nanoTime();
                    try (OrtSession.Result r = NativeSessions.GLOBAL.call(() -> sess.run(feeds))) {
                        long t1 = System.nanoTime();
                        runNanos += t1 - t0;
                        runs++;
                        out.accept(b, r.get(firstOutput).orElseThrow());
                        outputNanos += System.nanoTime() - t1;
                    }
                }
            }
        }

        @Override
        public void close() {
            sessions.values().forEach(OnnxRunner::close);
            sessions.clear();
            captured.forEach(OrtSession.Result::close);
            captured.clear();
            boundary.clear();
        }
    }
}
