package org.mixquant.methods;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.mixquant.data.NamedArrays;
import org.mixquant.methods.rounding.ReconstructionOptions;
import org.mixquant.model.LayerSite;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.onnx.OnnxCapture;
import org.mixquant.model.onnx.OnnxConv;
import org.mixquant.model.onnx.OnnxFeeds;
import org.mixquant.model.onnx.OnnxModel;

/**
 * Calibration capture for any ONNX model on user-given named arrays (an {@code .npz} or a folder of {@code .npy}
 * files, see {@link NamedArrays}): the first {@link ReconstructionOptions#calibrationSamples()} samples along the
 * arrays' first axis are run through ONNX Runtime ({@link OnnxCapture#captureArrays}) and each layer's input is
 * handed back —
 * <ul>
 *   <li>for MatMul and Gemm layers as rows {@code [rows, width]} (every axis but the last flattened), at most
 *       {@link ReconstructionOptions#maxRows()} of them, drawn once from the options' seed and the same for every
 *       version of the model;</li>
 *   <li>for Conv layers as whole feature maps, {@code samples × [C, H, W]} ({@link #sampleShape}).</li>
 * </ul>
 * A Gemm's {@code alpha} comes back as {@link #inputScale} and its bias as {@code beta·C}; a Conv's geometry as
 * {@link #convolution}.
 */
public final class OnnxArrayCalibration implements CalibrationCapture {
    private final OnnxModel fp32;
    private final OnnxCapture capture;
    private final NamedArrays arrays;
    private final int samples;
    private final int maxRows;
    private final long seed;
    private final int threads;
    /** Captured tensor → the shape of one sample (conv inputs) once captured; rows kept per row tensor. */
    private final Map<String, int[]> sampleShapes = new HashMap<>();
    private final Map<String, int[]> keptRows = new HashMap<>();

    private OnnxArrayCalibration(OnnxModel fp32, OnnxCapture capture, NamedArrays arrays, int samples,
            ReconstructionOptions options) {
        this.fp32 = fp32;
        this.capture = capture;
        this.arrays = arrays;
        this.samples = samples;
        this.maxRows = options.maxRows();
        this.seed = options.seed();
        this.threads = options.threads();
    }

    /**
     * A capture of every layer of {@code fp32} on the first {@code options.calibrationSamples()} samples of
     * {@code arrays} (all of them when there are fewer).
     *
     * @throws IllegalArgumentException if a layer cannot be reconstructed (see {@link OnnxCapture#ofAnyLayer}) or the
     *                                  arrays' first axes differ
     */
    public static OnnxArrayCalibration create(OnnxModel fp32, NamedArrays arrays, ReconstructionOptions options) {
        long n = arrays.samples();
        if (n < 1) {
            throw new IllegalArgumentException(arrays.source() + " holds no samples");
        }
        int take = (int) Math.min(n, options.calibrationSamples());
        NamedArrays used = take == n ? arrays : arrays.slice(0, take);
        return new OnnxArrayCalibration(fp32, OnnxCapture.ofAnyLayer(fp32), used, take, options);
    }

    @Override
    public int samples() {
        return samples;
    }

    /** The calibration samples (feature-map layers use every one; row layers at most {@code maxRows} rows). */
    @Override
    public int rows() {
        return samples;
    }

    @Override
    public LayerSite site(String layer) {
        return capture.site(layer);
    }

    @Override
    public float inputScale(String layer) {
        return capture.inputScale(layer);
    }

    @Override
    public Optional<OnnxConv> convolution(String layer) {
        return capture.convolution(layer);
    }

    @Override
    public synchronized int[] sampleShape(String tensor) {
        int[] s = sampleShapes.get(tensor);
        return s == null ? null : s.clone();
    }

    @Override
    public synchronized Map<String, float[]> inputs(QuantizableModel state, Collection<String> inputs)
            throws Exception {
        if (!(state instanceof OnnxModel onnx)) {
            throw new IllegalArgumentException("model '" + state.source() + "' is not an ONNX model; this"
                    + " calibration captures " + fp32.source());
        }
        Map<String, OnnxFeeds.Tensor> got = capture.captureArrays(onnx, arrays, inputs, threads);
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, OnnxFeeds.Tensor> e : got.entrySet()) {
            String t = e.getKey();
            long[] shape = e.getValue().shape();
            float[] v = e.getValue().values();
            if (feedsConvolution(t)) {
                if (shape.length != 4) {
                    throw new IllegalArgumentException("the input '" + t + "' of a Conv layer has shape "
                            + java.util.Arrays.toString(shape) + ", expected [N, C, H, W]");
                }
                sampleShapes.put(t, new int[] {(int) shape[1], (int) shape[2], (int) shape[3]});
                out.put(t, v);
            } else {
                int width = (int) shape[shape.length - 1];
                int rows = v.length / width;
                int[] keep = keptRows.computeIfAbsent(t, k -> OnnxTextCalibration.chooseRows(rows, maxRows, seed));
                if (keep.length == rows) {
                    out.put(t, v);
                } else {
                    float[] sub = new float[keep.length * width];
                    for (int i = 0; i < keep.length; i++) {
                        System.arraycopy(v, keep[i] * width, sub, i * width, width);
                    }
                    out.put(t, sub);
                }
            }
        }
        return out;
    }

    private boolean feedsConvolution(String tensor) {
        for (LayerSite s : capture.sites()) {
            if (s.input().equals(tensor) && capture.convolution(s.layer()).isPresent()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "OnnxArrayCalibration[" + fp32.source() + ", " + samples + " samples of " + arrays.source() + "]";
    }
}
