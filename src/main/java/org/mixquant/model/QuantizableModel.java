package org.mixquant.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mixquant.tensor.WeightTensor;

/**
 * A model whose quantizable weights are exposed as named layers, in forward order. Implementations are immutable:
 * {@link #withWeights} returns a new model that shares every tensor it does not replace.
 */
public interface QuantizableModel {
    /** Where the model came from: a built-in name such as {@code minilm}, or a file path. */
    String source();

    /** The quantizable layers in forward (graph) order. */
    List<Layer> layers();

    /** Number of parameters that are not in a quantizable layer (embeddings, biases, norms); they stay FP32. */
    long otherParams();

    /**
     * Storage of the {@link #otherParams()} as the model holds them, in bits: 32 per parameter unless the model
     * keeps some in another type (e.g. FP16 initializers of an ONNX file are 16 bits each).
     */
    default long otherBits() {
        return 32L * otherParams();
    }

    /**
     * Things about the model a user should know before trusting its results, one line each (e.g. layers renamed
     * because their names collided); empty for most models.
     */
    default List<String> warnings() {
        return List.of();
    }

    /**
     * A new model with the named layers' weights replaced (same shapes). The receiver is not changed.
     *
     * @throws IllegalArgumentException for an unknown layer or a shape mismatch
     */
    QuantizableModel withWeights(Map<String, WeightTensor> replaced);

    /** The layer called {@code name}. */
    default Layer layer(String name) {
        for (Layer l : layers()) {
            if (l.name().equals(name)) {
                return l;
            }
        }
        throw new IllegalArgumentException("model '" + source() + "' has no quantizable layer '" + name + "'");
    }

    /** Layer names in forward order. */
    default List<String> layerNames() {
        return layers().stream().map(Layer::name).toList();
    }

    /** Layer name → number of weights, in forward order. */
    default Map<String, Long> paramCounts() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Layer l : layers()) {
            m.put(l.name(), l.params());
        }
        return m;
    }

    /** Σ params over the quantizable layers. */
    default long quantizableParams() {
        long n = 0;
        for (Layer l : layers()) {
            n += l.params();
        }
        return n;
    }
}
