package org.mixquant.notebook;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Bits;
import org.mixquant.search.ErrorTable;

/**
 * XChart charts of MixQuant results. Each method returns a chart that a notebook can show (see
 * {@link #toImage}) and that {@link #savePng} writes to a file.
 */
public final class Charts {
    /** Colours for layer groups and bit-widths (colour-blind-safe Okabe–Ito palette, then greys). */
    static final Color[] PALETTE = {new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73),
        new Color(0xCC79A7), new Color(0xE69F00), new Color(0x56B4E9), new Color(0xF0E442), new Color(0x000000),
        new Color(0x777777)};

    private Charts() {
    }

    /**
     * The group of a layer: its name with every number replaced by {@code #}, so the same sublayer of every block
     * shares a colour (e.g. {@code /encoder/layer.#/attention/self/query/MatMul}).
     */
    public static String groupOf(String layer) {
        return layer.replaceAll("\\d+", "#");
    }

    /**
     * Per-layer quantization error (MSE, log scale) against bit-width 2..8, one line per layer, coloured by layer
     * group with one legend entry per group.
     */
    public static XYChart errorCurves(ErrorTable table) {
        XYChart chart = new XYChartBuilder().width(900).height(560)
                .title("Quantization error per layer (" + table.model() + ", " + table.scheme().cliName() + " "
                        + table.granularity().cliName() + ")")
                .xAxisTitle("bit-width (bits)").yAxisTitle("QE = mean squared error (log scale)").build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
        chart.getStyler().setxAxisTickLabelsFormattingFunction(v -> Integer.toString((int) Math.round(v)));
        double[] x = bitsAxis();
        Map<String, Color> colours = groupColours(table.layers());
        Map<String, Boolean> shown = new LinkedHashMap<>();
        for (int i = 0; i < table.size(); i++) {
            String name = table.layers().get(i);
            double[] y = new double[Bits.COUNT];
            boolean positive = true;
            for (int k = 0; k < Bits.COUNT; k++) {
                y[k] = table.mse(i, Bits.MIN + k);
                positive &= y[k] > 0;
            }
            if (!positive) {
                continue;
            }
            String group = groupOf(name);
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

    /**
     * QE(b)/QE(8) per layer (log scale) with the step²/12 noise model's ((2^8−1)/(2^b−1))² as a dashed line: layers
     * on the line get the same bits from the paper's qem rule; layers below it (outlier-heavy) get fewer.
     */
    public static XYChart ratioCurves(ErrorTable table) {
        XYChart chart = new XYChartBuilder().width(900).height(560)
                .title("QE(b) / QE(8) per layer vs the step²/12 model (" + table.model() + ")")
                .xAxisTitle("bit-width (bits)").yAxisTitle("QE(b) / QE(8) (log scale)").build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setxAxisTickLabelsFormattingFunction(v -> Integer.toString((int) Math.round(v)));
        double[] x = bitsAxis();
        Map<String, Color> colours = groupColours(table.layers());
        Map<String, Boolean> shown = new LinkedHashMap<>();
        for (int i = 0; i < table.size(); i++) {
            String name = table.layers().get(i);
            double[] y = new double[Bits.COUNT];
            for (int k = 0; k < Bits.COUNT; k++) {
                y[k] = table.ratioTo8(i, Bits.MIN + k);
            }
            String group = groupOf(name);
            boolean first = shown.putIfAbsent(group, true) == null;
            XYSeries s = chart.addSeries(first ? group : name, x, y);
            s.setLineColor(colours.get(group));
            s.setMarker(SeriesMarkers.NONE);
            s.setLineStyle(SeriesLines.SOLID);
            s.setShowInLegend(first);
        }
        double[] model = new double[Bits.COUNT];
        for (int k = 0; k < Bits.COUNT; k++) {
            model[k] = ErrorTable.modelRatioTo8(Bits.MIN + k);
        }
        XYSeries m = chart.addSeries("step²/12 model ((2^8−1)/(2^b−1))²", x, model);
        m.setLineColor(Color.BLACK);
        m.setLineStyle(new BasicStroke(2.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                new float[] {8f, 6f}, 0f));
        m.setMarker(SeriesMarkers.NONE);
        return chart;
    }

    /**
     * Chosen bits per layer for one or more plans over the same layers (grouped bars; layer labels are shortened to
     * their distinguishing part).
     */
    public static CategoryChart chosenBits(List<BitPlan> plans) {
        if (plans.isEmpty()) {
            throw new IllegalArgumentException("no plans to chart");
        }
        List<String> layers = new ArrayList<>(plans.get(0).layers());
        List<String> labels = shortLabels(layers);
        CategoryChart chart = new CategoryChartBuilder().width(Math.max(900, 28 * layers.size())).height(520)
                .title("Bits chosen per layer").xAxisTitle("layer (forward order)").yAxisTitle("bits").build();
        chart.getStyler().setXAxisLabelRotation(90);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax((double) Bits.MAX);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setAxisTickLabelsFont(chart.getStyler().getAxisTickLabelsFont().deriveFont(9f));
        int c = 0;
        for (BitPlan p : plans) {
            List<Integer> ys = new ArrayList<>();
            for (String l : layers) {
                ys.add(p.bitsOf(l));
            }
            StringBuilder h = new StringBuilder();
            p.histogram().forEach((b, n) -> h.append(h.length() == 0 ? "" : ", ").append(n).append("×int").append(b));
            CategorySeries s = chart.addSeries(p.name() + " (" + h + ")", labels, ys);
            s.setFillColor(PALETTE[c++ % PALETTE.length]);
        }
        return chart;
    }

    /** Shortens layer names by dropping the prefix and suffix all of them share. */
    public static List<String> shortLabels(List<String> layers) {
        if (layers.size() < 2) {
            return List.copyOf(layers);
        }
        String first = layers.get(0);
        int pre = first.length();
        int suf = first.length();
        for (String l : layers) {
            pre = Math.min(pre, commonPrefix(first, l));
            suf = Math.min(suf, commonSuffix(first, l));
        }
        // Cut at a separator so labels stay readable.
        int cut = Math.max(first.lastIndexOf('/', pre - 1) + 1, 0);
        List<String> out = new ArrayList<>();
        for (String l : layers) {
            int end = Math.max(cut, l.length() - suf);
            String s = l.substring(Math.min(cut, end), end);
            out.add(s.isEmpty() ? l : s);
        }
        return out;
    }

    private static int commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }

    private static int commonSuffix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(a.length() - 1 - i) == b.charAt(b.length() - 1 - i)) {
            i++;
        }
        return i;
    }

    private static double[] bitsAxis() {
        double[] x = new double[Bits.COUNT];
        for (int k = 0; k < Bits.COUNT; k++) {
            x[k] = Bits.MIN + k;
        }
        return x;
    }

    private static Map<String, Color> groupColours(List<String> layers) {
        Map<String, Color> m = new LinkedHashMap<>();
        for (String l : layers) {
            m.computeIfAbsent(groupOf(l), g -> PALETTE[m.size() % PALETTE.length]);
        }
        return m;
    }

    /** Renders a chart to an image (for notebook display). */
    public static java.awt.image.BufferedImage toImage(Chart<?, ?> chart) {
        return BitmapEncoder.getBufferedImage(chart);
    }

    /** Writes a chart as PNG to {@code file} (parent folders are created). */
    public static void savePng(Chart<?, ?> chart, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        javax.imageio.ImageIO.write(toImage(chart), "png", file.toFile());
    }
}
