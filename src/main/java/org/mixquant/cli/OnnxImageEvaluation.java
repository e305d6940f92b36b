package org.mixquant.cli;

import java.util.List;
import java.util.Locale;
import org.mixquant.eval.EvalRow;
import org.mixquant.eval.MetricId;
import org.mixquant.eval.OnnxClassifierEvaluator;
import org.mixquant.eval.Study;
import org.mixquant.methods.Quantizer;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.quant.BitPlan;

/**
 * {@code evaluate} for any ONNX image classifier: FP32 and quantized top-1 and top-5 on labelled images next to size
 * and average bits, as a table, CSV or JSON (the JSON has the CNNs' fields, with {@code top5} and
 * {@code fp32Top5} in {@code accuracy} and the images' source as {@code dataset}).
 */
final class OnnxImageEvaluation {
    static final List<String> HEADER = List.of("plan", "rule", "method", "avg_bits", "storage_bits", "size_MB",
            "top1_%", "top5_%", "drop_pts", "images", "quantize_s", "eval_s", "bits_histogram");

    private OnnxImageEvaluation() {
    }

    /** Evaluates {@code model} under {@code plan} with {@code quantizer} on {@code ev}'s images and prints it. */
    static int run(BaseCommand cmd, OnnxModel model, BitPlan plan, Quantizer quantizer, OutputFormat format,
            OnnxClassifierEvaluator ev) throws java.io.IOException {
        return CnnEvaluation.evaluateAndPrint(cmd, model, plan, quantizer, format,
                Study.Subject.classifier(model, null, ev), OnnxImageEvaluation::table,
                describe(ev) + "; biases stay FP32",
                (fp32, row, size) -> new Output(model.source(), plan.name(), plan.rule(), row.method(),
                        plan.scheme().cliName(), plan.granularity().label(), size.averageBits(), size.storageBits(),
                        EvaluateCommand.Size.of(size),
                        new Accuracy(row.metric(MetricId.TOP1), fp32.metric(MetricId.TOP1), row.metric(MetricId.TOP5),
                                fp32.metric(MetricId.TOP5), row.metric(MetricId.TOP1_DROP), row.samples(),
                                ev.images().name(), ev.images().preprocessing().toString()),
                        new CnnEvaluation.Seconds(row.seconds().quantize(), row.seconds().evaluate(),
                                fp32.seconds().evaluate())));
    }

    /** Rows as a text table: the CNNs' columns with top-5 after top-1. */
    static TextTable table(List<EvalRow> rows) {
        TextTable t = new TextTable(HEADER);
        for (EvalRow e : rows) {
            t.add(List.of(e.plan(), e.rule(), e.method(), fmt("%.3f", e.averageBits()), fmt("%.3f", e.storageBits()),
                    fmt("%.3f", e.sizeMB()), fmt("%.2f", MetricId.TOP1.toColumn(e.metric(MetricId.TOP1))),
                    fmt("%.2f", MetricId.TOP5.toColumn(e.metric(MetricId.TOP5))),
                    fmt("%.2f", e.metric(MetricId.TOP1_DROP)), e.samples(), fmt("%.3f", e.seconds().quantize()),
                    fmt("%.2f", e.seconds().evaluate()), e.bitsHistogram()));
        }
        return t;
    }

    /** "top-1/top-5 on N images of SOURCE (preprocessing)", for result footers. */
    static String describe(OnnxClassifierEvaluator ev) {
        return String.format(Locale.ROOT, "accuracy: top-1/top-5 on %,d images of %s (%s)", ev.size(),
                ev.images().name(), ev.images().preprocessing());
    }

    /**
     * Top-1 and top-5 on the labelled images.
     *
     * @param top1          the quantized model's, a fraction 0..1
     * @param fp32Top1      the FP32 model's
     * @param top5          the quantized model's top-5, a fraction 0..1
     * @param fp32Top5      the FP32 model's top-5
     * @param dropPoints    fp32Top1 − top1, in percentage points
     * @param images        images scored
     * @param dataset       where they come from (folder, IDX files or {@code fashion-mnist test})
     * @param preprocessing colour, resize, crop, mean and std
     */
    record Accuracy(double top1, double fp32Top1, double top5, double fp32Top5, double dropPoints, int images,
            String dataset, String preprocessing) {
    }

    /**
     * The {@code evaluate --format json} document of an ONNX image classifier.
     *
     * @param model       the model file
     * @param plan        the plan's name
     * @param rule        the rule that made it
     * @param method      the quantizer
     * @param scheme      {@code asymmetric} or {@code symmetric}
     * @param granularity {@code per-channel}, {@code per-tensor} or {@code per-group-G}
     * @param averageBits weight bits per quantized weight
     * @param storageBits weight bits plus scale and zero-point bits per quantized weight
     * @param size        what the quantized model weighs
     * @param accuracy    top-1 and top-5 of the quantized and FP32 models
     * @param seconds     wall times
     */
    record Output(String model, String plan, String rule, String method, String scheme, String granularity,
            double averageBits, double storageBits, EvaluateCommand.Size size, Accuracy accuracy,
            CnnEvaluation.Seconds seconds) {
    }

    private static String fmt(String f, double v) {
        return String.format(Locale.ROOT, f, v);
    }
}
