package org.mixquant.notebook;

import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.Styler;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Bits;

/** Charts of {@link BitPlan}s: the bit-width each plan gives each layer. */
public final class BitPlanCharts {
    private BitPlanCharts() {
    }

    /**
     * Chosen bits per layer for one or more plans over the same layers, as grouped bars in the first plan's layer
     * order (labels shortened by {@link LayerLabels#shortLabels}); y from 0 to {@link Bits#MAX}. Each plan is one
     * series named by the plan and its histogram ({@code budget=4 (12×int4, 24×int5)}), in palette order.
     *
     * @throws IllegalArgumentException if {@code plans} is empty
     */
    public static CategoryChart chosenBits(List<BitPlan> plans) {
        if (plans.isEmpty()) {
            throw new IllegalArgumentException("no plans to chart");
        }
        List<String> layers = new ArrayList<>(plans.get(0).layers());
        List<String> labels = LayerLabels.shortLabels(layers);
        CategoryChart chart = new CategoryChartBuilder().width(Math.max(900, 28 * layers.size())).height(640)
                .title("Bits chosen per layer").xAxisTitle("layer (forward order)").yAxisTitle("bits").build();
        ChartStyle.apply(chart.getStyler());
        chart.getStyler().setXAxisLabelRotation(90);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax((double) Bits.MAX);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setAxisTickLabelsFont(chart.getStyler().getAxisTickLabelsFont().deriveFont(9f));
        int c = 0;
        for (BitPlan p : plans) {
            List<Integer> ys = new ArrayList<>();
            for (String l : layers) {
                ys.add(p.bitsOf(l));
            }
            StringBuilder h = new StringBuilder();
            p.histogram().forEach((b, n) -> h.append(h.length() == 0 ? "" : ", ").append(n).append("×int").append(b));
            CategorySeries s = chart.addSeries(p.name() + " (" + h + ")", labels, ys);
            s.setFillColor(ChartStyle.PALETTE[c++ % ChartStyle.PALETTE.length]);
        }
        return chart;
    }
}
