package org.mixquant.notebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

/** The scaling chart: measured points as given, and the linear law through them at the geometric-mean rate. */
class ScalingChartsTest {
    /** exp(mean(log)) of exact powers of ten is exact to a few ulps. */
    static final double RATE_TOL = 1e-12;

    @Test
    void pointsAndTheLinearLaw() {
        // rates n/t: 1e8, 1e8, 1e8 · 4 → geometric mean 1e8 · 4^(1/3)
        XYChart c = ScalingCharts.sweepTime("t", new long[] {10_000_000, 100_000_000, 1_000_000_000},
                new double[] {0.1, 1.0, 2.5});
        List<XYSeries> s = List.copyOf(c.getSeriesMap().values());
        assertEquals(2, s.size());
        assertArrayEquals(new double[] {1e7, 1e8, 1e9}, s.get(0).getXData(), 0.0);
        assertArrayEquals(new double[] {0.1, 1.0, 2.5}, s.get(0).getYData(), 0.0);
        double rate = 1e8 * Math.cbrt(4);
        double[] x = s.get(1).getXData();
        double[] y = s.get(1).getYData();
        assertEquals(5e6, x[0], 0.0);
        assertEquals(2e9, x[1], 0.0);
        for (int i = 0; i < 2; i++) {
            assertEquals(x[i] / rate, y[i], y[i] * RATE_TOL, "the law is t = n / rate");
        }
        assertTrue(s.get(1).getName().contains("1.59e+08"), s.get(1).getName());
        assertTrue(c.getStyler().isXAxisLogarithmic() && c.getStyler().isYAxisLogarithmic());
    }

    @Test
    void badInputIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ScalingCharts.sweepTime("t", new long[0], new double[0]));
        assertThrows(IllegalArgumentException.class,
                () -> ScalingCharts.sweepTime("t", new long[] {1, 2}, new double[] {1}));
        assertThrows(IllegalArgumentException.class,
                () -> ScalingCharts.sweepTime("t", new long[] {10}, new double[] {0}));
    }
}
