package org.mixquant.model.onnx;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mixquant.tensor.WeightTensor;
import org.mixquant.model.Layer;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.LayerKind;

/**
 * An ONNX model as a {@link QuantizableModel}.
 *
 * <p>Every FLOAT initializer that feeds a MatMul (input B), a Gemm (input B, honouring {@code transB}) or a Conv
 * (input W) is a layer, named after the node it feeds (nodes without a name get {@code OpType_index}). An
 * initializer fed to several nodes is one layer, named after the first. Layer names are unique: a name an earlier
 * layer has, or a generated name that another node has explicitly, gets {@code #2}, {@code #3}, ... and a
 * {@link #warnings() warning}. Weight initializers that are not FP32 (e.g. FLOAT16) are not quantized; they are
 * listed in {@link #skippedWeights()} and counted at their stored size in {@link #otherBits()}. Every initializer's
 * declared size is checked against the data it holds before anything is allocated. The graph is parsed once, at
 * load, into an {@link OnnxGraph} that every version of the model and its {@link OnnxCapture} share. Weights are
 * read once at load; the model file's bytes are kept and handed to ONNX Runtime, and replaced weights are given to
 * the session with {@code SessionOptions.addInitializer}, so nothing is re-serialised and the loaded model never
 * changes.
 *
 * <p><b>External data</b> (models over 2 GB, saved with onnx's {@code save_as_external_data}): every initializer
 * whose {@code data_location} is {@code EXTERNAL} is {@link ExternalData#locate located and checked} at load (a
 * relative location inside the model's folder, an existing file holding exactly the declared byte range), but no
 * value is read then: its layers are {@link Layer#onDemand on-demand} layers, and each {@link Layer#weight()} call
 * reads that one tensor through a memory-mapped view of its range (and refuses NaN or infinite values, naming the
 * layer). A caller that handles one layer at a time, as the error sweep ({@code search.ErrorTable}) does, so
 * needs heap for the largest layer (4 bytes per weight) plus what it keeps per layer, never the whole model.
 * Operations that need the whole model in ONNX Runtime ({@link #open}, capture, export) refuse such a model with a
 * one-line error; quantizing it ({@link #withWeights}) works while the replaced weights fit in memory.
 */
public final class OnnxModel implements QuantizableModel {
    /** Largest model file read, in bytes: one Java array, and protobuf's own 2 GB limit. */
    static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

    private final String source;
    private final byte[] modelBytes;
    private final OnnxGraph graph;
    private final List<Layer> layers;
    private final long otherParams;
    private final long otherBits;
    private final List<SkippedWeight> skipped;
    private final List<String> warnings;
    private final Map<String, WeightTensor> overrides;
    /** Initializer name → where its data lives, for initializers stored outside the model file (file order). */
    private final Map<String, ExternalData> external;
    /** How texts are tokenized and pooled for this model, when it is a sentence encoder with a known tokenizer. */
    private final TextEncoderSpec textEncoder;

    private OnnxModel(String source, byte[] modelBytes, OnnxGraph graph, List<Layer> layers, long otherParams,
            long otherBits, List<SkippedWeight> skipped, List<String> warnings, Map<String, WeightTensor> overrides,
            Map<String, ExternalData> external) {
        this.source = source;
        this.external = external;
        this.modelBytes = modelBytes;
        this.graph = graph;
        this.layers = layers;
        this.otherParams = otherParams;
        this.otherBits = otherBits;
        this.skipped = skipped;
        this.warnings = warnings;
        this.overrides = overrides;
        this.textEncoder = null;
    }

    /** {@code base} with other layers, overrides and text encoder settings (graph, bytes and the rest shared). */
    private OnnxModel(OnnxModel base, List<Layer> layers, Map<String, WeightTensor> overrides,
            TextEncoderSpec textEncoder) {
        this.source = base.source;
        this.external = base.external;
        this.modelBytes = base.modelBytes;
        this.graph = base.graph;
        this.layers = layers;
        this.otherParams = base.otherParams;
        this.otherBits = base.otherBits;
        this.skipped = base.skipped;
        this.warnings = base.warnings;
        this.overrides = overrides;
        this.textEncoder = textEncoder;
    }

