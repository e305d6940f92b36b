package org.mixquant.methods;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mixquant.model.Layer;
import org.mixquant.model.QuantizableModel;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.FakeQuant;
import org.mixquant.quant.QuantSpec;
import org.mixquant.tensor.WeightTensor;

/**
 * Vanilla post-training quantization: min-max scales and round-to-nearest (half to even) for every layer, with the
 * plan's scheme (asymmetric or symmetric) and granularity. Method id {@code nearest}; its results are named
 * {@code nearest-asymmetric} or {@code nearest-symmetric}.
 */
public final class NearestRounding implements Quantizer {
    /** Creates the quantizer. */
    public NearestRounding() {
    }

    @Override
    public String name() {
        return "nearest";
    }

    @Override
    public QuantizedModel quantize(QuantizableModel model, BitPlan plan) {
        plan.validateFor(model.layerNames());
        long t0 = System.nanoTime();
        List<Layer> layers = model.layers();
        WeightTensor[] out = new WeightTensor[layers.size()];
        java.util.stream.IntStream.range(0, layers.size()).parallel().forEach(i -> {
            Layer l = layers.get(i);
            QuantSpec spec = new QuantSpec(plan.bitsOf(l.name()), plan.scheme(), plan.granularity());
            out[i] = FakeQuant.apply(l.weight(), spec);
        });
        Map<String, WeightTensor> replaced = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            replaced.put(layers.get(i).name(), out[i]);
        }
        QuantizableModel q = model.withWeights(replaced);
        return new QuantizedModel(q, plan, name() + "-" + plan.scheme().cliName(), (System.nanoTime() - t0) / 1e9);
    }
}
