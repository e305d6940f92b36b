package org.mixquant.quant;

/**
 * Whether one scale (and zero-point) covers the whole tensor or each output channel has its own. The channel axis
 * is a property of the {@link org.mixquant.tensor.WeightTensor}.
 */
public enum Granularity {
    /** One scale per output channel (along the tensor's channel axis). */
    PER_CHANNEL("per-channel"),
    /** One scale for the whole tensor. */
    PER_TENSOR("per-tensor");

    private final String cliName;

    Granularity(String cliName) {
        this.cliName = cliName;
    }

    /** The spelling used on the command line and in JSON. */
    public String cliName() {
        return cliName;
    }

    /** Parses {@code per-channel} or {@code per-tensor} (case-insensitive). */
    public static Granularity parse(String s) {
        for (Granularity v : values()) {
            if (v.cliName.equalsIgnoreCase(s) || v.name().equalsIgnoreCase(s)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown granularity '" + s + "' (expected per-channel or per-tensor)");
    }

    @Override
    public String toString() {
        return cliName;
    }
}
