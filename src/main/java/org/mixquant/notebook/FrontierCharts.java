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
}
