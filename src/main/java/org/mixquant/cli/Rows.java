package org.mixquant.cli;

import java.util.List;
import java.util.Locale;
import org.mixquant.eval.Evaluation;

/** Turns evaluation rows into a {@link TextTable}. */
final class Rows {
    private Rows() {
    }

    static final List<String> HEADER = List.of("plan", "rule", "method", "avg_bits", "size_MB", "mean_cos",
            "min_cos", "top10_overlap", "search_s", "quantize_s", "eval_s", "bits_histogram");

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

    static String fmt(String f, double v) {
        return String.format(Locale.ROOT, f, v);
    }
}
