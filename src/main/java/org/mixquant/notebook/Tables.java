package org.mixquant.notebook;

import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mixquant.eval.EqualSizeVerdict;
import org.mixquant.eval.Frontier;
import org.mixquant.eval.EvalRow;
import org.mixquant.eval.MetricId;
import org.mixquant.model.Layer;
import org.mixquant.model.QuantizableModel;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Bits;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;
import org.mixquant.search.ErrorTable;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;
import tech.tablesaw.columns.numbers.NumberColumnFormatter;

/**
 * Tablesaw {@link Table}s of MixQuant values, and a plain HTML rendering of any table for notebooks.
 *
 * <p>This is the only place that turns toolkit values into Tablesaw tables, so {@code search}, {@code quant} and
 * {@code eval} never import Tablesaw. Every table is a fresh copy: editing it changes nothing in the toolkit, and
 * {@link #toBitPlan} / {@link #toEvaluations} read edited tables back with validation.
 *
 * <p>Column conventions: {@code layer} (text, forward order), {@code params} (weights per layer, long),
 * {@code bits} (int 2..8); errors are doubles named after {@link Metric} and the bit-width ({@code mse_4},
 * {@code relative_4}, {@code ratio_4}), the names {@code mixquant report} writes to {@code error-table.csv}.
 * Evaluation columns use the header of {@code mixquant evaluate --format csv} ({@link #EVALUATION_COLUMNS}), so a
 * CSV written by the command line reads back with {@code Tables.toEvaluations(Table.read().csv(file))}.
 */
public final class Tables {
    /** Layer name column. */
    public static final String LAYER = "layer";
    /** Weights-per-layer column. */
    public static final String PARAMS = "params";
    /** Bit-width column (2..8). */
    public static final String BITS = "bits";

    /**
     * Columns of {@link #evaluations}, in order, with the {@link EvalRow} value each holds: plan, rule, method,
     * averageBits (weight bits), storageBits (scales and zero-points included), sizeMB, the metrics {@link MetricId#MEAN_COSINE}, {@link MetricId#MIN_COSINE} and
     * {@link MetricId#TOP10_OVERLAP}, the search, quantize and evaluate seconds, bitsHistogram.
     */
    public static final List<String> EVALUATION_COLUMNS = List.of("plan", "rule", "method", "avg_bits",
            "storage_bits", "size_MB", "mean_cos", "min_cos", "top10_overlap", "search_s", "quantize_s", "eval_s",
            "bits_histogram");
    /** The column of {@link #EVALUATION_COLUMNS} that tables written before it existed lack (read as NaN). */
    static final String STORAGE_BITS = "storage_bits";

    /** Which per-layer error a column holds. */
    public enum Metric {
        /** QE = mean squared error {@code Σ(w−ŵ)²/n} ({@link ErrorTable#mse}); columns {@code mse_b}. */
        MSE("mse"),
        /** Relative error {@code Σ(w−ŵ)²/Σw²} ({@link ErrorTable#relative}); columns {@code relative_b}. */
        RELATIVE("relative"),
        /** QE(b)/QE(8) ({@link ErrorTable#ratioTo8}), what the paper's qem rule compares; columns {@code ratio_b}. */
        RATIO_TO_8("ratio");

        private final String column;

        Metric(String column) {
            this.column = column;
        }

        /** Column name prefix ({@code mse}, {@code relative}, {@code ratio}). */
        public String column() {
            return column;
        }

        /** The column for one bit-width, e.g. {@code mse_4}. */
        public String column(int bits) {
            return column + "_" + Bits.check(bits);
        }

        double of(ErrorTable t, int layer, int bits) {
            return switch (this) {
                case MSE -> t.mse(layer, bits);
                case RELATIVE -> t.relative(layer, bits);
                case RATIO_TO_8 -> t.ratioTo8(layer, bits);
            };
        }
    }

    private Tables() {
    }

    // ---------------------------------------------------------------------------------------------- error tables

    /**
     * The quantizable layers of a model: layer, tensor, kind, shape, params, channel axis and channel count, in
     * forward order.
     */
    public static Table layers(QuantizableModel model) {
        StringColumn name = StringColumn.create(LAYER);
        StringColumn tensor = StringColumn.create("tensor");
        StringColumn kind = StringColumn.create("kind");
        StringColumn shape = StringColumn.create("shape");
        LongColumn params = LongColumn.create(PARAMS);
        IntColumn axis = IntColumn.create("axis");
        IntColumn channels = IntColumn.create("channels");
        for (Layer l : model.layers()) {
            name.append(l.name());
            tensor.append(l.tensorName());
            kind.append(l.kind().name().toLowerCase(Locale.ROOT));
            shape.append(l.shapeString().replace(" ", ""));
            params.append(l.params());
            axis.append(l.channelAxis());
            channels.append(l.channels());
        }
        return Table.create("layers of " + model.source(), name, tensor, kind, shape, params, axis, channels);
    }

