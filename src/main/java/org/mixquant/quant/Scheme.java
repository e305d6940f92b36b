package org.mixquant.quant;

/** How the integer grid is placed over the real values. */
public enum Scheme {
    /**
     * Affine: {@code lo = min(min(w), 0)}, {@code hi = max(max(w), 0)}, {@code scale = (hi - lo) / (2^b - 1)},
     * {@code zp = clamp(rint(-lo / scale), 0, 2^b - 1)}, grid {@code 0 .. 2^b - 1}.
     */
    ASYMMETRIC("asymmetric"),
    /**
     * Symmetric (restricted range): {@code scale = max|w| / (2^(b-1) - 1)}, zero-point 0, grid
     * {@code -(2^(b-1) - 1) .. 2^(b-1) - 1}.
     */
    SYMMETRIC("symmetric");

    private final String cliName;

    Scheme(String cliName) {
        this.cliName = cliName;
    }

    /** The spelling used on the command line and in JSON. */
    public String cliName() {
        return cliName;
    }

    /** Parses {@code asymmetric} or {@code symmetric} (case-insensitive). */
    public static Scheme parse(String s) {
        for (Scheme v : values()) {
            if (v.cliName.equalsIgnoreCase(s) || v.name().equalsIgnoreCase(s)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown scheme '" + s + "' (expected asymmetric or symmetric)");
    }

    @Override
    public String toString() {
        return cliName;
    }
}
