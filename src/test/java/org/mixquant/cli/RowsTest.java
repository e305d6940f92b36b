package org.mixquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;
import java.util.Map;
import org.mixquant.eval.EvalRow;
import org.mixquant.eval.MetricId;
import org.mixquant.notebook.Tables;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;

class RowsTest {
    /** Rows as the notebook reader gives them back: model = table name, no sample count (the CSV has none). */
    static final List<EvalRow> ROWS = List.of(
            new EvalRow("cli", "fp32", "none", "fp32", "fp32", 32, 90.26, "fp32", Map.of(MetricId.MEAN_COSINE, 1.0,
                    MetricId.MIN_COSINE, 1.0, MetricId.TOP10_OVERLAP, 1.0), 0, new EvalRow.Timings(0, 0, 0.0812345678)),
            new EvalRow("cli", "nearest", "nearest-asymmetric", "budget=3.5", "avg-bits", 3.4999871234, 52.5412345678,
                    "3:15 4:21", Map.of(MetricId.MEAN_COSINE, 0.7856912345678, MetricId.MIN_COSINE, 0.62456123456,
                    MetricId.TOP10_OVERLAP, 0.598214285714), 0, new EvalRow.Timings(0.19412345, 0.0331234, 3.0212345)));

    /** CSV is machine-readable: every number in full (Double.toString), not the text table's rounding. */
    @Test
    void csvKeepsFullPrecisionWhileTheTextTableRounds() {
        TextTable t = Rows.evaluationTable(ROWS);
        assertTrue(t.csv().contains(",0.7856912345678,"), t.csv());
        assertTrue(t.render().contains(" 0.78569 "), t.render());
    }

    /** The notebook reader of evaluation CSV reads what the command line really writes, exactly. */
    @Test
    void notebookReaderReadsTheCliCsvBackExactly() {
        String csv = Rows.evaluationTable(ROWS).csv();
        Table read = Table.read().usingOptions(CsvReadOptions.builder(new StringReader(csv)).tableName("cli"));
        assertEquals(ROWS, Tables.toEvaluations(read));
    }
}
