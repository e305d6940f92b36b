package org.mixquant.notebook;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;

/** Charts of how a computation's time grows with the model's size. */
public final class ScalingCharts {
    private ScalingCharts() {
    }

    /**
     * Error-sweep time (seconds) against quantizable weights, log-log, measured points joined, with the linear law
     * t = n / r through them as a dashed line (r, weights per second, the geometric mean of the points' n / t, so each
     * point weighs the same): on log-log axes a linear law is a line of slope 1, and the points fall on it when the
     * sweep is linear in the number of weights.
     *
     * @param title   chart title
     * @param weights quantizable weights of each model (each ≥ 1; points are joined in the order given)
     * @param seconds sweep time of each model (each > 0)
     * @throws IllegalArgumentException for mismatched lengths, no point, or a non-positive value
     */
    public static XYChart sweepTime(String title, long[] weights, double[] seconds) {
        if (weights.length != seconds.length || weights.length == 0) {
            throw new IllegalArgumentException("need one time per model and at least one model, got "
                    + weights.length + " sizes and " + seconds.length + " times");
        }
        double[] x = new double[weights.length];
        double logRate = 0;
        for (int i = 0; i < x.length; i++) {
            if (weights[i] < 1 || !(seconds[i] > 0)) {
                throw new IllegalArgumentException("sizes and times must be positive, got " + weights[i] + " and "
                        + seconds[i]);
            }
            x[i] = weights[i];
            logRate += Math.log(weights[i] / seconds[i]);
        }
        double rate = Math.exp(logRate / x.length);
        XYChart chart = ChartStyle.xyChart(ChartStyle.WIDTH, ChartStyle.HEIGHT, title, "quantizable weights",
                "sweep time (s), bits 2..8");
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        XYSeries measured = chart.addSeries("measured", x, seconds.clone());
        measured.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        double lo = java.util.Arrays.stream(x).min().getAsDouble() / 2;
        double hi = java.util.Arrays.stream(x).max().getAsDouble() * 2;
        XYSeries law = chart.addSeries(String.format(java.util.Locale.ROOT, "linear: n / %.3g weights/s", rate),
                new double[] {lo, hi}, new double[] {lo / rate, hi / rate});
        law.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        law.setLineStyle(ChartStyle.DASHED);
        law.setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
        return chart;
    }
}
