package org.mixquant.model.onnx;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
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
 * declared size is checked against the data it holds before anything is allocated. Weights are read once at load;
 * the model file's bytes are kept and handed to ONNX Runtime, and replaced weights are given to the session with
 * {@code SessionOptions.addInitializer}, so nothing is re-serialised and the loaded model never changes.
 */
public final class OnnxModel implements QuantizableModel {
    /** Largest model file read, in bytes: one Java array, and protobuf's own 2 GB limit. */
    static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

    private final String source;
    private final byte[] modelBytes;
    private final List<Layer> layers;
    private final long otherParams;
    private final long otherBits;
    private final List<SkippedWeight> skipped;
    private final List<String> warnings;
    private final Map<String, WeightTensor> overrides;

    private OnnxModel(String source, byte[] modelBytes, List<Layer> layers, long otherParams, long otherBits,
            List<SkippedWeight> skipped, List<String> warnings, Map<String, WeightTensor> overrides) {
        this.source = source;
        this.modelBytes = modelBytes;
        this.layers = layers;
        this.otherParams = otherParams;
        this.otherBits = otherBits;
        this.skipped = skipped;
        this.warnings = warnings;
        this.overrides = overrides;
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
     * Loads an ONNX file.
     *
     * @throws IOException              if the file cannot be read (the message names the path)
     * @throws IllegalArgumentException if it is not a valid ONNX model, has no quantizable weights, or a weight is
     *                                  NaN or infinite (the message names the layer)
     */
    public static OnnxModel load(Path file) throws IOException {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new IOException("model file " + file + " is " + size + " bytes; ONNX files over 2 GB keep their"
                        + " weights in external data files, which this toolkit does not read");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no such file");
        }
        return fromBytes(file.toString(), bytes);
    }

