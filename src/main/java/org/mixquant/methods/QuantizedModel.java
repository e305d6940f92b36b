package org.mixquant.methods;

import java.util.Objects;
import org.mixquant.model.QuantizableModel;
import org.mixquant.quant.BitPlan;

/**
 * A model whose quantizable weights were replaced by fake-quantized ones.
 *
 * @param model   the new model (shares every unchanged tensor with the original)
 * @param plan    the bits each layer got
 * @param method  the method's name
 * @param seconds wall time of quantization
 */
public record QuantizedModel(QuantizableModel model, BitPlan plan, String method, double seconds) {
    /** Rejects nulls. */
    public QuantizedModel {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(method, "method");
    }
}
