package org.mixquant.data;

import java.util.Objects;

/**
 * Which of a user's named arrays calibrate a learned-rounding method and which score the result, kept apart so the
 * scores are held out:
 * <ul>
 *   <li>a separate calibration file: it calibrates, the inputs score;</li>
 *   <li>the same file given for both: both use it, and {@link #sameData()} says the scores are not held out;</li>
 *   <li>only the inputs: the first ⌊n/2⌋ samples (first axis) calibrate, the remaining ⌈n/2⌉ score.</li>
 * </ul>
 *
 * @param calibration what calibrates
 * @param evaluation  what scores
 * @param sameData    true when both are the same data (the user gave one file for both)
 * @param description one line saying which samples do what
 */
public record CalibrationSplit(NamedArrays calibration, NamedArrays evaluation, boolean sameData,
        String description) {
    /** Rejects nulls. */
    public CalibrationSplit {
        Objects.requireNonNull(calibration, "calibration");
        Objects.requireNonNull(evaluation, "evaluation");
        Objects.requireNonNull(description, "description");
    }

    /**
     * Splits as the class comment says.
     *
     * @param inputs      the evaluation inputs
     * @param calibration separate calibration arrays, or {@code null}
     * @param sameFile    true when {@code calibration} was read from the same file as {@code inputs}
     * @throws IllegalArgumentException when only {@code inputs} are given and they hold fewer than 2 samples, or
     *                                  their first axes differ
     */
    public static CalibrationSplit of(NamedArrays inputs, NamedArrays calibration, boolean sameFile) {
        if (calibration != null && sameFile) {
            return new CalibrationSplit(inputs, inputs, true, "calibration and evaluation both use all "
                    + samplesOf(inputs) + " of " + inputs.source() + " (the same file): the scores are not held out");
        }
        if (calibration != null) {
            return new CalibrationSplit(calibration, inputs, false, "calibration: " + samplesOf(calibration)
                    + " of " + calibration.source() + "; evaluation: " + samplesOf(inputs) + " of " + inputs.source());
        }
        long n = inputs.samples();
        if (n < 2) {
            throw new IllegalArgumentException(inputs.source() + " holds " + n + " sample along the first axis;"
                    + " learned rounding needs at least 2 to keep calibration and evaluation apart (or a separate"
                    + " calibration file)");
        }
        long half = n / 2;
        return new CalibrationSplit(inputs.slice(0, half), inputs.slice(half, n), false, "calibration: samples 0.."
                + (half - 1) + " of " + inputs.source() + "; evaluation: samples " + half + ".." + (n - 1)
                + " (held out)");
    }

    private static String samplesOf(NamedArrays a) {
        try {
            return a.samples() + " samples";
        } catch (IllegalArgumentException e) {
            return "the arrays";
        }
    }
}
