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
}
