package org.mixquant.notebook;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.mixquant.eval.EvalRow;
import org.mixquant.eval.MetricId;
import org.mixquant.notebook.Charts.Quality;

/**
 * Charts of {@link EvalRow}s (one row per plan and method): quality or accuracy against average bits per weight, and
 * model size against quality. Rules keep their colour and marker across charts ({@link RuleStyles}); methods are
 * told apart by their id ({@link EvalRow#methodId()}: {@code nearest}, {@code adaround}, {@code brecq}).
 */
public final class EvaluationCharts {
    private EvaluationCharts() {
    }

    /**
     * Quality against average bits per weight: one line with markers per rule ({@code uniform}, {@code qem},
     * {@code avg-bits}, {@code max-rel-error}, ...; per rule and method id when the rows hold several methods), points
     * in order of average bits, so a MixQuant plan can be compared with uniform bits at equal average bits (a qem
     * sweep, for instance, lands on top of the uniform line). FP32 rows ({@link #isFp32}) are drawn as a dashed
     * horizontal reference line instead of a point at 32 bits. Rows whose measure is NaN are skipped. Above ~5 bits
     * cosines crowd just under 1 on a linear axis; {@link Quality#COSINE_DISTANCE} spreads them out and is the better
     * view for comparing rules.
     *
     * @throws IllegalArgumentException if no quantized row has a plottable measure
     */
    public static XYChart qualityVsBits(List<EvalRow> rows, Quality quality) {
        List<EvalRow> fp32 = new ArrayList<>();
        Map<String, List<EvalRow>> groups = groupByRule(rows, quality, fp32);
        Map<String, List<BitsPoint>> points = new LinkedHashMap<>();
        groups.forEach((k, es) -> points.put(k, es.stream().map(e -> new BitsPoint(e.rule(), e.methodId(),
                e.averageBits(), quality.of(e))).toList()));
        Double reference = null;
        for (EvalRow e : fp32) {
            if (reference == null && quality.plottable(quality.of(e))) {
                reference = quality.of(e);
            }
        }
        return bitsChart("Fidelity vs average bits per weight: " + quality.label(), quality.axisTitle(),
                quality.logarithmic(), points, reference);
    }

    /**
     * {@link MetricId#TOP1} of the Fashion-MNIST CNNs, in percent, against average bits per weight, drawn like
     * {@link #qualityVsBits}: one line per rule (and method id when there are several), FP32 as a dashed reference
     * line.
     *
     * @throws IllegalArgumentException if there is no quantized row
     */
    public static XYChart accuracyVsBits(String model, List<EvalRow> rows) {
        Map<String, List<BitsPoint>> points = new LinkedHashMap<>();
        Set<String> methods = new LinkedHashSet<>();
        Double reference = null;
        for (EvalRow e : rows) {
            if (!isFp32(e)) {
                methods.add(e.methodId());
            }
        }
        for (EvalRow e : rows) {
            double top1 = MetricId.TOP1.toColumn(e.metric(MetricId.TOP1));
            if (isFp32(e)) {
                reference = reference == null ? top1 : reference;
                continue;
            }
            String key = methods.size() > 1 ? e.rule() + " · " + e.methodId() : e.rule();
            points.computeIfAbsent(key, k -> new ArrayList<>()).add(new BitsPoint(e.rule(), e.methodId(),
                    e.averageBits(), top1));
        }
        if (points.isEmpty()) {
            throw new IllegalArgumentException("no quantized rows among " + rows.size() + " rows");
        }
        return bitsChart("Top-1 accuracy vs average bits per weight (" + model + ")", "top-1 accuracy (%)", false,
                points, reference);
    }

