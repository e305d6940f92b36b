package org.mixquant.methods;

import org.mixquant.model.QuantizableModel;
import org.mixquant.quant.BitPlan;

/** A weight quantization method: model + per-layer bits → a new model with fake-quantized weights. */
public interface Quantizer {
    /** Short name for tables, e.g. {@code nearest}. */
    String name();

    /**
     * Quantizes every layer of {@code model} to the bits {@code plan} gives it. The model is not modified.
     *
     * @throws IllegalArgumentException if the plan does not cover exactly the model's layers
     */
    QuantizedModel quantize(QuantizableModel model, BitPlan plan);

    /**
     * Layers this quantizer fixes at a bit-width regardless of the plan (e.g. BRECQ's first/last layers at 8 bits);
     * empty by default.
     *
     * @return layer name → bits (2..8), in forward order
     */
    default java.util.Map<String, Integer> fixedLayers(QuantizableModel model) {
        return java.util.Map.of();
    }
}
