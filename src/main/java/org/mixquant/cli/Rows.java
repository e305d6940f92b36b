package org.mixquant.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import org.mixquant.eval.EvalRow;
import org.mixquant.eval.MetricId;
import org.mixquant.eval.SizeReport;
import org.mixquant.notebook.Tables;

/** Evaluation rows as a {@link TextTable} and as {@code report}'s JSON rows ({@link Row}). */
final class Rows {
    private Rows() {
    }

    /** The evaluation CSV header: the one the notebook reader ({@link Tables#toEvaluations}) expects. */
    static final List<String> HEADER = Tables.EVALUATION_COLUMNS;

    /** Text-encoder rows with the columns {@link #HEADER} (full precision in CSV). */
    static TextTable evaluationTable(List<EvalRow> rows) {
        TextTable t = new TextTable(HEADER);
        for (EvalRow e : rows) {
            t.add(List.of(e.plan(), e.rule(), e.method(), fmt("%.3f", e.averageBits()), fmt("%.3f", e.storageBits()),
                    fmt("%.2f", e.sizeMB()),
                    fmt("%.5f", e.metric(MetricId.MEAN_COSINE)), fmt("%.5f", e.metric(MetricId.MIN_COSINE)),
                    fmt("%.4f", e.metric(MetricId.TOP10_OVERLAP)), fmt("%.3f", e.seconds().search()),
                    fmt("%.3f", e.seconds().quantize()), fmt("%.2f", e.seconds().evaluate()), e.bitsHistogram()));
        }
        return t;
    }

    /**
     * One evaluation row of {@code report}'s {@code results.json} (MiniLM's and each CNN's), at full precision. A row
     * has the metrics its model measured and no others: a text encoder's rows {@code meanCosine}, {@code minCosine}
     * and {@code top10Overlap}; a classifier's rows {@code top1}, {@code dropPoints} and {@code images}. The metric
     * components are named by {@link MetricId#field()} and ordered as {@link MetricId} ({@code RowsTest} checks both).
     *
     * @param plan            the plan's name, e.g. {@code uniform-4}, {@code budget=3.5} ({@code fp32} for FP32)
     * @param rule            the rule that made it: {@code fp32}, {@code uniform}, {@code qem}, {@code max-rel-error},
     *                        {@code avg-bits}
     * @param method          what the quantizer did, e.g. {@code nearest-asymmetric} ({@code none} for FP32)
     * @param averageBits     Σ bits·params / Σ params over the quantized layers (32 for FP32)
     * @param storageBits     weight bits plus scale and zero-point bits per quantized weight
     *                        ({@link SizeReport#storageBits()}; 32 for FP32; left out when not known)
     * @param sizeMB          the whole model, MB (10^6 bytes), as {@link SizeReport#totalMB()}
     * @param top1            classifiers: top-1 accuracy on the test images, a fraction 0..1
     * @param top5            ONNX image classifiers: top-5 accuracy, a fraction 0..1 (not measured for the CNNs)
     * @param dropPoints      classifiers: FP32 top-1 minus this top-1, percentage points
     * @param meanCosine      text encoders: mean cosine of each text's embedding to its FP32 embedding
     * @param minCosine       text encoders: the smallest of those cosines
     * @param top10Overlap    text encoders: mean overlap of each text's 10 nearest neighbours with FP32's, 0..1
     * @param outputCosine    models scored on {@code --inputs}: cosine of all outputs to FP32's
     * @param sqnrDb          models scored on {@code --inputs}: SQNR of all outputs against FP32's, dB
     * @param images          classifiers: test images scored
     * @param searchSeconds   the bit-width search that made the plan (0 for uniform plans and FP32)
     * @param quantizeSeconds quantizing the model (0 for FP32)
     * @param evalSeconds     evaluating it (for FP32: computing the reference outputs)
     * @param bitsHistogram   layers per bit-width, e.g. {@code 3:15 4:21} ({@code fp32} for FP32)
     */
    record Row(String plan, String rule, String method, double averageBits,
            @JsonInclude(JsonInclude.Include.NON_NULL) Double storageBits, double sizeMB,
            @JsonInclude(JsonInclude.Include.NON_NULL) Double top1,
            @JsonInclude(JsonInclude.Include.NON_NULL) Double top5,
            @JsonInclude(JsonInclude.Include.NON_NULL) Double dropPoints,
            @JsonInclude(JsonInclude.Include.NON_NULL) Double meanCosine,
            @JsonInclude(JsonInclude.Include.NON_NULL) Double minCosine,
            @JsonInclude(JsonInclude.Include.NON_NULL) Double top10Overlap,
            @JsonInclude(JsonInclude.Include.NON_NULL) Double outputCosine,
            @JsonInclude(JsonInclude.Include.NON_NULL) Double sqnrDb,
            @JsonInclude(JsonInclude.Include.NON_NULL) Integer images,
            double searchSeconds, double quantizeSeconds, double evalSeconds, String bitsHistogram) {
        /** The row of {@code e}; a metric {@code e} did not measure is null, so it is left out of the JSON. */
        static Row of(EvalRow e) {
            boolean classifier = e.metrics().containsKey(MetricId.TOP1);
            return new Row(e.plan(), e.rule(), e.method(), e.averageBits(),
                    Double.isNaN(e.storageBits()) ? null : e.storageBits(), e.sizeMB(),
                    measured(e, MetricId.TOP1), measured(e, MetricId.TOP5),
                    measured(e, MetricId.TOP1_DROP), measured(e, MetricId.MEAN_COSINE),
                    measured(e, MetricId.MIN_COSINE), measured(e, MetricId.TOP10_OVERLAP),
                    measured(e, MetricId.OUTPUT_COSINE), measured(e, MetricId.OUTPUT_SQNR),
                    classifier ? e.samples() : null, e.seconds().search(), e.seconds().quantize(),
                    e.seconds().evaluate(), e.bitsHistogram());
        }

        private static Double measured(EvalRow e, MetricId id) {
            return e.metrics().get(id);
        }
    }

    /** A number cell: {@code f} in the text table, full precision in CSV. */
    static TextTable.Num fmt(String f, double v) {
        return TextTable.num(f, v);
    }
}
