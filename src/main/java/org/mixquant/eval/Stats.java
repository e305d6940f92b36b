package org.mixquant.eval;

import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;

/** Small statistics the studies and notebooks report. */
public final class Stats {
    private Stats() {
    }

    /** The median of {@code v} (mean of the two middle values for an even count; NaN for none); {@code v} is not changed. */
    public static double median(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
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
