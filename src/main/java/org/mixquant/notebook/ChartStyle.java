package org.mixquant.notebook;

import java.awt.BasicStroke;
import java.awt.Color;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.mixquant.quant.Bits;

/**
 * The one place for what every chart of this package shares: palette, background and grid styling, the dashed
 * reference line, the bit-width axis and number formats. Chart classes call it; none keeps its own copy.
 */
final class ChartStyle {
    /** Colours for layer groups, rules and plans (colour-blind-safe Okabe–Ito palette, then black and grey). */
    static final Color[] PALETTE = {new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73),
        new Color(0xCC79A7), new Color(0xE69F00), new Color(0x56B4E9), new Color(0xF0E442), new Color(0x000000),
        new Color(0x777777)};

    /** Markers for methods (or rules) in order of first appearance. */
    static final Marker[] MARKERS = {SeriesMarkers.CIRCLE, SeriesMarkers.SQUARE, SeriesMarkers.DIAMOND,
        SeriesMarkers.TRIANGLE_UP, SeriesMarkers.TRIANGLE_DOWN, SeriesMarkers.PLUS};

    /** Stroke of reference lines (FP32): 1.6 px, 7 px dashes with 5 px gaps. */
    static final BasicStroke DASHED = new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
            new float[] {7f, 5f}, 0f);

    /** Width and height in pixels of the toolkit's standard XY chart. */
    static final int WIDTH = 900;
    static final int HEIGHT = 560;

    private ChartStyle() {
    }

    /** An XY chart of {@code width × height} pixels with the toolkit's common styling. */
    static XYChart xyChart(int width, int height, String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        apply(chart.getStyler());
        return chart;
    }

    /** White background, light grid, legend without a heavy border, no box around the title. */
    static void apply(AxesChartStyler st) {
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBackgroundColor(Color.WHITE);
        st.setPlotBorderColor(new Color(0x999999));
        st.setPlotGridLinesColor(new Color(0xE3E3E3));
        st.setLegendBorderColor(new Color(0xCCCCCC));
        st.setLegendBackgroundColor(Color.WHITE);
        st.setChartTitleBoxVisible(false);
    }

    /**
     * Adds a dashed black horizontal line at {@code y} over {@code [minX, maxX]}. When they are equal (every point at
     * one x, e.g. two plans of the same size) the line is widened by 10 % of {@code |x|} each side (±0.5 at x = 0), so
     * it stays visible without stretching the axis across 0: a fixed ±0.5 drew a 0.11 MB model's axis from −0.39 MB.
     */
    static void addReferenceLine(XYChart chart, String name, double y, double minX, double maxX) {
        double pad = minX != maxX ? 0 : minX == 0 ? 0.5 : 0.1 * Math.abs(minX);
        double lo = minX - pad;
        double hi = maxX + pad;
        XYSeries s = chart.addSeries(name, new double[] {lo, hi}, new double[] {y, y});
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        s.setLineColor(Color.BLACK);
        s.setLineStyle(DASHED);
        s.setMarker(SeriesMarkers.NONE);
    }

    /** The candidate bit-widths {@link Bits#MIN}..{@link Bits#MAX} as x values. */
    static double[] bitsAxis() {
        double[] x = new double[Bits.COUNT];
        for (int k = 0; k < Bits.COUNT; k++) {
            x[k] = Bits.MIN + k;
        }
        return x;
    }

    /**
     * A tick label without XChart's dropped leading zero ({@code .06}) or float noise: {@code 0.06}, {@code -0.1};
     * six significant digits at most. Every axis in MB or weight units uses it.
     */
    static String plainNumber(double v) {
        if (v == 0 || Math.abs(v) < 1e-12) {
            return "0";
        }
        return new BigDecimal(v).round(new MathContext(6)).stripTrailingZeros().toPlainString();
    }

    /** {@code v} in scientific notation with three significant digits ({@code 1.23e-02}). */
    static String sci(double v) {
        return String.format(Locale.ROOT, "%.2e", v);
    }
}
