package org.mixquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.StringReader;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
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
            new EvalRow("cli", "fp32", "none", "fp32", "fp32", 32, 32, 90.26, "fp32", Map.of(MetricId.MEAN_COSINE, 1.0,
                    MetricId.MIN_COSINE, 1.0, MetricId.TOP10_OVERLAP, 1.0), 0, new EvalRow.Timings(0, 0, 0.0812345678)),
            new EvalRow("cli", "nearest", "nearest-asymmetric", "budget=3.5", "avg-bits", 3.4999871234, 3.6201234, 52.5412345678,
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

    /** A classifier row: top-1, its drop and the image count; no embedding metrics. */
    static final EvalRow CNN_ROW = new EvalRow("resnet20-fashion", "nearest", "nearest-asymmetric", "uniform-3",
            "uniform", 3.0, 0.108612345, "3:22", Map.of(MetricId.TOP1, 0.9133333333333333, MetricId.TOP1_DROP,
            0.6666666666666714), 300, new EvalRow.Timings(0, 0.0412345, 1.2345678));

    /**
     * report's results.json rows, byte for byte: the expected strings are what the ObjectNode code this record
     * replaced wrote for the same rows (full precision, the measured metrics only, images on classifier rows).
     */
    @Test
    void jsonRowsAreWhatReportHasAlwaysWritten() throws Exception {
        ObjectMapper json = new ObjectMapper();
        assertEquals("{\"plan\":\"fp32\",\"rule\":\"fp32\",\"method\":\"none\",\"averageBits\":32.0,"
                + "\"storageBits\":32.0,\"sizeMB\":90.26,\"meanCosine\":1.0,\"minCosine\":1.0,\"top10Overlap\":1.0,"
                + "\"searchSeconds\":0.0,\"quantizeSeconds\":0.0,\"evalSeconds\":0.0812345678,"
                + "\"bitsHistogram\":\"fp32\"}",
                json.writeValueAsString(Rows.Row.of(ROWS.get(0))));
        assertEquals("{\"plan\":\"budget=3.5\",\"rule\":\"avg-bits\",\"method\":\"nearest-asymmetric\","
                + "\"averageBits\":3.4999871234,\"storageBits\":3.6201234,\"sizeMB\":52.5412345678,\"meanCosine\":0.7856912345678,"
                + "\"minCosine\":0.62456123456,\"top10Overlap\":0.598214285714,\"searchSeconds\":0.19412345,"
                + "\"quantizeSeconds\":0.0331234,\"evalSeconds\":3.0212345,\"bitsHistogram\":\"3:15 4:21\"}",
                json.writeValueAsString(Rows.Row.of(ROWS.get(1))));
        assertEquals("{\"plan\":\"uniform-3\",\"rule\":\"uniform\",\"method\":\"nearest-asymmetric\","
                + "\"averageBits\":3.0,\"sizeMB\":0.108612345,\"top1\":0.9133333333333333,"
                + "\"dropPoints\":0.6666666666666714,\"images\":300,\"searchSeconds\":0.0,"
                + "\"quantizeSeconds\":0.0412345,\"evalSeconds\":1.2345678,\"bitsHistogram\":\"3:22\"}",
                json.writeValueAsString(Rows.Row.of(CNN_ROW)));
    }

    /** The row's metric components are MetricId's JSON names, in MetricId order: one spelling per metric. */
    @Test
    void metricComponentsAreMetricIdFieldsInOrder() {
        List<String> components = Arrays.stream(Rows.Row.class.getRecordComponents()).map(RecordComponent::getName)
                .toList();
        List<String> metrics = Arrays.stream(MetricId.values()).map(MetricId::field).toList();
        int first = components.indexOf(metrics.get(0));
        assertEquals(metrics, components.subList(first, first + metrics.size()), components.toString());
    }
}
