package org.mixquant.notebook;

import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.Styler;
import org.mixquant.quant.Bits;
import org.mixquant.search.CostTable;

/**
 * Charts of {@link CostTable}s: what each cost believes about the layers. Costs of different kinds have different
 * units (squared weight error, nats of KL, 1 − cos, Fisher-weighted error), so they are compared as shares: each
 * layer's cost at one bit-width divided by the sum over all layers at that bit-width.
 */
public final class CostCharts {
    private CostCharts() {
    }

    /**
     * Each layer's share of the table's total cost at {@code bits}: cost(i, bits) / Σⱼ cost(j, bits), in the order of
     * {@code layers}; the shares sum to 1.
     *
     * @param layers layer names of the table, in the order wanted
     * @throws IllegalArgumentException if a layer is not in the table, or the total is not a positive finite number
     */
    public static double[] shares(CostTable table, int bits, List<String> layers) {
        Bits.check(bits);
        double total = 0;
        for (int i = 0; i < table.size(); i++) {
            total += table.cost(i, bits);
        }
        if (!(total > 0) || Double.isInfinite(total)) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "the %s cost of %s at %d bits sums"
                    + " to %s over its layers: no shares", table.name(), table.model(), bits, total));
        }
        double[] out = new double[layers.size()];
        for (int k = 0; k < layers.size(); k++) {
            out[k] = table.cost(table.indexOf(layers.get(k)), bits) / total;
        }
        return out;
    }

    /**
     * Per-layer bars at {@code bits}, one series per cost table ({@code qe}, {@code measured}, {@code fisher}, ...),
     * each layer's bar its {@link #shares share} of that cost's total, in the first table's layer order (labels
     * shortened by {@link LayerLabels#shortLabels}); y in percent of the cost's total. Where the bars of two costs
     * differ, the costs disagree about which layers matter and the knapsack spends bits differently.
     *
     * @throws IllegalArgumentException if {@code tables} is empty, or the tables do not have the same layers
     */
    public static CategoryChart perLayerShares(List<CostTable> tables, int bits) {
        if (tables.isEmpty()) {
            throw new IllegalArgumentException("no cost tables to chart");
        }
        List<String> layers = tables.get(0).layers();
        for (CostTable t : tables) {
            if (!new java.util.HashSet<>(t.layers()).equals(new java.util.HashSet<>(layers))) {
                throw new IllegalArgumentException("cost tables " + tables.get(0).name() + " and " + t.name()
                        + " have different layers");
            }
        }
        List<String> labels = LayerLabels.shortLabels(layers);
        CategoryChart chart = new CategoryChartBuilder().width(Math.max(900, 28 * layers.size())).height(560)
                .title(tables.get(0).model() + ": each layer's share of the cost at " + bits + " bits")
                .xAxisTitle("layer (forward order)").yAxisTitle("share of the cost's total (%)").build();
        ChartStyle.apply(chart.getStyler());
        chart.getStyler().setXAxisLabelRotation(90);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setAxisTickLabelsFont(chart.getStyler().getAxisTickLabelsFont().deriveFont(9f));
        int c = 0;
        for (CostTable t : tables) {
            double[] s = shares(t, bits, layers);
            List<Double> ys = new ArrayList<>();
            for (double v : s) {
                ys.add(100 * v);
            }
            CategorySeries series = chart.addSeries(t.name(), labels, ys);
            series.setFillColor(ChartStyle.PALETTE[c++ % ChartStyle.PALETTE.length]);
        }
        return chart;
    }
}
