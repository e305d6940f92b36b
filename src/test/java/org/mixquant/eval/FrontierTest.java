package org.mixquant.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FrontierTest {
    /** Correlations of a handful of doubles: exact up to rounding. */
    static final double TOL = 1e-12;

    /** Quality is keyed by MetricId (the one spelling of metrics) and read back in MetricId order, frozen. */
    @Test
    void qualityIsByMetricIdInMetricIdOrder() {
        Frontier.Result r = new Frontier.Result("m", "nearest", "1 - cos", new LinkedHashMap<>(Map.of(
                MetricId.TOP10_OVERLAP, 1.0, MetricId.MEAN_COSINE, 1.0)), List.of(), List.of(), 0);
        assertEquals(List.of(MetricId.MEAN_COSINE, MetricId.TOP10_OVERLAP), List.copyOf(r.fp32().keySet()));
        assertThrows(UnsupportedOperationException.class, () -> r.fp32().put(MetricId.TOP1, 0.5));
    }

    @Test
    void pearsonAndSpearmanOnKnownCases() {
        double[] x = {1, 2, 3, 4};
        assertEquals(1.0, Frontier.pearson(x, new double[] {2, 4, 6, 8}), TOL);
        assertEquals(-1.0, Frontier.pearson(x, new double[] {4, 3, 2, 1}), TOL);
        // monotone but not linear: rank correlation 1, linear correlation below 1
        double[] y = {1, 10, 100, 1000};
        assertEquals(1.0, Frontier.spearman(x, y), TOL);
        assertTrue(Frontier.pearson(x, y) < 0.95);
        assertTrue(Double.isNaN(Frontier.pearson(x, new double[] {5, 5, 5, 5})));
        assertTrue(Double.isNaN(Frontier.pearson(new double[] {1}, new double[] {2})));
    }

    @Test
    void ranksAverageTies() {
        assertEquals(List.of(1.0, 2.5, 2.5, 4.0), box(Frontier.ranks(new double[] {0.1, 0.5, 0.5, 0.9})));
        assertEquals(List.of(3.0, 1.0, 2.0), box(Frontier.ranks(new double[] {9, -1, 0})));
    }

    @Test
    void wholeBudgetsOnly() {
        assertTrue(Frontier.whole(4));
        assertTrue(!Frontier.whole(3.5) && !Frontier.whole(9) && !Frontier.whole(1));
    }

    private static List<Double> box(double[] v) {
        return java.util.Arrays.stream(v).boxed().toList();
    }
}
