package org.mixquant.eval;

/**
 * One row of an accuracy comparison: a CNN quantized by a method under a plan, and its top-1 on the test images.
 *
 * @param plan            plan name ({@code fp32}, {@code uniform-4}, {@code qem=1.5}, ...)
 * @param rule            rule that made the plan ({@code fp32}, {@code uniform}, ...)
 * @param method          quantization method ({@code none} for FP32)
 * @param averageBits     Σ bits·params / Σ params over quantizable layers (32 for FP32)
 * @param sizeMB          whole model in MB (see {@link SizeReport}; folded biases stay FP32)
 * @param top1            top-1 accuracy, 0..1
 * @param dropPoints      FP32 top-1 minus this top-1, in percentage points (0 for FP32)
 * @param images          test images evaluated
 * @param searchSeconds   time of the bit-width search that made the plan (0 for uniform plans)
 * @param quantizeSeconds time to quantize the weights
 * @param evalSeconds     time to evaluate
 * @param bitsHistogram   e.g. {@code 4:18 8:4} — layers per bit-width
 *
 * @deprecated {@link EvalRow} is the one row type; this view of it remains only because {@code notebook.Charts}
 *             (being split on another branch) still plots it. Remove it once the charts take {@code EvalRow}s.
 */
@Deprecated
public record AccuracyEvaluation(String plan, String rule, String method, double averageBits, double sizeMB,
        double top1, double dropPoints, int images, double searchSeconds, double quantizeSeconds, double evalSeconds,
        String bitsHistogram) {
    /** The view of {@code row} that {@code Charts} plots (NaN top-1 for an embedding row). */
    public static AccuracyEvaluation of(EvalRow row) {
        return new AccuracyEvaluation(row.plan(), row.rule(), row.method(), row.averageBits(), row.sizeMB(),
                row.metric(MetricId.TOP1), row.metric(MetricId.TOP1_DROP), row.samples(), row.seconds().search(),
                row.seconds().quantize(), row.seconds().evaluate(), row.bitsHistogram());
    }
}
