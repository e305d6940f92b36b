package org.mixquant.tensor;

import java.util.Arrays;

/**
 * An immutable dense float32 weight tensor in row-major (C) order, with the index of its output-channel axis.
 *
 * <p>Conventions (see DESIGN.md): ONNX MatMul weights {@code [in, out]} have channel axis 1; ONNX Gemm with
 * {@code transB=1} and PyTorch Linear {@code [out, in]} have axis 0; Conv {@code [out, in, kh, kw]} has axis 0.
 *
 * <p>The tensor is viewed as {@code [outer, channels, inner]} where {@code outer} is the product of the dimensions
 * before the channel axis and {@code inner} the product of those after it; element {@code (o, c, i)} lives at flat
 * index {@code (o * channels + c) * inner + i}. The backing array is copied on construction and never handed out,
 * so a {@code WeightTensor} cannot be changed after it is made.
 */
public final class WeightTensor {
    private final float[] data;
    private final int[] shape;
    private final int channelAxis;
    private final int outer;
    private final int channels;
    private final int inner;

    private WeightTensor(float[] data, int[] shape, int channelAxis) {
        this.data = data;
        this.shape = shape;
        this.channelAxis = channelAxis;
        int o = 1;
        for (int d = 0; d < channelAxis; d++) {
            o = Math.multiplyExact(o, shape[d]);
        }
        int in = 1;
        for (int d = channelAxis + 1; d < shape.length; d++) {
            in = Math.multiplyExact(in, shape[d]);
        }
        this.outer = o;
        this.channels = shape[channelAxis];
        this.inner = in;
    }

    /**
     * Makes a tensor from a copy of {@code data}.
     *
     * @param data        values in row-major order; copied, not kept
     * @param shape       dimensions, each ≥ 1, whose product equals {@code data.length}
     * @param channelAxis index into {@code shape} of the output-channel axis
     * @throws IllegalArgumentException if the shape does not match the data or the axis is out of range
     */
    public static WeightTensor of(float[] data, int[] shape, int channelAxis) {
        validate(data, shape, channelAxis);
        return new WeightTensor(data.clone(), shape.clone(), channelAxis);
    }

    /** A 1-D tensor (one channel holding every value), handy for teaching and tests. */
    public static WeightTensor vector(float... data) {
        return of(data, new int[] {1, data.length}, 0);
    }

    /**
     * Makes a tensor that takes ownership of {@code data} without copying. Only for loaders and quantizers that
     * have just allocated the array and never touch it again.
     */
    public static WeightTensor wrap(float[] data, int[] shape, int channelAxis) {
        validate(data, shape, channelAxis);
        return new WeightTensor(data, shape.clone(), channelAxis);
    }

    private static void validate(float[] data, int[] shape, int channelAxis) {
        if (shape.length == 0) {
            throw new IllegalArgumentException("a weight tensor needs at least one dimension");
        }
        long n = 1;
        for (int d : shape) {
            if (d < 1) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has a dimension < 1");
            }
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n
                    + " values but the data has " + data.length);
        }
        if (channelAxis < 0 || channelAxis >= shape.length) {
            throw new IllegalArgumentException("channel axis " + channelAxis + " is outside shape "
                    + Arrays.toString(shape));
        }
    }

    /** Number of values. */
    public int size() {
        return data.length;
    }

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    /** Index of the output-channel axis in {@link #shape()}. */
    public int channelAxis() {
        return channelAxis;
    }

    /** Number of output channels ({@code shape[channelAxis]}). */
    public int channels() {
        return channels;
    }

    /** Product of the dimensions before the channel axis. */
    public int outer() {
        return outer;
    }

    /** Product of the dimensions after the channel axis (1 when the channel axis is the last one). */
    public int inner() {
        return inner;
    }

    /** The value at flat row-major index {@code i}. */
    public float get(int i) {
        return data[i];
    }

    /** The channel of flat index {@code i}. */
    public int channelOf(int i) {
        return (i / inner) % channels;
    }

    /** A copy of the values in row-major order. */
    public float[] toArray() {
        return data.clone();
    }

    /**
     * Copies the values into {@code dst} starting at {@code offset}. {@code dst} is modified.
     */
    public void copyTo(float[] dst, int offset) {
        System.arraycopy(data, 0, dst, offset, data.length);
    }

    /**
     * Read-only access to the backing array for allocation-free kernels in this toolkit. Callers must not write to
     * it; it is package-visible in spirit and public only because the kernels live in other packages.
     */
    public float[] unsafeData() {
        return data;
    }

    /** A new tensor with the same shape and axis and the given values (copied). */
    public WeightTensor withData(float[] newData) {
        if (newData.length != data.length) {
            throw new IllegalArgumentException("expected " + data.length + " values, got " + newData.length);
        }
        return new WeightTensor(newData.clone(), shape, channelAxis);
    }

    /** The same values viewed with another output-channel axis. */
    public WeightTensor withChannelAxis(int axis) {
        validate(data, shape, axis);
        return new WeightTensor(data, shape, axis);
    }

    /**
     * Index of the first value that is NaN or infinite, or -1 if all values are finite.
     */
    public int firstNonFinite() {
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Per-channel minimum and maximum, written into {@code min} and {@code max} (both modified, length
     * {@link #channels()}).
     */
    public void channelMinMax(float[] min, float[] max) {
        ChannelOps.minMax(data, outer, channels, inner, min, max);
    }

    /** Shape as text, e.g. {@code [384, 1536]}. */
    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public String toString() {
        return "WeightTensor" + shapeString() + " axis=" + channelAxis;
    }
}
