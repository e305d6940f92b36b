package org.mixquant.methods;

import java.util.Locale;

/**
 * Settings of {@link Gptq} (Frantar et al., 2022). Immutable.
 *
 * @param blockSize    columns per lazy-batch block (the paper and reference: 128); ≥ 1
 * @param damp         dampening added to the Hessian's diagonal, as a fraction of its mean diagonal (reference:
 *                     0.01); in (0, 1]
 * @param actOrder     quantize columns in order of decreasing Hessian diagonal ("act-order", {@code --act-order})
 * @param groupSize    input columns per group of scales (0 = none: one scale per output channel, or per tensor as the
 *                     plan says); with groups each output channel gets one scale and zero-point per run of
 *                     {@code groupSize} consecutive input columns; a last group may be shorter (ragged) when
 *                     {@code groupSize} does not divide the input dimension
 * @param staticGroups choose every group's parameters up front from the original weights instead of when the column
 *                     loop reaches the group's first column; always on with act-order and groups (the reference's
 *                     {@code --static-groups}: with a permuted column order, a group's columns are not reached
 *                     together)
 * @param threads      worker threads for the per-output-channel column loop (rows are independent); ≥ 1
 */
public record GptqOptions(int blockSize, double damp, boolean actOrder, int groupSize, boolean staticGroups,
        int threads) {
    /** The reference's block size. */
    public static final int DEFAULT_BLOCK = 128;
    /** The reference's dampening: 1% of the mean diagonal. */
    public static final double DEFAULT_DAMP = 0.01;

    /** Validates; act-order with groups forces static groups. */
    public GptqOptions {
        if (blockSize < 1) {
            throw new IllegalArgumentException("GPTQ block size must be ≥ 1, got " + blockSize);
        }
        if (!(damp > 0 && damp <= 1)) {
            throw new IllegalArgumentException("GPTQ dampening must be in (0, 1] (a fraction of the mean Hessian"
                    + " diagonal), got " + damp);
        }
        if (groupSize < 0) {
            throw new IllegalArgumentException("GPTQ group size must be ≥ 0 (0 = no groups), got " + groupSize);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
        }
        if (actOrder && groupSize > 0) {
            staticGroups = true;
        }
    }

    /** The reference's defaults: blocks of 128, 1% dampening, natural column order, no groups, one thread. */
    public static GptqOptions defaults() {
        return new GptqOptions(DEFAULT_BLOCK, DEFAULT_DAMP, false, 0, false, 1);
    }

    /** The same with act-order on or off. */
    public GptqOptions withActOrder(boolean v) {
        return new GptqOptions(blockSize, damp, v, groupSize, staticGroups, threads);
    }

    /** The same with groups of {@code g} input columns (0 = none). */
    public GptqOptions withGroupSize(int g) {
        return new GptqOptions(blockSize, damp, actOrder, g, staticGroups, threads);
    }

    /** The same with static groups on or off (forced on with act-order and groups). */
    public GptqOptions withStaticGroups(boolean v) {
        return new GptqOptions(blockSize, damp, actOrder, groupSize, v, threads);
    }

    /** The same with {@code b} columns per block. */
    public GptqOptions withBlockSize(int b) {
        return new GptqOptions(b, damp, actOrder, groupSize, staticGroups, threads);
    }

    /** The same with dampening {@code d}. */
    public GptqOptions withDamp(double d) {
        return new GptqOptions(blockSize, d, actOrder, groupSize, staticGroups, threads);
    }

    /** The same with {@code t} threads. */
    public GptqOptions withThreads(int t) {
        return new GptqOptions(blockSize, damp, actOrder, groupSize, staticGroups, t);
    }

    /** One line for logs and tables, e.g. {@code "block 128, damp 0.01, act-order, groups of 128 (static)"}. */
    public String describe() {
        return String.format(Locale.ROOT, "block %d, damp %s, %s%s", blockSize, damp,
                actOrder ? "act-order" : "natural order",
                groupSize > 0 ? ", groups of " + groupSize + (staticGroups ? " (static)" : "") : "");
    }
}