    /**
     * Model size (MB, whole model: quantized layers with their scales and zero-points plus the FP32 rest) against
     * quality, as a scatter with one series per rule, or per rule and method id when the rows hold several methods
     * (colour = rule, marker = method). FP32 is a dashed reference line at its quality, with its size in the legend
     * (left out on a log quality axis, where its distance 0 has no place). The upper left is best: small and
     * faithful.
     *
     * @throws IllegalArgumentException if no row has a plottable measure
     */
    public static XYChart sizeVsQuality(List<EvalRow> rows, Quality quality) {
        List<EvalRow> fp32 = new ArrayList<>();
        Map<String, List<EvalRow>> groups = groupByRule(rows, quality, fp32);
        XYChart chart = ChartStyle.xyChart(ChartStyle.WIDTH, ChartStyle.HEIGHT, "Model size vs " + quality.label(),
                "model size (MB, 1 MB = 10^6 bytes)", quality.axisTitle());
        AxesChartStyler st = chart.getStyler();
        st.setYAxisLogarithmic(quality.logarithmic());
        st.setLegendPosition(Styler.LegendPosition.OutsideE);
        st.setMarkerSize(9);
        st.setxAxisTickLabelsFormattingFunction(ChartStyle::plainNumber);
        RuleStyles styles = new RuleStyles();
        List<String> methods = new ArrayList<>(methodsOf(groups));
        boolean manyMethods = methods.size() > 1;
        double minX = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        for (Map.Entry<String, List<EvalRow>> g : groups.entrySet()) {
            List<EvalRow> es = g.getValue();
            double[] x = new double[es.size()];
            double[] y = new double[es.size()];
            for (int i = 0; i < es.size(); i++) {
                x[i] = es.get(i).sizeMB();
                y[i] = quality.of(es.get(i));
                minX = Math.min(minX, x[i]);
                maxX = Math.max(maxX, x[i]);
            }
            EvalRow first = es.get(0);
            XYSeries s = chart.addSeries(g.getKey(), x, y);
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            s.setMarkerColor(styles.colour(first.rule()));
            s.setMarker(manyMethods ? ChartStyle.MARKERS[methods.indexOf(first.methodId()) % ChartStyle.MARKERS.length]
                    : styles.marker(first.rule()));
        }
        for (EvalRow e : fp32) {
            double y = quality.of(e);
            if (quality.plottable(y)) {
                // A line at FP32's quality rather than a point at its size, which would squeeze the quantized points
                // into a corner; its size is in the label.
                ChartStyle.addReferenceLine(chart, String.format(Locale.ROOT, "FP32: %.1f MB, %s %.4g", e.sizeMB(),
                        quality.label(), y), y, minX, maxX);
                break;
            }
        }
        return chart;
    }

    /**
     * Whether a row is the FP32 reference: rule {@code fp32} ({@link EvalRow#isFp32()}, here in any case, as a CSV
     * edited by hand may spell it) or method {@code none}.
     */
    static boolean isFp32(EvalRow e) {
        return EvalRow.FP32.equalsIgnoreCase(e.rule()) || "none".equalsIgnoreCase(e.method());
    }

    /** One plotted plan: its rule and method id (for styling), average bits and measured value. */
    private record BitsPoint(String rule, String methodId, double bits, double y) {
    }

    private static XYChart bitsChart(String title, String yTitle, boolean logY, Map<String, List<BitsPoint>> groups,
            Double reference) {
        XYChart chart = ChartStyle.xyChart(ChartStyle.WIDTH, ChartStyle.HEIGHT, title,
                "average bits per weight (bits)", yTitle);
        AxesChartStyler st = chart.getStyler();
        st.setYAxisLogarithmic(logY);
        st.setLegendPosition(Styler.LegendPosition.OutsideE);
        double minX = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        RuleStyles styles = new RuleStyles();
        for (Map.Entry<String, List<BitsPoint>> g : groups.entrySet()) {
            List<BitsPoint> es = new ArrayList<>(g.getValue());
            es.sort(Comparator.comparingDouble(BitsPoint::bits));
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
            s.setLineStyle(styles.line(first.methodId()));
        }
        if (reference != null) {
            ChartStyle.addReferenceLine(chart, "FP32 (" + String.format(Locale.ROOT, "%.4g", reference) + ")",
                    reference, minX, maxX);
        }
        st.setxAxisTickLabelsFormattingFunction(v -> v == Math.rint(v) ? Integer.toString((int) Math.rint(v))
                : String.format(Locale.ROOT, "%.1f", v));
        return chart;
    }

    /**
     * Quantized rows with a plottable measure, grouped by rule (and method id when there are several), in order of
     * first appearance; FP32 rows go to {@code fp32}.
     */
    private static Map<String, List<EvalRow>> groupByRule(List<EvalRow> rows, Quality quality, List<EvalRow> fp32) {
        List<EvalRow> quantized = new ArrayList<>();
        Set<String> methods = new LinkedHashSet<>();
        for (EvalRow e : rows) {
            if (isFp32(e)) {
                fp32.add(e);
            } else if (quality.plottable(quality.of(e))) {
                quantized.add(e);
                methods.add(e.methodId());
            }
        }
        if (quantized.isEmpty()) {
            throw new IllegalArgumentException("no quantized rows with a plottable " + quality.label() + " among "
                    + rows.size() + " rows");
        }
        boolean many = methods.size() > 1;
        Map<String, List<EvalRow>> groups = new LinkedHashMap<>();
        for (EvalRow e : quantized) {
            String key = many ? e.rule() + " · " + e.methodId() : e.rule();
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(e);
        }
        return groups;
    }

    private static Set<String> methodsOf(Map<String, List<EvalRow>> groups) {
        Set<String> m = new LinkedHashSet<>();
        for (List<EvalRow> es : groups.values()) {
            for (EvalRow e : es) {
                m.add(e.methodId());
            }
        }
        return m;
    }
}
