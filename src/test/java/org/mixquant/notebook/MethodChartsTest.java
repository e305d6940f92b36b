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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.mixquant.eval.ComparisonRow;

/** Method comparison: series per method and plan kind, colour per method, sizes sorted, FP32 reference line. */
class MethodChartsTest {
    @TempDir
    Path tmp;

    @Test
    void uniformPlansAreLinesInSizeOrderAndMixQuantPlansAreDiamondsColouredByMethod() throws IOException {
        // BRECQ 4 points above nearest rounding, so the two methods' series do not hide each other; rows in reverse
        // order of size with FP32 last, so the chart must sort.
        List<ComparisonRow> rows = new ArrayList<>();
        for (ComparisonRow r : ChartsTest.comparisonRows()) {
            rows.add(r.method().startsWith("brecq") ? new ComparisonRow(r.model(), r.method(), r.plan(), r.rule(),
                    r.averageBits(), r.sizeMB(), r.metric(), r.quality() + 4, r.fp32Quality(), r.secondary(),
                    r.searchSeconds(), r.quantizeSeconds(), r.evalSeconds(), r.bitsHistogram()) : r);
        }
        Collections.reverse(rows.subList(1, rows.size()));
        rows.add(rows.remove(0));
        XYChart c = MethodCharts.methodComparison("m", rows);
        assertEquals(List.of("brecq + MixQuant", "brecq uniform", "asym + MixQuant", "asym uniform",
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
        assertEquals(MethodCharts.METHOD_COLOURS.get("asym"), ChartsTest.series(c, "asym uniform").getLineColor(),
                "nearest-asymmetric is the asym family");
        XYSeries fp32 = ChartsTest.series(c, "FP32: 1.00 MB, 92.00");
        assertArrayEquals(new double[] {2 / 32.0, 4 / 32.0}, fp32.getXData(), 0.0, "over the quantized sizes");
        assertEquals("top-1 accuracy (%)", c.getYAxisTitle());
        BufferedImage img = ChartsTest.png(c, tmp, "method-comparison");
        assertTrue(ChartsTest.pixelsOf(img, MethodCharts.METHOD_COLOURS.get("brecq")) > 200, "brecq drawn in green");
        assertTrue(ChartsTest.pixelsOf(img, MethodCharts.METHOD_COLOURS.get("asym")) > 200, "asym drawn in blue");
    }

    @Test
    void fidelityRowsGetACosineAxisAndNoQuantizedRowIsAnError() {
        List<ComparisonRow> rows = List.of(
                new ComparisonRow("e", "none", "fp32", "fp32", 32, 90, "mean_cos", 1, 1, Double.NaN, 0, 0, 1, "fp32"),
                new ComparisonRow("e", "adaround-asymmetric", "uniform-4", "uniform", 4, 12, "mean_cos", 0.98, 1,
                        Double.NaN, 0, 1, 1, "4:36"));
        XYChart c = MethodCharts.methodComparison("e", rows);
        assertEquals("mean cosine to FP32 embeddings", c.getYAxisTitle());
        assertTrue(c.getTitle().endsWith("model size vs fidelity, by method"), c.getTitle());
        assertEquals(MethodCharts.METHOD_COLOURS.get("adaround"), ChartsTest.series(c, "adaround uniform")
                .getLineColor());
        assertThrows(IllegalArgumentException.class, () -> MethodCharts.methodComparison("e", rows.subList(0, 1)));
    }

    /**
     * Two plans of the same size (as BRECQ uniform and MixQuant at equal bits): the reference line is widened by a
     * tenth of the size each side, so the axis stays on positive sizes (a fixed ±0.5 MB drew it from −0.39 MB).
     */
    @Test
    void plansOfOneSizeKeepTheSizeAxisPositive() throws IOException {
        List<ComparisonRow> rows = List.of(
                new ComparisonRow("r", "none", "fp32", "fp32", 32, 1.09, "top1_%", 92.35, 92.35, Double.NaN, 0, 0, 1,
                        "fp32"),
                new ComparisonRow("r", "brecq-asymmetric", "uniform-3+fl8", "uniform", 3.014, 0.11, "top1_%", 92.40,
                        92.35, Double.NaN, 0, 80, 1, "3:20 8:2"),
                new ComparisonRow("r", "brecq-asymmetric", "budget=3+fl8", "avg-bits", 3.014, 0.11, "top1_%", 92.25,
                        92.35, Double.NaN, 0.2, 80, 1, "2:1 3:14 4:5 8:2"));
        XYChart c = MethodCharts.methodComparison("r", rows);
        double[] x = ChartsTest.series(c, "FP32: 1.09 MB, 92.35").getXData();
        assertArrayEquals(new double[] {0.099, 0.121}, x, 1e-12);
        ChartsTest.png(c, tmp, "method-comparison-one-size");
    }
}
