package org.mixquant.eval;

import org.mixquant.methods.QuantizedModel;
import org.mixquant.methods.Quantizer;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.quant.BitPlan;

/**
 * Quantizes a Fashion-MNIST CNN under plans and evaluates each one: average bits, size, top-1 accuracy and its drop
 * from FP32, times. One instance per model and image set; the FP32 accuracy is measured once. The model is never
 * changed.
 */
public final class AccuracyComparison {
    private final CnnModel fp32;
    private final AccuracyEvaluator evaluator;
    private Accuracy reference;

    /** A comparison of quantized versions of {@code fp32}, evaluated by {@code evaluator}. */
    public AccuracyComparison(CnnModel fp32, AccuracyEvaluator evaluator) {
        if (fp32.isModified()) {
            throw new IllegalArgumentException("the reference must be the unmodified FP32 model");
        }
        this.fp32 = fp32;
        this.evaluator = evaluator;
    }

    /** FP32 accuracy (measured on first use). */
    public synchronized Accuracy fp32Accuracy() {
        if (reference == null) {
            reference = evaluator.evaluate(fp32);
        }
        return reference;
    }

    /** The FP32 row. */
    public AccuracyEvaluation fp32() {
        Accuracy a = fp32Accuracy();
        SizeReport s = SizeReport.fp32(fp32);
        return new AccuracyEvaluation("fp32", "fp32", "none", 32, s.totalMB(), a.top1(), 0, a.total(), 0, 0,
                a.seconds(), "fp32");
    }

    /**
     * Quantizes with {@code quantizer} under {@code plan} and evaluates.
     *
     * @param searchSeconds time the search took to make the plan (reported, not measured here)
     */
    public AccuracyEvaluation evaluate(BitPlan plan, Quantizer quantizer, double searchSeconds) {
        QuantizedModel q = quantizer.quantize(fp32, plan);
        BitPlan applied = q.plan(); // a method may change some layers' bits (e.g. BRECQ's 8-bit first/last layers)
        Accuracy a = evaluator.evaluate(q.model());
        SizeReport s = SizeReport.of(fp32, applied);
        return new AccuracyEvaluation(applied.name(), applied.rule(), q.method(), s.averageBits(), s.totalMB(),
                a.top1(), 100 * (fp32Accuracy().top1() - a.top1()), a.total(), searchSeconds, q.seconds(),
                a.seconds(), EmbeddingComparison.histogram(applied));
    }
}
