package org.mixquant.notebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.mixquant.eval.EvalRow;
import org.mixquant.eval.MetricId;
import org.mixquant.notebook.Charts.Quality;

/**
 * Evaluation charts: measures derived from the rows (1 − cosine, accuracy in %), points sorted, FP32 as a reference
 * line over the plotted x range, and the same colour and marker for a rule in every chart.
 */
class EvaluationChartsTest {
    /** 1 − cos of values near 1 loses the low bits of the cosine: a few ulps of 1. */
    static final double DISTANCE_TOL = 1e-15;

    @TempDir
    Path tmp;

    /** The sweep in a shuffled order: the charts must sort, not rely on the input order. */
    static List<EvalRow> shuffled(boolean twoMethods) {
        List<EvalRow> rows = new ArrayList<>(ChartsTest.sweep(twoMethods));
        Collections.shuffle(rows, new Random(7));
        return rows;
    }

    @Test
    void qualityVsBitsSortsEachRuleByBitsAndDrawsFp32AcrossTheirRange() throws IOException {
        XYChart c = EvaluationCharts.qualityVsBits(shuffled(false), Quality.MEAN_COSINE);
        assertEquals(Set.of("uniform", "qem", "avg-bits", "max-rel-error", "FP32 (1.000)"), c.getSeriesMap().keySet());
        assertArrayEquals(new double[] {2, 3, 4, 5, 6, 7, 8}, ChartsTest.series(c, "uniform").getXData(), 0.0);
        assertArrayEquals(new double[] {2.97, 3.95, 4.92, 6, 7, 8}, ChartsTest.series(c, "qem").getXData(), 0.0);
        double[] y = ChartsTest.series(c, "uniform").getYData();
        for (int i = 1; i < y.length; i++) {
            assertTrue(y[i] > y[i - 1], "more bits, higher cosine: the y values moved with their x");
        }
        XYSeries fp32 = ChartsTest.series(c, "FP32 (1.000)");
        assertArrayEquals(new double[] {2, 8}, fp32.getXData(), 0.0, "from the fewest to the most bits plotted");
        assertArrayEquals(new double[] {1, 1}, fp32.getYData(), 0.0);
        assertEquals(ChartStyle.DASHED, fp32.getLineStyle());
        ChartsTest.png(c, tmp, "quality-vs-bits");
    }

    @Test
    void cosineDistanceIsOneMinusTheCosineOnALogAxisWithoutFp32() throws IOException {
        List<EvalRow> rows = ChartsTest.sweep(false);
        XYChart c = EvaluationCharts.qualityVsBits(rows, Quality.COSINE_DISTANCE);
        assertTrue(c.getStyler().isYAxisLogarithmic());
        assertEquals(List.of("uniform", "qem", "avg-bits", "max-rel-error"), new ArrayList<>(c.getSeriesMap().keySet()),
                "FP32's distance 0 has no place on a log axis");
        double[] y = ChartsTest.series(c, "uniform").getYData();
        for (int b = 2; b <= 8; b++) {
            // The sweep's distance is 0.5 · 4^−(b−2).
            double want = 0.5 * Math.pow(4, -(b - 2));
            assertEquals(want, y[b - 2], DISTANCE_TOL + want * 1e-9, "uniform-" + b);
        }
        ChartsTest.png(c, tmp, "quality-vs-bits-distance");
    }

    @Test
    void severalMethodsSplitEachRuleKeepTheRuleColourAndVaryTheLine() throws IOException {
        XYChart c = EvaluationCharts.qualityVsBits(ChartsTest.sweep(true), Quality.COSINE_DISTANCE);
        assertEquals(8, c.getSeriesMap().size());
        XYSeries nearest = ChartsTest.series(c, "uniform · nearest");
        XYSeries adaround = ChartsTest.series(c, "uniform · adaround");
        assertEquals(RuleStyles.UNIFORM, nearest.getLineColor());
        assertEquals(nearest.getLineColor(), adaround.getLineColor(), "colour = rule");
        assertEquals(nearest.getMarker(), adaround.getMarker(), "marker = rule");
        assertTrue(nearest.getLineStyle().getDashArray() == null, "first method solid");
        assertTrue(adaround.getLineStyle().getDashArray() != null, "second method dashed");
        assertNotEquals(nearest.getLineColor(), ChartsTest.series(c, "qem · nearest").getLineColor());
        ChartsTest.png(c, tmp, "quality-vs-bits-two-methods");
    }

    @Test
    void rowsWithNothingToPlotAreSkippedAndNoneAtAllIsAnError() {
        EvalRow nan = ChartsTest.textRow("uniform-4", "uniform", "nearest", 4, 50, Double.NaN, Double.NaN, 0.9,
                new EvalRow.Timings(0, 1, 1), "4:3");
        assertThrows(IllegalArgumentException.class, () -> EvaluationCharts.qualityVsBits(List.of(nan),
                Quality.MEAN_COSINE));
        XYChart overlap = EvaluationCharts.qualityVsBits(List.of(nan), Quality.TOP10_OVERLAP);
        assertArrayEquals(new double[] {0.9}, ChartsTest.series(overlap, "uniform").getYData(), 0.0);
        List<EvalRow> rows = new ArrayList<>(ChartsTest.sweep(false));
        rows.add(nan);
        XYChart c = EvaluationCharts.qualityVsBits(rows, Quality.MEAN_COSINE);
        assertEquals(7, ChartsTest.series(c, "uniform").getXData().length, "the NaN row is skipped");
    }

