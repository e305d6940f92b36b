package org.mixquant.quant;

import java.util.Objects;

/**
 * What to quantize a weight tensor to: a bit-width in 2..8, a {@link Scheme} and a {@link Granularity}.
 *
 * @param bits        bits per weight, 2..8
 * @param scheme      asymmetric (affine) or symmetric
 * @param granularity per output channel or per tensor
 */
public record QuantSpec(int bits, Scheme scheme, Granularity granularity) {
    /** Validates the bit-width and rejects nulls. */
    public QuantSpec {
        Bits.check(bits);
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(granularity, "granularity");
    }

    /** Asymmetric, per-channel: the toolkit's default. */
    public static QuantSpec asymmetric(int bits) {
        return new QuantSpec(bits, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);
    }

    /** Same scheme and granularity, another bit-width. */
    public QuantSpec withBits(int newBits) {
        return new QuantSpec(newBits, scheme, granularity);
    }

    /** Smallest integer on the grid: 0 (asymmetric) or {@code -(2^(b-1) - 1)} (symmetric). */
    public int qmin() {
        return scheme == Scheme.ASYMMETRIC ? 0 : -((1 << (bits - 1)) - 1);
    }

    /** Largest integer on the grid: {@code 2^b - 1} (asymmetric) or {@code 2^(b-1) - 1} (symmetric). */
    public int qmax() {
        return scheme == Scheme.ASYMMETRIC ? (1 << bits) - 1 : (1 << (bits - 1)) - 1;
    }

    @Override
    public String toString() {
        return "int" + bits + " " + scheme + " " + granularity;
    }
}
