package org.mixquant.eval;

/**
 * One row of a comparison: a model quantized by a method under a plan, and how it fares.
 *
 * @param plan            plan name ({@code fp32}, {@code uniform-4}, {@code qem=1.5}, ...)
 * @param rule            rule that made the plan ({@code fp32}, {@code uniform}, {@code qem}, ...)
 * @param method          quantization method ({@code none} for FP32)
 * @param averageBits     Σ bits·params / Σ params over quantizable layers (32 for FP32)
 * @param sizeMB          whole model in MB (see {@link SizeReport})
 * @param meanCosine      mean cosine similarity of the embeddings to FP32's (NaN if not an embedding model)
 * @param minCosine       minimum cosine similarity
 * @param top10Overlap    mean fraction of each text's 10 nearest neighbours that FP32 also finds
 * @param searchSeconds   time of the bit-width search that made the plan (0 for uniform plans)
 * @param quantizeSeconds time to quantize the weights
 * @param evalSeconds     time to evaluate
 * @param bitsHistogram   e.g. {@code 4:30 5:6} — layers per bit-width
 *
 * @deprecated {@link EvalRow} is the one row type; this view of it remains only because {@code notebook.Charts}
 *             (being split on another branch) still plots it. Remove it once the charts take {@code EvalRow}s.
 */
@Deprecated
public record Evaluation(String plan, String rule, String method, double averageBits, double sizeMB,
        double meanCosine, double minCosine, double top10Overlap, double searchSeconds, double quantizeSeconds,
        double evalSeconds, String bitsHistogram) {
    /** The view of {@code row} that {@code Charts} plots (cosines NaN for a classifier row). */
    public static Evaluation of(EvalRow row) {
        return new Evaluation(row.plan(), row.rule(), row.method(), row.averageBits(), row.sizeMB(),
                row.metric(MetricId.MEAN_COSINE), row.metric(MetricId.MIN_COSINE), row.metric(MetricId.TOP10_OVERLAP),
                row.seconds().search(), row.seconds().quantize(), row.seconds().evaluate(), row.bitsHistogram());
    }
}
