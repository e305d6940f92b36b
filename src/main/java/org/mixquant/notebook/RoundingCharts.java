package org.mixquant.notebook;

import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.mixquant.methods.Gptq;
import org.mixquant.quant.ChannelErrors;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.QuantSpec;
import org.mixquant.quant.Scheme;
import org.mixquant.tensor.WeightTensor;

/**
 * Why group-wise scales and GPTQ's error feedback help, on one layer: the round-off error per output channel at
 * several granularities, and the layer-output error {@code ‖XŴ − XW‖²} of rounding to nearest against GPTQ.
 */
public final class RoundingCharts {
    private RoundingCharts() {
    }

    /**
     * One line per granularity: each output channel's mean squared round-off error at {@code bits} (asymmetric,
     * min-max; {@link ChannelErrors#mseDescending}), channels sorted from the worst to the best, log scale. The worst
     * channels are those an outlier stretched; smaller groups confine each outlier's range to its own group. Channels
 * whose error is exactly 0 are left off the log axis (an all-zero layer keeps one point at 0).
     *
     * @throws IllegalArgumentException if no granularity is given
     */
    public static XYChart channelErrors(String title, WeightTensor w, int bits, List<Granularity> granularities) {
        if (granularities.isEmpty()) {
            throw new IllegalArgumentException("no granularities to chart");
        }
        XYChart chart = ChartStyle.xyChart(820, 480, title, "output channel, sorted by its error (worst first)",
                "mean squared round-off error (log scale)");
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        int k = 0;
        for (Granularity g : granularities) {
            double[] all = ChannelErrors.mseDescending(w, new QuantSpec(bits, Scheme.ASYMMETRIC, g));
            int n = Math.max(1, positiveCount(all));
            double[] x = new double[n];
            for (int c = 0; c < n; c++) {
                x[c] = c + 1;
            }
            XYSeries s = chart.addSeries(label(g) + ", int" + bits, x, java.util.Arrays.copyOf(all, n));
            s.setMarker(SeriesMarkers.NONE);
            s.setLineColor(ChartStyle.PALETTE[k++ % ChartStyle.PALETTE.length]);
        }
        return chart;
    }

    /**
     * The layer loss {@code ‖XŴ − XW‖²} on the calibration inputs against bits, with rounding to nearest and with
     * GPTQ (same grid), from {@link Gptq#layer} reports (one per bit-width), log scale: two lines, one point per
     * report, in the order given.
     *
     * @throws IllegalArgumentException if there are no reports, or a loss is not positive (no place on a log axis)
     */
    public static XYChart errorFeedback(String title, List<Gptq.LayerReport> reports) {
        if (reports.isEmpty()) {
            throw new IllegalArgumentException("no GPTQ layer reports to chart");
        }
        int n = reports.size();
        double[] bits = new double[n];
        double[] nearest = new double[n];
        double[] gptq = new double[n];
        for (int i = 0; i < n; i++) {
            Gptq.LayerReport r = reports.get(i);
            if (!(r.nearestLoss() > 0 && r.gptqLoss() > 0)) {
                throw new IllegalArgumentException("layer " + r.layer() + " at int" + r.bits() + " has a loss of 0"
                        + " (nearest " + r.nearestLoss() + ", gptq " + r.gptqLoss() + "): nothing to show on a log"
                        + " axis");
            }
            bits[i] = r.bits();
            nearest[i] = r.nearestLoss();
            gptq[i] = r.gptqLoss();
        }
        XYChart chart = ChartStyle.xyChart(720, 440, title, "bits", "layer output error ‖XŴ − XW‖² (log scale)");
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setXAxisDecimalPattern("0");
        XYSeries a = chart.addSeries("round to nearest", bits, nearest);
        a.setLineColor(ChartStyle.PALETTE[1]);
        a.setMarkerColor(ChartStyle.PALETTE[1]);
        a.setMarker(SeriesMarkers.CIRCLE);
        XYSeries b = chart.addSeries("GPTQ (error feedback)", bits, gptq);
        b.setLineColor(ChartStyle.PALETTE[0]);
        b.setMarkerColor(ChartStyle.PALETTE[0]);
        b.setMarker(SeriesMarkers.DIAMOND);
        return chart;
    }

    /** Legend label of a granularity: {@code per-channel}, {@code G = 128}. */
    static String label(Granularity g) {
        return g.isPerGroup() ? "G = " + g.groupSize() : g.label();
    }

    /** The leading positive values of a descending array: a log axis cannot show exact (0) channels. */
    static int positiveCount(double[] descending) {
        int n = 0;
        while (n < descending.length && descending[n] > 0) {
            n++;
        }
        return n;
    }
}
