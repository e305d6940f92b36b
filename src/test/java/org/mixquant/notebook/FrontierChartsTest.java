package org.mixquant.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.mixquant.eval.Frontier;
import org.mixquant.eval.MetricId;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;

class FrontierChartsTest {
    static Frontier.Point point(String cost, double budget, int bits, double top1) {
        BitPlan p = BitPlan.uniform("m", List.of("a", "b"), bits, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);
        return new Frontier.Point(cost, budget, p, bits, bits / 8.0, Map.of(MetricId.TOP1, top1), Double.NaN, 0.1);
    }

    /** One line per cost, each legend entry and the title naming the method the quality comes from. */
    @Test
    void legendAndTitleNameTheMethod() {
        Frontier.Result r = new Frontier.Result("m", "brecq", "KL", Map.of(MetricId.TOP1, 0.92), List.of(
                point("uniform", 3, 3, 0.90), point("qe", 3, 3, 0.90), point("uniform", 4, 4, 0.91)), List.of(), 1);
        XYChart c = FrontierCharts.sizeVsQuality(r, MetricId.TOP1);
        assertEquals(List.of("uniform (brecq)", "qe (brecq)"), List.copyOf(c.getSeriesMap().keySet()));
        assertEquals("m: size vs top1 (brecq)", c.getTitle());
        assertThrows(IllegalArgumentException.class, () -> FrontierCharts.sizeVsQuality(r, MetricId.MEAN_COSINE));
    }
    /** The additivity scatter: one series per cost with its correlations, uniform rows left out, and the diagonal. */
    @Test
    void additivityPlotsPredictedAgainstMeasuredPerCost() {
        BitPlan p = BitPlan.uniform("m", List.of("a", "b"), 3, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);
        Frontier.Result r = new Frontier.Result("m", "nearest", "KL", Map.of(MetricId.TOP1, 0.92), List.of(
                new Frontier.Point("uniform", 3, p, 3, 0.1, Map.of(MetricId.TOP1, 0.9), Double.NaN, 0.2),
                new Frontier.Point("measured", 3, p, 3, 0.1, Map.of(MetricId.TOP1, 0.9), 0.1, 0.2),
                new Frontier.Point("measured", 4, p, 4, 0.1, Map.of(MetricId.TOP1, 0.9), 0.05, 0.06)),
                List.of(new Frontier.Additivity("measured", 2, 1.0, 1.0)), 1);
        XYChart c = FrontierCharts.additivity(r);
        assertEquals(List.of("measured (Pearson 1.000, Spearman 1.000)", "predicted = measured"),
                List.copyOf(c.getSeriesMap().keySet()));
        assertEquals(2, c.getSeriesMap().get("measured (Pearson 1.000, Spearman 1.000)").getXData().length);
        Frontier.Result none = new Frontier.Result("m", "nearest", "KL", Map.of(MetricId.TOP1, 0.92), List.of(
                r.points().get(0)), List.of(new Frontier.Additivity("measured", 0, Double.NaN, Double.NaN)), 1);
        assertThrows(IllegalArgumentException.class, () -> FrontierCharts.additivity(none));
    }
}
