package org.mixquant.notebook;

import java.awt.Color;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.mixquant.eval.EvalRow;
import org.mixquant.eval.MetricId;

/** Charts of a method comparison: quantizers (nearest, AdaRound, BRECQ) with uniform and MixQuant plans. */
public final class MethodCharts {
    /** Colour per method id ({@link EvalRow#methodId()}, as in {@code Methods.NAMES}); other ids are dark grey. */
    static final Map<String, Color> METHOD_COLOURS = Map.of("nearest", new Color(0x1f77b4), "adaround",
            new Color(0xff7f0e), "brecq", new Color(0x2ca02c), "gptq", new Color(0xd62728));

    private MethodCharts() {
    }

    /**
     * A method comparison (rows of a {@code Study}): model size (MB) against {@link EvalRow#quality()}, one series
     * per method id and plan kind — colour = method (nearest, adaround, brecq), filled circles joined by a line in
     * size order = uniform plans, diamonds = MixQuant plans — and FP32 as a dashed reference line. Upper left is
     * best. The y axis is top-1 accuracy (%) when the last row's {@link EvalRow#primary()} metric is
     * {@link MetricId#TOP1}, else mean cosine to FP32.
     *
     * @throws IllegalArgumentException if there is no quantized row
     */
    public static XYChart methodComparison(String model, List<EvalRow> rows) {
        Map<String, List<EvalRow>> groups = new LinkedHashMap<>();
        EvalRow fp32 = null;
        for (EvalRow r : rows) {
            if (r.isFp32()) {
                fp32 = r;
                continue;
            }
            String key = r.methodId() + (r.isMixQuant() ? " + MixQuant" : " uniform");
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
        }
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("no quantized rows to plot");
        }
        boolean accuracy = rows.get(rows.size() - 1).primary() == MetricId.TOP1;
        XYChart chart = ChartStyle.xyChart(ChartStyle.WIDTH, ChartStyle.HEIGHT, model + ": model size vs "
                + (accuracy ? "accuracy" : "fidelity") + ", by method", "model size (MB, 1 MB = 10^6 bytes)",
                accuracy ? "top-1 accuracy (%)" : "mean cosine to FP32 embeddings");
        AxesChartStyler st = chart.getStyler();
        st.setLegendPosition(Styler.LegendPosition.OutsideE);
        st.setMarkerSize(9);
        st.setxAxisTickLabelsFormattingFunction(ChartStyle::plainNumber);
        double minX = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        for (Map.Entry<String, List<EvalRow>> g : groups.entrySet()) {
            List<EvalRow> rs = new ArrayList<>(g.getValue());
            rs.sort(Comparator.comparingDouble(EvalRow::sizeMB));
            double[] x = rs.stream().mapToDouble(EvalRow::sizeMB).toArray();
            double[] y = rs.stream().mapToDouble(EvalRow::quality).toArray();
            for (double v : x) {
                minX = Math.min(minX, v);
                maxX = Math.max(maxX, v);
            }
            EvalRow first = rs.get(0);
            XYSeries s = chart.addSeries(g.getKey(), x, y);
            boolean mixed = first.isMixQuant();
            s.setXYSeriesRenderStyle(mixed ? XYSeries.XYSeriesRenderStyle.Scatter : XYSeries.XYSeriesRenderStyle.Line);
            Color c = METHOD_COLOURS.getOrDefault(first.methodId(), Color.DARK_GRAY);
            s.setMarkerColor(c);
            s.setLineColor(c);
            s.setMarker(mixed ? SeriesMarkers.DIAMOND : SeriesMarkers.CIRCLE);
        }
        if (fp32 != null) {
            ChartStyle.addReferenceLine(chart, String.format(Locale.ROOT, "FP32: %.2f MB, %.4g", fp32.sizeMB(),
                    fp32.quality()), fp32.quality(), minX, maxX);
        }
        return chart;
    }
}
