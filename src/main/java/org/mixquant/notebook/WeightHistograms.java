package org.mixquant.notebook;

import java.awt.BasicStroke;
import java.awt.Color;
import java.util.Locale;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.QParams;
import org.mixquant.quant.QuantSpec;
import org.mixquant.tensor.WeightTensor;

/** Histograms of a layer's weights with the quantization grid of a {@link QuantSpec} drawn over them. */
public final class WeightHistograms {
    private WeightHistograms() {
    }

    /**
     * Histogram of a layer's weights with the quantization grid drawn over it as vertical lines: every real value
     * {@code (q − zp)·scale} that the min-max quantizer of {@code spec} can produce ({@code 2^b} levels asymmetric,
     * {@code 2^b − 1} symmetric), computed in float32 as {@link org.mixquant.quant.FakeQuant} does. Each weight is
     * rounded to its nearest line. Between 20 and 200 equal bins span the values and the grid; lines get thinner and
     * fainter as the grid gets denser, so 7–8-bit grids still show the histogram underneath. {@code w} is not
     * modified.
     *
     * @param title   first part of the title; the bit-width, scheme and granularity are appended
     * @param spec    bits, scheme and granularity of the grid
     * @param channel for a per-channel spec, the output channel whose values and grid are shown
     *                ({@code 0 .. channels−1}); for a per-tensor spec, {@code -1} (all values, one grid)
     * @throws IllegalArgumentException for a channel out of range, a channel other than -1 with a per-tensor spec, or
     *                                  a per-group spec
     */
    public static XYChart weightHistogram(String title, WeightTensor w, QuantSpec spec, int channel) {
        if (spec.granularity().isPerGroup()) {
            throw new IllegalArgumentException("a per-group spec has one grid per group; the histogram shows one"
                    + " channel's (per-channel) or the tensor's (per-tensor) grid");
        }
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
        String what = "int" + spec.bits() + " " + spec.scheme().cliName() + " " + spec.granularity().label()
                + (perChannel ? ", channel " + channel : "");
        XYChart chart = ChartStyle.xyChart(ChartStyle.WIDTH, 520, title + " — " + what, "weight value (bin width "
                + ChartStyle.sci(width) + ")", "weights per bin (count)");
        AxesChartStyler st = chart.getStyler();
        st.setLegendPosition(Styler.LegendPosition.OutsideS);
        st.setLegendLayout(Styler.LegendLayout.Horizontal);
        st.setYAxisMin(0.0);
        st.setYAxisMax(top);
        double pad = 0.02 * (hi - lo);
        st.setXAxisMin(lo - pad);
        st.setXAxisMax(hi + pad);
        st.setPlotGridVerticalLinesVisible(false);
        st.setxAxisTickLabelsFormattingFunction(ChartStyle::plainNumber);
        XYSeries h = chart.addSeries(String.format(Locale.ROOT, "weights (n = %,d)", values.length), hx, hy);
        h.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Area);
        h.setFillColor(new Color(0x56, 0xB4, 0xE9, 150));
        h.setLineColor(new Color(0x0072B2));
        h.setLineWidth(1f);
        h.setMarker(SeriesMarkers.NONE);
        XYSeries g = chart.addSeries(String.format(Locale.ROOT, "int%d grid: %d levels, step %s", spec.bits(), levels,
                ChartStyle.sci(scale)), gx, gy);
        g.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        g.setMarker(SeriesMarkers.NONE);
        g.setLineColor(gridColour(levels));
        g.setLineStyle(new BasicStroke(gridWidth(levels)));
        return chart;
    }

    /** Grid line colour: vermilion, alpha 230 for ≤ 16 levels fading to 95 for 128+. */
    static Color gridColour(int levels) {
        int alpha = levels <= 16 ? 230 : levels <= 32 ? 180 : levels <= 64 ? 130 : 95;
        return new Color(0xD5, 0x5E, 0x00, alpha);
    }

    /** Grid line width in pixels: 1.6 for ≤ 16 levels down to 0.6 for 128+. */
    static float gridWidth(int levels) {
        return levels <= 16 ? 1.6f : levels <= 32 ? 1.1f : levels <= 64 ? 0.8f : 0.6f;
    }

    /** The values of one output channel, copied in memory order. */
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
}
