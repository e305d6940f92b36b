package org.mixquant.notebook;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.mixquant.eval.Frontier;
import org.mixquant.eval.MetricId;

/** Charts of a {@link Frontier} study. */
public final class FrontierCharts {
    private FrontierCharts() {
    }

    /**
     * Model size (MB) against one quality metric, one line per cost (uniform included), points in size order; the
     * upper left is best. The title and each legend entry name the method the quality comes from, e.g.
     * {@code measured (brecq)}.
     *
     * @param metric a metric of the points' quality ({@link MetricId#TOP1}, {@link MetricId#MEAN_COSINE}, …), plotted
     *               in its own unit and labelled by its {@link MetricId#field()} name
     * @throws IllegalArgumentException if no point has that metric
     */
    public static XYChart sizeVsQuality(Frontier.Result r, MetricId metric) {
        Map<String, List<Frontier.Point>> byCost = new LinkedHashMap<>();
        for (Frontier.Point p : r.points()) {
            if (p.quality().containsKey(metric)) {
                byCost.computeIfAbsent(p.cost(), k -> new ArrayList<>()).add(p);
            }
        }
        if (byCost.isEmpty()) {
            throw new IllegalArgumentException("no frontier point has the metric '" + metric.field() + "'");
        }
        XYChart chart = ChartStyle.xyChart(ChartStyle.WIDTH, ChartStyle.HEIGHT, r.model() + ": size vs " + metric.field()
                + " (" + r.method() + ")", "model size (MB)", metric.field());
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        chart.getStyler().setxAxisTickLabelsFormattingFunction(ChartStyle::plainNumber);
        for (Map.Entry<String, List<Frontier.Point>> e : byCost.entrySet()) {
            List<Frontier.Point> ps = new ArrayList<>(e.getValue());
            ps.sort((a, b) -> Double.compare(a.sizeMB(), b.sizeMB()));
            double[] x = new double[ps.size()];
            double[] y = new double[ps.size()];
            for (int i = 0; i < ps.size(); i++) {
                x[i] = ps.get(i).sizeMB();
                y[i] = ps.get(i).quality().get(metric);
            }
            XYSeries s = chart.addSeries(e.getKey() + " (" + r.method() + ")", x, y);
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        }
        return chart;
    }
    /**
     * The additivity check as a scatter: each cost plan's predicted cost (Σ of its single-layer costs) against the
     * measured distortion of the whole plan (rounded to nearest, on the calibration data), one series per cost, both
     * axes logarithmic, with the line predicted = measured (dashed). Points above the line: the layers' effects add up
     * to more than the sum of their single-layer costs. The legend gives each cost's Pearson and Spearman correlation
     * ({@link Frontier.Additivity}). Uniform rows have no prediction and are left out.
     *
     * @throws IllegalArgumentException if no point has a positive prediction and distortion
     */
    public static XYChart additivity(Frontier.Result r) {
        XYChart chart = ChartStyle.xyChart(ChartStyle.WIDTH, ChartStyle.HEIGHT, r.model() + ": predicted vs measured"
                + " distortion", "predicted: Σ single-layer costs", "measured: " + r.metric());
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        int c = 0;
        for (Frontier.Additivity a : r.additivity()) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (Frontier.Point p : r.points()) {
                if (p.cost().equals(a.cost()) && p.predicted() > 0 && p.distortion() > 0) {
                    x.add(p.predicted());
                    y.add(p.distortion());
                    lo = Math.min(lo, Math.min(p.predicted(), p.distortion()));
                    hi = Math.max(hi, Math.max(p.predicted(), p.distortion()));
                }
            }
            if (x.isEmpty()) {
                continue;
            }
            XYSeries s = chart.addSeries(String.format(java.util.Locale.ROOT, "%s (Pearson %.3f, Spearman %.3f)",
                    a.cost(), a.pearson(), a.spearman()), x, y);
            s.setMarker(ChartStyle.MARKERS[c % ChartStyle.MARKERS.length]);
            s.setMarkerColor(ChartStyle.PALETTE[c++ % ChartStyle.PALETTE.length]);
        }
        if (c == 0) {
            throw new IllegalArgumentException("no frontier point of " + r.model() + " has a positive prediction and"
                    + " distortion");
        }
        XYSeries diag = chart.addSeries("predicted = measured", new double[] {lo, hi}, new double[] {lo, hi});
        diag.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        diag.setLineColor(java.awt.Color.BLACK);
        diag.setLineStyle(ChartStyle.DASHED);
        diag.setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
        return chart;
    }
}
