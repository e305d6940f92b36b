package org.mixquant.quant;

/** The candidate bit-widths of MixQuant (int2..int8) and their validation. */
public final class Bits {
    /** Smallest supported bit-width. */
    public static final int MIN = 2;
    /** Largest supported bit-width. */
    public static final int MAX = 8;
    /** Number of candidate bit-widths ({@code MAX - MIN + 1}). */
    public static final int COUNT = MAX - MIN + 1;

    private Bits() {
    }

    /**
     * Returns {@code bits} if it lies in 2..8.
     *
     * @throws IllegalArgumentException naming the value otherwise
     */
    public static int check(int bits) {
        if (bits < MIN || bits > MAX) {
            throw new IllegalArgumentException("bits must be between " + MIN + " and " + MAX + ", got " + bits);
        }
        return bits;
    }

    /** All candidate bit-widths in increasing order: {@code {2, 3, 4, 5, 6, 7, 8}}. */
    public static int[] all() {
        int[] b = new int[COUNT];
        for (int i = 0; i < COUNT; i++) {
            b[i] = MIN + i;
        }
        return b;
    }
}
