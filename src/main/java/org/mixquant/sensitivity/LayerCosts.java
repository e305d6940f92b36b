package org.mixquant.sensitivity;

import java.util.ArrayList;
import java.util.List;
import org.mixquant.model.Layer;
import org.mixquant.quant.Bits;
import org.mixquant.quant.FakeQuant;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.QuantSpec;
import org.mixquant.quant.Scheme;
import org.mixquant.progress.Progress;
import org.mixquant.tensor.WeightTensor;

/**
 * The one loop behind the data-aware cost tables: every layer's weights fake-quantized (nearest rounding, min-max,
 * the given scheme and granularity) at bits 2..8, each version priced by a {@link LayerCost}.
 */
final class LayerCosts {
    private LayerCosts() {
    }

    /** The cost of layer {@code index} when its weights are replaced by {@code quantized}. */
    @FunctionalInterface
    interface LayerCost {
        double cost(int index, Layer layer, WeightTensor quantized);
    }

    /** Layer names, weight counts and costs (per layer, index bits − 2), ready for {@code CostTable.of}. */
    record Filled(List<String> names, long[] params, double[][] cost) {
    }

    /**
     * Prices every layer at every bit-width, reporting one progress step per layer under {@code task} (layer name
     * appended).
     */
    static Filled fill(List<Layer> layers, Scheme scheme, Granularity granularity, LayerCost price,
            Progress progress, String task) {
        int n = layers.size();
        double[][] cost = new double[n][Bits.COUNT];
        long[] params = new long[n];
        List<String> names = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Layer l = layers.get(i);
            names.add(l.name());
            params[i] = l.params();
            for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                cost[i][b - Bits.MIN] = price.cost(i, l, FakeQuant.apply(l.weight(),
                        new QuantSpec(b, scheme, granularity)));
            }
            progress.update(task + " (" + l.name() + ")", i + 1, n);
        }
        return new Filled(names, params, cost);
    }
}
