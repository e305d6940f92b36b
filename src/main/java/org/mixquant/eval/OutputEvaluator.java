package org.mixquant.eval;

import ai.onnxruntime.OrtException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mixquant.data.NamedArrays;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.onnx.OnnxFeeds;
import org.mixquant.model.onnx.OnnxModel;

/**
 * Output fidelity ({@link OutputFidelity}: SQNR and cosine of every FP32 graph output) of quantized versions of any
 * ONNX model on user-given inputs ({@link NamedArrays}). The inputs are checked against the graph and the FP32
 * outputs computed once, at creation, so a missing input or a wrong type or shape fails before anything is
 * quantized; non-finite FP32 outputs are refused then too.
 */
public final class OutputEvaluator {
    private final OnnxModel reference;
    private final NamedArrays inputs;
    private final int threads;
    private final Map<String, float[]> fp32;
    private final double fp32Seconds;

    private OutputEvaluator(OnnxModel reference, NamedArrays inputs, int threads, Map<String, float[]> fp32,
            double fp32Seconds) {
        this.reference = reference;
        this.inputs = inputs;
        this.threads = threads;
        this.fp32 = fp32;
        this.fp32Seconds = fp32Seconds;
    }

    /**
     * Runs the FP32 model on {@code inputs}.
     *
     * @throws IllegalArgumentException when an input is missing or does not fit the graph (naming it), or the model
     *                                  was given modified weights
     * @throws IllegalStateException    when the FP32 outputs hold NaN or infinite values, or ONNX Runtime fails
     */
    public static OutputEvaluator create(OnnxModel reference, NamedArrays inputs, int threads) {
        if (!reference.overrides().isEmpty()) {
            throw new IllegalArgumentException("the reference model must be the unmodified FP32 model");
        }
        long t0 = System.nanoTime();
        Map<String, float[]> out = run(reference, inputs, threads);
        for (Map.Entry<String, float[]> e : out.entrySet()) {
            NonFiniteOutputs.requireFp32(reference.source() + ", output '" + e.getKey() + "'",
                    NonFiniteOutputs.rows(new float[][] {e.getValue()}), 1, "output tensors");
        }
        return new OutputEvaluator(reference, inputs, threads, out, (System.nanoTime() - t0) / 1e9);
    }

    private static Map<String, float[]> run(OnnxModel model, NamedArrays inputs, int threads) {
        try {
            Map<String, float[]> out = new LinkedHashMap<>();
            for (Map.Entry<String, OnnxFeeds.Tensor> e : OnnxFeeds.outputs(model, inputs, threads).entrySet()) {
                out.put(e.getKey(), e.getValue().values());
            }
            return out;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on " + inputs.source() + ": " + e.getMessage(), e);
        }
    }

    /** The inputs. */
    public NamedArrays inputs() {
        return inputs;
    }

    /** Samples along the inputs' first axis, or 1 when they have none in common. */
    public int samples() {
        try {
            return (int) inputs.samples();
        } catch (IllegalArgumentException e) {
            return 1;
        }
    }

    /** Wall time of the FP32 run, seconds. */
    public double fp32Seconds() {
        return fp32Seconds;
    }

    /** The compared outputs' names, graph order. */
    public java.util.List<String> outputNames() {
        return java.util.List.copyOf(fp32.keySet());
    }

    /**
     * Runs {@code quantized} (a version of the reference model) on the inputs and compares its outputs with FP32's.
     *
     * @throws IllegalArgumentException if {@code quantized} is not an ONNX model
     * @throws IllegalStateException    if its outputs hold NaN or infinite values, or ONNX Runtime fails
     */
    public OutputFidelity fidelity(QuantizableModel quantized) {
        if (!(quantized instanceof OnnxModel onnx) || onnx.graph() != reference.graph()) {
            throw new IllegalArgumentException(quantized.source() + " is not a version of " + reference.source());
        }
        Map<String, float[]> q = run(onnx, inputs, threads);
        for (Map.Entry<String, float[]> e : q.entrySet()) {
            NonFiniteOutputs.requireQuantized(reference.source() + ", output '" + e.getKey() + "'",
                    NonFiniteOutputs.rows(new float[][] {e.getValue()}), 1, "output tensors");
        }
        return OutputFidelity.compare(fp32, q);
    }
}
