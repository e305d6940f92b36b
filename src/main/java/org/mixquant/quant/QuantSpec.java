package org.mixquant.quant;

import java.util.Objects;

/**
 * What to quantize a weight tensor to: a bit-width in 2..8, a {@link Scheme} and a {@link Granularity}. The group
 * size of per-group quantization is part of the granularity ({@code Granularity.perGroup(128)}), so this record keeps
 * its three components and every plan, table and method that carries a granularity carries the group size with it.
 *
 * @param bits        bits per weight, 2..8
 * @param scheme      asymmetric (affine) or symmetric
 * @param granularity per tensor, per output channel, or per group of G input-dimension weights
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

    /** Same bits and scheme, another granularity. */
    public QuantSpec withGranularity(Granularity newGranularity) {
        return new QuantSpec(bits, scheme, newGranularity);
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
        return "int" + bits + " " + scheme + " " + granularity.label();
    }
}
