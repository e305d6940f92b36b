package org.mixquant.model.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mixquant.data.NamedArrays;
import org.mixquant.data.NpyArray;

/**
 * Runs any ONNX model on user-given named arrays ({@link NamedArrays}: an {@code .npz} or a folder of {@code .npy}
 * files named after the graph inputs) with ONNX Runtime, after checking each graph input against its array: present,
 * of the input's element type (float32, float64, int32 or int64), and of its shape (every fixed dimension equal,
 * symbolic dimensions free). Each failure is one line naming the input, what the graph expects and what the file
 * holds. Arrays that match no graph input are ignored ({@link #unused}). All samples go in one run.
 */
public final class OnnxFeeds {
    private OnnxFeeds() {
    }

    /**
     * A tensor the model produced (or was fed).
     *
     * @param values the values in C order, as float32
     * @param shape  its shape
     */
    public record Tensor(float[] values, long[] shape) {
    }

    /**
     * Runs {@code model} (any version, with its replaced weights) on {@code arrays} and returns its FLOAT graph
     * outputs in graph order.
     *
     * @throws IllegalArgumentException when an input is missing or has the wrong type or shape (naming it), or the
     *                                  model has no FLOAT output
     * @throws OrtException             if ONNX Runtime fails
     */
    public static Map<String, Tensor> outputs(OnnxModel model, NamedArrays arrays, int threads) throws OrtException {
        List<String> names = new ArrayList<>();
        for (String o : model.graph().outputs()) {
            names.add(o);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxRunner runner = model.open(env, threads)) {
            Map<String, NodeInfo> info = runner.session().getOutputInfo();
            List<String> floats = new ArrayList<>();
            for (String o : names) {
                NodeInfo n = info.get(o);
                if (n != null && n.getInfo() instanceof TensorInfo t && t.type == OnnxJavaType.FLOAT) {
                    floats.add(o);
                }
            }
            if (floats.isEmpty()) {
                throw new IllegalArgumentException("'" + model.source() + "' has no float32 graph output to compare"
                        + " (outputs: " + names + ")");
            }
            return run(env, runner.session(), arrays, floats, model.source());
        }
    }

    /** The names of the graph's FLOAT outputs that {@link #outputs} scores, in graph order. */
    static Map<String, Tensor> run(OrtEnvironment env, OrtSession session, NamedArrays arrays,
            Collection<String> wanted, String model) throws OrtException {
        Map<String, OnnxTensor> feeds = feeds(env, session, arrays, model);
        try (OrtSession.Result r = NativeSessions.GLOBAL.call(() -> session.run(feeds,
                new LinkedHashSet<>(wanted)))) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (String w : wanted) {
                OnnxValue v = r.get(w).orElseThrow(() -> new IllegalStateException("ONNX Runtime returned no '" + w
                        + "'"));
                OnnxTensor t = (OnnxTensor) v;
                long[] shape = t.getInfo().getShape();
                FloatBuffer b = t.getFloatBuffer();
                float[] values = new float[b.remaining()];
                b.get(values);
                out.put(w, new Tensor(values, shape));
            }
            return out;
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    /** The arrays that feed no graph input of {@code model} (they are not used). */
    public static List<String> unused(OnnxModel model, NamedArrays arrays) {
        Set<String> in = inputsOf(model);
        return arrays.arrays().keySet().stream().filter(n -> !in.contains(n)).toList();
    }

    /** The graph's inputs that are not initializers (what a caller must feed). */
    static Set<String> inputsOf(OnnxModel model) {
        Set<String> in = new LinkedHashSet<>();
        for (String i : model.graph().inputs()) {
            if (model.graph().initializer(i).isEmpty()) {
                in.add(i);
            }
        }
        return in;
    }

    /**
     * One tensor per graph input of {@code model} from {@code arrays} (checked as {@link #outputs} checks them), e.g.
     * to feed a {@link LayerProbe}; the caller closes them.
     *
     * @throws IllegalArgumentException naming the first input that is missing or does not match
     */
    public static Map<String, OnnxTensor> feeds(OnnxModel model, NamedArrays arrays) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxRunner r = model.open(env, 1)) {
            return feeds(env, r.session(), arrays, model.source());
        }
    }

    /**
     * Checks {@code arrays} against the session's inputs and makes one tensor per input (the caller closes them).
     *
     * @throws IllegalArgumentException naming the first input that is missing or does not match
     */
    static Map<String, OnnxTensor> feeds(OrtEnvironment env, OrtSession session, NamedArrays arrays, String model)
            throws OrtException {
        Map<String, NodeInfo> info = session.getInputInfo();
        for (Map.Entry<String, NodeInfo> e : info.entrySet()) {
            check(e.getKey(), e.getValue(), arrays, model);
        }
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
            for (String name : info.keySet()) {
                feeds.put(name, tensor(env, arrays.get(name)));
            }
        } catch (OrtException | RuntimeException ex) {
            feeds.values().forEach(OnnxTensor::close);
            throw ex;
        }
        return feeds;
    }

    private static void check(String input, NodeInfo node, NamedArrays arrays, String model) {
        if (!(node.getInfo() instanceof TensorInfo t)) {
            throw new IllegalArgumentException("graph input '" + input + "' of " + model + " is not a tensor ("
                    + node.getInfo() + "); only tensor inputs can be fed from arrays");
        }
        NpyArray a = arrays.get(input);
        String expected = typeName(t.type) + " " + dims(t.getShape());
        if (a == null) {
            throw new IllegalArgumentException(arrays.source() + " has no array '" + input + "' for graph input '"
                    + input + "' (expected " + expected + "; the file has " + (arrays.arrays().isEmpty() ? "none"
                    : String.join(", ", arrays.arrays().keySet())) + ")");
        }
        String got = a.dtype().numpyName() + " " + Arrays.toString(a.shape());
        if (!typeName(t.type).equals(a.dtype().numpyName())) {
            throw new IllegalArgumentException("graph input '" + input + "' expects " + expected + ", but "
                    + arrays.source() + " has " + got + " (convert with numpy .astype(np."
                    + typeName(t.type) + "))");
        }
        long[] want = t.getShape();
        long[] have = a.shape();
        boolean ok = want.length == have.length;
        for (int i = 0; ok && i < want.length; i++) {
            ok = want[i] < 0 || want[i] == have[i];
        }
        if (!ok) {
            throw new IllegalArgumentException("graph input '" + input + "' expects " + expected + ", but "
                    + arrays.source() + " has " + got);
        }
    }

    private static String dims(long[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? ", " : "").append(shape[i] < 0 ? "?" : Long.toString(shape[i]));
        }
        return sb.append(']').toString();
    }

    private static String typeName(OnnxJavaType t) {
        return switch (t) {
            case FLOAT -> "float32";
            case DOUBLE -> "float64";
            case INT32 -> "int32";
            case INT64 -> "int64";
            default -> t.name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static OnnxTensor tensor(OrtEnvironment env, NpyArray a) throws OrtException {
        long[] shape = a.shape();
        return switch (a.dtype()) {
            case FLOAT32 -> OnnxTensor.createTensor(env, FloatBuffer.wrap(a.floats()), shape);
            case FLOAT64 -> OnnxTensor.createTensor(env, DoubleBuffer.wrap(a.doubles()), shape);
            case INT32 -> OnnxTensor.createTensor(env, IntBuffer.wrap(a.ints()), shape);
            case INT64 -> OnnxTensor.createTensor(env, LongBuffer.wrap(a.longs()), shape);
        };
    }
}
