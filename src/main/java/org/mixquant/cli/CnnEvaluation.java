package org.mixquant.cli;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.mixquant.data.FashionMnist;
import org.mixquant.eval.AccuracyEvaluator;
import org.mixquant.eval.EvalRow;
import org.mixquant.eval.MetricId;
import org.mixquant.eval.SizeReport;
import org.mixquant.eval.Study;
import org.mixquant.methods.Quantizer;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.quant.BitPlan;

/**
 * {@code evaluate} for the Fashion-MNIST CNNs: FP32 and quantized top-1 on the test images next to size and average
 * bits, as a table, CSV or JSON (the JSON has the MiniLM fields {@code model … size}, with {@code accuracy} in place
 * of {@code fidelity} and {@code corpus}).
 */
final class CnnEvaluation {
    static final List<String> HEADER = List.of("plan", "rule", "method", "avg_bits", "storage_bits", "size_MB", "top1_%",
            "drop_pts", "images", "search_s", "quantize_s", "eval_s", "bits_histogram");

    private CnnEvaluation() {
    }

    /**
     * Evaluates {@code model} under {@code plan} with {@code quantizer} and prints the result with {@code cmd}'s
     * writers.
     *
     * @param test the test images to score on
     * @return the exit code
     */
    static int run(BaseCommand cmd, CnnModel model, BitPlan plan, Quantizer quantizer, OutputFormat format,
            FashionMnist test) throws IOException {
        AccuracyEvaluator ev = AccuracyEvaluator.create(test, AccuracyEvaluator.DEFAULT_BATCH, cmd.threads(),
                cmd.progress());
        return evaluateAndPrint(cmd, model, plan, quantizer, format, Study.Subject.classifier(model, ev),
                CnnEvaluation::table, BaseCommand.f("accuracy: top-1 on %s Fashion-MNIST test images (%s), BN folded;"
                        + " biases stay FP32", ImagesMixin.describe(test), FashionMnist.DEFAULT_DIR),
                (fp32, row, size) -> Output.of(model, plan, fp32, row, size));
    }

    /** Builds a command's JSON document from the FP32 row, the quantized row and the plan's size. */
    @FunctionalInterface
    interface JsonDocument {
        Object of(EvalRow fp32, EvalRow row, SizeReport size);
    }

    /**
     * The one-plan evaluation of a classifier, shared by the Fashion-MNIST CNNs and ONNX image classifiers: the FP32
     * and quantized rows of {@code plan} on {@code subject}, printed as {@code json}'s document, or as
     * {@code table}'s rows (text or CSV) with {@code footer} and what the size counts below a text table.
     *
     * @return the exit code
     */
    static int evaluateAndPrint(BaseCommand cmd, QuantizableModel model, BitPlan plan, Quantizer quantizer,
            OutputFormat format, Study.Subject subject, Function<List<EvalRow>, TextTable> table, String footer,
            JsonDocument json) throws IOException {
        List<EvalRow> rows = Study.of(List.of(subject), List.of(Study.Method.of(quantizer)),
                List.of(Study.PlanRecipe.fixed(plan))).run(cmd.progress());
        if (format == OutputFormat.json) {
            cmd.printJson(json.of(rows.get(0), rows.get(1), SizeReport.of(model, plan)));
            return ExitCodes.OK;
        }
        TextTable t = table.apply(rows);
        cmd.out().print(format == OutputFormat.csv ? t.csv() : t.render());
        if (format == OutputFormat.table) {
            cmd.out().println(footer);
            cmd.out().println(SizeReport.whatIsCounted());
        }
        cmd.out().flush();
        return ExitCodes.OK;
    }

    /** Rows as a text table. */
    static TextTable table(List<EvalRow> rows) {
        TextTable t = new TextTable(HEADER);
        for (EvalRow e : rows) {
            t.add(List.of(e.plan(), e.rule(), e.method(), fmt("%.3f", e.averageBits()), fmt("%.3f", e.storageBits()),
                    fmt("%.3f", e.sizeMB()),
                    fmt("%.2f", MetricId.TOP1.toColumn(e.metric(MetricId.TOP1))),
                    fmt("%.2f", e.metric(MetricId.TOP1_DROP)), e.samples(), fmt("%.3f", e.seconds().search()),
                    fmt("%.3f", e.seconds().quantize()), fmt("%.2f", e.seconds().evaluate()), e.bitsHistogram()));
        }
        return t;
    }

    /**
     * The {@code evaluate --format json} document of a Fashion-MNIST CNN: the fields of
     * {@link EvaluateCommand.Output} up to {@code size}, then {@code accuracy} and {@code seconds}.
     *
     * @param model       the model name, e.g. {@code resnet20-fashion}
     * @param plan        the plan's name, e.g. {@code uniform-4} or {@code budget=3.5}
     * @param rule        the rule that made it ({@code uniform}, {@code qem}, {@code max-rel-error}, {@code avg-bits})
     * @param method      the quantizer (round to nearest, with the scheme)
     * @param scheme      {@code asymmetric} or {@code symmetric}
     * @param granularity {@code per-channel}, {@code per-tensor} or {@code per-group-G}
     * @param averageBits weight bits per quantized weight
     * @param storageBits weight bits plus scale and zero-point bits per quantized weight
     * @param size        what the quantized model weighs (the text encoders' record)
     * @param accuracy    top-1 of the quantized and FP32 models on the test images
     * @param seconds     wall times
     */
    record Output(String model, String plan, String rule, String method, String scheme, String granularity,
            double averageBits, double storageBits, EvaluateCommand.Size size, Accuracy accuracy, Seconds seconds) {
        static Output of(CnnModel m, BitPlan plan, EvalRow fp32, EvalRow row, SizeReport size) {
            return new Output(m.source(), plan.name(), plan.rule(), row.method(), plan.scheme().cliName(),
                    plan.granularity().label(), size.averageBits(), size.storageBits(), EvaluateCommand.Size.of(size),
                    new Accuracy(row.metric(MetricId.TOP1), fp32.metric(MetricId.TOP1),
                            row.metric(MetricId.TOP1_DROP), row.samples(), DATASET),
                    new Seconds(row.seconds().quantize(), row.seconds().evaluate(), fp32.seconds().evaluate()));
        }
    }

    /** What {@link Accuracy#dataset()} names. */
    static final String DATASET = "fashion-mnist test";

    /**
     * Top-1 accuracy on the Fashion-MNIST test images.
     *
     * @param top1       the quantized model's, a fraction 0..1
     * @param fp32Top1   the FP32 model's, a fraction 0..1
     * @param dropPoints fp32Top1 − top1, in percentage points
     * @param images     test images scored ({@code --images})
     * @param dataset    {@code fashion-mnist test}
     */
    record Accuracy(double top1, double fp32Top1, double dropPoints, int images, String dataset) {
    }

    /**
     * Wall times in seconds.
     *
     * @param quantize     quantizing the model with the plan
     * @param evaluate     scoring the quantized model on the test images
     * @param fp32Evaluate scoring the FP32 model
     */
    record Seconds(double quantize, double evaluate, double fp32Evaluate) {
    }

    private static String fmt(String f, double v) {
        return String.format(Locale.ROOT, f, v);
    }
}
