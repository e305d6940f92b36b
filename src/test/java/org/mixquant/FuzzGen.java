package org.mixquant;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * The random inputs of one fuzz try, from a fixed seed. Like a property-testing library's generators it mixes in edge
 * cases: about one draw in eight is a bound of the range (or 0, ±1, the type's extremes), and sizes are often 0 or the
 * maximum, since those are where parsers break.
 */
public final class FuzzGen {
    private final SplittableRandom rnd;

    public FuzzGen(long seed) {
        rnd = new SplittableRandom(seed);
    }

    private boolean edge() {
        return rnd.nextInt(8) == 0;
    }

    public boolean bool() {
        return rnd.nextBoolean();
    }

    /** An int in {@code lo..hi} (both included), an edge value (the bounds, 0, ±1 next to them) one time in eight. */
    public int between(int lo, int hi) {
        if (edge()) {
            long[] edges = {lo, hi, 0, 1, -1, (long) lo + 1, (long) hi - 1};
            long e = edges[rnd.nextInt(edges.length)];
            if (e >= lo && e <= hi) {
                return (int) e;
            }
        }
        return (int) rnd.nextLong(lo, (long) hi + 1);
    }

    /** A long in {@code lo..hi} (both included, {@code hi < Long.MAX_VALUE}), with edge values as {@link #between}. */
    public long longBetween(long lo, long hi) {
        if (edge()) {
            long[] edges = {lo, hi, 0, 1, -1};
            long e = edges[rnd.nextInt(edges.length)];
            if (e >= lo && e <= hi) {
                return e;
            }
        }
        return rnd.nextLong(lo, hi + 1);
    }

    /** Any int: uniform over all 2^32 values, or small, or an edge value. */
    public int anyInt() {
        switch (rnd.nextInt(8)) {
            case 0:
                return pick(0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, Integer.MIN_VALUE + 1,
                        Integer.MAX_VALUE - 1);
            case 1:
                return rnd.nextInt(-1000, 1001);
            default:
                return rnd.nextInt();
        }
    }

    /** Any long: uniform over all 2^64 values, or int-sized, or small, or an edge value. */
    public long anyLong() {
        switch (rnd.nextInt(8)) {
            case 0:
                return pick(0L, 1L, -1L, Long.MIN_VALUE, Long.MAX_VALUE, (long) Integer.MIN_VALUE - 1,
                        (long) Integer.MAX_VALUE + 1);
            case 1:
                return rnd.nextInt(-1000, 1001);
            case 2:
                return rnd.nextInt();
            default:
                return rnd.nextLong();
        }
    }

    /** An integer in {@code -2^bits .. 2^bits}: any bit length, any sign, the bounds themselves now and then. */
    public BigInteger bigInteger(int bits) {
        BigInteger max = BigInteger.ONE.shiftLeft(bits);
        if (edge()) {
            return pick(max, max.negate(), BigInteger.ZERO, max.subtract(BigInteger.ONE),
                    BigInteger.ONE.shiftLeft(63), BigInteger.ONE.shiftLeft(64), BigInteger.ONE.shiftLeft(31));
        }
        byte[] b = new byte[(bits + 7) / 8];
        rnd.nextBytes(b);
        BigInteger v = new BigInteger(1, b).shiftRight(b.length * 8 - rnd.nextInt(bits + 1));
        return rnd.nextBoolean() ? v.negate() : v;
    }

    /** Any double: any bit pattern (so NaN and ±∞ too), a plain one near 0, or an edge value. */
    public double anyDouble() {
        switch (rnd.nextInt(8)) {
            case 0:
                return pick(0.0, -0.0, 1.0, -1.0, Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE,
                        Double.MIN_NORMAL, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY);
            case 1:
            case 2:
            case 3:
                return (rnd.nextDouble() - 0.5) * Math.pow(10, rnd.nextInt(-5, 20));
            default:
                return Double.longBitsToDouble(rnd.nextLong());
        }
    }

    /** Any char: half the time printable ASCII, else a control character or any UTF-16 unit (lone surrogates too). */
    public char anyChar() {
        switch (rnd.nextInt(4)) {
            case 0:
            case 1:
                return (char) rnd.nextInt(0x20, 0x7f);
            case 2:
                return (char) rnd.nextInt(0, 0x20);
            default:
                return (char) rnd.nextInt(0x10000);
        }
    }

    /** A string of 0..{@code maxLength} {@link #anyChar}s. */
    public String string(int maxLength) {
        int n = size(maxLength);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append(anyChar());
        }
        return sb.toString();
    }

    /** A size in 0..max: 0 or max one time in eight, else uniform. */
    public int size(int max) {
        return size(0, max);
    }

    /** A size in min..max: a bound one time in eight, else uniform. */
    public int size(int min, int max) {
        if (edge()) {
            return rnd.nextBoolean() ? min : max;
        }
        return rnd.nextInt(min, max + 1);
    }

    /** A byte: uniform, or now and then 0, ±1, -128 or 127. */
    public byte anyByte() {
        return edge() ? pick((byte) 0, (byte) 1, (byte) -1, Byte.MIN_VALUE, Byte.MAX_VALUE) : (byte) rnd.nextInt();
    }

    /** 0..{@code maxLength} {@link #anyByte}s. */
    public byte[] bytes(int maxLength) {
        byte[] b = new byte[size(maxLength)];
        for (int i = 0; i < b.length; i++) {
            b[i] = anyByte();
        }
        return b;
    }

    /** {@code min..max} values of {@code element}. */
    public <T> List<T> list(int min, int max, Supplier<T> element) {
        int n = size(min, max);
        List<T> l = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            l.add(element.get());
        }
        return l;
    }

    /** One of {@code values}, uniformly. */
    @SafeVarargs
    public final <T> T pick(T... values) {
        return values[rnd.nextInt(values.length)];
    }

    /** One of {@code values}, uniformly. */
    public <T> T pick(List<T> values) {
        return values.get(rnd.nextInt(values.size()));
    }

    /** An index 0..weights.length-1, drawn with the given relative weights. */
    public int weighted(int... weights) {
        int total = 0;
        for (int w : weights) {
            total += w;
        }
        int r = rnd.nextInt(total);
        for (int i = 0; i < weights.length; i++) {
            r -= weights[i];
            if (r < 0) {
                return i;
            }
        }
        throw new AssertionError();
    }

    /** {@code bytes} in hex, two digits a byte, for failure messages. */
    public static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder(2 * bytes.length);
        for (byte b : bytes) {
            sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return sb.toString();
    }

    /** {@code s} as a Java string literal (control characters, non-ASCII and surrogates as \\uXXXX). */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c >= 0x20 && c < 0x7f) {
                sb.append(c);
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
        return sb.append('"').toString();
    }
}
