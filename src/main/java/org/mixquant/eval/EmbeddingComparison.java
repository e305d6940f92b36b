package org.mixquant.eval;

import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.util.Map;
import java.util.stream.Collectors;
import org.mixquant.methods.QuantizedModel;
import org.mixquant.methods.Quantizer;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.quant.BitPlan;

/**
 * Quantizes an embedding model under plans and evaluates each one: average bits, size, embedding fidelity, times.
 * One instance per model and corpus; the FP32 embeddings are computed once.
 */
public final class EmbeddingComparison {
    private final OnnxModel fp32;
    private final EmbeddingEvaluator evaluator;

    /** A comparison of quantized versions of {@code fp32}, evaluated by {@code evaluator}. */
    public EmbeddingComparison(OnnxModel fp32, EmbeddingEvaluator evaluator) {
        this.fp32 = fp32;
        this.evaluator = evaluator;
    }

    /** The FP32 row (fidelity 1 by definition; its time is the time to embed the corpus). */
    public Evaluation fp32() throws OrtException, IOException {
        long t0 = System.nanoTime();
        evaluator.referenceEmbeddings();
        double secs = (System.nanoTime() - t0) / 1e9;
        SizeReport s = SizeReport.fp32(fp32);
        return new Evaluation("fp32", "fp32", "none", 32, s.totalMB(), 1, 1, 1, 0, 0, secs, "fp32");
    }

    /**
     * Quantizes with {@code quantizer} under {@code plan} and evaluates.
     *
     * @param searchSeconds time the search took to make the plan (reported, not measured here)
     */
    public Evaluation evaluate(BitPlan plan, Quantizer quantizer, double searchSeconds)
            throws OrtException, IOException {
        QuantizedModel q = quantizer.quantize(fp32, plan);
        BitPlan applied = q.plan(); // a method may change some layers' bits (e.g. BRECQ's 8-bit first/last layers)
        long t0 = System.nanoTime();
        Fidelity f = evaluator.fidelity(q.model(), "embedding corpus (" + applied.name() + ")");
        double secs = (System.nanoTime() - t0) / 1e9;
        SizeReport s = SizeReport.of(fp32, applied);
        return new Evaluation(applied.name(), applied.rule(), q.method(), s.averageBits(), s.totalMB(),
                f.meanCosine(), f.minCosine(), f.top10Overlap(), searchSeconds, q.seconds(), secs,
                histogram(applied));
    }

    /** Layers per bit-width as text, e.g. {@code 3:12 4:24}. */
    public static String histogram(BitPlan plan) {
        Map<Integer, Integer> h = plan.histogram();
        return h.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue()).collect(Collectors.joining(" "));
    }
}
