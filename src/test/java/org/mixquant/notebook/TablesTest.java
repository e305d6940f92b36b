package org.mixquant.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mixquant.eval.EvalRow;
import org.mixquant.eval.MetricId;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Bits;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;
import org.mixquant.search.ErrorTable;
import org.mixquant.search.MixQuant;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;

/**
 * Tables hold the toolkit's own doubles (compared exactly: nothing is recomputed or rounded), read edited tables back
 * with one-line errors, and render as escaped, formatted HTML.
 */
class TablesTest {
    static List<String> bitColumns(String prefix) {
        List<String> c = new ArrayList<>();
        for (int b = Bits.MIN; b <= Bits.MAX; b++) {
            c.add(prefix + "_" + b);
        }
        return c;
    }

    static IllegalArgumentException rejects(Table t, BitPlan base) {
        return assertThrows(IllegalArgumentException.class, () -> Tables.toBitPlan("edited", t, base));
    }

    // ---------------------------------------------------------------------------------------------- error tables

    @Test
    void errorTableHasOneRowPerLayerAndTheExactErrors() {
        ErrorTable e = ChartsTest.small();
        Table t = Tables.errorTable(e);
        List<String> expected = new ArrayList<>(List.of("layer", "params"));
        expected.addAll(bitColumns("mse"));
        assertEquals(expected, t.columnNames());
        assertEquals(3, t.rowCount());
        assertEquals(ColumnType.STRING, t.column("layer").type());
        assertEquals(ColumnType.LONG, t.column("params").type());
        assertEquals(ColumnType.DOUBLE, t.column("mse_4").type());
        assertTrue(t.name().contains("tiny") && t.name().contains("asymmetric per-channel"), t.name());
        for (int i = 0; i < e.size(); i++) {
            assertEquals(e.layers().get(i), t.stringColumn("layer").get(i));
            assertEquals(e.params(i), t.longColumn("params").getLong(i));
            for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                assertEquals(e.mse(i, b), t.doubleColumn("mse_" + b).getDouble(i), 0.0);
            }
        }
    }

    @Test
    void errorTableCanHoldRelativeErrorsAndRatios() {
        ErrorTable e = ChartsTest.miniLm();
        Table t = Tables.errorTable("qe", e, Tables.Metric.RELATIVE, Tables.Metric.RATIO_TO_8);
        assertEquals("qe", t.name());
        assertEquals(2 + 2 * Bits.COUNT, t.columnCount());
        assertEquals(bitColumns("relative"), t.columnNames().subList(2, 2 + Bits.COUNT));
        assertEquals(bitColumns("ratio"), t.columnNames().subList(2 + Bits.COUNT, 2 + 2 * Bits.COUNT));
        assertEquals(36, t.rowCount());
        for (int i = 0; i < e.size(); i++) {
            for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                assertEquals(e.relative(i, b), t.doubleColumn("relative_" + b).getDouble(i), 0.0);
                assertEquals(e.ratioTo8(i, b), t.doubleColumn("ratio_" + b).getDouble(i), 0.0);
            }
        }
        assertThrows(IllegalArgumentException.class,
                () -> Tables.errorTable("x", e, Tables.Metric.MSE, Tables.Metric.MSE));
    }

    // ------------------------------------------------------------------------------------------------ bit plans

    @Test
    void bitPlanTableListsLayersParamsAndBits() {
        ErrorTable e = ChartsTest.miniLm();
        BitPlan plan = MixQuant.budget(e, 4);
        Table t = Tables.bitPlan(plan, e.paramCounts());
        assertEquals(List.of("layer", "params", "bits"), t.columnNames());
        assertEquals(ColumnType.INTEGER, t.column("bits").type());
        assertEquals(plan.name(), t.name());
        assertEquals(36, t.rowCount());
        List<String> layers = new ArrayList<>(plan.layers());
        for (int r = 0; r < t.rowCount(); r++) {
            assertEquals(layers.get(r), t.stringColumn("layer").get(r));
            assertEquals(plan.bitsOf(layers.get(r)), t.intColumn("bits").getInt(r));
            assertEquals(e.paramCounts().get(layers.get(r)), t.longColumn("params").getLong(r));
        }
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> Tables.bitPlan(plan, Map.of()));
        assertTrue(ex.getMessage().contains("/encoder/layer.0/attention/self/query/MatMul"), ex.getMessage());
    }

    @Test
    void bitPlanTableWithErrorsShowsTheErrorAtTheChosenBits() {
        ErrorTable e = ChartsTest.small();
        BitPlan plan = MixQuant.qem(e, 20);
        Table t = Tables.bitPlan(plan, e);
        assertEquals(List.of("layer", "params", "bits", "mse", "relative", "ratio"), t.columnNames());
        for (int r = 0; r < t.rowCount(); r++) {
            int b = t.intColumn("bits").getInt(r);
            assertEquals(e.mse(r, b), t.doubleColumn("mse").getDouble(r), 0.0);
            assertEquals(e.relative(r, b), t.doubleColumn("relative").getDouble(r), 0.0);
            assertEquals(e.ratioTo8(r, b), t.doubleColumn("ratio").getDouble(r), 0.0);
        }
        BitPlan other = BitPlan.uniform("tiny", List.of("fc1", "missing"), 4, Scheme.ASYMMETRIC,
                Granularity.PER_CHANNEL);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> Tables.bitPlan(other, e));
        assertTrue(ex.getMessage().contains("'missing'"), ex.getMessage());
    }

    @Test
    void bitPlanRoundTripsThroughATable() {
        ErrorTable e = ChartsTest.miniLm();
        BitPlan plan = MixQuant.budget(e, 3.5);
        BitPlan back = Tables.toBitPlan("again", Tables.bitPlan(plan, e), plan);
        assertEquals(plan.bits(), back.bits());
        assertEquals(new ArrayList<>(plan.layers()), new ArrayList<>(back.layers()), "forward order kept");
        assertEquals(plan.model(), back.model());
        assertEquals(plan.scheme(), back.scheme());
        assertEquals(plan.granularity(), back.granularity());
        assertEquals("again", back.name());
        assertEquals("table", back.rule());
        assertEquals(plan.name(), back.params().get("basePlan"));
        // Through JSON and back as well: the plan is a normal plan.
        assertEquals(back.bits(), BitPlan.fromJson(back.toJson()).bits());
    }

    @Test
    void anEditedOrSortedTableGivesAPlanInForwardOrder() {
        ErrorTable e = ChartsTest.miniLm();
        BitPlan plan = MixQuant.qem(e, 80);
        Table t = Tables.bitPlan(plan, e).sortDescendingOn("mse");
        String first = e.layers().get(0);
        int row = t.stringColumn("layer").indexOf(first);
        t.intColumn("bits").set(row, 8);
        BitPlan edited = Tables.toBitPlan("first at 8", t, plan);
        assertEquals(8, edited.bitsOf(first));
        assertEquals(new ArrayList<>(plan.layers()), new ArrayList<>(edited.layers()));
        for (String l : plan.layers()) {
            if (!l.equals(first)) {
                assertEquals(plan.bitsOf(l), edited.bitsOf(l));
            }
        }
        assertEquals(5, plan.bitsOf(first), "the source plan is unchanged");
    }

    @Test
    void aPlanFromATableAloneKeepsRowOrder() {
        Table t = Table.create("hand-made", StringColumn.create("layer", "b", "a"), IntColumn.create("bits", 3, 6));
        BitPlan p = Tables.toBitPlan("mine", t, "tiny", Scheme.SYMMETRIC, Granularity.PER_TENSOR);
        assertEquals(List.of("b", "a"), new ArrayList<>(p.layers()));
        assertEquals(6, p.bitsOf("a"));
        assertEquals(Scheme.SYMMETRIC, p.scheme());
        assertEquals("hand-made", p.provenance().get("table"));
    }

    @Test
    void badBitsAreRejectedNamingTheLayer() {
        ErrorTable e = ChartsTest.small();
        BitPlan plan = BitPlan.uniform("tiny", e.layers(), 4, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);

        Table nine = Tables.bitPlan(plan, e);
        nine.intColumn("bits").set(1, 9);
        String m = rejects(nine, plan).getMessage();
        assertTrue(m.contains("'fc2 <out>'") && m.contains("between 2 and 8") && m.contains("got 9"), m);

        Table one = Tables.bitPlan(plan, e);
        one.intColumn("bits").set(2, 1);
        m = rejects(one, plan).getMessage();
        assertTrue(m.contains("'head'") && m.contains("got 1"), m);

        Table missing = Tables.bitPlan(plan, e);
        missing.intColumn("bits").setMissing(0);
        m = rejects(missing, plan).getMessage();
        assertTrue(m.contains("'fc1'") && m.contains("missing"), m);

        Table fraction = Table.create("t", StringColumn.create("layer", e.layers()),
                DoubleColumn.create("bits", 4, 4.5, 4));
        m = rejects(fraction, plan).getMessage();
        assertTrue(m.contains("'fc2 <out>'") && m.contains("integer") && m.contains("4.5"), m);

        Table text = Table.create("t", StringColumn.create("layer", e.layers()),
                StringColumn.create("bits", "4", "four", "4"));
        m = rejects(text, plan).getMessage();
        assertTrue(m.contains("'fc2 <out>'") && m.contains("'four'"), m);
    }

    @Test
    void tablesThatDoNotMatchThePlanAreRejected() {
        ErrorTable e = ChartsTest.small();
        BitPlan plan = BitPlan.uniform("tiny", e.layers(), 4, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);

        Table noBits = Tables.errorTable(e);
        String m = rejects(noBits, plan).getMessage();
        assertTrue(m.contains("no 'bits' column"), m);

        Table dup = Table.create("t", StringColumn.create("layer", "fc1", "fc1", "head"),
                IntColumn.create("bits", 4, 5, 6));
        m = rejects(dup, plan).getMessage();
        assertTrue(m.contains("'fc1' appears twice"), m);

        Table unknown = Table.create("t", StringColumn.create("layer", "fc1", "fc2 <out>", "head", "extra"),
                IntColumn.create("bits", 4, 4, 4, 4));
        m = rejects(unknown, plan).getMessage();
        assertTrue(m.contains("'extra'"), m);

        Table dropped = Tables.bitPlan(plan, e).dropRows(2);
        m = rejects(dropped, plan).getMessage();
        assertTrue(m.contains("no bits for layer 'head'"), m);

        Table empty = Tables.bitPlan(plan, e).dropRows(0, 1, 2);
        assertThrows(IllegalArgumentException.class,
                () -> Tables.toBitPlan("x", empty, "tiny", Scheme.ASYMMETRIC, Granularity.PER_CHANNEL));
    }

    // ---------------------------------------------------------------------------------------------- evaluations

    /**
     * {@link ChartsTest#sweep}: text rows of the model {@code evaluations}, as {@link Tables#toEvaluations} reads them
     * back from a table of that name (NaN metrics left out, no sample count).
     */
    static List<EvalRow> sweep(boolean twoMethods) {
        return ChartsTest.sweep(twoMethods);
    }

    @Test
    void evaluationsTableHoldsEveryFieldExactly() {
        List<EvalRow> rows = new ArrayList<>(sweep(true));
        rows.add(new EvalRow("evaluations", "nearest", "nearest", "uniform-4", "uniform", 4, 1.25, "4:2",
                java.util.Map.of(), 0, new EvalRow.Timings(0, 0.1, 0.2)));
        Table t = Tables.evaluations(rows);
        assertEquals(Tables.EVALUATION_COLUMNS, t.columnNames());
        assertEquals(rows.size(), t.rowCount());
        for (String c : List.of("plan", "rule", "method", "bits_histogram")) {
            assertEquals(ColumnType.STRING, t.column(c).type(), c);
        }
        for (String c : Tables.EVALUATION_COLUMNS.subList(3, 12)) {
            assertEquals(ColumnType.DOUBLE, t.column(c).type(), c);
        }
        for (int r = 0; r < rows.size(); r++) {
            EvalRow e = rows.get(r);
            assertEquals(e.plan(), t.stringColumn("plan").get(r));
            assertEquals(e.averageBits(), t.doubleColumn("avg_bits").getDouble(r), 0.0);
            assertEquals(Double.doubleToLongBits(e.storageBits()),
                    Double.doubleToLongBits(t.doubleColumn("storage_bits").getDouble(r)));
            assertEquals(e.sizeMB(), t.doubleColumn("size_MB").getDouble(r), 0.0);
            assertEquals(e.metric(MetricId.MEAN_COSINE), t.doubleColumn("mean_cos").getDouble(r), 0.0);
            assertEquals(e.seconds().evaluate(), t.doubleColumn("eval_s").getDouble(r), 0.0);
            assertEquals(e.bitsHistogram(), t.stringColumn("bits_histogram").get(r));
        }
        assertTrue(t.doubleColumn("mean_cos").isMissing(rows.size() - 1), "a metric the row lacks is missing");
        assertEquals(rows, Tables.toEvaluations(t), "round trip, missing metrics included");
    }

    @Test
    void evaluationsReadBackFromACommandLineCsv() {
        // a CSV written before the storage_bits column existed: still read, storage bits NaN
        String csv = "plan,rule,method,avg_bits,size_MB,mean_cos,min_cos,top10_overlap,search_s,quantize_s,eval_s,"
                + "bits_histogram\n"
                + "fp32,fp32,none,32.000,90.87,1.00000,1.00000,1.0000,0.000,0.000,3.20,fp32\n"
                + "uniform-4,uniform,nearest-asymmetric,4.000,53.81,0.96875,0.90625,0.6464,0.000,0.812,2.10,4:36\n"
                + "budget=4,avg-bits,nearest-asymmetric,3.998,53.80,0.97812,0.93437,0.7042,0.004,0.801,2.05,3:3 4:27 5:6\n";
        Table t = Table.read().usingOptions(CsvReadOptions.builderFromString(csv).tableName("results.csv"));
        List<EvalRow> rows = Tables.toEvaluations(t);
        assertEquals(3, rows.size());
        assertEquals(new EvalRow("results.csv", "nearest", "nearest-asymmetric", "uniform-4", "uniform", 4, 53.81,
                "4:36", java.util.Map.of(MetricId.MEAN_COSINE, 0.96875, MetricId.MIN_COSINE, 0.90625,
                MetricId.TOP10_OVERLAP, 0.6464), 0, new EvalRow.Timings(0, 0.812, 2.1)), rows.get(1));
        assertEquals("fp32", rows.get(0).methodId());
    }

    @Test
    void evaluationTablesWithoutTheColumnsAreRejected() {
        Table t = Tables.evaluations(sweep(false)).removeColumns("size_MB", "eval_s");
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> Tables.toEvaluations(t));
        assertTrue(ex.getMessage().contains("size_MB, eval_s"), ex.getMessage());
        int n = sweep(false).size();
        Table text = Tables.evaluations(sweep(false)).replaceColumn("avg_bits",
                StringColumn.create("avg_bits", java.util.Collections.nCopies(n, "four")));
        ex = assertThrows(IllegalArgumentException.class, () -> Tables.toEvaluations(text));
        assertTrue(ex.getMessage().contains("'avg_bits'"), ex.getMessage());
    }

    /** Classifier rows: top-1 shown in percent, drop in points, delta = −drop; one column per measured metric. */
    @Test
    void rowsTableHasOneColumnPerMeasuredMetric() {
        EvalRow fp32 = new EvalRow("cnn", "fp32", "none", "fp32", "fp32", 32, 1.0, "fp32",
                java.util.Map.of(MetricId.TOP1, 0.92, MetricId.TOP1_DROP, 0.0), 100, new EvalRow.Timings(0, 0, 1));
        EvalRow u3 = new EvalRow("cnn", "brecq", "brecq-asymmetric", "uniform-3", "uniform", 3, 0.1, "3:10",
                java.util.Map.of(MetricId.TOP1, 0.84, MetricId.TOP1_DROP, 8.0), 100, new EvalRow.Timings(0, 5, 1));
        Table t = Tables.rows("cmp", List.of(fp32, u3));
        assertEquals(List.of("model", "method", "plan", "rule", "avg_bits", "storage_bits", "size_MB", "top1_%",
                "drop_pts", "delta", "search_s", "quantize_s", "eval_s", "bits_histogram"), t.columnNames());
        assertEquals("brecq", t.stringColumn("method").get(1));
        assertEquals(84.0, t.doubleColumn("top1_%").get(1), 1e-12, "percent (0.84 × 100 in double)");
        assertEquals(-8.0, t.doubleColumn("delta").get(1), 0.0);
        assertEquals(5.0, t.doubleColumn("quantize_s").get(1), 0.0);
        Table mixed = Tables.rows("both", List.of(fp32, sweep(false).get(0)));
        assertTrue(mixed.columnNames().containsAll(List.of("top1_%", "mean_cos", "top10_overlap")));
        assertTrue(mixed.doubleColumn("top1_%").isMissing(1), "a text row has no top-1");
        assertThrows(IllegalArgumentException.class, () -> Tables.rows("empty", List.of()));
    }

    // ----------------------------------------------------------------------------------------------------- HTML

    @Test
    void htmlFormatsErrorsScientificallyAndEscapesText() {
        ErrorTable e = ChartsTest.small();
        String h = Tables.html(Tables.errorTable("QE <tiny> & co", e));
        assertTrue(h.startsWith("<table"), h);
        assertTrue(h.contains("<caption") && h.contains(">QE &lt;tiny&gt; &amp; co</caption>"), h);
        assertTrue(h.contains(">fc2 &lt;out&gt;<"), "layer names are escaped");
        assertFalse(h.contains("<out>"));
        assertFalse(h.contains("<tiny>"));
        // fc1: QE(8) = 1e-4 / 1000 weights; head: QE(2) = 2.5e-6·6502.5 / 10.
        assertTrue(h.contains(">1.00e-07<"), h);
        assertTrue(h.contains(">" + String.format(Locale.ROOT, "%.2e", e.mse(2, 2)) + "<"), h);
        assertTrue(h.contains(">1,000<") && h.contains(">2,000<"), "params with thousands separators");
        assertEquals(3, h.split("<tr>", -1).length - 2, "a header row and three body rows");
        assertEquals(2 + Bits.COUNT, h.split("<th ", -1).length - 1, "one header cell per column");
        assertFalse(h.contains("<script"));
    }

    @Test
    void htmlFormatsBitsCosinesAndMegabytes() {
        ErrorTable e = ChartsTest.small();
        BitPlan plan = BitPlan.uniform("tiny", e.layers(), 4, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);
        String plans = Tables.html(Tables.bitPlan(plan, e));
        assertTrue(plans.contains(">4</td>"), "bits as whole numbers");
        assertFalse(plans.contains(">4.0<"));

        EvalRow ev = ChartsTest.textRow("qem=1.5 <q>", "qem", "nearest", 7.9876, 58.1234, 0.9998765, 0.99912345,
                0.95, new EvalRow.Timings(0.0021, 0.81, 2.5), "7:1 8:35");
        EvalRow nan = ChartsTest.textRow("x", "uniform", "nearest", 4, 10, Double.NaN, 0.5, 0.5,
                new EvalRow.Timings(0, 0, 0), "4:1");
        String h = Tables.html(Tables.evaluations(List.of(ev, nan)));
        assertTrue(h.contains(">0.99988<"), "mean cosine, 5 decimals");
        assertTrue(h.contains(">0.99912<"), "min cosine, 5 decimals");
        assertTrue(h.contains(">58.12<"), "MB, 2 decimals");
        assertTrue(h.contains(">7.988<"), "average bits, 3 decimals");
        assertTrue(h.contains(">0.9500<"), "overlap, 4 decimals");
        assertTrue(h.contains(">0.002<"), "seconds, 3 decimals");
        assertTrue(h.contains(">qem=1.5 &lt;q&gt;<"), h);
        assertTrue(h.contains(">" + Tables.MISSING + "<"), "NaN shows as missing");
        assertTrue(h.contains("text-align:right"), "numbers right-aligned");
    }

    @Test
    void tablesAreCopies() {
        ErrorTable e = ChartsTest.small();
        Table t = Tables.errorTable(e);
        t.doubleColumn("mse_8").set(0, 42.0);
        assertEquals(1e-7, e.mse(0, 8), 1e-20, "editing the table does not touch the error table");
    }

    @Test
    void layersTableListsEveryQuantizableLayer() {
        org.mixquant.model.onnx.OnnxModel m = org.mixquant.model.onnx.OnnxModel.fromBytes("mlp", org.mixquant.model.TinyOnnx
                .mlp(org.mixquant.model.TinyOnnx.values(12, 1), org.mixquant.model.TinyOnnx.values(6, 2)).bytes());
        Table t = Tables.layers(m);
        org.junit.jupiter.api.Assertions.assertEquals(2, t.rowCount());
        org.junit.jupiter.api.Assertions.assertEquals("fc1/MatMul", t.stringColumn("layer").get(0));
        org.junit.jupiter.api.Assertions.assertEquals("[4,3]", t.stringColumn("shape").get(0));
        org.junit.jupiter.api.Assertions.assertEquals(1, t.intColumn("axis").get(0));
        org.junit.jupiter.api.Assertions.assertEquals(0, t.intColumn("axis").get(1));
        org.junit.jupiter.api.Assertions.assertEquals(6L, t.longColumn("params").get(1));
    }

    /** The equal-size verdict as a table: one row per uniform budget, numbers in the column unit, a loss marked. */
    @Test
    void equalSizeTableHasOneRowPerUniformBudget() {
        java.util.function.BiFunction<String, int[], BitPlan> plan = (name, b) -> new BitPlan(name, "m",
                Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, name.startsWith("uniform") ? "uniform" : "avg-bits",
                Map.of(), Map.of(), new java.util.LinkedHashMap<>(Map.of("a", b[0], "b", b[1])));
        List<org.mixquant.eval.Frontier.Point> points = List.of(
                new org.mixquant.eval.Frontier.Point("uniform", 3, plan.apply("uniform-3", new int[] {3, 3}), 3, 1,
                        Map.of(MetricId.TOP1, 0.91), Double.NaN, 0.1),
                new org.mixquant.eval.Frontier.Point("measured", 3, plan.apply("budget=3-measured",
                        new int[] {2, 4}), 3, 1, Map.of(MetricId.TOP1, 0.90), 1, 0.1),
                new org.mixquant.eval.Frontier.Point("uniform", 4, plan.apply("uniform-4", new int[] {4, 4}), 4, 1,
                        Map.of(MetricId.TOP1, 0.92), Double.NaN, 0.1));
        org.mixquant.eval.EqualSizeVerdict.Result v = org.mixquant.eval.EqualSizeVerdict.of(
                new org.mixquant.eval.Frontier.Result("m", "adaround", "KL", Map.of(MetricId.TOP1, 0.93), points,
                        List.of(), 1));
        Table t = Tables.equalSize(v);
        assertEquals("adaround: top1_% at equal size", t.name());
        assertEquals(List.of("budget", "uniform_plan", "uniform_bits", "uniform", "best_cost", "best_plan",
                "best_bits", "best", "delta", "mixed_loses"), t.columnNames());
        assertEquals(2, t.rowCount());
        assertEquals("measured", t.stringColumn("best_cost").get(0));
        assertEquals(91.0, t.doubleColumn("uniform").get(0), 1e-9, "top-1 in percent");
        assertEquals(-1.0, t.doubleColumn("delta").get(0), 1e-9);
        assertEquals("yes", t.stringColumn("mixed_loses").get(0));
        assertEquals("", t.stringColumn("best_cost").get(1), "no mixed plan at 4 bits");
        assertTrue(t.doubleColumn("best").isMissing(1));
        assertEquals("no", t.stringColumn("mixed_loses").get(1));
    }
    /** A frontier as a table: one row per point, quality in the column unit, prediction missing for uniform. */
    @Test
    void frontierAndAdditivityTables() {
        BitPlan u = BitPlan.uniform("m", List.of("a", "b"), 3, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);
        BitPlan mixed = new BitPlan("budget=3-measured", "m", Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, "avg-bits",
                Map.of(), Map.of(), new java.util.LinkedHashMap<>(Map.of("a", 2, "b", 4)));
        org.mixquant.eval.Frontier.Result r = new org.mixquant.eval.Frontier.Result("m", "nearest", "KL",
                Map.of(MetricId.TOP1, 0.93), List.of(
                        new org.mixquant.eval.Frontier.Point("uniform", 3, u, 3, 0.11, Map.of(MetricId.TOP1, 0.91),
                                Double.NaN, 0.2),
                        new org.mixquant.eval.Frontier.Point("measured", 3, mixed, 3, 0.11,
                                Map.of(MetricId.TOP1, 0.92), 0.15, 0.18)),
                List.of(new org.mixquant.eval.Frontier.Additivity("measured", 1, Double.NaN, Double.NaN)), 1);
        Table t = Tables.frontier(r);
        assertEquals("m: frontier (nearest)", t.name());
        assertEquals(List.of("budget", "cost", "plan", "avg_bits", "size_MB", "top1_%", "predicted", "distortion",
                "bits_histogram"), t.columnNames());
        assertEquals(2, t.rowCount());
        assertEquals("budget=3-measured", t.stringColumn("plan").get(1));
        assertEquals(92.0, t.doubleColumn("top1_%").get(1), 1e-9, "top-1 in percent");
        assertTrue(t.doubleColumn("predicted").isMissing(0), "uniform rows predict nothing");
        assertEquals(0.15, t.doubleColumn("predicted").get(1), 0.0);
        assertEquals("2:1 4:1", t.stringColumn("bits_histogram").get(1));
        Table a = Tables.additivity(r);
        assertEquals(List.of("cost", "plans", "pearson", "spearman"), a.columnNames());
        assertEquals("measured", a.stringColumn("cost").get(0));
        assertEquals(1, a.intColumn("plans").get(0));
        assertTrue(a.doubleColumn("pearson").isMissing(0));
    }
}
