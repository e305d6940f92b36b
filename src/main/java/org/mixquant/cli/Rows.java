package org.mixquant.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.mixquant.eval.EvalRow;
import org.mixquant.eval.MetricId;
import org.mixquant.eval.SizeReport;
import org.mixquant.notebook.Tables;
import org.mixquant.quant.BitPlan;

/** Turns evaluation rows into a {@link TextTable}, and the JSON header shared by every evaluate document. */
final class Rows {
    private Rows() {
    }

    /** The evaluation CSV header: the one the notebook reader ({@link Tables#toEvaluations}) expects. */
    static final List<String> HEADER = Tables.EVALUATION_COLUMNS;

    /** Text-encoder rows with the columns {@link #HEADER} (full precision in CSV). */
    static TextTable evaluationTable(List<EvalRow> rows) {
        TextTable t = new TextTable(HEADER);
        for (EvalRow e : rows) {
            t.add(List.of(e.plan(), e.rule(), e.method(), fmt("%.3f", e.averageBits()), fmt("%.2f", e.sizeMB()),
                    fmt("%.5f", e.metric(MetricId.MEAN_COSINE)), fmt("%.5f", e.metric(MetricId.MIN_COSINE)),
                    fmt("%.4f", e.metric(MetricId.TOP10_OVERLAP)), fmt("%.3f", e.seconds().search()),
                    fmt("%.3f", e.seconds().quantize()), fmt("%.2f", e.seconds().evaluate()), e.bitsHistogram()));
        }
        return t;
    }

    /**
     * The fields every {@code evaluate --format json} document starts with: model, plan, rule, method, scheme,
     * granularity, averageBits and the size object.
     */
    static ObjectNode evaluationHeader(String model, BitPlan plan, String method, SizeReport size) {
        ObjectNode root = BaseCommand.JSON.createObjectNode();
        root.put("model", model);
        root.put("plan", plan.name());
        root.put("rule", plan.rule());
        root.put("method", method);
        root.put("scheme", plan.scheme().cliName());
        root.put("granularity", plan.granularity().cliName());
        root.put("averageBits", size.averageBits());
        ObjectNode s = root.putObject("size");
        s.put("quantizedParams", size.quantizedParams());
        s.put("otherParams", size.otherParams());
        s.put("weightBits", size.weightBits());
        s.put("qparamBits", size.qparamBits());
        s.put("averageBitsWithQParams", size.averageBitsWithQParams());
        s.put("quantizedLayersMB", size.quantizedLayersMB());
        s.put("otherMB", size.otherMB());
        s.put("totalMB", size.totalMB());
        s.put("fp32MB", size.fp32MB());
        s.put("counted", SizeReport.whatIsCounted());
        return root;
    }

    /**
     * One row as a flat JSON object at full precision: plan, rule, method, averageBits, sizeMB, the metrics the row
     * measured ({@link MetricId#field()} names, in {@link MetricId} order), images (classifier rows only), searchSeconds,
     * quantizeSeconds, evalSeconds, bitsHistogram — the fields {@code report}'s {@code results.json} has always had.
     */
    static ObjectNode rowJson(EvalRow e) {
        ObjectNode o = BaseCommand.JSON.createObjectNode();
        o.put("plan", e.plan());
        o.put("rule", e.rule());
        o.put("method", e.method());
        o.put("averageBits", e.averageBits());
        o.put("sizeMB", e.sizeMB());
        e.metrics().forEach((id, v) -> o.put(id.field(), v));
        if (e.metrics().containsKey(MetricId.TOP1)) {
            o.put("images", e.samples());
        }
        o.put("searchSeconds", e.seconds().search());
        o.put("quantizeSeconds", e.seconds().quantize());
        o.put("evalSeconds", e.seconds().evaluate());
        o.put("bitsHistogram", e.bitsHistogram());
        return o;
    }

    /** A number cell: {@code f} in the text table, full precision in CSV. */
    static TextTable.Num fmt(String f, double v) {
        return TextTable.num(f, v);
    }
}
