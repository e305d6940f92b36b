package org.mixquant.quant;

import java.util.List;
import org.mixquant.tensor.WeightTensor;

/**
 * Which weights share one scale (and zero-point): the whole tensor, each output channel, or each group of
 * {@code G} consecutive input-dimension weights within an output channel. An immutable value (like torchao's
 * {@code PerTensor} / {@code PerChannel} / {@code PerGroup(group_size)}); the channel axis is a property of the
 * {@link WeightTensor}. {@link #PER_TENSOR} and {@link #PER_CHANNEL} are the only instances of their kind, so
 * {@code ==} against them works; per-group values compare with {@link #equals}.
 *
 * <p><b>Groups.</b> The <i>input dimension</i> of output channel {@code c} is every weight of that channel, i.e. all
 * axes except the channel axis, flattened in memory order: in the tensor's {@code [outer, channels, inner]} view,
 * element {@code (o, c, i)} has input index {@code j = o·inner + i}, {@code 0 ≤ j < D = outer·inner}. Group
 * {@code g} of channel {@code c} holds the input indices {@code g·G ≤ j < min((g+1)·G, D)}. ONNX MatMul
 * {@code [in, out]} (axis 1): runs of G rows within a column. Conv {@code [out, in, kh, kw]} (axis 0): runs of G in
 * the flattened {@code in·kh·kw}.
 *
 * <p><b>Ragged last group.</b> When G does not divide D there are {@code ⌈D / G⌉} groups and the last one holds the
 * remaining {@code D − (⌈D/G⌉ − 1)·G} weights (it gets its own min-max scale like any group). When {@code G ≥ D}
 * there is one group per channel, which is exactly per-channel (same parameters, same values). Any {@code G ≥ 1} is
 * accepted.
 */
public final class Granularity {
    /** The three kinds; {@link #PER_GROUP} carries a group size. */
    public enum Kind {
        PER_TENSOR, PER_CHANNEL, PER_GROUP
    }

    /** One scale per output channel (along the tensor's channel axis). */
    public static final Granularity PER_CHANNEL = new Granularity(Kind.PER_CHANNEL, 0);
    /** One scale for the whole tensor. */
    public static final Granularity PER_TENSOR = new Granularity(Kind.PER_TENSOR, 0);
    /** The group size of {@code --granularity per-group} when {@code --group-size} is not given. */
    public static final int DEFAULT_GROUP_SIZE = 128;

    private final Kind kind;
    private final int groupSize;

    private Granularity(Kind kind, int groupSize) {
        this.kind = kind;
        this.groupSize = groupSize;
    }

    /**
     * One scale per run of {@code groupSize} consecutive input-dimension weights within each output channel.
     *
     * @throws IllegalArgumentException if {@code groupSize < 1}
     */
    public static Granularity perGroup(int groupSize) {
        if (groupSize < 1) {
            throw new IllegalArgumentException("group size must be at least 1, got " + groupSize);
        }
        return new Granularity(Kind.PER_GROUP, groupSize);
    }

    /** The kind: per-tensor, per-channel or per-group. */
    public Kind kind() {
        return kind;
    }

    /** Whether each group of {@link #groupSize()} weights has its own scale. */
    public boolean isPerGroup() {
        return kind == Kind.PER_GROUP;
    }

    /** Whether each output channel has its own scale. */
    public boolean isPerChannel() {
        return kind == Kind.PER_CHANNEL;
    }

    /** Whether one scale covers the tensor. */
    public boolean isPerTensor() {
        return kind == Kind.PER_TENSOR;
    }

    /** The group size G (input-dimension weights per group) for per-group, 0 otherwise. */
    public int groupSize() {
        return groupSize;
    }

    /** Input-dimension length D of {@code w}: weights per output channel ({@code outer · inner}). */
    public static int inputDim(WeightTensor w) {
        return w.size() / w.channels();
    }

    /**
     * Groups per output channel of {@code w}: {@code ⌈D / G⌉} for per-group (the last one ragged when G does not
     * divide D), 1 for per-channel and per-tensor.
     */
    public int groups(WeightTensor w) {
        if (kind != Kind.PER_GROUP) {
            return 1;
        }
        int d = inputDim(w);
        return (int) ((d + (long) groupSize - 1) / groupSize);
    }

    /**
     * Number of scale/zero-point pairs {@code w} gets: 1 per-tensor, {@code channels} per-channel,
     * {@code channels · groups(w)} per-group.
     */
    public long paramCount(WeightTensor w) {
        return paramCount(w.channels(), inputDim(w));
    }

    /** As {@link #paramCount(WeightTensor)} for a layer of {@code channels} outputs of {@code inputDim} weights each. */
    public long paramCount(int channels, long inputDim) {
        return switch (kind) {
            case PER_TENSOR -> 1;
            case PER_CHANNEL -> channels;
            case PER_GROUP -> (long) channels * ((inputDim + groupSize - 1) / groupSize);
        };
    }

    /** The spelling of the kind on the command line and in JSON: {@code per-channel}, {@code per-tensor}, {@code per-group}. */
    public String cliName() {
        return switch (kind) {
            case PER_TENSOR -> "per-tensor";
            case PER_CHANNEL -> "per-channel";
            case PER_GROUP -> "per-group";
        };
    }

    /**
     * A label that includes the group size: {@code per-channel}, {@code per-tensor} or {@code per-group-128}
     * (accepted back by {@link #parse}).
     */
    public String label() {
        return kind == Kind.PER_GROUP ? "per-group-" + groupSize : cliName();
    }

    /**
     * Parses {@code per-channel}, {@code per-tensor} (case-insensitive, also {@code PER_CHANNEL}), {@code per-group}
     * (group size {@value #DEFAULT_GROUP_SIZE}) or a {@link #label()} such as {@code per-group-64}.
     *
     * @throws IllegalArgumentException naming the value otherwise
     */
    public static Granularity parse(String s) {
        String t = s == null ? "" : s.trim();
        for (Granularity g : List.of(PER_CHANNEL, PER_TENSOR)) {
            if (g.cliName().equalsIgnoreCase(t) || g.kind.name().equalsIgnoreCase(t)) {
                return g;
            }
        }
        if (t.equalsIgnoreCase("per-group") || t.equalsIgnoreCase("PER_GROUP")) {
            return perGroup(DEFAULT_GROUP_SIZE);
        }
        String prefix = "per-group-";
        if (t.regionMatches(true, 0, prefix, 0, prefix.length()) && t.length() > prefix.length()
                && t.substring(prefix.length()).chars().allMatch(ch -> ch >= '0' && ch <= '9')
                && t.length() - prefix.length() <= 9) {
            return perGroup(Integer.parseInt(t.substring(prefix.length())));
        }
        throw new IllegalArgumentException("unknown granularity '" + s
                + "' (expected per-channel, per-tensor or per-group)");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Granularity g && g.kind == kind && g.groupSize == groupSize;
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + groupSize;
    }

    @Override
    public String toString() {
        return label();
    }
}
