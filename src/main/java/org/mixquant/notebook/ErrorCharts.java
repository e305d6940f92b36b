package org.mixquant.notebook;

import java.awt.BasicStroke;
import java.awt.Color;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.HeatMapStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.mixquant.quant.Bits;
import org.mixquant.search.ErrorTable;

/** Charts of an {@link ErrorTable}: quantization error and its ratio to 8 bits per layer and bit-width. */
public final class ErrorCharts {
    /** Light-to-dark sequential colours (ColorBrewer YlOrRd without its darkest step, so black text stays legible). */
    static final Color[] HEAT_COLOURS = {new Color(0xFFFFCC), new Color(0xFFEDA0), new Color(0xFED976),
        new Color(0xFEB24C), new Color(0xFD8D3C), new Color(0xFC4E2A), new Color(0xE31A1C)};

    /** Name of the noise-model series in {@link #ratioCurves}; the formula of the table's scheme follows it. */
    static final String MODEL_SERIES = "step²/12 model ";

    private ErrorCharts() {
    }

    /**
     * Per-layer quantization error (MSE, log scale) against bit-width 2..8, one line per layer, coloured by layer
     * group with one legend entry per group.
     */
    public static XYChart errorCurves(ErrorTable table) {
        return perLayerCurves("Quantization error per layer (" + table.model() + ", " + table.scheme().cliName()
                + " " + table.granularity().label() + ")", "QE = mean squared error (log scale)", table,
                table::mse);
    }

    /**
     * QE(b)/QE(8) per layer (log scale) with the step²/12 noise model of the table's scheme
     * ({@link ErrorTable#modelRatioTo8(org.mixquant.quant.Scheme, int)}) as a dashed line: layers
     * on the line get the same bits from the paper's qem rule; layers below it (outlier-heavy) get fewer.
     */
    public static XYChart ratioCurves(ErrorTable table) {
        XYChart chart = perLayerCurves("QE(b) / QE(8) per layer vs the step²/12 model (" + table.model() + ")",
                "QE(b) / QE(8) (log scale)", table, table::ratioTo8);
        double[] model = new double[Bits.COUNT];
        for (int k = 0; k < Bits.COUNT; k++) {
            model[k] = table.modelRatioTo8(Bits.MIN + k);
        }
        XYSeries m = chart.addSeries(MODEL_SERIES + ErrorTable.modelRatioFormula(table.scheme()),
                ChartStyle.bitsAxis(), model);
        m.setLineColor(Color.BLACK);
        m.setLineStyle(new BasicStroke(2.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                new float[] {8f, 6f}, 0f));
        m.setMarker(SeriesMarkers.NONE);
        return chart;
    }

    /**
     * The whole error table as one heat map: a row per layer (forward order, first layer on top; labels shortened as
     * in {@link LayerLabels#shortLabels}), a column per bit-width 2..8, colour = log10 QE (QE = mean squared error),
     * and each cell labelled with its log10 QE to one decimal (−6.4 means QE ≈ 4·10⁻⁷). Use it instead of
     * {@link #errorCurves} when there are more than a dozen layers: 36 overlapping lines hide which layer is which,
     * while the grid keeps every layer on its own row and every value readable. A layer whose QE is 0 (all-zero
     * weights) is drawn in the lowest colour.
     *
     * @throws IllegalArgumentException if the table has no layers
     */
    public static HeatMapChart errorHeatmap(ErrorTable table) {
        int n = table.size();
        if (n == 0) {
            throw new IllegalArgumentException("the error table has no layers");
        }
        List<String> labels = LayerLabels.shortLabels(table.layers());
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
                        + table.granularity().label() + ")")
                .xAxisTitle("bit-width (bits)").yAxisTitle("layer (forward order, first on top)").build();
        HeatMapStyler st = chart.getStyler();
        ChartStyle.apply(st);
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
        XYChart chart = ChartStyle.xyChart(ChartStyle.WIDTH, ChartStyle.HEIGHT, title, "bit-width (bits)", yTitle);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
        chart.getStyler().setxAxisTickLabelsFormattingFunction(v -> Integer.toString((int) Math.round(v)));
        double[] x = ChartStyle.bitsAxis();
        Map<String, Color> colours = LayerLabels.groupColours(table.layers());
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
            String group = LayerLabels.groupOf(name);
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
}