    /**
     * Reads a model from its serialized bytes (kept, not copied: the caller must not change them).
     *
     * @param source a label for messages and plans, e.g. {@code minilm}
     */
    public static OnnxModel fromBytes(String source, byte[] bytes) {
        OnnxMl.ModelProto proto;
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.setSizeLimit(Integer.MAX_VALUE);
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
        OnnxMl.GraphProto g = proto.getGraph();
        Map<String, OnnxMl.TensorProto> inits = new HashMap<>();
        Map<String, Long> counts = new HashMap<>();
        for (OnnxMl.TensorProto t : g.getInitializerList()) {
            if (inits.put(t.getName(), t) != null) {
                throw new IllegalArgumentException("'" + source + "': initializer '" + t.getName()
                        + "' is defined twice (corrupt model)");
            }
            counts.put(t.getName(), checkedCount(t, source));
        }
        Set<String> explicitNames = new HashSet<>();
        for (OnnxMl.NodeProto node : g.getNodeList()) {
            if (!node.getName().isEmpty()) {
                explicitNames.add(node.getName());
            }
        }
        List<Layer> layers = new ArrayList<>();
        List<SkippedWeight> skipped = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Map<String, String> taken = new HashMap<>();
        Set<String> usedNames = new HashSet<>();
        for (int i = 0; i < g.getNodeCount(); i++) {
            OnnxMl.NodeProto node = g.getNode(i);
            String op = node.getOpType();
            int input;
            LayerKind kind;
            switch (op) {
                case "MatMul" -> {
                    input = 1;
                    kind = LayerKind.MATMUL;
                }
                case "Gemm" -> {
                    input = 1;
                    kind = LayerKind.GEMM;
                }
                case "Conv" -> {
                    input = 1;
                    kind = LayerKind.CONV;
                }
                default -> {
                    continue;
                }
            }
            if (node.getInputCount() <= input) {
                continue;
            }
            String tensorName = node.getInput(input);
            OnnxMl.TensorProto t = inits.get(tensorName);
            if (t == null || taken.containsKey(tensorName)) {
                continue;
            }
            boolean generated = node.getName().isEmpty();
            String base = generated ? op + "_" + i : node.getName();
            if (t.getDataType() != OnnxMl.TensorProto.DataType.FLOAT.getNumber()) {
                if (skipped.stream().noneMatch(sw -> sw.initializer().equals(tensorName))) {
                    long n = counts.get(tensorName);
                    skipped.add(new SkippedWeight(tensorName, base, typeName(t.getDataType()), n,
                            (n * elementBits(t.getDataType()) + 7) / 8));
                }
                continue;
            }
            int[] shape = shapeOf(t, source);
            if (shape.length < 2) {
                continue;
            }
            String name = uniqueName(base, generated, usedNames, explicitNames);
            if (!name.equals(base)) {
                warnings.add("layer name '" + base + "' " + (generated ? "(generated for the unnamed " + op
                        + " node at index " + i + ") is also the name of another node" : "is used by two nodes")
                        + "; the layer of node " + i + " (initializer '" + tensorName + "') is called '" + name
                        + "'");
            }
            usedNames.add(name);
            int axis = switch (kind) {
                case MATMUL -> shape.length - 1;
                case GEMM -> intAttr(node, "transB", 0) == 1 ? 0 : 1;
                default -> 0;
            };
            if (kind == LayerKind.CONV) {
                long group = intAttr(node, "group", 1);
                if (group > 1 && group == shape[0] && shape[1] == 1) {
                    kind = LayerKind.DEPTHWISE_CONV;
                }
            }
            float[] data = floatsOf(t, shape, source);
            WeightTensor w = WeightTensor.wrap(data, shape, axis);
            int bad = w.firstNonFinite();
            if (bad >= 0) {
                throw new IllegalArgumentException("layer '" + name + "' (initializer '" + tensorName
                        + "') has a non-finite weight " + data[bad] + " at flat index " + bad
                        + "; quantization needs finite weights");
            }
            taken.put(tensorName, name);
            layers.add(new Layer(name, tensorName, kind, w));
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
        for (OnnxMl.TensorProto t : g.getInitializerList()) {
            if (!taken.containsKey(t.getName())) {
                long n = counts.get(t.getName());
                other += n;
                otherBits += n * elementBits(t.getDataType());
            }
        }
        return new OnnxModel(source, bytes, Collections.unmodifiableList(layers), other, otherBits,
                List.copyOf(skipped), List.copyOf(warnings), Map.of());
    }

    /**
     * {@code base}, or if an earlier layer has it, or it was generated for an unnamed node and some node is
     * explicitly called that, {@code base#k} with the smallest k ≥ 2 that no layer or node has. Explicit names win,
     * so renaming never depends on anything but the graph.
     */
    private static String uniqueName(String base, boolean generated, Set<String> used, Set<String> explicit) {
        if (!used.contains(base) && !(generated && explicit.contains(base))) {
            return base;
        }
        for (int k = 2; ; k++) {
            String candidate = base + "#" + k;
            if (!used.contains(candidate) && !explicit.contains(candidate)) {
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

    private static String typeName(int dataType) {
        OnnxMl.TensorProto.DataType t = OnnxMl.TensorProto.DataType.forNumber(dataType);
        return t == null ? "data type " + dataType : t.name();
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

    private static long intAttr(OnnxMl.NodeProto node, String name, long dflt) {
        for (OnnxMl.AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        return dflt;
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

    /** The values of a FLOAT initializer whose size {@link #checkedCount} has checked; allocates only then. */
    private static float[] floatsOf(OnnxMl.TensorProto t, int[] shape, String source) {
        long n = 1;
        for (int d : shape) {
            n = Math.multiplyExact(n, d);
        }
        if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
            throw new IllegalArgumentException("'" + source + "': initializer '" + t.getName()
                    + "' keeps its data in an external file, which is not supported");
        }
        ByteString raw = t.getRawData();
        long stored = raw.isEmpty() ? t.getFloatDataCount() : raw.size() / 4;
        if (stored != n || raw.size() % 4 != 0) {
            throw new IllegalArgumentException("'" + source + "': initializer '" + t.getName() + "' of shape "
                    + Arrays.toString(shape) + " needs " + n + " values but holds "
                    + (raw.isEmpty() ? stored + " values" : raw.size() + " bytes") + " (truncated or corrupt model)");
        }
        float[] out = new float[(int) n];
        if (!raw.isEmpty()) {
            raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        } else {
            for (int i = 0; i < n; i++) {
                out[i] = t.getFloatData(i);
            }
        }
        return out;
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
     * SHA-256 (hex) of the model file's bytes plus the names and values of replaced weights; identifies exactly what
     * runs, e.g. as a cache key.
     */
    public String fingerprint() {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            md.update(modelBytes);
            for (Map.Entry<String, WeightTensor> e : overrides.entrySet()) {
                md.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                ByteBuffer b = ByteBuffer.allocate(e.getValue().size() * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(e.getValue().unsafeData());
                md.update(b);
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
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
        return new OnnxModel(source, modelBytes, Collections.unmodifiableList(newLayers), otherParams, otherBits,
                skipped, warnings, Collections.unmodifiableMap(o));
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
     * The serialized model this was loaded from (not copied: callers in this package must not change it). Used by
     * {@link OnnxCapture} to build a copy of the graph with extra outputs.
     */
    byte[] bytes() {
        return modelBytes;
    }

    /**
     * Like {@link #open(OrtEnvironment, int)} but runs {@code graph} instead of the loaded bytes: a re-serialised
     * copy of this model's graph with the same initializers (e.g. with intermediate tensors added as outputs by
     * {@link OnnxCapture}), so this model's replaced weights apply to it by initializer name.
     */
    OnnxRunner open(OrtEnvironment env, int threads, byte[] graph) throws OrtException {
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        List<OnnxTensor> tensors = new ArrayList<>();
        try {
            opts.setIntraOpNumThreads(threads);
            opts.setInterOpNumThreads(1);
            for (Map.Entry<String, WeightTensor> e : overrides.entrySet()) {
                WeightTensor w = e.getValue();
                FloatBuffer buf = ByteBuffer.allocateDirect(w.size() * 4).order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
                buf.put(w.unsafeData()).flip();
                long[] shape = Arrays.stream(w.shape()).asLongStream().toArray();
                OnnxTensor t = OnnxTensor.createTensor(env, buf, shape);
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

    @Override
    public String toString() {
        return "OnnxModel[" + source + ", " + layers.size() + " layers, " + quantizableParams() + " quantizable + "
                + otherParams + " other params" + (overrides.isEmpty() ? "" : ", " + overrides.size() + " replaced")
                + "]";
    }
}
