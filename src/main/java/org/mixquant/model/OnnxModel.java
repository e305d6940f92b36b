package org.mixquant.model;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mixquant.tensor.WeightTensor;

/**
 * An ONNX model as a {@link QuantizableModel}.
 *
 * <p>Every FLOAT initializer that feeds a MatMul (input B), a Gemm (input B, honouring {@code transB}) or a Conv
 * (input W) is a layer, named after the node it feeds (nodes without a name get {@code OpType_index}). An
 * initializer fed to several nodes is one layer, named after the first. Weights are read once at load; the model
 * file's bytes are kept and handed to ONNX Runtime, and replaced weights are given to the session with
 * {@code SessionOptions.addInitializer}, so nothing is re-serialised and the loaded model never changes.
 */
public final class OnnxModel implements QuantizableModel {
    private final String source;
    private final byte[] modelBytes;
    private final List<Layer> layers;
    private final long otherParams;
    private final Map<String, WeightTensor> overrides;

    private OnnxModel(String source, byte[] modelBytes, List<Layer> layers, long otherParams,
            Map<String, WeightTensor> overrides) {
        this.source = source;
        this.modelBytes = modelBytes;
        this.layers = layers;
        this.otherParams = otherParams;
        this.overrides = overrides;
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
        for (OnnxMl.TensorProto t : g.getInitializerList()) {
            inits.put(t.getName(), t);
        }
        List<Layer> layers = new ArrayList<>();
        Map<String, String> taken = new HashMap<>();
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
            if (t == null || t.getDataType() != OnnxMl.TensorProto.DataType.FLOAT.getNumber()
                    || taken.containsKey(tensorName)) {
                continue;
            }
            String name = node.getName().isEmpty() ? op + "_" + i : node.getName();
            int[] shape = shapeOf(t, source);
            if (shape.length < 2) {
                continue;
            }
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
                    + " feeds a MatMul B, Gemm B or Conv W input)");
        }
        long other = 0;
        for (OnnxMl.TensorProto t : g.getInitializerList()) {
            if (!taken.containsKey(t.getName())) {
                long n = 1;
                for (long d : t.getDimsList()) {
                    n *= d;
                }
                other += n;
            }
        }
        return new OnnxModel(source, bytes, Collections.unmodifiableList(layers), other, Map.of());
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

    private static float[] floatsOf(OnnxMl.TensorProto t, int[] shape, String source) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
            throw new IllegalArgumentException("'" + source + "': initializer '" + t.getName()
                    + "' keeps its data in an external file, which is not supported");
        }
        float[] out = new float[(int) n];
        ByteString raw = t.getRawData();
        if (!raw.isEmpty()) {
            if (raw.size() != n * 4) {
                throw new IllegalArgumentException("'" + source + "': initializer '" + t.getName() + "' of shape "
                        + Arrays.toString(shape) + " needs " + n * 4 + " bytes but has " + raw.size()
                        + " (truncated or corrupt model)");
            }
            raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        } else {
            if (t.getFloatDataCount() != n) {
                throw new IllegalArgumentException("'" + source + "': initializer '" + t.getName() + "' of shape "
                        + Arrays.toString(shape) + " has " + t.getFloatDataCount() + " values, expected " + n);
            }
            for (int i = 0; i < n; i++) {
                out[i] = t.getFloatData(i);
            }
        }
        return out;
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
        return new OnnxModel(source, modelBytes, Collections.unmodifiableList(newLayers), otherParams,
                Collections.unmodifiableMap(o));
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
