package org.mixquant.quant;

import java.util.Locale;

/**
 * Which implementation of {@link ErrorSweep}'s inner loops runs: the scalar reference, or the same arithmetic on
 * {@code jdk.incubator.vector} ({@code VectorSweep}). Both give the same fake-quantized value for every weight; their
 * squared-error sums differ only in summation order (within 1e-7 relative, see {@code VectorSweep}).
 *
 * <p>{@link #preferred()} is {@link #VECTOR} when the JVM was started with {@code --add-modules
 * jdk.incubator.vector}, unless the system property {@value #PROPERTY} is {@code scalar}; otherwise {@link #SCALAR}.
 * The vector class is loaded only after {@link #available()} said yes, so a JVM without the module never touches it.
 */
public enum SweepKernel {
    /** The scalar reference loops in {@link ErrorSweep} (always available). */
    SCALAR,
    /** FloatVector at the preferred species, double accumulation; needs {@code jdk.incubator.vector}. */
    VECTOR;

    /** System property that forces a kernel: {@code scalar} or {@code vector} (case-insensitive). */
    public static final String PROPERTY = "mixquant.sweep.kernel";

    /** Module name of the Vector API. */
    static final String MODULE = "jdk.incubator.vector";

    /** Whether this kernel can run in this JVM ({@link #VECTOR} needs the incubator module in the boot layer). */
    public boolean available() {
        return this == SCALAR || ModuleLayer.boot().findModule(MODULE).isPresent();
    }

    /**
     * The kernel {@link ErrorSweep} uses when none is given: the value of {@value #PROPERTY} if set, else
     * {@link #VECTOR} when {@linkplain #available() available}, else {@link #SCALAR}.
     *
     * @throws IllegalStateException when the property names an unknown kernel, or {@code vector} without the module
     */
    public static SweepKernel preferred() {
        String forced = System.getProperty(PROPERTY);
        if (forced == null || forced.isBlank()) {
            return VECTOR.available() ? VECTOR : SCALAR;
        }
        SweepKernel k;
        try {
            k = valueOf(forced.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("-D" + PROPERTY + " must be scalar or vector, got '" + forced + "'");
        }
        return k.require();
    }

    /**
     * Sweeps of fewer values than this run {@link #SCALAR} by default ({@link #forSweep}): the vector loops run
     * slowly until the JIT compiles them (about 1.5 s once per JVM, measured: a one-shot MiniLM sweep of 10.6M values
     * took 3.09 s on the vector kernel against 0.64 s scalar), and at the warm speeds of {@code mixquant bench}
     * (vector about 3× scalar) that start-up cost is repaid only from about 2.7e8 values.
     */
    public static final long VECTOR_MIN_VALUES = 250_000_000L;

    /**
     * The kernel for one sweep over {@code values} weights: the value of {@value #PROPERTY} if set, else
     * {@link #VECTOR} when {@linkplain #available() available} and {@code values ≥} {@value #VECTOR_MIN_VALUES},
     * else {@link #SCALAR}.
     *
     * @throws IllegalStateException as {@link #preferred()}
     */
    public static SweepKernel forSweep(long values) {
        String forced = System.getProperty(PROPERTY);
        if (forced != null && !forced.isBlank()) {
            return preferred();
        }
        return values >= VECTOR_MIN_VALUES && VECTOR.available() ? VECTOR : SCALAR;
    }

    /**
     * Floats this kernel handles per step: 1 for {@link #SCALAR}, the preferred vector species' lane count for
     * {@link #VECTOR} (8 with AVX2, 16 with AVX-512).
     *
     * @throws IllegalStateException for {@link #VECTOR} without the module
     */
    public int lanes() {
        if (this == SCALAR) {
            return 1;
        }
        require();
        return VectorSweep.lanes();
    }

    /**
     * Returns this kernel if it can run here.
     *
     * @throws IllegalStateException naming the missing module otherwise
     */
    public SweepKernel require() {
        if (!available()) {
            throw new IllegalStateException("the vector sweep needs the JVM option --add-modules " + MODULE);
        }
        return this;
    }
}
