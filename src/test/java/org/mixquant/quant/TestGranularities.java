package org.mixquant.quant;

import java.util.List;

/** The granularities tests iterate over (Granularity is a value class, not an enum, since per-group has a size). */
public final class TestGranularities {
    private TestGranularities() {
    }

    /** Per-channel and per-tensor: what the per-channel / per-tensor golden file covers. */
    public static List<Granularity> standard() {
        return List.of(Granularity.PER_CHANNEL, Granularity.PER_TENSOR);
    }

    /**
     * {@link #standard()} plus per-group with small sizes that leave ragged last groups and cross segment borders in
     * the test tensors (3, 8), a typical size (32) and one larger than most test input dimensions (128).
     */
    public static List<Granularity> all() {
        return List.of(Granularity.PER_CHANNEL, Granularity.PER_TENSOR, Granularity.perGroup(3),
                Granularity.perGroup(8), Granularity.perGroup(32), Granularity.perGroup(128));
    }
}
