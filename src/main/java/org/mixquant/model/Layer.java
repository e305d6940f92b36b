package org.mixquant.model;

import java.util.Arrays;
import java.util.Objects;
import org.mixquant.tensor.WeightTensor;

/**
 * One quantizable weight of a model: its name, the tensor it comes from, the operation it feeds, its shape and
 * output-channel axis, and its values.
 *
 * <p>The values are either <em>resident</em> (a {@link WeightTensor} held by the layer) or read <em>on demand</em>
 * from the model's storage (e.g. the memory-mapped external data file of an ONNX model larger than memory): then
 * every call of {@link #weight()} reads a fresh tensor that the layer does not keep, so a caller that handles one
 * layer at a time holds at most one layer's values ({@code 4 × params()} bytes) on the heap. Name, shape, axis and
 * size are known without reading the values. Immutable either way; {@link #withWeight} returns a resident layer.
 */
public final class Layer {
    /** Reads the values of an on-demand layer; called once per {@link Layer#weight()} call. */
    @FunctionalInterface
    public interface WeightReader {
        /**
         * The layer's values in row-major order, a new array of {@code params()} floats owned by the caller.
         *
         * @throws java.io.UncheckedIOException if the storage cannot be read (the message names the file)
         * @throws IllegalArgumentException     if a value is NaN or infinite (the message names the layer)
         */
        float[] read();
    }

    private final String name;
    private final String tensorName;
    private final LayerKind kind;
    private final int[] shape;
    private final int channelAxis;
    private final long params;
    private final WeightTensor resident;
    private final WeightReader reader;

    private Layer(String name, String tensorName, LayerKind kind, int[] shape, int channelAxis,
            WeightTensor resident, WeightReader reader) {
        this.name = Objects.requireNonNull(name, "name");
        this.tensorName = Objects.requireNonNull(tensorName, "tensorName");
        this.kind = Objects.requireNonNull(kind, "kind");
        this.shape = shape;
        this.channelAxis = channelAxis;
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        this.params = n;
        this.resident = resident;
        this.reader = reader;
    }

    /**
     * A layer whose values are held in memory.
     *
     * @param name       stable name of the layer; for ONNX the name of the node the weight feeds, e.g.
     *                   {@code /encoder/layer.0/attention/self/query/MatMul}
     * @param tensorName name of the weight tensor in the model (ONNX initializer name)
     * @param kind       the operation the weight feeds
     * @param weight     the weight values with their output-channel axis
     */
    public Layer(String name, String tensorName, LayerKind kind, WeightTensor weight) {
        this(name, tensorName, kind, Objects.requireNonNull(weight, "weight").shape(), weight.channelAxis(), weight,
                null);
    }

    /**
     * A layer whose values are read by {@code reader} each time {@link #weight()} is called and never kept.
     *
     * @param shape       dimensions, each ≥ 1, at most {@link Integer#MAX_VALUE} values in all (copied)
     * @param channelAxis index into {@code shape} of the output-channel axis
     * @throws IllegalArgumentException for an invalid shape or axis
     */
    public static Layer onDemand(String name, String tensorName, LayerKind kind, int[] shape, int channelAxis,
            WeightReader reader) {
        Objects.requireNonNull(reader, "reader");
        long n = 1;
        for (int d : shape) {
            if (d < 1) {
                throw new IllegalArgumentException("layer '" + name + "': shape " + Arrays.toString(shape)
                        + " has a dimension < 1");
            }
            n *= d;
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("layer '" + name + "': shape " + Arrays.toString(shape)
                        + " holds more than " + Integer.MAX_VALUE + " values");
            }
        }
        if (shape.length == 0 || channelAxis < 0 || channelAxis >= shape.length) {
            throw new IllegalArgumentException("layer '" + name + "': channel axis " + channelAxis
                    + " is outside shape " + Arrays.toString(shape));
        }
        return new Layer(name, tensorName, kind, shape.clone(), channelAxis, null, reader);
    }

    /** Stable name of the layer. */
    public String name() {
        return name;
    }

    /** Name of the weight tensor in the model. */
    public String tensorName() {
        return tensorName;
    }

    /** The operation the weight feeds. */
    public LayerKind kind() {
        return kind;
    }

    /**
     * The weight values: the held tensor of a resident layer, or for an on-demand layer a tensor freshly read from
     * storage (4 × {@link #params()} bytes of heap, released when the caller drops it; read again on the next call).
     *
     * @throws java.io.UncheckedIOException if an on-demand layer's storage cannot be read
     * @throws IllegalArgumentException     if an on-demand layer holds a NaN or infinite value
     */
    public WeightTensor weight() {
        return resident != null ? resident : WeightTensor.wrap(reader.read(), shape, channelAxis);
    }

    /** Whether the values are held in memory ({@code false}: read from storage by each {@link #weight()} call). */
    public boolean resident() {
        return resident != null;
    }

    /** A copy of the weight's shape (known without reading the values). */
    public int[] shape() {
        return shape.clone();
    }

    /** Shape as text, e.g. {@code [384, 1536]}. */
    public String shapeString() {
        return Arrays.toString(shape);
    }

    /** Number of weights. */
    public long params() {
        return params;
    }

    /** Index of the output-channel axis. */
    public int channelAxis() {
        return channelAxis;
    }

    /** Number of output channels ({@code shape[channelAxis]}). */
    public int channels() {
        return shape[channelAxis];
    }

    /** The same layer with other weight values held in memory (same shape and axis required). */
    public Layer withWeight(WeightTensor w) {
        if (!Arrays.equals(w.shape(), shape) || w.channelAxis() != channelAxis) {
            throw new IllegalArgumentException("layer '" + name + "' expects shape " + shapeString()
                    + " axis " + channelAxis + ", got " + w.shapeString() + " axis " + w.channelAxis());
        }
        return new Layer(name, tensorName, kind, w);
    }

    @Override
    public String toString() {
        return "Layer[" + name + ", " + tensorName + ", " + kind + ", " + shapeString() + " axis=" + channelAxis
                + (resident() ? "" : ", on demand") + "]";
    }
}
