package org.mixquant.notebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.CategoryChart;
import org.mixquant.search.CostKind;
import org.mixquant.search.CostTable;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;

class CostChartsTest {
    /** Shares are ratios of a few doubles: exact to a few ulps. */
    static final double SHARE_TOL = 1e-15;

    /** Layers a, b, c with cost (1, 3, 0) × 2^-(bits-2) under {@code kind}. */
    static CostTable table(CostKind kind, String... layers) {
        double[][] cost = new double[layers.length][7];
        double[] base = {1, 3, 0};
        for (int i = 0; i < layers.length; i++) {
            for (int b = 0; b < 7; b++) {
                cost[i][b] = base[i % 3] * Math.pow(2, -b);
            }
        }
        long[] params = new long[layers.length];
        java.util.Arrays.fill(params, 10);
        return CostTable.of(kind, "m", Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, List.of(layers), params, cost,
                Map.of(), 0);
    }

    @Test
    void sharesAreEachLayersFractionOfTheTotalInTheOrderAsked() {
        CostTable t = table(CostKind.MEASURED, "a", "b", "c");
        assertArrayEquals(new double[] {0.25, 0.75, 0}, CostCharts.shares(t, 3, List.of("a", "b", "c")), SHARE_TOL);
        assertArrayEquals(new double[] {0, 0.75, 0.25}, CostCharts.shares(t, 8, List.of("c", "b", "a")), SHARE_TOL,
                "the same shares at every width here (the costs scale together)");
        assertThrows(IllegalArgumentException.class, () -> CostCharts.shares(t, 9, List.of("a")));
        assertThrows(IllegalArgumentException.class, () -> CostCharts.shares(t, 3, List.of("x")));
        CostTable zero = CostTable.of(CostKind.MEASURED, "m", Scheme.ASYMMETRIC, Granularity.PER_CHANNEL,
                List.of("c"), new long[] {10}, new double[][] {{0, 0, 0, 0, 0, 0, 0}}, Map.of(), 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CostCharts.shares(zero, 3, List.of("c")));
        assertEquals("the measured cost of m at 3 bits sums to 0.0 over its layers: no shares", e.getMessage());
    }

    @Test
    void perLayerSharesHasOneSeriesPerCostInPercent() {
        CategoryChart c = CostCharts.perLayerShares(List.of(table(CostKind.QE, "a", "b", "c"),
                table(CostKind.MEASURED, "a", "b", "c")), 3);
        assertEquals(List.of("qe", "measured"), List.copyOf(c.getSeriesMap().keySet()));
        assertEquals(List.of(25.0, 75.0, 0.0), List.copyOf(c.getSeriesMap().get("measured").getYData()));
        assertEquals("m: each layer's share of the cost at 3 bits", c.getTitle());
        assertThrows(IllegalArgumentException.class, () -> CostCharts.perLayerShares(List.of(), 3));
        assertThrows(IllegalArgumentException.class, () -> CostCharts.perLayerShares(List.of(
                table(CostKind.QE, "a", "b", "c"), table(CostKind.MEASURED, "a", "b", "d")), 3));
    }
}
