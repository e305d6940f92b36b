package org.mixquant.notebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapSeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.mixquant.quant.Bits;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;
import org.mixquant.search.ErrorTable;

/** Error-table charts: values derived from the table (MSE, ratio to 8 bits, log10), grouping, colours, layout. */
class ErrorChartsTest {
    /** log10 of exact powers of ten is exact to the last bit or two. */
    static final double LOG_TOL = 1e-12;

    @TempDir
    Path tmp;

    /**
     * Four layers, two of them the same sublayer of different blocks, one all-zero: QE(b) = 2·10^−b for block0/conv
     * and 4·10^−b for the other two; params differ so that SSE = QE · params ≠ QE.
     */
    static ErrorTable blocks() {
        List<String> layers = List.of("block0/conv", "block1/conv", "block0/fc", "block2/conv");
        long[] params = {100, 400, 50, 10};
        double[][] sse = new double[4][Bits.COUNT];
        for (int k = 0; k < Bits.COUNT; k++) {
            double qe = Math.pow(10, -(Bits.MIN + k));
            sse[0][k] = 2 * qe * params[0];
            sse[1][k] = 4 * qe * params[1];
            sse[2][k] = 4 * qe * params[2];
        }
        return ErrorTable.of("blocks", Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, layers, params, sse,
                new double[] {1, 1, 1, 0});
    }

    @Test
    void errorCurvesPlotMeanSquaredErrorNotTheSumOneLegendEntryAndColourPerGroup() throws IOException {
        XYChart c = ErrorCharts.errorCurves(blocks());
        // The all-zero layer has no place on the log axis; the first layer of a group names the group.
        assertEquals(List.of("block#/conv", "block1/conv", "block#/fc"), new ArrayList<>(c.getSeriesMap().keySet()));
        assertEquals(List.of("block#/conv", "block#/fc"), ChartsTest.shownInLegend(c));
        assertTrue(c.getStyler().isYAxisLogarithmic());
        XYSeries conv0 = ChartsTest.series(c, "block#/conv");
        XYSeries conv1 = ChartsTest.series(c, "block1/conv");
        assertArrayEquals(new double[] {2, 3, 4, 5, 6, 7, 8}, conv0.getXData(), 0.0);
        for (int k = 0; k < Bits.COUNT; k++) {
            double qe = Math.pow(10, -(Bits.MIN + k));
            assertEquals(2 * qe, conv0.getYData()[k], qe * 1e-12, "QE = SSE / params, not SSE");
            assertEquals(4 * qe, conv1.getYData()[k], qe * 1e-12);
        }
        assertEquals(conv0.getLineColor(), conv1.getLineColor(), "same sublayer, same colour");
        assertNotEquals(conv0.getLineColor(), ChartsTest.series(c, "block#/fc").getLineColor());
        assertEquals(ChartStyle.PALETTE[0], conv0.getLineColor(), "groups take the palette in order");
        assertEquals(ChartStyle.PALETTE[1], ChartsTest.series(c, "block#/fc").getLineColor());
        ChartsTest.png(c, tmp, "error-curves-blocks");
    }

    @Test
    void errorCurvesOfMiniLmHaveOneLegendEntryPerSublayer() throws IOException {
        XYChart big = ErrorCharts.errorCurves(ChartsTest.miniLm());
        assertEquals(36, big.getSeriesMap().size());
        assertEquals(6, ChartsTest.shownInLegend(big).size(), "one legend entry per layer group");
        ChartsTest.png(big, tmp, "error-curves");
    }

    @Test
    void ratioCurvesDivideByTheLayersOwnEightBitErrorAndAddTheNoiseModel() throws IOException {
        XYChart c = ErrorCharts.ratioCurves(blocks());
        // QE(b)/QE(8) = 10^(8−b) for every layer, whatever its scale or size.
        for (String name : List.of("block#/conv", "block1/conv", "block#/fc")) {
            double[] y = ChartsTest.series(c, name).getYData();
            for (int k = 0; k < Bits.COUNT; k++) {
                double want = Math.pow(10, Bits.MAX - Bits.MIN - k);
                assertEquals(want, y[k], want * 1e-12, name + " at " + (Bits.MIN + k) + " bits");
            }
        }
        XYSeries model = modelLine(c);
        // Asymmetric grid: ((2^8−1)/(2^b−1))², written out so the test does not restate the production formula.
        int[] levels = {3, 7, 15, 31, 63, 127, 255};
        for (int k = 0; k < Bits.COUNT; k++) {
            assertEquals((255.0 / levels[k]) * (255.0 / levels[k]), model.getYData()[k], 1e-9, "bits " + (k + 2));
        }
        assertTrue(model.getName().contains("(2^8−1)/(2^b−1)"), model.getName());
        assertTrue(model.getLineStyle().getDashArray() != null, "the model is dashed, the layers solid");
        assertTrue(ChartsTest.series(c, "block#/conv").getLineStyle().getDashArray() == null);
        ChartsTest.png(ErrorCharts.ratioCurves(ChartsTest.miniLm()), tmp, "ratio-curves");
    }

