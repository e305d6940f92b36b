package org.mixquant.model;

import java.util.Objects;
import org.mixquant.tensor.WeightTensor;

/**
 * One quantizable weight of a model.
 *
 * @param name        stable name of the layer; for ONNX the name of the node the weight feeds, e.g.
 *                    {@code /encoder/layer.0/attention/self/query/MatMul}
 * @param tensorName  name of the weight tensor in the model (ONNX initializer name)
 * @param kind        the operation the weight feeds
 * @param weight      the weight values with their output-channel axis
 */
public record Layer(String name, String tensorName, LayerKind kind, WeightTensor weight) {
    /** Rejects nulls. */
    public Layer {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(tensorName, "tensorName");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(weight, "weight");
    }

    /** Number of weights. */
    public long params() {
        return weight.size();
    }

    /** Index of the output-channel axis. */
    public int channelAxis() {
        return weight.channelAxis();
    }

    /** The same layer with other weight values (same shape and axis required). */
    public Layer withWeight(WeightTensor w) {
        if (!java.util.Arrays.equals(w.shape(), weight.shape()) || w.channelAxis() != weight.channelAxis()) {
            throw new IllegalArgumentException("layer '" + name + "' expects shape " + weight.shapeString()
                    + " axis " + weight.channelAxis() + ", got " + w.shapeString() + " axis " + w.channelAxis());
        }
        return new Layer(name, tensorName, kind, w);
    }
}
