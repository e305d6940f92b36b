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
import org.mixquant.eval.ComparisonRow;

/** Charts of a method comparison: quantizers (asym, AdaRound, BRECQ) with uniform and MixQuant plans. */
public final class MethodCharts {
    /** Colour per method family; other families are dark grey. */
    static final Map<String, Color> METHOD_COLOURS = Map.of("asym", new Color(0x1f77b4), "adaround",
            new Color(0xff7f0e), "brecq", new Color(0x2ca02c));

    private MethodCharts() {
    }

    /**
     * A method comparison (see {@code MethodComparison}): model size (MB) against the quality metric, one series per
     * method and plan kind — colour = method (asym, adaround, brecq), filled circles joined by a line in size order
     * = uniform plans, diamonds = MixQuant plans — and FP32 as a dashed reference line. Upper left is best. The y
     * axis is top-1 accuracy (%) when the last row's metric is {@code top1_%}, else mean cosine to FP32.
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
        boolean accuracy = rows.get(rows.size() - 1).metric().equals("top1_%");
        XYChart chart = ChartStyle.xyChart(ChartStyle.WIDTH, ChartStyle.HEIGHT, model + ": model size vs "
                + (accuracy ? "accuracy" : "fidelity") + ", by method", "model size (MB, 1 MB = 10^6 bytes)",
                accuracy ? "top-1 accuracy (%)" : "mean cosine to FP32 embeddings");
        AxesChartStyler st = chart.getStyler();
        st.setLegendPosition(Styler.LegendPosition.OutsideE);
        st.setMarkerSize(9);
        st.setxAxisTickLabelsFormattingFunction(ChartStyle::plainNumber);
        double minX = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        for (Map.Entry<String, List<ComparisonRow>> g : groups.entrySet()) {
            List<ComparisonRow> rs = new ArrayList<>(g.getValue());
            rs.sort(Comparator.comparingDouble(ComparisonRow::sizeMB));
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
            ChartStyle.addReferenceLine(chart, String.format(Locale.ROOT, "FP32: %.2f MB, %.4g", fp32.sizeMB(),
                    fp32.quality()), fp32.quality(), minX, maxX);
        }
        return chart;
    }
}