    /** A symmetric table gets the symmetric noise model, (127/(2^(b−1)−1))², not the asymmetric one. */
    @Test
    void ratioCurvesUseTheSymmetricModelForSymmetricTables() {
        ErrorTable a = ChartsTest.small();
        double[][] sse = new double[a.size()][Bits.COUNT];
        double[] sq = new double[a.size()];
        long[] params = new long[a.size()];
        for (int i = 0; i < a.size(); i++) {
            params[i] = a.params(i);
            sq[i] = a.sumSquares(i);
            for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                sse[i][b - Bits.MIN] = a.sse(i, b);
            }
        }
        ErrorTable t = ErrorTable.of("tiny", Scheme.SYMMETRIC, Granularity.PER_CHANNEL, a.layers(), params, sse, sq);
        XYSeries model = modelLine(ErrorCharts.ratioCurves(t));
        int[] halfLevels = {1, 3, 7, 15, 31, 63, 127};
        for (int k = 0; k < Bits.COUNT; k++) {
            assertEquals((127.0 / halfLevels[k]) * (127.0 / halfLevels[k]), model.getYData()[k], 1e-9,
                    "bits " + (k + 2));
        }
        assertTrue(model.getName().contains("127/(2^(b−1)−1)"), model.getName());
    }

    private static XYSeries modelLine(XYChart c) {
        return c.getSeriesMap().values().stream().filter(s -> s.getName().startsWith(ErrorCharts.MODEL_SERIES))
                .findFirst().orElseThrow(() -> new AssertionError("no model line in " + c.getSeriesMap().keySet()));
    }

    @Test
    void errorHeatmapHasLog10CellsFirstLayerOnTopAndAColourBarRoundedOutwards() throws IOException {
        ErrorTable t = blocks();
        HeatMapChart c = ErrorCharts.errorHeatmap(t);
        HeatMapSeries s = c.getHeatMapSeries();
        assertEquals(List.of(2, 3, 4, 5, 6, 7, 8), s.getXData());
        // Row 0 is drawn at the bottom: the first layer is the last row.
        // No shared prefix or suffix to drop (conv and fc end differently): full names.
        assertEquals(List.of("block2/conv", "block0/fc", "block1/conv", "block0/conv"), s.getYData());
        assertEquals(t.size() * Bits.COUNT, s.getHeatData().size());
        for (Number[] cell : s.getHeatData()) {
            int bits = Bits.MIN + cell[0].intValue();
            int layer = t.size() - 1 - cell[1].intValue();
            double want = switch (layer) {
                case 0 -> -bits + Math.log10(2);
                case 1, 2 -> -bits + Math.log10(4);
                // QE 0 has no logarithm: drawn in the lowest colour, log10 of the smallest QE (2·10^−8).
                default -> -8 + Math.log10(2);
            };
            assertEquals(want, cell[2].doubleValue(), LOG_TOL, "layer " + layer + " at " + bits + " bits");
        }
        // Values run from −8 + log10 2 ≈ −7.70 to −2 + log10 4 ≈ −1.40: the colour bar from −7.7 to
        // −1.3.
        assertEquals(-7.7, s.getMin(), 1e-12);
        assertEquals(-1.3, s.getMax(), 1e-12);
        assertEquals(360, c.getHeight(), "at least 360 px high");
        assertEquals(List.of(ErrorCharts.HEAT_COLOURS), List.of(c.getStyler().getRangeColors()));
        ChartsTest.png(c, tmp, "error-heatmap-blocks");
    }

    @Test
    void errorHeatmapGrowsWithTheNumberOfLayers() throws IOException {
        ErrorTable t = ChartsTest.miniLm();
        HeatMapChart c = ErrorCharts.errorHeatmap(t);
        assertEquals(150 + 19 * 36, c.getHeight(), "19 px per layer row plus title and axes");
        assertEquals("layer.0/attention/self/query", c.getHeatMapSeries().getYData().get(35));
        assertTrue(c.getStyler().isShowValue());
        ChartsTest.png(c, tmp, "error-heatmap");
    }

    @Test
    void errorHeatmapRejectsAnEmptyTable() {
        ErrorTable empty = ErrorTable.of("none", Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, List.of(), new long[0],
                new double[0][], new double[0]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ErrorCharts.errorHeatmap(empty));
        assertTrue(e.getMessage().contains("no layers"), e.getMessage());
        assertEquals(0, ErrorCharts.errorCurves(empty).getSeriesMap().size(), "no layers, no lines");
    }
}
