package org.mixquant.eval;

/**
 * One row of a method comparison ({@link MethodComparison}): a model quantized by a method under a plan, with one
 * quality number whatever the model: top-1 accuracy in percent for the CNNs, mean cosine similarity to the FP32
 * embeddings for text models.
 *
 * @param model           model name
 * @param method          e.g. {@code nearest-asymmetric}, {@code adaround-asymmetric}, {@code brecq-asymmetric}
 *                        ({@code none} for FP32)
 * @param plan            plan actually applied (BRECQ may have put the first and last layers at 8 bits)
 * @param rule            rule that made the plan ({@code fp32}, {@code uniform}, {@code budget}, {@code qem}, ...)
 * @param averageBits     Σ bits·params / Σ params of the applied plan (32 for FP32)
 * @param sizeMB          whole model in MB ({@link SizeReport})
 * @param metric          {@code top1_%} or {@code mean_cos}
 * @param quality         the metric's value
 * @param fp32Quality     the FP32 model's value
 * @param secondary       top-10 neighbour overlap for text models, NaN for CNNs
 * @param searchSeconds   time of the MixQuant search that made the plan (0 for uniform plans)
 * @param quantizeSeconds time of the quantization method (reconstruction included)
 * @param evalSeconds     time of the evaluation
 * @param bitsHistogram   layers per bit-width, e.g. {@code 3:12 8:2}
 *
 * @deprecated {@link EvalRow} is the one row type; this view of it remains only because {@code notebook.Charts}
 *             (being split on another branch) still plots it. Remove it once the charts take {@code EvalRow}s.
 */
@Deprecated
public record ComparisonRow(String model, String method, String plan, String rule, double averageBits,
        double sizeMB, String metric, double quality, double fp32Quality, double secondary, double searchSeconds,
        double quantizeSeconds, double evalSeconds, String bitsHistogram) {

    /** {@code quality − fp32Quality} (negative when worse). */
    public double delta() {
        return quality - fp32Quality;
    }

    /** True for a plan made by MixQuant (neither FP32 nor uniform). */
    public boolean isMixQuant() {
        return !rule.equals("uniform") && !rule.equals("fp32");
    }

    /** Method without the scheme suffix: {@code asym}, {@code adaround}, {@code brecq} or {@code fp32}. */
    public String methodFamily() {
        if (method.equals("none")) {
            return "fp32";
        }
        String m = method.contains("-") ? method.substring(0, method.indexOf('-')) : method;
        return m.equals("nearest") ? "asym" : m;
    }

    /** The view of {@code row} that {@code Charts.methodComparison} plots. */
    public static ComparisonRow of(EvalRow row) {
        return new ComparisonRow(row.model(), row.method(), row.plan(), row.rule(), row.averageBits(), row.sizeMB(),
                row.primary().column(), row.quality(), row.quality() - row.delta(), row.metric(MetricId.TOP10_OVERLAP),
                row.seconds().search(), row.seconds().quantize(), row.seconds().evaluate(), row.bitsHistogram());
    }
}
