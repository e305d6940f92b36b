package org.mixquant.eval;

import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;

/** Small statistics the studies and notebooks report. */
public final class Stats {
    private Stats() {
    }

    /**
     * Spearman's rank correlation of two equally long samples: the Pearson correlation of their ranks, tied values
     * getting the average of the ranks they span (as {@code scipy.stats.spearmanr} does; Commons Math
     * {@link SpearmansCorrelation} with its default natural ranking).
     *
     * @throws IllegalArgumentException if the lengths differ or there are fewer than two values
     */
    public static double spearman(double[] a, double[] b) {
        if (a.length != b.length || a.length < 2) {
            throw new IllegalArgumentException("Spearman correlation needs two samples of equal length ≥ 2, got "
                    + a.length + " and " + b.length);
        }
        return new SpearmansCorrelation().correlation(a, b);
    }
}
