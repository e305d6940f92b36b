package org.mixquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mixquant.eval.Evaluation;
import org.mixquant.notebook.Tables;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;

class RowsTest {
    static final List<Evaluation> ROWS = List.of(
            new Evaluation("fp32", "fp32", "none", 32, 90.26, 1, 1, 1, 0, 0, 0.0812345678, "fp32"),
            new Evaluation("budget=3.5", "avg-bits", "nearest-asymmetric", 3.4999871234, 52.5412345678,
                    0.7856912345678, 0.62456123456, 0.598214285714, 0.19412345, 0.0331234, 3.0212345, "3:15 4:21"));

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