    /**
     * {@link #errorTable(String, ErrorTable, Metric...)} named {@code QE per layer: <model> (<scheme> <granularity>)}.
     */
    public static Table errorTable(ErrorTable errors, Metric... metrics) {
        return errorTable("QE per layer: " + errors.model() + " (" + errors.scheme().cliName() + " "
                + errors.granularity().label() + ")", errors, metrics);
    }

    /**
     * One row per layer in forward order: {@code layer}, {@code params}, then for each metric (default
     * {@link Metric#MSE}) seven double columns {@code <metric>_2 .. <metric>_8}. Values are the table's own doubles,
     * unrounded.
     *
     * @param name    the table's name (the caption of {@link #html})
     * @param metrics which errors to include, in that column order; none means {@link Metric#MSE}
     */
    public static Table errorTable(String name, ErrorTable errors, Metric... metrics) {
        Metric[] ms = metrics.length == 0 ? new Metric[] {Metric.MSE} : metrics;
        int n = errors.size();
        long[] params = new long[n];
        for (int i = 0; i < n; i++) {
            params[i] = errors.params(i);
        }
        Table t = Table.create(name, StringColumn.create(LAYER, errors.layers()), LongColumn.create(PARAMS, params));
        for (Metric m : ms) {
            for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                double[] v = new double[n];
                for (int i = 0; i < n; i++) {
                    v[i] = m.of(errors, i, b);
                }
                String col = m.column(b);
                if (t.containsColumn(col)) {
                    throw new IllegalArgumentException("metric " + m + " is listed twice");
                }
                t.addColumns(DoubleColumn.create(col, v));
            }
        }
        return withPrintFormats(t);
    }

    // ------------------------------------------------------------------------------------------------ bit plans

    /**
     * One row per layer in plan order: {@code layer}, {@code params} (long), {@code bits} (int). Named after the plan.
     *
     * @param params layer → number of weights; must cover every layer of the plan (e.g.
     *               {@link ErrorTable#paramCounts()} or {@code model.layers()})
     * @throws IllegalArgumentException naming the first layer without a parameter count
     */
    public static Table bitPlan(BitPlan plan, Map<String, Long> params) {
        List<String> layers = new ArrayList<>(plan.layers());
        long[] p = new long[layers.size()];
        int[] b = new int[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            Long count = params.get(layers.get(i));
            if (count == null) {
                throw new IllegalArgumentException("no parameter count for layer '" + layers.get(i) + "' of plan '"
                        + plan.name() + "'");
            }
            p[i] = count;
            b[i] = plan.bitsOf(layers.get(i));
        }
        return withPrintFormats(Table.create(plan.name(), StringColumn.create(LAYER, layers),
                LongColumn.create(PARAMS, p), IntColumn.create(BITS, b)));
    }

    /**
     * {@link #bitPlan(BitPlan, Map)} with parameter counts from {@code errors}, plus the error each layer suffers at
     * its chosen bits: {@code mse} (QE), {@code relative} (Σ(w−ŵ)²/Σw²) and {@code ratio} (QE(b)/QE(8)).
     *
     * @throws IllegalArgumentException naming the first plan layer that the error table does not have
     */
    public static Table bitPlan(BitPlan plan, ErrorTable errors) {
        Map<String, Long> counts = errors.paramCounts();
        for (String l : plan.layers()) {
            if (!counts.containsKey(l)) {
                throw new IllegalArgumentException("layer '" + l + "' of plan '" + plan.name()
                        + "' is not in the error table (" + errors + ")");
            }
        }
        Table t = bitPlan(plan, counts);
        int n = t.rowCount();
        double[] mse = new double[n];
        double[] rel = new double[n];
        double[] ratio = new double[n];
        int r = 0;
        for (String l : plan.layers()) {
            int i = errors.indexOf(l);
            int b = plan.bitsOf(l);
            mse[r] = errors.mse(i, b);
            rel[r] = errors.relative(i, b);
            ratio[r] = errors.ratioTo8(i, b);
            r++;
        }
        return withPrintFormats(t.addColumns(DoubleColumn.create(Metric.MSE.column(), mse),
                DoubleColumn.create(Metric.RELATIVE.column(), rel), DoubleColumn.create(Metric.RATIO_TO_8.column(),
                        ratio)));
    }

    /**
     * Reads the {@code layer} and {@code bits} columns of an (edited) plan table back into a plan for the same model
     * as {@code base}: same model, scheme, granularity and provenance, rule {@code table}, parameter
     * {@code basePlan} = the base plan's name, layers in the base plan's order (so a table sorted by bits still
     * gives a forward-order plan). Other columns are ignored.
     *
     * @throws IllegalArgumentException naming the layer (and row index, from 0) whose bits are missing, not whole
     *                                  numbers or outside 2..8; a duplicated layer; a layer the base plan does not
     *                                  have; or a base-plan layer the table leaves out
     */
    public static BitPlan toBitPlan(String name, Table table, BitPlan base) {
        Map<String, Integer> read = readBits(table);
        Map<String, Integer> bits = new LinkedHashMap<>();
        for (String l : read.keySet()) {
            if (!base.bits().containsKey(l)) {
                throw new IllegalArgumentException("the table names layer '" + l + "', which plan '" + base.name()
                        + "' does not have");
            }
        }
        for (String l : base.layers()) {
            Integer b = read.get(l);
            if (b == null) {
                throw new IllegalArgumentException("the table gives no bits for layer '" + l + "' of plan '"
                        + base.name() + "'");
            }
            bits.put(l, b);
        }
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("basePlan", base.name());
        Map<String, Object> prov = new LinkedHashMap<>(base.provenance());
        prov.put("table", table.name() == null ? "" : table.name());
        return new BitPlan(name, base.model(), base.scheme(), base.granularity(), "table", params, prov, bits);
    }

    /**
     * Reads the {@code layer} and {@code bits} columns of a table into a new plan, layers in row order, rule
     * {@code table}, default provenance.
     *
     * @throws IllegalArgumentException as {@link #toBitPlan(String, Table, BitPlan)} for bad, missing or duplicated
     *                                  rows, and for an empty table
     */
    public static BitPlan toBitPlan(String name, Table table, String model, Scheme scheme,
            Granularity granularity) {
        Map<String, Object> prov = BitPlan.defaultProvenance(0);
        prov.put("table", table.name() == null ? "" : table.name());
        return new BitPlan(name, model, scheme, granularity, "table", Map.of(), prov, readBits(table));
    }

    /** Layer → bits from the {@code layer} and {@code bits} columns, in row order, validated. */
    private static Map<String, Integer> readBits(Table table) {
        Column<?> layerCol = require(table, LAYER);
        Column<?> bitsCol = require(table, BITS);
        if (table.rowCount() == 0) {
            throw new IllegalArgumentException("the table '" + table.name() + "' has no rows");
        }
        Map<String, Integer> bits = new LinkedHashMap<>();
        Map<String, Integer> rowOf = new HashMap<>();
        for (int r = 0; r < table.rowCount(); r++) {
            String layer = layerCol.isMissing(r) ? "" : layerCol.getUnformattedString(r).trim();
            if (layer.isEmpty()) {
                throw new IllegalArgumentException("row " + r + ": the layer name is empty");
            }
            Integer before = rowOf.putIfAbsent(layer, r);
            if (before != null) {
                throw new IllegalArgumentException("layer '" + layer + "' appears twice (rows " + before + " and "
                        + r + ")");
            }
            bits.put(layer, bitsAt(bitsCol, r, layer));
        }
        return bits;
    }

    private static int bitsAt(Column<?> col, int r, String layer) {
        String where = "layer '" + layer + "' (row " + r + "): ";
        if (col.isMissing(r)) {
            throw new IllegalArgumentException(where + "bits are missing");
        }
        double v;
        if (col instanceof NumericColumn<?> num) {
            v = num.getDouble(r);
        } else if (col instanceof StringColumn s) {
            try {
                v = Double.parseDouble(s.get(r).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(where + "bits must be an integer between " + Bits.MIN + " and "
                        + Bits.MAX + ", got '" + s.get(r) + "'");
            }
        } else {
            throw new IllegalArgumentException("column '" + BITS + "' must hold numbers, but it is "
                    + col.type().name());
        }
        if (v != Math.rint(v)) {
            throw new IllegalArgumentException(where + "bits must be an integer between " + Bits.MIN + " and "
                    + Bits.MAX + ", got " + v);
        }
        if (v < Bits.MIN || v > Bits.MAX) {
            throw new IllegalArgumentException(where + "bits must be between " + Bits.MIN + " and " + Bits.MAX
                    + ", got " + (long) v);
        }
        return (int) v;
    }

    // ---------------------------------------------------------------------------------------------- evaluations

    /** {@link #evaluations(String, List)} named {@code evaluations}. */
    public static Table evaluations(List<EvalRow> rows) {
        return evaluations("evaluations", rows);
    }

    /**
     * One row per evaluation of a text encoder, in list order, with the columns {@link #EVALUATION_COLUMNS} (those
     * of {@code mixquant report}'s {@code results.csv}): the texts as string columns and every number as a double
     * column (sizes in MB, 1 MB = 10^6 bytes; times in seconds). A metric the row lacks (e.g. the cosine of a
     * classifier) is Tablesaw's missing double. For rows of any model, see {@link #rows}.
     */
    public static Table evaluations(String name, List<EvalRow> rows) {
        int n = rows.size();
        StringColumn plan = StringColumn.create("plan");
        StringColumn rule = StringColumn.create("rule");
        StringColumn method = StringColumn.create("method");
        StringColumn hist = StringColumn.create("bits_histogram");
        double[][] num = new double[9][n];
        for (int r = 0; r < n; r++) {
            EvalRow e = rows.get(r);
            plan.append(e.plan());
            rule.append(e.rule());
            method.append(e.method());
            hist.append(e.bitsHistogram());
            num[0][r] = e.averageBits();
            num[1][r] = e.storageBits();
            num[2][r] = e.sizeMB();
            num[3][r] = e.metric(MetricId.MEAN_COSINE);
            num[4][r] = e.metric(MetricId.MIN_COSINE);
            num[5][r] = e.metric(MetricId.TOP10_OVERLAP);
            num[6][r] = e.seconds().search();
            num[7][r] = e.seconds().quantize();
            num[8][r] = e.seconds().evaluate();
        }
        Table t = Table.create(name, plan, rule, method);
        for (int k = 0; k < 9; k++) {
            t.addColumns(DoubleColumn.create(EVALUATION_COLUMNS.get(3 + k), num[k]));
        }
        return withPrintFormats(t.addColumns(hist));
    }

    /**
     * The best mixed plan against uniform at equal size ({@link EqualSizeVerdict}), one row per budget with a uniform
     * plan: {@code budget}, {@code uniform_plan}, {@code uniform_bits}, {@code uniform} (its quality), {@code best_cost},
     * {@code best_plan}, {@code best_bits}, {@code best} (quality), {@code delta} (best − uniform), {@code mixed_loses}
     * ({@code yes}/{@code no}). Qualities are in the compared metric's column unit ({@link MetricId#column()}: top-1 in
     * percent); a budget without a mixed plan at equal size has an empty best cost and plan and missing numbers. The
     * table is named after the method and metric, e.g. {@code brecq: top1_% at equal size}.
     */
    public static Table equalSize(EqualSizeVerdict.Result verdict) {
        StringColumn uniformPlan = StringColumn.create("uniform_plan");
        StringColumn bestCost = StringColumn.create("best_cost");
        StringColumn bestPlan = StringColumn.create("best_plan");
        StringColumn loses = StringColumn.create("mixed_loses");
        int n = verdict.budgets().size();
        double[][] num = new double[6][n];
        for (int r = 0; r < n; r++) {
            EqualSizeVerdict.Budget b = verdict.budgets().get(r);
            uniformPlan.append(b.uniform().plan().name());
            bestCost.append(b.compared() ? b.best().cost() : "");
            bestPlan.append(b.compared() ? b.best().plan().name() : "");
            loses.append(b.mixedLoses() ? "yes" : "no");
            num[0][r] = b.budget();
            num[1][r] = b.uniform().averageBits();
            num[2][r] = b.uniformQuality();
            num[3][r] = b.compared() ? b.best().averageBits() : Double.NaN;
            num[4][r] = b.bestQuality();
            num[5][r] = b.delta();
        }
        Table t = Table.create(verdict.method() + ": " + verdict.metric().column() + " at equal size",
                DoubleColumn.create("budget", num[0]), uniformPlan, DoubleColumn.create("uniform_bits", num[1]),
                DoubleColumn.create("uniform", num[2]), bestCost, bestPlan, DoubleColumn.create("best_bits", num[3]),
                DoubleColumn.create("best", num[4]), DoubleColumn.create("delta", num[5]), loses);
        return withPrintFormats(t);
    }

    /**
     * A {@link Frontier} study's points, one row each in the study's order (by budget, then uniform and each cost):
     * {@code budget}, {@code cost}, {@code plan}, {@code avg_bits}, {@code size_MB}, one column per quality metric of
     * the points ({@link MetricId#column()}: top-1 in percent), {@code predicted} (Σ single-layer costs; missing for
     * uniform rows), {@code distortion} (the whole plan rounded to nearest, on the calibration data) and
     * {@code bits_histogram}. Named after the model and method, e.g. {@code resnet20-fashion: frontier (nearest)}.
     */
    public static Table frontier(Frontier.Result r) {
        List<MetricId> metrics = new ArrayList<>();
        for (MetricId m : MetricId.values()) {
            if (r.points().stream().anyMatch(p -> p.quality().containsKey(m))) {
                metrics.add(m);
            }
        }
        int n = r.points().size();
        StringColumn cost = StringColumn.create("cost");
        StringColumn plan = StringColumn.create("plan");
        StringColumn hist = StringColumn.create("bits_histogram");
        double[][] num = new double[5 + metrics.size()][n];
        for (int k = 0; k < n; k++) {
            Frontier.Point p = r.points().get(k);
            cost.append(p.cost());
            plan.append(p.plan().name());
            hist.append(EvalRow.histogram(p.plan()));
            num[0][k] = p.budget();
            num[1][k] = p.averageBits();
            num[2][k] = p.sizeMB();
            num[3][k] = p.predicted();
            num[4][k] = p.distortion();
            for (int m = 0; m < metrics.size(); m++) {
                Double v = p.quality().get(metrics.get(m));
                num[5 + m][k] = v == null ? Double.NaN : metrics.get(m).toColumn(v);
            }
        }
        Table t = Table.create(r.model() + ": frontier (" + r.method() + ")", DoubleColumn.create("budget", num[0]),
                cost, plan, DoubleColumn.create("avg_bits", num[1]), DoubleColumn.create("size_MB", num[2]));
        for (int m = 0; m < metrics.size(); m++) {
            t.addColumns(DoubleColumn.create(metrics.get(m).column(), num[5 + m]));
        }
        t.addColumns(DoubleColumn.create("predicted", num[3]), DoubleColumn.create("distortion", num[4]), hist);
        return withPrintFormats(t);
    }

    /**
     * The additivity check of a {@link Frontier} study, one row per cost: {@code cost}, {@code plans} (distinct plans
     * compared), {@code pearson} and {@code spearman} (correlation of the predicted cost with the measured distortion
     * over the cost's frontier; NaN with fewer than two distinct values). Named e.g.
     * {@code resnet20-fashion: additivity (mean KL(...))}.
     */
    public static Table additivity(Frontier.Result r) {
        StringColumn cost = StringColumn.create("cost");
        int n = r.additivity().size();
        int[] plans = new int[n];
        double[][] num = new double[2][n];
        for (int k = 0; k < n; k++) {
            Frontier.Additivity a = r.additivity().get(k);
            cost.append(a.cost());
            plans[k] = a.points();
            num[0][k] = a.pearson();
            num[1][k] = a.spearman();
        }
        return withPrintFormats(Table.create(r.model() + ": additivity (" + r.metric() + ")", cost,
                IntColumn.create("plans", plans), DoubleColumn.create("pearson", num[0]),
                DoubleColumn.create("spearman", num[1])));
    }

    /**
     * Evaluation rows of any models as a table, in list order: {@code model}, {@code method} (the method id),
     * {@code plan}, {@code rule}, {@code avg_bits}, {@code storage_bits}, {@code size_MB}, one column per metric that some row measured
     * (in {@link MetricId} order, named and scaled as {@link MetricId#column()}: top-1 in percent), {@code delta}
     * ({@link EvalRow#delta()}: quality minus FP32's), {@code search_s}, {@code quantize_s}, {@code eval_s}, then
     * {@code bits_histogram}. A metric a row lacks is a missing double.
     *
     * @throws IllegalArgumentException if {@code rows} is empty
     */
    public static Table rows(String name, List<EvalRow> rows) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no evaluation rows");
        }
        java.util.EnumSet<MetricId> ids = java.util.EnumSet.noneOf(MetricId.class);
        for (EvalRow e : rows) {
            ids.addAll(e.metrics().keySet());
        }
        List<String> names = new ArrayList<>(List.of("avg_bits", STORAGE_BITS, "size_MB"));
        ids.forEach(id -> names.add(id.column()));
        names.addAll(List.of("delta", "search_s", "quantize_s", "eval_s"));
        StringColumn model = StringColumn.create("model");
        StringColumn method = StringColumn.create("method");
        StringColumn plan = StringColumn.create("plan");
        StringColumn rule = StringColumn.create("rule");
        StringColumn hist = StringColumn.create("bits_histogram");
        double[][] num = new double[names.size()][rows.size()];
        for (int r = 0; r < rows.size(); r++) {
            EvalRow e = rows.get(r);
            model.append(e.model());
            method.append(e.methodId());
            plan.append(e.plan());
            rule.append(e.rule());
            hist.append(e.bitsHistogram());
            int k = 0;
            num[k++][r] = e.averageBits();
            num[k++][r] = e.storageBits();
            num[k++][r] = e.sizeMB();
            for (MetricId id : ids) {
                num[k++][r] = id.toColumn(e.metric(id));
            }
            num[k++][r] = e.delta();
            num[k++][r] = e.seconds().search();
            num[k++][r] = e.seconds().quantize();
            num[k][r] = e.seconds().evaluate();
        }
        Table t = Table.create(name, model, method, plan, rule);
        for (int k = 0; k < names.size(); k++) {
            t.addColumns(DoubleColumn.create(names.get(k), num[k]));
        }
        return withPrintFormats(t.addColumns(hist));
    }

    /**
     * Reads a table with the columns {@link #EVALUATION_COLUMNS} (any order, extra columns ignored; a table without
     * {@code storage_bits}, written before that column existed, reads it as NaN) back into
     * evaluation rows of a text encoder, one per row. The model is the table's name; the method id is {@code fp32}
     * for the FP32 row, else the {@code method} text up to its first {@code -} ({@code nearest-asymmetric} →
     * {@code nearest}, the quantizer's name); the sample count is not in the table and reads as 0. Number columns
     * may be of any numeric type; a missing number reads as NaN, and a missing metric is left out of the row.
     *
     * @throws IllegalArgumentException listing the missing columns, or naming a number column that is not numeric
     */
    public static List<EvalRow> toEvaluations(Table table) {
        List<String> missing = new ArrayList<>();
        for (String c : EVALUATION_COLUMNS) {
            if (!table.containsColumn(c) && !c.equals(STORAGE_BITS)) {
                missing.add(c);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("the table '" + table.name() + "' lacks the evaluation column(s) "
                    + String.join(", ", missing) + " (expected " + String.join(", ", EVALUATION_COLUMNS) + ")");
        }
        List<String> numbers = new ArrayList<>(EVALUATION_COLUMNS.subList(3, 12));
        numbers.remove(STORAGE_BITS);
        NumericColumn<?>[] num = new NumericColumn<?>[8];
        for (int k = 0; k < 8; k++) {
            Column<?> c = table.column(numbers.get(k));
            if (!(c instanceof NumericColumn<?> nc)) {
                throw new IllegalArgumentException("column '" + c.name() + "' must hold numbers, but it is "
                        + c.type().name());
            }
            num[k] = nc;
        }
        NumericColumn<?> storage = null;
        if (table.containsColumn(STORAGE_BITS)) {
            Column<?> c = table.column(STORAGE_BITS);
            if (!(c instanceof NumericColumn<?> nc)) {
                throw new IllegalArgumentException("column '" + c.name() + "' must hold numbers, but it is "
                        + c.type().name());
            }
            storage = nc;
        }
        Column<?> plan = table.column("plan");
        Column<?> rule = table.column("rule");
        Column<?> method = table.column("method");
        Column<?> hist = table.column("bits_histogram");
        MetricId[] metrics = {MetricId.MEAN_COSINE, MetricId.MIN_COSINE, MetricId.TOP10_OVERLAP};
        List<EvalRow> out = new ArrayList<>(table.rowCount());
        for (int r = 0; r < table.rowCount(); r++) {
            double[] v = new double[8];
            for (int k = 0; k < 8; k++) {
                v[k] = num[k].isMissing(r) ? Double.NaN : num[k].getDouble(r);
            }
            Map<MetricId, Double> m = new java.util.EnumMap<>(MetricId.class);
            for (int k = 0; k < metrics.length; k++) {
                if (!Double.isNaN(v[2 + k])) {
                    m.put(metrics[k], v[2 + k]);
                }
            }
            String ru = text(rule, r);
            String me = text(method, r);
            String id = ru.equals(EvalRow.FP32) ? EvalRow.FP32 : me.contains("-") ? me.substring(0, me.indexOf('-'))
                    : me;
            double sb = storage == null || storage.isMissing(r) ? Double.NaN : storage.getDouble(r);
            out.add(new EvalRow(table.name(), id, me, text(plan, r), ru, v[0], sb, v[1], text(hist, r), m, 0,
                    new EvalRow.Timings(v[5], v[6], v[7])));
        }
        return out;
    }

    private static String text(Column<?> c, int r) {
        return c.isMissing(r) ? "" : c.getUnformattedString(r);
    }

    private static Column<?> require(Table table, String column) {
        if (!table.containsColumn(column)) {
            throw new IllegalArgumentException("the table '" + table.name() + "' has no '" + column
                    + "' column (columns: " + String.join(", ", table.columnNames()) + ")");
        }
        return table.column(column);
    }

    // ----------------------------------------------------------------------------------------------------- HTML

    private static final String TABLE_STYLE = "border-collapse:collapse;font-family:system-ui,-apple-system,"
            + "'Segoe UI',Roboto,sans-serif;font-size:13px;margin:6px 0";
    private static final String CAPTION_STYLE = "caption-side:top;text-align:left;font-weight:600;padding:0 0 6px 2px";
    private static final String TH_STYLE = "padding:4px 10px;border-bottom:2px solid #888;background:#f3f3f3;"
            + "text-align:%s;white-space:nowrap";
    private static final String TD_STYLE = "padding:3px 10px;border-bottom:1px solid #e2e2e2;text-align:%s";
    private static final String NUM_STYLE = ";font-variant-numeric:tabular-nums;white-space:nowrap";
    /** Shown for a missing value (Tablesaw's NaN double, empty string, ...): an en dash. */
    static final String MISSING = "–";

    /**
     * The table as a self-contained HTML {@code <table>} (inline styles only, no scripts) with the table's name as
     * its caption, for any notebook front end that shows HTML. Text is escaped. Numbers are right-aligned and
     * formatted by column name:
     * <ul>
     *   <li>{@code mse*}, {@code relative*}, {@code sse*}: scientific, 3 significant digits ({@code 1.23e-07});</li>
     *   <li>{@code *cos*}: 5 decimals; {@code *_MB} / {@code *size*}: 2 decimals (MB);</li>
     *   <li>{@code bits} and integer columns: whole numbers ({@code params} with thousands separators);
     *       {@code avg_bits}: 3 decimals; {@code ratio*}: 4 significant digits; {@code *overlap*}: 4 decimals;
     *       {@code *_s}: seconds, 3 decimals;</li>
     *   <li>any other double: 4 significant digits.</li>
     * </ul>
     * Missing values (NaN doubles, empty text) show as an en dash. Tables made here print with the same formats
     * ({@code table.print()}).
     */
    public static String html(Table table) {
        StringBuilder h = new StringBuilder(256 + 64 * table.rowCount() * Math.max(1, table.columnCount()));
        h.append("<table style=\"").append(TABLE_STYLE).append("\">\n");
        if (table.name() != null && !table.name().isEmpty()) {
            h.append("<caption style=\"").append(CAPTION_STYLE).append("\">").append(escape(table.name()))
                    .append("</caption>\n");
        }
        List<Column<?>> cols = table.columns();
        boolean[] numeric = new boolean[cols.size()];
        h.append("<thead><tr>");
        for (int c = 0; c < cols.size(); c++) {
            numeric[c] = cols.get(c) instanceof NumericColumn<?>;
            h.append("<th style=\"").append(String.format(Locale.ROOT, TH_STYLE, numeric[c] ? "right" : "left"))
                    .append("\">").append(escape(cols.get(c).name())).append("</th>");
        }
        h.append("</tr></thead>\n<tbody>\n");
        for (int r = 0; r < table.rowCount(); r++) {
            h.append("<tr>");
            for (int c = 0; c < cols.size(); c++) {
                Column<?> col = cols.get(c);
                h.append("<td style=\"").append(String.format(Locale.ROOT, TD_STYLE, numeric[c] ? "right" : "left"));
                if (numeric[c]) {
                    h.append(NUM_STYLE);
                }
                h.append("\">").append(escape(cell(col, r))).append("</td>");
            }
            h.append("</tr>\n");
        }
        return h.append("</tbody>\n</table>\n").toString();
    }

    /** The text {@link #html} shows for row {@code r} of {@code col}. */
    static String cell(Column<?> col, int r) {
        if (col.isMissing(r)) {
            return MISSING;
        }
        if (col instanceof NumericColumn<?> num) {
            return formatNumber(col.name(), num.getDouble(r), isIntegral(col));
        }
        String s = col.getString(r);
        return s == null || s.isEmpty() ? MISSING : s;
    }

    private static boolean isIntegral(Column<?> col) {
        return col instanceof IntColumn || col instanceof LongColumn
                || col instanceof tech.tablesaw.api.ShortColumn;
    }

    /** Formats one number by its column name (see {@link #html}). */
    static String formatNumber(String column, double v, boolean integral) {
        if (Double.isNaN(v)) {
            return MISSING;
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "∞" : "−∞";
        }
        String c = column.toLowerCase(Locale.ROOT);
        if (c.startsWith("mse") || c.startsWith("relative") || c.startsWith("sse") || c.startsWith("qe")) {
            return String.format(Locale.ROOT, "%.2e", v);
        }
        if (c.contains("cos")) {
            return String.format(Locale.ROOT, "%.5f", v);
        }
        if (c.endsWith("_mb") || c.equals("mb") || c.contains("size")) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        if (c.equals(BITS) || integral) {
            if (v == Math.rint(v) && Math.abs(v) < 1e15) {
                return c.equals(PARAMS) ? String.format(Locale.ROOT, "%,d", (long) v) : Long.toString((long) v);
            }
            return significant(v, 4);
        }
        if (c.contains("bits")) {
            return String.format(Locale.ROOT, "%.3f", v);
        }
        if (c.startsWith("ratio")) {
            return significant(v, 4);
        }
        if (c.contains("overlap")) {
            return String.format(Locale.ROOT, "%.4f", v);
        }
        if (c.endsWith("_s") || c.endsWith("seconds")) {
            return String.format(Locale.ROOT, "%.3f", v);
        }
        return significant(v, 4);
    }

    /** {@code digits} significant digits, plain notation for 1e-3 ≤ |v| < 1e7, scientific otherwise. */
    private static String significant(double v, int digits) {
        double a = Math.abs(v);
        if (v == 0) {
            return "0";
        }
        if (a < 1e-3 || a >= 1e7) {
            return String.format(Locale.ROOT, "%." + (digits - 1) + "e", v);
        }
        int intDigits = (int) Math.floor(Math.log10(a)) + 1;
        int decimals = Math.max(0, digits - intDigits);
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /**
     * Gives every number column the print format {@link #html} uses, so {@code table.print()} and a kernel's plain
     * text display read the same as the HTML (values stay unrounded; CSV export is unaffected).
     */
    private static Table withPrintFormats(Table t) {
        for (Column<?> c : t.columns()) {
            if (c instanceof DoubleColumn d) {
                d.setPrintFormatter(new NumberColumnFormatter(new ColumnFormat(d.name(), false), MISSING));
            } else if (c instanceof LongColumn l) {
                l.setPrintFormatter(new NumberColumnFormatter(new ColumnFormat(l.name(), true), MISSING));
            } else if (c instanceof IntColumn i) {
                i.setPrintFormatter(new NumberColumnFormatter(new ColumnFormat(i.name(), true), MISSING));
            }
        }
        return t;
    }

    /** {@link #formatNumber} as a {@link NumberFormat}, for Tablesaw's print formatters. Formatting only. */
    private static final class ColumnFormat extends NumberFormat {
        private static final long serialVersionUID = 1L;
        private final String column;
        private final boolean integral;

        ColumnFormat(String column, boolean integral) {
            this.column = column;
            this.integral = integral;
        }

        @Override
        public StringBuffer format(double number, StringBuffer toAppendTo, FieldPosition pos) {
            return toAppendTo.append(formatNumber(column, number, integral));
        }

        @Override
        public StringBuffer format(long number, StringBuffer toAppendTo, FieldPosition pos) {
            return toAppendTo.append(formatNumber(column, number, true));
        }

        @Override
        public Number parse(String source, ParsePosition parsePosition) {
            throw new UnsupportedOperationException("a display format only");
        }
    }

    /** Escapes {@code & < > " '} for HTML text and attribute values. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(ch);
            }
        }
        return b.toString();
    }
}
