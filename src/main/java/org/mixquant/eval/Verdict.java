package org.mixquant.eval;

import java.util.List;
import java.util.Locale;

/**
 * Whether a measurement agrees with a claim, by a rule fixed before the run (notebook 04 prints one per claim of the
 * MixQuant paper).
 */
public enum Verdict {
    /** The measurement supports the claim. */
    AGREES,
    /** The measurement contradicts the claim. */
    DISAGREES,
    /** The measurement is within noise or split. */
    INCONCLUSIVE;

    /** {@link #AGREES} when the claim's test passed, else {@link #DISAGREES}. */
    public static Verdict of(boolean agrees) {
        return agrees ? AGREES : DISAGREES;
    }

    /**
     * Paired differences (claimed-better minus baseline, e.g. accuracy points at equal average bits):
     * {@link #INCONCLUSIVE} when there are none or their mean is within {@code ±noise}; {@link #AGREES} when the mean
     * is positive and the claimed-better side wins more than half of the pairs; {@link #DISAGREES} when the mean is
     * negative and it wins fewer than half; otherwise {@link #INCONCLUSIVE}.
     *
     * @param meanDelta   mean of the paired differences
     * @param wins        pairs with a positive difference
     * @param comparisons number of pairs
     * @param noise       a mean smaller than this in magnitude decides nothing (same unit as the differences)
     */
    public static Verdict ofPairedDeltas(double meanDelta, int wins, int comparisons, double noise) {
        if (comparisons == 0 || Math.abs(meanDelta) < noise) {
            return INCONCLUSIVE;
        }
        if (meanDelta > 0 && wins * 2 > comparisons) {
            return AGREES;
        }
        if (meanDelta < 0 && wins * 2 < comparisons) {
            return DISAGREES;
        }
        return INCONCLUSIVE;
    }

    /** Two lines: the verdict padded to 13 characters and the claim, then the evidence indented below it. */
    public String line(String claim, String evidence) {
        return String.format(Locale.ROOT, "%-13s%s%n%13s%s", name(), claim, "", evidence);
    }

    /** {@link #of(boolean)}'s verdict as a {@link #line}: what notebook 04 prints for a pass/fail claim. */
    public static String check(String claim, boolean agrees, String evidence) {
        return of(agrees).line(claim, evidence);
    }

    /**
     * {@link #ofPairedDeltas} over {@code deltas} as a {@link #line}, the evidence starting with the mean difference,
     * e.g. {@code mean difference +0.40 points, MixQuant ahead in 3 of 4; } followed by {@code evidence}.
     *
     * @param deltas   paired differences, MixQuant minus baseline (e.g. {@link EqualBits#deltas}), in {@code unit}
     * @param noise    a mean smaller than this in magnitude decides nothing (same unit)
     * @param unit     unit of the differences, e.g. {@code points}
     * @param evidence what else to say, appended
     */
    public static String checkPairedDeltas(String claim, List<Double> deltas, double noise, String unit,
            String evidence) {
        double sum = 0;
        int wins = 0;
        for (double d : deltas) {
            sum += d;
            wins += d > 0 ? 1 : 0;
        }
        double mean = deltas.isEmpty() ? 0 : sum / deltas.size();
        return ofPairedDeltas(mean, wins, deltas.size(), noise).line(claim, String.format(Locale.ROOT,
                "mean difference %+.2f %s, MixQuant ahead in %d of %d; ", mean, unit, wins, deltas.size()) + evidence);
    }
}