    /** A classifier row scored on 100 images: top-1 as a fraction, the drop in points. */
    static EvalRow accuracyRow(String plan, String rule, String methodId, double bits, double sizeMB, double top1,
            double dropPoints, double searchSeconds, String hist) {
        return new EvalRow("cnn", methodId, ChartsTest.methodText(methodId), plan, rule, bits, sizeMB, hist,
                Map.of(MetricId.TOP1, top1, MetricId.TOP1_DROP, dropPoints), 100,
                new EvalRow.Timings(searchSeconds, 0, 1));
    }

    @Test
    void accuracyVsBitsPlotsTop1InPercent() throws IOException {
        List<EvalRow> rows = List.of(
                accuracyRow("fp32", "fp32", EvalRow.FP32, 32, 1.0, 0.92, 0, 0, "fp32"),
                accuracyRow("uniform-4", "uniform", "nearest", 4, 0.2, 0.91, 1, 0, "4:3"),
                accuracyRow("uniform-3", "uniform", "nearest", 3, 0.1, 0.88, 4, 0, "3:3"),
                accuracyRow("budget=3.5", "avg-bits", "nearest", 3.5, 0.15, 0.90, 2, 0.1, "3:1 4:2"));
        XYChart c = EvaluationCharts.accuracyVsBits("cnn", rows);
        assertEquals(List.of("uniform", "avg-bits", "FP32 (92.00)"), new ArrayList<>(c.getSeriesMap().keySet()));
        assertArrayEquals(new double[] {3, 4}, ChartsTest.series(c, "uniform").getXData(), 0.0);
        // 100 × the top-1 fraction; 100 · 0.88 is not exactly 88 in binary.
        assertArrayEquals(new double[] {88, 91}, ChartsTest.series(c, "uniform").getYData(), 1e-12);
        assertArrayEquals(new double[] {92, 92}, ChartsTest.series(c, "FP32 (92.00)").getYData(), 1e-12);
        assertEquals("top-1 accuracy (%)", c.getYAxisTitle());
        assertEquals(ChartStyle.PALETTE[0], ChartsTest.series(c, "avg-bits").getLineColor(), "avg-bits is blue");
        ChartsTest.png(c, tmp, "accuracy-vs-bits");
        assertThrows(IllegalArgumentException.class, () -> EvaluationCharts.accuracyVsBits("cnn", rows.subList(0, 1)));
    }

    @Test
    void sizeVsQualityScattersRulesWithTheirColoursAndMarksMethods() throws IOException {
        XYChart one = EvaluationCharts.sizeVsQuality(shuffled(false), Quality.MEAN_COSINE);
        List<String> names = new ArrayList<>(one.getSeriesMap().keySet());
        assertEquals(5, names.size());
        XYSeries fp32 = ChartsTest.series(one, "FP32: 90.9 MB, mean cosine 1.000");
        assertArrayEquals(new double[] {ChartsTest.sizeMB(2), ChartsTest.sizeMB(8)}, fp32.getXData(), 1e-12,
                "the FP32 line spans the quantized sizes, not FP32's own 90.9 MB");
        for (String n : List.of("uniform", "qem", "avg-bits", "max-rel-error")) {
            assertEquals(XYSeries.XYSeriesRenderStyle.Scatter, ChartsTest.series(one, n).getXYSeriesRenderStyle());
        }
        XYChart bits = EvaluationCharts.qualityVsBits(ChartsTest.sweep(false), Quality.MEAN_COSINE);
        for (String n : List.of("uniform", "qem", "avg-bits", "max-rel-error")) {
            assertEquals(ChartsTest.series(bits, n).getMarkerColor(), ChartsTest.series(one, n).getMarkerColor(),
                    n + " has one colour in every chart");
        }
        ChartsTest.png(one, tmp, "size-vs-quality");

        XYChart two = EvaluationCharts.sizeVsQuality(ChartsTest.sweep(true), Quality.COSINE_DISTANCE);
        assertEquals(8, two.getSeriesMap().size(), "4 rules × 2 methods; no FP32 on a log axis");
        assertTrue(two.getStyler().isYAxisLogarithmic());
        assertEquals(ChartsTest.series(two, "qem · nearest").getMarker(),
                ChartsTest.series(two, "uniform · nearest").getMarker(), "marker = method");
        assertNotEquals(ChartsTest.series(two, "qem · nearest").getMarker(),
                ChartsTest.series(two, "qem · adaround").getMarker());
        assertEquals(ChartsTest.series(two, "qem · nearest").getMarkerColor(),
                ChartsTest.series(two, "qem · adaround").getMarkerColor(), "colour = rule");
        ChartsTest.png(two, tmp, "size-vs-quality-two-methods");
    }

    @Test
    void fp32IsRecognisedByRuleOrMethod() {
        assertTrue(EvaluationCharts.isFp32(bare("FP32", "nearest")));
        assertTrue(EvaluationCharts.isFp32(bare("other", "none")));
        assertFalse(EvaluationCharts.isFp32(bare("uniform", "nearest-asymmetric")));
    }

    /** A row read from a hand-edited CSV: rule and method text as given, method id {@code nearest}. */
    private static EvalRow bare(String rule, String method) {
        return new EvalRow("x", "nearest", method, "x", rule, 8, 1, "", Map.of(MetricId.MEAN_COSINE, 1.0), 0,
                new EvalRow.Timings(0, 0, 0));
    }
}
