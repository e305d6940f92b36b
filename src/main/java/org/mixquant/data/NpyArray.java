package org.mixquant.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * One n-dimensional array read from a NumPy {@code .npy} file (or an entry of an {@code .npz}), in C (row-major)
 * order: its name, element type, shape and values. Immutable: accessors return copies.
 */
public final class NpyArray {
    /** The element types read; each is one NumPy {@code descr} in either byte order. */
    public enum Dtype {
        /** {@code float32} ({@code <f4}). */
        FLOAT32("float32", 4),
        /** {@code float64} ({@code <f8}). */
        FLOAT64("float64", 8),
        /** {@code int32} ({@code <i4}). */
        INT32("int32", 4),
        /** {@code int64} ({@code <i8}). */
        INT64("int64", 8);

        private final String numpyName;
        private final int bytes;

        Dtype(String numpyName, int bytes) {
            this.numpyName = numpyName;
            this.bytes = bytes;
        }

        /** NumPy's name, e.g. {@code float32}. */
        public String numpyName() {
            return numpyName;
        }

        /** Bytes per element. */
        public int bytes() {
            return bytes;
        }
    }

    private final String name;
    private final Dtype dtype;
    private final long[] shape;
    /** float[], double[], int[] or long[] by dtype. */
    private final Object values;

    private NpyArray(String name, Dtype dtype, long[] shape, Object values) {
        this.name = Objects.requireNonNull(name, "name");
        this.dtype = Objects.requireNonNull(dtype, "dtype");
        this.shape = shape.clone();
        this.values = values;
        if (count(shape) != java.lang.reflect.Array.getLength(values)) {
            throw new IllegalArgumentException("array '" + name + "': shape " + Arrays.toString(shape) + " holds "
                    + count(shape) + " values, got " + java.lang.reflect.Array.getLength(values));
        }
    }

    /** A float32 array (values copied). */
    public static NpyArray ofFloats(String name, float[] values, long... shape) {
        return new NpyArray(name, Dtype.FLOAT32, shape, values.clone());
    }

    /** An int64 array (values copied). */
    public static NpyArray ofLongs(String name, long[] values, long... shape) {
        return new NpyArray(name, Dtype.INT64, shape, values.clone());
    }

    /** An int32 array (values copied). */
    public static NpyArray ofInts(String name, int[] values, long... shape) {
        return new NpyArray(name, Dtype.INT32, shape, values.clone());
    }

    /** A float64 array (values copied). */
    public static NpyArray ofDoubles(String name, double[] values, long... shape) {
        return new NpyArray(name, Dtype.FLOAT64, shape, values.clone());
    }

    /** Wraps {@code values} (not copied; the caller hands it over). */
    static NpyArray wrap(String name, Dtype dtype, long[] shape, Object values) {
        return new NpyArray(name, dtype, shape, values);
    }

    /** Number of values a shape holds (1 for a scalar, shape {@code []}). */
    public static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** The array's name (the {@code .npz} entry or {@code .npy} file name without the extension). */
    public String name() {
        return name;
    }

    /** The element type. */
    public Dtype dtype() {
        return dtype;
    }

    /** A copy of the shape. */
    public long[] shape() {
        return shape.clone();
    }

    /** Number of values. */
    public int size() {
        return java.lang.reflect.Array.getLength(values);
    }

    /** A copy of the values of a float32 array. */
    public float[] floats() {
        return ((float[]) as(Dtype.FLOAT32)).clone();
    }

    /** A copy of the values of a float64 array. */
    public double[] doubles() {
        return ((double[]) as(Dtype.FLOAT64)).clone();
    }

    /** A copy of the values of an int32 array. */
    public int[] ints() {
        return ((int[]) as(Dtype.INT32)).clone();
    }

    /** A copy of the values of an int64 array. */
    public long[] longs() {
        return ((long[]) as(Dtype.INT64)).clone();
    }

    private Object as(Dtype want) {
        if (dtype != want) {
            throw new IllegalStateException("array '" + name + "' is " + dtype.numpyName() + ", not "
                    + want.numpyName());
        }
        return values;
    }

    /**
     * The samples {@code from..to-1} along the first axis, as a new array of the same name and type.
     *
     * @throws IllegalArgumentException for a scalar or a range outside the first axis
     */
    public NpyArray slice(long from, long to) {
        if (shape.length == 0 || from < 0 || to > shape[0] || from >= to) {
            throw new IllegalArgumentException("array '" + name + "' of shape " + Arrays.toString(shape)
                    + " has no samples " + from + ".." + (to - 1) + " along its first axis");
        }
        long inner = shape[0] == 0 ? 0 : count(shape) / shape[0];
        int a = Math.toIntExact(from * inner);
        int b = Math.toIntExact(to * inner);
        long[] s = shape.clone();
        s[0] = to - from;
        Object v = switch (dtype) {
            case FLOAT32 -> Arrays.copyOfRange((float[]) values, a, b);
            case FLOAT64 -> Arrays.copyOfRange((double[]) values, a, b);
            case INT32 -> Arrays.copyOfRange((int[]) values, a, b);
            case INT64 -> Arrays.copyOfRange((long[]) values, a, b);
        };
        return new NpyArray(name, dtype, s, v);
    }

    @Override
    public String toString() {
        return name + " " + dtype.numpyName() + Arrays.toString(shape);
    }
}
