package org.mixquant.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.mixquant.data.FashionMnist;
import org.mixquant.eval.AccuracyEvaluator;
import org.mixquant.eval.EvalRow;
import org.mixquant.eval.MetricId;
import org.mixquant.eval.SizeReport;
import org.mixquant.eval.Study;
import org.mixquant.methods.Quantizer;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.quant.BitPlan;

/**
 * {@code evaluate} for the Fashion-MNIST CNNs: FP32 and quantized top-1 on the test images next to size and average
 * bits, as a table, CSV or JSON (the JSON has the MiniLM fields {@code model … size}, with {@code accuracy} in place
 * of {@code fidelity} and {@code corpus}).
 */
final class CnnEvaluation {
    static final List<String> HEADER = List.of("plan", "rule", "method", "avg_bits", "size_MB", "top1_%",
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
        List<EvalRow> rows = Study.of(List.of(Study.Subject.classifier(model, ev)),
                List.of(Study.Method.of(quantizer)), List.of(Study.PlanRecipe.fixed(plan))).run(cmd.progress());
        EvalRow fp32 = rows.get(0);
        EvalRow row = rows.get(1);
        SizeReport size = SizeReport.of(model, plan);
        if (format == OutputFormat.json) {
            cmd.printJson(json(model, plan, fp32, row, size));
            return ExitCodes.OK;
        }
        TextTable t = table(rows);
        cmd.out().print(format == OutputFormat.csv ? t.csv() : t.render());
        if (format == OutputFormat.table) {
            cmd.out().println(BaseCommand.f("accuracy: top-1 on %s Fashion-MNIST test images (%s), BN folded;"
                    + " biases stay FP32", ImagesMixin.describe(test),
                    FashionMnist.DEFAULT_DIR));
            cmd.out().println(SizeReport.whatIsCounted());
        }
        cmd.out().flush();
        return ExitCodes.OK;
    }

    /** Rows as a text table. */
    static TextTable table(List<EvalRow> rows) {
        TextTable t = new TextTable(HEADER);
        for (EvalRow e : rows) {
            t.add(List.of(e.plan(), e.rule(), e.method(), fmt("%.3f", e.averageBits()), fmt("%.3f", e.sizeMB()),
                    fmt("%.2f", MetricId.TOP1.toColumn(e.metric(MetricId.TOP1))),
                    fmt("%.2f", e.metric(MetricId.TOP1_DROP)), e.samples(), fmt("%.3f", e.seconds().search()),
                    fmt("%.3f", e.seconds().quantize()), fmt("%.2f", e.seconds().evaluate()), e.bitsHistogram()));
        }
        return t;
    }

    /** The JSON document of one evaluation. */
    static ObjectNode json(CnnModel m, BitPlan plan, EvalRow fp32, EvalRow row, SizeReport size) {
        ObjectNode root = Rows.evaluationHeader(m.source(), plan, row.method(), size);
        ObjectNode a = root.putObject("accuracy");
        a.put("top1", row.metric(MetricId.TOP1));
        a.put("fp32Top1", fp32.metric(MetricId.TOP1));
        a.put("dropPoints", row.metric(MetricId.TOP1_DROP));
        a.put("images", row.samples());
        a.put("dataset", "fashion-mnist test");
        ObjectNode secs = root.putObject("seconds");
        secs.put("quantize", row.seconds().quantize());
        secs.put("evaluate", row.seconds().evaluate());
        secs.put("fp32Evaluate", fp32.seconds().evaluate());
        return root;
    }

    private static String fmt(String f, double v) {
        return String.format(Locale.ROOT, f, v);
    }
}