    /**
     * A weight initializer that feeds a MatMul, Gemm or Conv weight input but is not FP32, so it is not quantized: it
     * stays as stored and is counted at its own size among the other parameters.
     *
     * @param initializer the initializer's name
     * @param node        the layer name its first node would have had
     * @param dataType    the ONNX data type, e.g. {@code FLOAT16}
     * @param params      number of elements
     * @param bytes       stored size in bytes
     */
    public record SkippedWeight(String initializer, String node, String dataType, long params, long bytes) {
    }

    /**
     * Loads an ONNX file. Initializers kept in external data files are located and checked but not read (see the
     * class comment): such a model's layers read their weights on demand, one layer per {@link Layer#weight()} call.
     *
     * @throws IOException              if the file, or an external data file, cannot be read or is shorter than the
     *                                  byte range a tensor declares (the message names the path, offset and length)
     * @throws IllegalArgumentException if it is not a valid ONNX model, has no quantizable weights, an external data
     *                                  location is absolute or leaves the model's folder, or an embedded weight is
     *                                  NaN or infinite (the message names the layer)
     */
    public static OnnxModel load(Path file) throws IOException {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new IOException("model file " + file + " is " + size + " bytes; an ONNX file over 2 GB must"
                        + " keep its weights in external data files (onnx save_as_external_data)");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no such file");
        }
        Path folder = file.toAbsolutePath().getParent();
        return build(file.toString(), bytes, folder);
    }

    /**
     * Reads a model from its serialized bytes (kept, not copied: the caller must not change them).
     *
     * @param source a label for messages and plans, e.g. {@code minilm}
     */
    public static OnnxModel fromBytes(String source, byte[] bytes) {
        try {
            return build(source, bytes, null);
        } catch (IOException e) {
            throw new IllegalStateException("unreachable: no external data is read without a folder", e);
        }
    }

    /**
     * The model of {@code bytes}; {@code folder} is where external data locations are resolved, null for bytes that
     * do not come from a file (then a model with external data is refused).
     */
    private static OnnxModel build(String source, byte[] bytes, Path folder) throws IOException {
        OnnxGraph graph = OnnxGraph.parse(source, bytes);
        Map<String, ExternalData> external = locateExternal(graph, folder);
        List<OnnxMl.NodeProto> nodes = graph.nodes();
        List<Layer> layers = new ArrayList<>();
        List<SkippedWeight> skipped = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Map<String, String> taken = new HashMap<>();
        Set<String> usedNames = new HashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            OnnxMl.NodeProto node = nodes.get(i);
            String op = node.getOpType();
            LayerKind kind = switch (op) {
                case "MatMul" -> LayerKind.MATMUL;
                case "Gemm" -> LayerKind.GEMM;
                case "Conv" -> LayerKind.CONV;
                default -> null;
            };
            if (kind == null || node.getInputCount() < 2) {
                continue;
            }
            String tensorName = node.getInput(1);
            OnnxMl.TensorProto t = graph.initializers().get(tensorName);
            if (t == null || taken.containsKey(tensorName)) {
                continue;
            }
            boolean generated = node.getName().isEmpty();
            String base = graph.nodeName(i);
            if (t.getDataType() != OnnxMl.TensorProto.DataType.FLOAT.getNumber()) {
                if (skipped.stream().noneMatch(sw -> sw.initializer().equals(tensorName))) {
                    long n = graph.elementCount(tensorName);
                    skipped.add(new SkippedWeight(tensorName, base, OnnxGraph.typeName(t.getDataType()), n,
                            (n * OnnxGraph.elementBits(t.getDataType()) + 7) / 8));
                }
                continue;
            }
            int[] shape = shapeOf(t, source);
            if (shape.length < 2) {
                continue;
            }
            String name = uniqueName(base, generated, usedNames, graph);
            if (!name.equals(base)) {
                warnings.add("layer name '" + base + "' " + (generated ? "(generated for the unnamed " + op
                        + " node at index " + i + ") is also the name of another node" : "is used by two nodes")
                        + "; the layer of node " + i + " (initializer '" + tensorName + "') is called '" + name
                        + "'");
            }
            usedNames.add(name);
            int axis = switch (kind) {
                case MATMUL -> shape.length - 1;
                case GEMM -> graph.intAttr(node, "transB", 0) == 1 ? 0 : 1;
                default -> 0;
            };
            if (kind == LayerKind.CONV) {
                long group = graph.intAttr(node, "group", 1);
                if (group > 1 && group == shape[0] && shape[1] == 1) {
                    kind = LayerKind.DEPTHWISE_CONV;
                }
            }
            taken.put(tensorName, name);
            ExternalData ext = external.get(tensorName);
            if (ext == null && t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
                throw new IllegalArgumentException("'" + source + "': initializer '" + tensorName
                        + "' keeps its data in an external file; load the model from its .onnx file so the data"
                        + " files can be found beside it");
            }
            if (ext != null) {
                String layerName = name;
                layers.add(Layer.onDemand(name, tensorName, kind, shape, axis,
                        () -> requireFinite(layerName, tensorName, ext.readFloats())));
            } else {
                float[] data = requireFinite(name, tensorName, graph.floats(tensorName));
                layers.add(new Layer(name, tensorName, kind, WeightTensor.wrap(data, shape, axis)));
            }
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("'" + source + "' has no quantizable weights (no FLOAT initializer"
                    + " feeds a MatMul B, Gemm B or Conv W input)"
                    + (skipped.isEmpty() ? "" : "; skipped non-FP32 weights: " + describe(skipped)));
        }
        if (!skipped.isEmpty()) {
            warnings.add(skipped.size() + " weight initializer(s) are not FP32 and stay unquantized, counted at their"
                    + " stored size: " + describe(skipped));
        }
        long other = 0;
        long otherBits = 0;
        for (OnnxMl.TensorProto t : graph.initializers().values()) {
            if (!taken.containsKey(t.getName())) {
                long n = graph.elementCount(t.getName());
                other += n;
                otherBits += n * OnnxGraph.elementBits(t.getDataType());
            }
        }
        return new OnnxModel(source, bytes, graph, Collections.unmodifiableList(layers), other, otherBits,
                List.copyOf(skipped), List.copyOf(warnings), Map.of(), external);
    }

    /**
     * The checked external data of every initializer stored outside the model file, in file order; empty without a
     * folder (bytes not read from a file: such initializers cannot be read, and a layer among them is refused).
     */
    private static Map<String, ExternalData> locateExternal(OnnxGraph graph, Path folder) throws IOException {
        Map<String, ExternalData> ext = new LinkedHashMap<>();
        for (OnnxMl.TensorProto t : graph.initializers().values()) {
            if (t.getDataLocation() != OnnxMl.TensorProto.DataLocation.EXTERNAL) {
                continue;
            }
            if (folder == null) {
                continue;
            }
            long bytes = (graph.elementCount(t.getName()) * OnnxGraph.elementBits(t.getDataType()) + 7) / 8;
            ext.put(t.getName(), ExternalData.locate(graph.source(), t, folder, bytes));
        }
        return Collections.unmodifiableMap(ext);
    }

    /** {@code data}, unless it holds a NaN or infinity: then an error naming the layer and the first bad index. */
    private static float[] requireFinite(String layer, String tensorName, float[] data) {
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                throw new IllegalArgumentException("layer '" + layer + "' (initializer '" + tensorName
                        + "') has a non-finite weight " + data[i] + " at flat index " + i
                        + "; quantization needs finite weights");
            }
        }
        return data;
    }

    /** Whether some initializer keeps its data in an external file (then the layers read their weights on demand). */
    public boolean hasExternalData() {
        return graph.initializers().values().stream()
                .anyMatch(t -> t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL);
    }

    /**
     * Refuses a model with external data for an operation that needs the whole model in ONNX Runtime.
     *
     * @param operation what was asked, for the message, e.g. {@code "running it in ONNX Runtime"}
     * @throws IllegalArgumentException if the model has external data
     */
    public void requireEmbeddedData(String operation) {
        if (hasExternalData()) {
            throw new IllegalArgumentException("'" + source + "' keeps weights in external data files; "
                    + operation + " is not supported for such models (layers,"
                    + " qe, search --cost qe and bench read them layer by layer)");
        }
    }

    /**
     * {@code base}, or if an earlier layer has it, or it was generated for an unnamed node and some node is
     * explicitly called that, {@code base#k} with the smallest k ≥ 2 that no layer or node has. Explicit names win,
     * so renaming never depends on anything but the graph.
     */
    private static String uniqueName(String base, boolean generated, Set<String> used, OnnxGraph graph) {
        if (!used.contains(base) && !(generated && graph.hasNodeNamed(base))) {
            return base;
        }
        for (int k = 2; ; k++) {
            String candidate = base + "#" + k;
            if (!used.contains(candidate) && !graph.hasNodeNamed(candidate)) {
                return candidate;
            }
        }
    }

    private static String describe(List<SkippedWeight> skipped) {
        StringBuilder sb = new StringBuilder();
        for (SkippedWeight sw : skipped) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append('\'').append(sw.initializer()).append("' (").append(sw.dataType()).append(", ")
                    .append(sw.params()).append(" values, node ").append(sw.node()).append(')');
        }
        return sb.toString();
    }

    private static int[] shapeOf(OnnxMl.TensorProto t, String source) {
        int[] shape = new int[t.getDimsCount()];
        for (int d = 0; d < shape.length; d++) {
            long v = t.getDims(d);
            if (v < 1 || v > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("'" + source + "': initializer '" + t.getName()
                        + "' has an invalid dimension " + v);
            }
            shape[d] = (int) v;
        }
        return shape;
    }

    /** Weight initializers of MatMul, Gemm and Conv nodes that are not FP32 and so are not quantized (file order). */
    public List<SkippedWeight> skippedWeights() {
        return skipped;
    }

    /** Storage of the other parameters at their stored types (e.g. 16 bits per FLOAT16 value), in bits. */
    @Override
    public long otherBits() {
        return otherBits;
    }

    /** Layer names changed because they collided, and skipped non-FP32 weights, one line each. */
    @Override
    public List<String> warnings() {
        return warnings;
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public List<Layer> layers() {
        return layers;
    }

    @Override
    public long otherParams() {
        return otherParams;
    }

    /**
     * SHA-256 (hex) of the model file's bytes, its external data (read through memory-mapped views) and the names and
     * values of replaced weights; identifies exactly what runs, e.g. as a cache key.
     */
    public String fingerprint() {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            md.update(modelBytes);
            for (ExternalData d : external.values()) {
                d.digest(md);
            }
            for (Map.Entry<String, WeightTensor> e : overrides.entrySet()) {
                md.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                ByteBuffer b = ByteBuffer.allocate(e.getValue().size() * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(e.getValue().unsafeData());
                md.update(b);
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Layer name → replaced weight, for the layers this model has replaced relative to the file. */
    public Map<String, WeightTensor> overrides() {
        return overrides;
    }

    @Override
    public OnnxModel withWeights(Map<String, WeightTensor> replaced) {
        Map<String, WeightTensor> o = new LinkedHashMap<>(overrides);
        List<Layer> newLayers = new ArrayList<>(layers);
        for (Map.Entry<String, WeightTensor> e : replaced.entrySet()) {
            int idx = indexOf(e.getKey());
            Layer updated = newLayers.get(idx).withWeight(e.getValue());
            newLayers.set(idx, updated);
            o.put(updated.tensorName(), e.getValue());
        }
        return new OnnxModel(this, Collections.unmodifiableList(newLayers), Collections.unmodifiableMap(o),
                textEncoder);
    }

    /**
     * How texts are fed to this model and pooled, if known: the built-in encoders' own settings, or the
     * {@code tokenizer.json} found beside an {@code .onnx} file ({@link TextEncoderSpec#discover}). Quantized
     * versions ({@link #withWeights}) keep it.
     */
    public java.util.Optional<TextEncoderSpec> textEncoder() {
        return java.util.Optional.ofNullable(textEncoder);
    }

    /** This model (same weights, shared graph) with {@code spec} as its text encoder settings. */
    public OnnxModel withTextEncoder(TextEncoderSpec spec) {
        return new OnnxModel(this, layers, overrides, java.util.Objects.requireNonNull(spec, "spec"));
    }

    private int indexOf(String layerName) {
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).name().equals(layerName)) {
                return i;
            }
        }
        throw new IllegalArgumentException("model '" + source + "' has no quantizable layer '" + layerName + "'");
    }

    /**
     * Opens an ONNX Runtime session of this model, with every replaced weight passed as an initializer override.
     * Close the returned session to release the session and the override tensors.
     *
     * @param threads intra-op threads (≥ 1)
     */
    public OnnxRunner open(OrtEnvironment env, int threads) throws OrtException {
        return open(env, threads, modelBytes);
    }

    /**
     * The graph, parsed once at load and shared by every version of this model ({@link #withWeights} replaces
     * weights, never the graph): nodes, producer and consumer indexes, initializers and attribute readers.
     */
    public OnnxGraph graph() {
        return graph;
    }

    /**
     * Like {@link #open(OrtEnvironment, int)} but runs {@code graph} instead of the loaded bytes: a re-serialised
     * copy of this model's graph with the same initializers (e.g. with intermediate tensors added as outputs by
     * {@link OnnxCapture}), so this model's replaced weights apply to it by initializer name.
     */
    OnnxRunner open(OrtEnvironment env, int threads, byte[] graph) throws OrtException {
        return open(env, threads, graph, null);
    }

    /**
     * Like {@link #open(OrtEnvironment, int, byte[])} for a graph that holds only some of the initializers (an
     * {@link OnnxSegment}): only the replaced weights among {@code initializers} are passed ({@code null}: all).
     */
    OnnxRunner open(OrtEnvironment env, int threads, byte[] graph, Set<String> initializers) throws OrtException {
        requireEmbeddedData("running it in ONNX Runtime");
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        List<OnnxTensor> tensors = new ArrayList<>();
        try {
            opts.setIntraOpNumThreads(threads);
            opts.setInterOpNumThreads(1);
            if (overridesConvWeight()) {
                // ONNX Runtime 1.20's layout optimisations (ALL_OPT: NCHWc Conv) read a Conv weight from the
                // graph and ignore one given by addInitializer: a quantized Conv would silently run its FP32 weight
                opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
            }
            for (Map.Entry<String, WeightTensor> e : overrides.entrySet()) {
                if (initializers != null && !initializers.contains(e.getKey())) {
                    continue;
                }
                OnnxTensor t = tensor(env, e.getValue());
                tensors.add(t);
                opts.addInitializer(e.getKey(), t);
            }
            // created and recorded as open in one native section, so shutdown closes it or waits for it
            return NativeSessions.GLOBAL.call(() -> new OnnxRunner(env.createSession(graph, opts), opts, tensors));
        } catch (OrtException | RuntimeException ex) {
            tensors.forEach(OnnxTensor::close);
            opts.close();
            throw ex;
        }
    }

    /** Whether a replaced weight feeds a {@code Conv} node (see {@link #open(OrtEnvironment, int, byte[])}). */
    private boolean overridesConvWeight() {
        for (String t : overrides.keySet()) {
            for (OnnxMl.NodeProto n : graph.consumers(t)) {
                if (n.getOpType().equals("Conv")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A native FLOAT tensor holding a copy of {@code w}'s values in its shape (the caller closes it). */
    static OnnxTensor tensor(OrtEnvironment env, WeightTensor w) throws OrtException {
        FloatBuffer buf = ByteBuffer.allocateDirect(w.size() * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        buf.put(w.unsafeData()).flip();
        return OnnxTensor.createTensor(env, buf, Arrays.stream(w.shape()).asLongStream().toArray());
    }

    @Override
    public String toString() {
        return "OnnxModel[" + source + ", " + layers.size() + " layers, " + quantizableParams() + " quantizable + "
                + otherParams + " other params" + (overrides.isEmpty() ? "" : ", " + overrides.size() + " replaced")
                + "]";
    }
}
