package org.mixquant.notebook;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.HeatMapStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.mixquant.eval.AccuracyEvaluation;
import org.mixquant.eval.ComparisonRow;
import org.mixquant.eval.Evaluation;
import org.mixquant.io.OutputFiles;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Bits;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.QParams;
import org.mixquant.quant.QuantSpec;
import org.mixquant.quant.Scheme;
import org.mixquant.search.ErrorTable;
import org.mixquant.tensor.WeightTensor;

/**
 * XChart charts of MixQuant results. Each method returns a chart that a notebook can show (see
 * {@link #toImage}) and that {@link #savePng} writes to a file.
 */
public final class Charts {
    /** Colours for layer groups and bit-widths (colour-blind-safe Okabe–Ito palette, then greys). */
    static final Color[] PALETTE = {new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73),
        new Color(0xCC79A7), new Color(0xE69F00), new Color(0x56B4E9), new Color(0xF0E442), new Color(0x000000),
        new Color(0x777777)};

    private Charts() {
    }

    /**
     * The group of a layer: its name with every number replaced by {@code #}, so the same sublayer of every block
     * shares a colour (e.g. {@code /encoder/layer.#/attention/self/query/MatMul}).
     */
    public static String groupOf(String layer) {
        return layer.replaceAll("\\d+", "#");
    }

    /**
     * Per-layer quantization error (MSE, log scale) against bit-width 2..8, one line per layer, coloured by layer
     * group with one legend entry per group.
     */
    public static XYChart errorCurves(ErrorTable table) {
        return perLayerCurves("Quantization error per layer (" + table.model() + ", " + table.scheme().cliName()
                + " " + table.granularity().cliName() + ")", "QE = mean squared error (log scale)", table,
                table::mse);
    }

    /** A value of one layer at one bit-width. */
    @FunctionalInterface
    private interface LayerValue {
        double at(int layer, int bits);
    }

    /**
     * One line per layer over bits 2..8 on a log axis, coloured by layer group with one legend entry per group;
     * layers with a non-positive value (exact layers) are left out, as a log axis cannot show them.
     */
    private static XYChart perLayerCurves(String title, String yTitle, ErrorTable table, LayerValue value) {
        XYChart chart = new XYChartBuilder().width(900).height(560).title(title).xAxisTitle("bit-width (bits)")
                .yAxisTitle(yTitle).build();
        commonStyle(chart.getStyler());
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
        chart.getStyler().setxAxisTickLabelsFormattingFunction(v -> Integer.toString((int) Math.round(v)));
        double[] x = bitsAxis();
        Map<String, Color> colours = groupColours(table.layers());
        Map<String, Boolean> shown = new LinkedHashMap<>();
        for (int i = 0; i < table.size(); i++) {
            String name = table.layers().get(i);
            double[] y = new double[Bits.COUNT];
            boolean positive = true;
            for (int k = 0; k < Bits.COUNT; k++) {
                y[k] = value.at(i, Bits.MIN + k);
                positive &= y[k] > 0;
            }
            if (!positive) {
                continue;
            }
            String group = groupOf(name);
            boolean first = shown.putIfAbsent(group, true) == null;
            XYSeries s = chart.addSeries(first ? group : name, x, y);
            s.setLineColor(colours.get(group));
            s.setMarker(SeriesMarkers.NONE);
            s.setLineStyle(SeriesLines.SOLID);
            s.setLineWidth(1.2f);
            s.setShowInLegend(first);
        }
        return chart;
    }

    /**
     * QE(b)/QE(8) per layer (log scale) with the step²/12 noise model of the table's scheme
     * ({@link ErrorTable#modelRatioTo8(org.mixquant.quant.Scheme, int)}) as a dashed line: layers
     * on the line get the same bits from the paper's qem rule; layers below it (outlier-heavy) get fewer.
     */
    public static XYChart ratioCurves(ErrorTable table) {
        XYChart chart = perLayerCurves("QE(b) / QE(8) per layer vs the step²/12 model (" + table.model() + ")",
                "QE(b) / QE(8) (log scale)", table, table::ratioTo8);
        double[] x = bitsAxis();
        double[] model = new double[Bits.COUNT];
        for (int k = 0; k < Bits.COUNT; k++) {
            model[k] = table.modelRatioTo8(Bits.MIN + k);
        }
        XYSeries m = chart.addSeries("step²/12 model " + ErrorTable.modelRatioFormula(table.scheme()), x, model);
        m.setLineColor(Color.BLACK);
        m.setLineStyle(new BasicStroke(2.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                new float[] {8f, 6f}, 0f));
        m.setMarker(SeriesMarkers.NONE);
        return chart;
    }

    /**
     * Chosen bits per layer for one or more plans over the same layers (grouped bars; layer labels are shortened to
     * their distinguishing part).
     */
    public static CategoryChart chosenBits(List<BitPlan> plans) {
        if (plans.isEmpty()) {
            throw new IllegalArgumentException("no plans to chart");
        }
        List<String> layers = new ArrayList<>(plans.get(0).layers());
        List<String> labels = shortLabels(layers);
        CategoryChart chart = new CategoryChartBuilder().width(Math.max(900, 28 * layers.size())).height(640)
                .title("Bits chosen per layer").xAxisTitle("layer (forward order)").yAxisTitle("bits").build();
        commonStyle(chart.getStyler());
        chart.getStyler().setXAxisLabelRotation(90);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax((double) Bits.MAX);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setAxisTickLabelsFont(chart.getStyler().getAxisTickLabelsFont().deriveFont(9f));
        int c = 0;
        for (BitPlan p : plans) {
            List<Integer> ys = new ArrayList<>();
            for (String l : layers) {
                ys.add(p.bitsOf(l));
            }
            StringBuilder h = new StringBuilder();
            p.histogram().forEach((b, n) -> h.append(h.length() == 0 ? "" : ", ").append(n).append("×int").append(b));
            CategorySeries s = chart.addSeries(p.name() + " (" + h + ")", labels, ys);
            s.setFillColor(PALETTE[c++ % PALETTE.length]);
        }
        return chart;
    }

    // ------------------------------------------------------------------------------------- error-table heat map

    /**
     * The whole error table as one heat map: a row per layer (forward order, first layer on top; labels shortened as
     * in {@link #shortLabels}), a column per bit-width 2..8, colour = log10 QE (QE = mean squared error), and each
     * cell labelled with its log10 QE to one decimal (−6.4 means QE ≈ 4·10⁻⁷). Use it instead of {@link #errorCurves}
     * when there are more than a dozen layers: 36 overlapping lines hide which layer is which, while the grid keeps
     * every layer on its own row and every value readable. A layer whose QE is 0 (all-zero weights) is drawn in the
     * lowest colour.
     */
    public static HeatMapChart errorHeatmap(ErrorTable table) {
        int n = table.size();
        if (n == 0) {
            throw new IllegalArgumentException("the error table has no layers");
        }
        List<String> labels = shortLabels(table.layers());
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                double m = table.mse(i, b);
                if (m > 0) {
                    lo = Math.min(lo, Math.log10(m));
                    hi = Math.max(hi, Math.log10(m));
                }
            }
        }
        if (!(lo <= hi)) {
            lo = -1;
            hi = 0;
        } else if (lo == hi) {
            lo -= 0.5;
            hi += 0.5;
        }
        // Row 0 is drawn at the bottom: put the first layer in the last row so the table reads top-down.
        List<String> yLabels = new ArrayList<>(n);
        for (int i = n - 1; i >= 0; i--) {
            yLabels.add(labels.get(i));
        }
        List<Integer> xLabels = new ArrayList<>();
        for (int b = Bits.MIN; b <= Bits.MAX; b++) {
            xLabels.add(b);
        }
        List<Number[]> cells = new ArrayList<>(n * Bits.COUNT);
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < Bits.COUNT; k++) {
                double m = table.mse(i, Bits.MIN + k);
                cells.add(new Number[] {k, n - 1 - i, m > 0 ? Math.log10(m) : lo});
            }
        }
        int longest = 0;
        for (String l : labels) {
            longest = Math.max(longest, l.length());
        }
        HeatMapChart chart = new HeatMapChartBuilder().width(Math.max(900, 660 + 7 * longest))
                .height(Math.max(360, 150 + 19 * n))
                .title("log10 QE per layer and bit-width (" + table.model() + ", " + table.scheme().cliName() + " "
                        + table.granularity().cliName() + ")")
                .xAxisTitle("bit-width (bits)").yAxisTitle("layer (forward order, first on top)").build();
        HeatMapStyler st = chart.getStyler();
        commonStyle(st);
        st.setRangeColors(HEAT_COLOURS);
        st.setShowValue(true);
        st.setValueFont(st.getAxisTickLabelsFont().deriveFont(10f));
        st.setValueFontColor(Color.BLACK);
        // XChart 3.8.8 formats cell values with a DecimalFormat pattern only, so cells show log10 QE itself.
        st.setHeatMapValueDecimalPattern("0.0");
        st.setDrawBorder(true);
        st.setLegendPosition(Styler.LegendPosition.OutsideE);
        st.setPlotContentSize(1.0);
        st.setAxisTickLabelsFont(st.getAxisTickLabelsFont().deriveFont(10f));
        // The colour-bar legend prints the series' min and max as raw doubles: round them outwards to 0.1.
        chart.addSeries("log10 QE", xLabels, yLabels, cells).setMin(Math.floor(lo * 10) / 10)
                .setMax(Math.ceil(hi * 10) / 10);
        return chart;
    }

    /** Light-to-dark sequential colours (ColorBrewer YlOrRd without its darkest step, so black text stays legible). */
    static final Color[] HEAT_COLOURS = {new Color(0xFFFFCC), new Color(0xFFEDA0), new Color(0xFED976),
        new Color(0xFEB24C), new Color(0xFD8D3C), new Color(0xFC4E2A), new Color(0xE31A1C)};

    // -------------------------------------------------------------------------------------- evaluation charts

    /** A quality measure of an {@link Evaluation}, as plotted by {@link #qualityVsBits} and {@link #sizeVsQuality}. */
    public enum Quality {
        /** {@link Evaluation#meanCosine()}: mean cosine similarity of the embeddings to FP32's. */
        MEAN_COSINE("mean cosine", "mean cosine similarity to FP32 (1 = identical)", false),
        /** {@link Evaluation#minCosine()}: worst text's cosine similarity to FP32. */
        MIN_COSINE("min cosine", "minimum cosine similarity to FP32 (1 = identical)", false),
        /** {@link Evaluation#top10Overlap()}: fraction of the 10 nearest neighbours FP32 also finds. */
        TOP10_OVERLAP("top-10 overlap", "top-10 neighbour overlap with FP32 (fraction, 1 = same)", false),
        /**
         * 1 − {@link Evaluation#meanCosine()} on a log axis: spreads out the differences near cosine 1 that a linear
         * axis squeezes together. FP32 (distance 0) has no place on it and is left out.
         */
        COSINE_DISTANCE("1 − mean cosine", "1 − mean cosine to FP32 (log scale, lower is better)", true);

        private final String label;
        private final String axisTitle;
        private final boolean logarithmic;

        Quality(String label, String axisTitle, boolean logarithmic) {
            this.label = label;
            this.axisTitle = axisTitle;
            this.logarithmic = logarithmic;
        }

        /** Short name for titles ({@code mean cosine}). */
        public String label() {
            return label;
        }

        /** Axis title with units. */
        public String axisTitle() {
            return axisTitle;
        }

        /** Whether the axis is logarithmic. */
        public boolean logarithmic() {
            return logarithmic;
        }

        /** The measure of one row. */
        public double of(Evaluation e) {
            return switch (this) {
                case MEAN_COSINE -> e.meanCosine();
                case MIN_COSINE -> e.minCosine();
                case TOP10_OVERLAP -> e.top10Overlap();
                case COSINE_DISTANCE -> 1 - e.meanCosine();
            };
        }

        boolean plottable(double v) {
            return Double.isFinite(v) && (!logarithmic || v > 0);
        }
    }

    /** {@link #qualityVsBits(List, Quality)} with {@link Quality#MEAN_COSINE}. */
    public static XYChart qualityVsBits(List<Evaluation> rows) {
        return qualityVsBits(rows, Quality.MEAN_COSINE);
    }

    /**
     * Quality against average bits per weight: one line with markers per rule ({@code uniform}, {@code qem},
     * {@code avg-bits}, {@code max-rel-error}, ...; per rule and method when the rows hold several methods), points
     * in order of average bits, so a MixQuant plan can be compared with uniform bits at equal average bits (a qem
     * sweep, for instance, lands on top of the uniform line). FP32 rows (rule {@code fp32} or method {@code none})
     * are drawn as a dashed horizontal reference line instead of a point at 32 bits. Rows whose measure is NaN are
     * skipped. Above ~5 bits cosines crowd just under 1 on a linear axis; {@link Quality#COSINE_DISTANCE} spreads
     * them out and is the better view for comparing rules.
     *
     * @throws IllegalArgumentException if no quantized row has a plottable measure
     */
    public static XYChart qualityVsBits(List<Evaluation> rows, Quality quality) {
        List<Evaluation> fp32 = new ArrayList<>();
        Map<String, List<Evaluation>> groups = groupByRule(rows, quality, fp32);
        Map<String, List<BitsPoint>> points = new LinkedHashMap<>();
        groups.forEach((k, es) -> points.put(k, es.stream().map(e -> new BitsPoint(e.rule(), e.method(),
                e.averageBits(), quality.of(e))).toList()));
        Double reference = null;
        for (Evaluation e : fp32) {
            if (reference == null && quality.plottable(quality.of(e))) {
                reference = quality.of(e);
            }
        }
        return bitsChart("Fidelity vs average bits per weight: " + quality.label(), quality.axisTitle(),
                quality.logarithmic(), points, reference);
    }

    /**
     * Top-1 accuracy (%) of the Fashion-MNIST CNNs against average bits per weight, drawn like
     * {@link #qualityVsBits}: one line per rule (and method when there are several), FP32 as a dashed reference line.
     *
     * @throws IllegalArgumentException if there is no quantized row
     */
    public static XYChart accuracyVsBits(String model, List<AccuracyEvaluation> rows) {
        Map<String, List<BitsPoint>> points = new LinkedHashMap<>();
        java.util.Set<String> methods = new java.util.LinkedHashSet<>();
        Double reference = null;
        for (AccuracyEvaluation e : rows) {
            if (!e.rule().equals("fp32") && !e.method().equals("none")) {
                methods.add(e.method());
            }
        }
        for (AccuracyEvaluation e : rows) {
            if (e.rule().equals("fp32") || e.method().equals("none")) {
                reference = reference == null ? 100 * e.top1() : reference;
                continue;
            }
            String key = methods.size() > 1 ? e.rule() + " · " + e.method() : e.rule();
            points.computeIfAbsent(key, k -> new ArrayList<>()).add(new BitsPoint(e.rule(), e.method(),
                    e.averageBits(), 100 * e.top1()));
        }
        if (points.isEmpty()) {
            throw new IllegalArgumentException("no quantized rows among " + rows.size() + " rows");
        }
        return bitsChart("Top-1 accuracy vs average bits per weight (" + model + ")", "top-1 accuracy (%)", false,
                points, reference);
    }

    /** One plotted plan: its rule and method (for styling), average bits and measured value. */
    private record BitsPoint(String rule, String method, double bits, double y) {
    }

    private static XYChart bitsChart(String title, String yTitle, boolean logY, Map<String, List<BitsPoint>> groups,
            Double reference) {
        XYChart chart = xyChart(900, 560, title, "average bits per weight (bits)", yTitle);
        AxesChartStyler st = chart.getStyler();
        st.setYAxisLogarithmic(logY);
        st.setLegendPosition(Styler.LegendPosition.OutsideE);
        double minX = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        RuleStyles styles = new RuleStyles();
        for (Map.Entry<String, List<BitsPoint>> g : groups.entrySet()) {
            List<BitsPoint> es = new ArrayList<>(g.getValue());
            es.sort(java.util.Comparator.comparingDouble(BitsPoint::bits));
            double[] x = new double[es.size()];
            double[] y = new double[es.size()];
            for (int i = 0; i < es.size(); i++) {
                x[i] = es.get(i).bits();
                y[i] = es.get(i).y();
                minX = Math.min(minX, x[i]);
                maxX = Math.max(maxX, x[i]);
            }
            BitsPoint first = es.get(0);
            XYSeries s = chart.addSeries(g.getKey(), x, y);
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            s.setLineColor(styles.colour(first.rule()));
            s.setMarkerColor(styles.colour(first.rule()));
            s.setMarker(styles.marker(first.rule()));
            s.setLineStyle(styles.line(first.method()));
        }
        if (reference != null) {
            addReferenceLine(chart, "FP32 (" + String.format(java.util.Locale.ROOT, "%.4g", reference) + ")",
                    reference, minX, maxX);
        }
        st.setxAxisTickLabelsFormattingFunction(v -> v == Math.rint(v) ? Integer.toString((int) Math.rint(v))
                : String.format(java.util.Locale.ROOT, "%.1f", v));
        return chart;
    }

    /** {@link #sizeVsQuality(List, Quality)} with {@link Quality#MEAN_COSINE}. */
    public static XYChart sizeVsQuality(List<Evaluation> rows) {
        return sizeVsQuality(rows, Quality.MEAN_COSINE);
    }

    /**
     * Model size (MB, whole model: quantized layers with their scales and zero-points plus the FP32 rest) against
     * quality, as a scatter with one series per rule, or per rule and method when the rows hold several methods
     * (colour = rule, marker = method). FP32 is a dashed reference line at its quality, with its size in the legend
     * (left out on a log quality axis, where its distance 0 has no place). The upper left is best: small and
     * faithful.
     *
     * @throws IllegalArgumentException if no row has a plottable measure
     */
    public static XYChart sizeVsQuality(List<Evaluation> rows, Quality quality) {
        List<Evaluation> fp32 = new ArrayList<>();
        Map<String, List<Evaluation>> groups = groupByRule(rows, quality, fp32);
        XYChart chart = xyChart(900, 560, "Model size vs " + quality.label(), "model size (MB, 1 MB = 10^6 bytes)",
                quality.axisTitle());
        AxesChartStyler st = chart.getStyler();
        st.setYAxisLogarithmic(quality.logarithmic());
        st.setLegendPosition(Styler.LegendPosition.OutsideE);
        st.setMarkerSize(9);
        RuleStyles styles = new RuleStyles();
        boolean manyMethods = methodsOf(groups).size() > 1;
        List<String> methods = new ArrayList<>(methodsOf(groups));
        for (Map.Entry<String, List<Evaluation>> g : groups.entrySet()) {
            List<Evaluation> es = g.getValue();
            double[] x = new double[es.size()];
            double[] y = new double[es.size()];
            for (int i = 0; i < es.size(); i++) {
                x[i] = es.get(i).sizeMB();
                y[i] = quality.of(es.get(i));
            }
            Evaluation first = es.get(0);
            XYSeries s = chart.addSeries(g.getKey(), x, y);
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            s.setMarkerColor(styles.colour(first.rule()));
            s.setMarker(manyMethods ? METHOD_MARKERS[methods.indexOf(first.method()) % METHOD_MARKERS.length]
                    : styles.marker(first.rule()));
        }
        double minX = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        for (List<Evaluation> es : groups.values()) {
            for (Evaluation e : es) {
                minX = Math.min(minX, e.sizeMB());
                maxX = Math.max(maxX, e.sizeMB());
            }
        }
        for (Evaluation e : fp32) {
            double y = quality.of(e);
            if (quality.plottable(y)) {
                // A line at FP32's quality rather than a point at its size, which would squeeze the quantized points
                // into a corner; its size is in the label.
                addReferenceLine(chart, String.format(java.util.Locale.ROOT, "FP32: %.1f MB, %s %.4g", e.sizeMB(),
                        quality.label(), y), y, minX, maxX);
                break;
            }
        }
        return chart;
    }

    /** Colours of the method families in {@link #methodComparison}. */
    private static final Map<String, Color> METHOD_COLOURS = Map.of("asym", new Color(0x1f77b4), "adaround",
            new Color(0xff7f0e), "brecq", new Color(0x2ca02c));

    /**
     * A method comparison (see {@code MethodComparison}): model size (MB) against the quality metric, one series per
     * method and plan kind — colour = method (asym, adaround, brecq), filled circles joined by a line = uniform plans,
     * diamonds = MixQuant plans — and FP32 as a dashed reference line. Upper left is best.
     *
     * @throws IllegalArgumentException if there is no quantized row
     */
    public static XYChart methodComparison(String model, List<ComparisonRow> rows) {
        Map<String, List<ComparisonRow>> groups = new LinkedHashMap<>();
        ComparisonRow fp32 = null;
        for (ComparisonRow r : rows) {
            if (r.rule().equals("fp32")) {
                fp32 = r;
                continue;
            }
            String key = r.methodFamily() + (r.isMixQuant() ? " + MixQuant" : " uniform");
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
        }
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("no quantized rows to plot");
        }
        String metric = rows.get(rows.size() - 1).metric();
        String yTitle = metric.equals("top1_%") ? "top-1 accuracy (%)" : "mean cosine to FP32 embeddings";
        XYChart chart = xyChart(900, 560, model + ": model size vs " + (metric.equals("top1_%") ? "accuracy"
                : "fidelity") + ", by method", "model size (MB, 1 MB = 10^6 bytes)", yTitle);
        AxesChartStyler st = chart.getStyler();
        st.setLegendPosition(Styler.LegendPosition.OutsideE);
        st.setMarkerSize(9);
        double minX = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        for (Map.Entry<String, List<ComparisonRow>> g : groups.entrySet()) {
            List<ComparisonRow> rs = new ArrayList<>(g.getValue());
            rs.sort(java.util.Comparator.comparingDouble(ComparisonRow::sizeMB));
            double[] x = rs.stream().mapToDouble(ComparisonRow::sizeMB).toArray();
            double[] y = rs.stream().mapToDouble(ComparisonRow::quality).toArray();
            for (double v : x) {
                minX = Math.min(minX, v);
                maxX = Math.max(maxX, v);
            }
            ComparisonRow first = rs.get(0);
            XYSeries s = chart.addSeries(g.getKey(), x, y);
            boolean mixed = first.isMixQuant();
            s.setXYSeriesRenderStyle(mixed ? XYSeries.XYSeriesRenderStyle.Scatter : XYSeries.XYSeriesRenderStyle.Line);
            Color c = METHOD_COLOURS.getOrDefault(first.methodFamily(), Color.DARK_GRAY);
            s.setMarkerColor(c);
            s.setLineColor(c);
            s.setMarker(mixed ? SeriesMarkers.DIAMOND : SeriesMarkers.CIRCLE);
        }
        if (fp32 != null) {
            addReferenceLine(chart, String.format(java.util.Locale.ROOT, "FP32: %.2f MB, %.4g", fp32.sizeMB(),
                    fp32.quality()), fp32.quality(), minX, maxX);
        }
        return chart;
    }

    /** Markers for methods in order of first appearance (sizeVsQuality with several methods). */
    private static final Marker[] METHOD_MARKERS = {SeriesMarkers.CIRCLE, SeriesMarkers.SQUARE, SeriesMarkers.DIAMOND,
        SeriesMarkers.TRIANGLE_UP, SeriesMarkers.TRIANGLE_DOWN, SeriesMarkers.PLUS};

    /** Whether a row is the FP32 reference: rule {@code fp32} or method {@code none}. */
    static boolean isFp32(Evaluation e) {
        return "fp32".equalsIgnoreCase(e.rule()) || "none".equalsIgnoreCase(e.method());
    }

    /**
     * Quantized rows with a plottable measure, grouped by rule (and method when there are several), in order of first
     * appearance; FP32 rows go to {@code fp32}.
     */
    private static Map<String, List<Evaluation>> groupByRule(List<Evaluation> rows, Quality quality,
            List<Evaluation> fp32) {
        List<Evaluation> quantized = new ArrayList<>();
        java.util.Set<String> methods = new java.util.LinkedHashSet<>();
        for (Evaluation e : rows) {
            if (isFp32(e)) {
                fp32.add(e);
            } else if (quality.plottable(quality.of(e))) {
                quantized.add(e);
                methods.add(e.method());
            }
        }
        if (quantized.isEmpty()) {
            throw new IllegalArgumentException("no quantized rows with a plottable " + quality.label() + " among "
                    + rows.size() + " rows");
        }
        boolean many = methods.size() > 1;
        Map<String, List<Evaluation>> groups = new LinkedHashMap<>();
        for (Evaluation e : quantized) {
            String key = many ? e.rule() + " · " + e.method() : e.rule();
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(e);
        }
        return groups;
    }

    private static java.util.Set<String> methodsOf(Map<String, List<Evaluation>> groups) {
        java.util.Set<String> m = new java.util.LinkedHashSet<>();
        for (List<Evaluation> es : groups.values()) {
            for (Evaluation e : es) {
                m.add(e.method());
            }
        }
        return m;
    }

    /** A dashed black horizontal line at {@code y} over {@code [minX, maxX]} (widened when they are equal). */
    private static void addReferenceLine(XYChart chart, String name, double y, double minX, double maxX) {
        double lo = minX == maxX ? minX - 0.5 : minX;
        double hi = minX == maxX ? maxX + 0.5 : maxX;
        XYSeries s = chart.addSeries(name, new double[] {lo, hi}, new double[] {y, y});
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        s.setLineColor(Color.BLACK);
        s.setLineStyle(DASHED);
        s.setMarker(SeriesMarkers.NONE);
    }

    private static final BasicStroke DASHED = new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
            10f, new float[] {7f, 5f}, 0f);

    /**
     * Colour and marker per rule (fixed for the toolkit's rules, so every chart colours a rule the same way), line
     * style per method.
     */
    private static final class RuleStyles {
        private final Map<String, Color> colours = new LinkedHashMap<>();
        private final Map<String, Marker> markers = new LinkedHashMap<>();
        private final Map<String, BasicStroke> lines = new LinkedHashMap<>();
        private int extra;

        RuleStyles() {
            colours.put("uniform", new Color(0x444444));
            colours.put("qem", PALETTE[1]);
            colours.put("avg-bits", PALETTE[0]);
            colours.put("max-rel-error", PALETTE[2]);
            markers.put("uniform", SeriesMarkers.SQUARE);
            markers.put("qem", SeriesMarkers.DIAMOND);
            markers.put("avg-bits", SeriesMarkers.CIRCLE);
            markers.put("max-rel-error", SeriesMarkers.TRIANGLE_UP);
        }

        Color colour(String rule) {
            return colours.computeIfAbsent(rule, r -> PALETTE[3 + (extra++ % (PALETTE.length - 3))]);
        }

        Marker marker(String rule) {
            return markers.computeIfAbsent(rule, r -> METHOD_MARKERS[(markers.size()) % METHOD_MARKERS.length]);
        }

        BasicStroke line(String method) {
            return lines.computeIfAbsent(method, m -> switch (lines.size() % 3) {
                case 0 -> new BasicStroke(2f);
                case 1 -> new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                        new float[] {9f, 5f}, 0f);
                default -> new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 10f,
                        new float[] {1f, 5f}, 0f);
            });
        }
    }

    // -------------------------------------------------------------------------------------- weight histograms

    /** {@link #weightHistogram(String, WeightTensor, QuantSpec, int)} of loose values with a per-tensor grid. */
    public static XYChart weightHistogram(String title, float[] values, int bits, Scheme scheme) {
        return weightHistogram(title, WeightTensor.vector(values), new QuantSpec(bits, scheme,
                Granularity.PER_TENSOR), -1);
    }

    /** {@link #weightHistogram(String, WeightTensor, QuantSpec, int)} of a whole tensor with a per-tensor grid. */
    public static XYChart weightHistogram(String title, WeightTensor w, int bits, Scheme scheme) {
        return weightHistogram(title, w, new QuantSpec(bits, scheme, Granularity.PER_TENSOR), -1);
    }

    /**
     * Histogram of a layer's weights with the quantization grid drawn over it as vertical lines: every real value
     * {@code (q − zp)·scale} that the min-max quantizer of {@code spec} can produce ({@code 2^b} levels asymmetric,
     * {@code 2^b − 1} symmetric), computed in float32 as {@link org.mixquant.quant.FakeQuant} does. Each weight is
     * rounded to its nearest line. Lines get thinner and fainter as the grid gets denser, so 7–8-bit grids still
     * show the histogram underneath.
     *
     * @param title   first part of the title; the bit-width, scheme and granularity are appended
     * @param spec    bits, scheme and granularity of the grid
     * @param channel for a per-channel spec, the output channel whose values and grid are shown
     *                ({@code 0 .. channels−1}); for a per-tensor spec, {@code -1} (all values, one grid)
     * @throws IllegalArgumentException for a channel out of range, or a channel other than -1 with a per-tensor spec
     */
    public static XYChart weightHistogram(String title, WeightTensor w, QuantSpec spec, int channel) {
        boolean perChannel = spec.granularity() == Granularity.PER_CHANNEL;
        if (perChannel && (channel < 0 || channel >= w.channels())) {
            throw new IllegalArgumentException("channel " + channel + " is outside 0.." + (w.channels() - 1));
        }
        if (!perChannel && channel != -1) {
            throw new IllegalArgumentException("a per-tensor grid covers every channel: pass channel -1, got "
                    + channel);
        }
        QParams p = QParams.choose(w, spec);
        int c = perChannel ? channel : 0;
        float[] values = perChannel ? channelValues(w, channel) : w.unsafeData();
        float scale = p.scale(c);
        int zp = p.zeroPoint(c);
        int levels = spec.qmax() - spec.qmin() + 1;
        double[] grid = new double[levels];
        for (int q = spec.qmin(); q <= spec.qmax(); q++) {
            grid[q - spec.qmin()] = (float) (q - zp) * scale;
        }
        double vmin = Double.POSITIVE_INFINITY;
        double vmax = Double.NEGATIVE_INFINITY;
        for (float v : values) {
            vmin = Math.min(vmin, v);
            vmax = Math.max(vmax, v);
        }
        double lo = Math.min(vmin, grid[0]);
        double hi = Math.max(vmax, grid[levels - 1]);
        if (!(hi > lo)) {
            lo -= 0.5;
            hi += 0.5;
        }
        int bins = (int) Math.max(20, Math.min(200, Math.round(2 * Math.cbrt(values.length))));
        double width = (hi - lo) / bins;
        long[] counts = new long[bins];
        for (float v : values) {
            int k = (int) ((v - lo) / width);
            counts[Math.min(Math.max(k, 0), bins - 1)]++;
        }
        long maxCount = 1;
        for (long k : counts) {
            maxCount = Math.max(maxCount, k);
        }
        // Histogram as one closed step outline, filled.
        double[] hx = new double[2 * bins + 2];
        double[] hy = new double[2 * bins + 2];
        // Area charts need non-decreasing x: each edge is computed once and reused.
        double[] edge = new double[bins + 1];
        for (int k = 0; k <= bins; k++) {
            edge[k] = lo + k * width;
        }
        hx[0] = edge[0];
        hy[0] = 0;
        for (int k = 0; k < bins; k++) {
            hx[1 + 2 * k] = edge[k];
            hy[1 + 2 * k] = counts[k];
            hx[2 + 2 * k] = edge[k + 1];
            hy[2 + 2 * k] = counts[k];
        }
        hx[2 * bins + 1] = edge[bins];
        hy[2 * bins + 1] = 0;
        double top = maxCount * 1.08;
        // Grid: one series, vertical segments separated by NaN gaps.
        double[] gx = new double[3 * levels];
        double[] gy = new double[3 * levels];
        for (int l = 0; l < levels; l++) {
            gx[3 * l] = grid[l];
            gy[3 * l] = 0;
            gx[3 * l + 1] = grid[l];
            gy[3 * l + 1] = top;
            gx[3 * l + 2] = grid[l];
            gy[3 * l + 2] = Double.NaN;
        }
        String what = "int" + spec.bits() + " " + spec.scheme().cliName() + " " + spec.granularity().cliName()
                + (perChannel ? ", channel " + channel : "");
        XYChart chart = xyChart(900, 520, title + " — " + what, "weight value (bin width "
                + sci(width) + ")", "weights per bin (count)");
        AxesChartStyler st = chart.getStyler();
        st.setLegendPosition(Styler.LegendPosition.OutsideS);
        st.setLegendLayout(Styler.LegendLayout.Horizontal);
        st.setYAxisMin(0.0);
        st.setYAxisMax(top);
        double pad = 0.02 * (hi - lo);
        st.setXAxisMin(lo - pad);
        st.setXAxisMax(hi + pad);
        st.setPlotGridVerticalLinesVisible(false);
        st.setxAxisTickLabelsFormattingFunction(Charts::plainNumber);
        XYSeries h = chart.addSeries(String.format(java.util.Locale.ROOT, "weights (n = %,d)", values.length), hx,
                hy);
        h.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Area);
        h.setFillColor(new Color(0x56, 0xB4, 0xE9, 150));
        h.setLineColor(new Color(0x0072B2));
        h.setLineWidth(1f);
        h.setMarker(SeriesMarkers.NONE);
        XYSeries g = chart.addSeries(String.format(java.util.Locale.ROOT, "int%d grid: %d levels, step %s",
                spec.bits(), levels, sci(scale)), gx, gy);
        g.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        g.setMarker(SeriesMarkers.NONE);
        g.setLineColor(gridColour(levels));
        g.setLineStyle(new BasicStroke(gridWidth(levels)));
        return chart;
    }

    /** Grid line colour: opaque vermilion for sparse grids, fading as levels get denser. */
    static Color gridColour(int levels) {
        int alpha = levels <= 16 ? 230 : levels <= 32 ? 180 : levels <= 64 ? 130 : 95;
        return new Color(0xD5, 0x5E, 0x00, alpha);
    }

    /** Grid line width in pixels: 1.6 for ≤ 16 levels down to 0.6 for 128+. */
    static float gridWidth(int levels) {
        return levels <= 16 ? 1.6f : levels <= 32 ? 1.1f : levels <= 64 ? 0.8f : 0.6f;
    }

    private static float[] channelValues(WeightTensor w, int channel) {
        int channels = w.channels();
        int inner = w.inner();
        float[] x = w.unsafeData();
        float[] out = new float[w.outer() * inner];
        int j = 0;
        for (int o = 0; o < w.outer(); o++) {
            int base = (o * channels + channel) * inner;
            for (int i = 0; i < inner; i++) {
                out[j++] = x[base + i];
            }
        }
        return out;
    }

    /** A tick label without XChart's dropped leading zero ({@code .06}) or float noise: {@code 0.06}, {@code -0.1}. */
    static String plainNumber(double v) {
        if (v == 0 || Math.abs(v) < 1e-12) {
            return "0";
        }
        return new java.math.BigDecimal(v).round(new java.math.MathContext(6)).stripTrailingZeros().toPlainString();
    }

    private static String sci(double v) {
        return String.format(java.util.Locale.ROOT, "%.2e", v);
    }

    // ------------------------------------------------------------------------------------------ shared styling

    /** An XY chart with the toolkit's common styling. */
    private static XYChart xyChart(int width, int height, String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        commonStyle(chart.getStyler());
        return chart;
    }

    /** White background, light grid, legend without a heavy border. */
    private static void commonStyle(AxesChartStyler st) {
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBackgroundColor(Color.WHITE);
        st.setPlotBorderColor(new Color(0x999999));
        st.setPlotGridLinesColor(new Color(0xE3E3E3));
        st.setLegendBorderColor(new Color(0xCCCCCC));
        st.setLegendBackgroundColor(Color.WHITE);
        st.setChartTitleBoxVisible(false);
    }

    /** Shortens layer names by dropping the prefix and suffix all of them share. */
    public static List<String> shortLabels(List<String> layers) {
        if (layers.size() < 2) {
            return List.copyOf(layers);
        }
        String first = layers.get(0);
        int pre = first.length();
        int suf = first.length();
        for (String l : layers) {
            pre = Math.min(pre, commonPrefix(first, l));
            suf = Math.min(suf, commonSuffix(first, l));
        }
        // Cut at a separator so labels stay readable.
        int cut = Math.max(first.lastIndexOf('/', pre - 1) + 1, 0);
        List<String> out = new ArrayList<>();
        for (String l : layers) {
            int end = Math.max(cut, l.length() - suf);
            String s = l.substring(Math.min(cut, end), end);
            out.add(s.isEmpty() ? l : s);
        }
        return out;
    }

    private static int commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }

    private static int commonSuffix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(a.length() - 1 - i) == b.charAt(b.length() - 1 - i)) {
            i++;
        }
        return i;
    }

    private static double[] bitsAxis() {
        double[] x = new double[Bits.COUNT];
        for (int k = 0; k < Bits.COUNT; k++) {
            x[k] = Bits.MIN + k;
        }
        return x;
    }

    private static Map<String, Color> groupColours(List<String> layers) {
        Map<String, Color> m = new LinkedHashMap<>();
        for (String l : layers) {
            m.computeIfAbsent(groupOf(l), g -> PALETTE[m.size() % PALETTE.length]);
        }
        return m;
    }

    /** Renders a chart to an image (for notebook display). */
    public static java.awt.image.BufferedImage toImage(Chart<?, ?> chart) {
        return BitmapEncoder.getBufferedImage(chart);
    }

    /**
     * Writes a chart as PNG to {@code file} with {@link OutputFiles#write} (atomically, parent folders created; a
     * folder at {@code file} is refused, not replaced). Errors name the file.
     */
    public static void savePng(Chart<?, ?> chart, Path file) throws IOException {
        java.awt.image.BufferedImage image = toImage(chart);
        OutputFiles.write(file, out -> {
            if (!javax.imageio.ImageIO.write(image, "png", out)) {
                throw new IOException("no PNG writer available");
            }
        });
    }
}
