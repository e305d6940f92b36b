package org.mixquant.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.mixquant.eval.Evaluation;
import org.mixquant.eval.SizeReport;
import org.mixquant.notebook.Tables;
import org.mixquant.quant.BitPlan;

/** Turns evaluation rows into a {@link TextTable}, and the JSON header shared by every evaluate document. */
final class Rows {
    private Rows() {
    }

    /** The evaluation CSV header: the one the notebook reader ({@link Tables#toEvaluations}) expects. */
    static final List<String> HEADER = Tables.EVALUATION_COLUMNS;

    static TextTable evaluationTable(List<Evaluation> rows) {
        TextTable t = new TextTable(HEADER);
        for (Evaluation e : rows) {
            t.add(List.of(e.plan(), e.rule(), e.method(), fmt("%.3f", e.averageBits()), fmt("%.2f", e.sizeMB()),
                    fmt("%.5f", e.meanCosine()), fmt("%.5f", e.minCosine()), fmt("%.4f", e.top10Overlap()),
                    fmt("%.3f", e.searchSeconds()), fmt("%.3f", e.quantizeSeconds()), fmt("%.2f", e.evalSeconds()),
                    e.bitsHistogram()));
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

    /** A number cell: {@code f} in the text table, full precision in CSV. */
    static TextTable.Num fmt(String f, double v) {
        return TextTable.num(f, v);
    }
}
