package org.mixquant.notebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

/** Shared styling: tick labels, the reference line's extent, the bit-width axis. */
class ChartStyleTest {
    @Test
    void plainNumbersKeepTheLeadingZeroAndDropFloatNoise() {
        assertEquals("0.0625", ChartStyle.plainNumber(0.0625));
        assertEquals("-0.1", ChartStyle.plainNumber(-0.1));
        assertEquals("0.3", ChartStyle.plainNumber(0.1 + 0.2), "0.30000000000000004 rounded to 6 digits");
        assertEquals("0", ChartStyle.plainNumber(1e-13));
        assertEquals("1200", ChartStyle.plainNumber(1200));
    }

    /** Size axes (MB) are small decimals: they get plain labels, not XChart's {@code .0625}. */
    @Test
    void sizeAxesUsePlainNumbers() {
        XYChart method = MethodCharts.methodComparison("m", ChartsTest.comparisonRows());
        XYChart size = EvaluationCharts.sizeVsQuality(ChartsTest.sweep(false), Charts.Quality.MEAN_COSINE);
        for (XYChart c : List.of(method, size)) {
            assertEquals("0.0625", c.getStyler().getxAxisTickLabelsFormattingFunction().apply(0.0625), c.getTitle());
        }
    }

    @Test
    void referenceLinesSpanTheRangeOrATenthOfASingleValueEachSide() {
        XYChart c = ChartStyle.xyChart(600, 400, "t", "x", "y");
        ChartStyle.addReferenceLine(c, "range", 1, 2, 8);
        ChartStyle.addReferenceLine(c, "one", 1, 4, 4);
        ChartStyle.addReferenceLine(c, "zero", 1, 0, 0);
        assertArrayEquals(new double[] {2, 8}, c.getSeriesMap().get("range").getXData(), 0.0);
        assertArrayEquals(new double[] {3.6, 4.4}, c.getSeriesMap().get("one").getXData(), 1e-12);
        assertArrayEquals(new double[] {-0.5, 0.5}, c.getSeriesMap().get("zero").getXData(), 0.0);
        XYSeries s = c.getSeriesMap().get("one");
        assertArrayEquals(new double[] {1, 1}, s.getYData(), 0.0);
        assertEquals(java.awt.Color.BLACK, s.getLineColor());
        assertEquals(ChartStyle.DASHED, s.getLineStyle());
    }

    @Test
    void theBitsAxisIsTwoToEight() {
        assertArrayEquals(new double[] {2, 3, 4, 5, 6, 7, 8}, ChartStyle.bitsAxis(), 0.0);
    }
}
