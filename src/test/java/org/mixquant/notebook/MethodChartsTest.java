package org.mixquant.notebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.mixquant.eval.EvalRow;
import org.mixquant.eval.MetricId;

/** Method comparison: series per method and plan kind, colour per method, sizes sorted, FP32 reference line. */
class MethodChartsTest {
    @TempDir
    Path tmp;

    @Test
    void uniformPlansAreLinesInSizeOrderAndMixQuantPlansAreDiamondsColouredByMethod() throws IOException {
        // BRECQ 4 points above nearest rounding, so the two methods' series do not hide each other; rows in reverse
        // order of size with FP32 last, so the chart must sort.
        List<EvalRow> rows = new ArrayList<>(ChartsTest.comparisonRows(4));
        Collections.reverse(rows.subList(1, rows.size()));
        rows.add(rows.remove(0));
        XYChart c = MethodCharts.methodComparison("m", rows);
        assertEquals(List.of("brecq + MixQuant", "brecq uniform", "nearest + MixQuant", "nearest uniform",
                "FP32: 1.00 MB, 92.00"), new ArrayList<>(c.getSeriesMap().keySet()));
        XYSeries uniform = ChartsTest.series(c, "brecq uniform");
        assertArrayEquals(new double[] {2 / 32.0, 3 / 32.0, 4 / 32.0}, uniform.getXData(), 0.0, "sorted by size");
        assertArrayEquals(new double[] {86, 87, 88}, uniform.getYData(), 0.0, "each quality moved with its size");
        assertEquals(XYSeries.XYSeriesRenderStyle.Line, uniform.getXYSeriesRenderStyle());
        assertEquals(SeriesMarkers.CIRCLE, uniform.getMarker());
        XYSeries mixed = ChartsTest.series(c, "brecq + MixQuant");
        assertEquals(XYSeries.XYSeriesRenderStyle.Scatter, mixed.getXYSeriesRenderStyle());
        assertEquals(SeriesMarkers.DIAMOND, mixed.getMarker());
        assertEquals(MethodCharts.METHOD_COLOURS.get("brecq"), uniform.getLineColor());
        assertEquals(MethodCharts.METHOD_COLOURS.get("brecq"), mixed.getMarkerColor());
        assertEquals(MethodCharts.METHOD_COLOURS.get("nearest"), ChartsTest.series(c, "nearest uniform")
                .getLineColor(), "nearest-asymmetric is drawn by its id, nearest");
        XYSeries fp32 = ChartsTest.series(c, "FP32: 1.00 MB, 92.00");
        assertArrayEquals(new double[] {2 / 32.0, 4 / 32.0}, fp32.getXData(), 0.0, "over the quantized sizes");
        assertEquals("top-1 accuracy (%)", c.getYAxisTitle());
        BufferedImage img = ChartsTest.png(c, tmp, "method-comparison");
        assertTrue(ChartsTest.pixelsOf(img, MethodCharts.METHOD_COLOURS.get("brecq")) > 200, "brecq drawn in green");
        assertTrue(ChartsTest.pixelsOf(img, MethodCharts.METHOD_COLOURS.get("nearest")) > 200, "nearest drawn in blue");
    }

    @Test
    void fidelityRowsGetACosineAxisAndNoQuantizedRowIsAnError() {
        List<EvalRow> rows = List.of(
                cosineRow(EvalRow.FP32, "fp32", "fp32", 32, 90, 1, new EvalRow.Timings(0, 0, 1), "fp32"),
                cosineRow("adaround", "uniform-4", "uniform", 4, 12, 0.98, new EvalRow.Timings(0, 1, 1), "4:36"));
        XYChart c = MethodCharts.methodComparison("e", rows);
        assertEquals("mean cosine to FP32 embeddings", c.getYAxisTitle());
        assertTrue(c.getTitle().endsWith("model size vs fidelity, by method"), c.getTitle());
        assertEquals(MethodCharts.METHOD_COLOURS.get("adaround"), ChartsTest.series(c, "adaround uniform")
                .getLineColor());
        assertThrows(IllegalArgumentException.class, () -> MethodCharts.methodComparison("e", rows.subList(0, 1)));
    }

    /** An embedding-model row of model {@code e} that measured only its mean cosine to FP32. */
    private static EvalRow cosineRow(String methodId, String plan, String rule, double bits, double sizeMB,
            double meanCos, EvalRow.Timings seconds, String hist) {
        return new EvalRow("e", methodId, ChartsTest.methodText(methodId), plan, rule, bits, sizeMB, hist,
                Map.of(MetricId.MEAN_COSINE, meanCos), 0, seconds);
    }

    /**
     * Two plans of the same size (as BRECQ uniform and MixQuant at equal bits): the reference line is widened by a
     * tenth of the size each side, so the axis stays on positive sizes (a fixed ±0.5 MB drew it from −0.39 MB).
     */
    @Test
    void plansOfOneSizeKeepTheSizeAxisPositive() throws IOException {
        List<EvalRow> rows = List.of(
                ChartsTest.top1Row("r", EvalRow.FP32, "fp32", "fp32", 32, 1.09, 92.35, 92.35,
                        new EvalRow.Timings(0, 0, 1), "fp32"),
                ChartsTest.top1Row("r", "brecq", "uniform-3+fl8", "uniform", 3.014, 0.11, 92.40, 92.35,
                        new EvalRow.Timings(0, 80, 1), "3:20 8:2"),
                ChartsTest.top1Row("r", "brecq", "budget=3+fl8", "avg-bits", 3.014, 0.11, 92.25, 92.35,
                        new EvalRow.Timings(0.2, 80, 1), "2:1 3:14 4:5 8:2"));
        XYChart c = MethodCharts.methodComparison("r", rows);
        double[] x = ChartsTest.series(c, "FP32: 1.09 MB, 92.35").getXData();
        assertArrayEquals(new double[] {0.099, 0.121}, x, 1e-12);
        ChartsTest.png(c, tmp, "method-comparison-one-size");
    }
}
