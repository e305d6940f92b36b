package org.mixquant.search;

import java.util.Locale;

/**
 * What a {@link CostTable} measures, one spelling each ({@link #cliName()}).
 *
 * <ul>
 *   <li>{@link #QE}: weight round-off error Σ(w − ŵ)² of the layer (data-free; MixQuant's own signal).</li>
 *   <li>{@link #MEASURED}: network-output distortion on calibration data with only that layer quantized (mean KL of
 *       softmax for classifiers, mean 1 − cos of sentence embeddings for encoders), as in ZeroQ.</li>
 *   <li>{@link #FISHER}: Σ F ⊙ (w − ŵ)² with F the empirical Fisher diagonal of the loss (HAWQ-style).</li>
 * </ul>
 */
public enum CostKind {
    /** Summed squared weight error. */
    QE("qe"),
    /** Measured output distortion with only that layer quantized. */
    MEASURED("measured"),
    /** Fisher-weighted squared weight error. */
    FISHER("fisher");

    private final String cliName;

    CostKind(String cliName) {
        this.cliName = cliName;
    }

    /** The name used on the command line and in JSON: {@code qe}, {@code measured}, {@code fisher}. */
    public String cliName() {
        return cliName;
    }

    /** Parses a {@link #cliName()} (case-insensitive). */
    public static CostKind parse(String s) {
        for (CostKind k : values()) {
            if (k.cliName.equals(s.trim().toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown cost '" + s + "' (expected qe, measured or fisher)");
    }
}
