package org.mixquant.methods.rounding;


/**
 * When the rounding regulariser is on and its temperature β, per optimisation step, as BRECQ's {@code LossFunction}
 * and {@code LinearTempDecay} (yhhhli/BRECQ {@code quant/block_recon.py}) compute them.
 *
 * <p>Steps are counted from 1 to {@link #iterations()} (BRECQ increments its counter before using it). With
 * {@code w = warmup · iterations}: the regulariser is off while {@code t < w}; β is {@code betaStart} up to
 * {@code w}, then falls linearly to {@code betaEnd} at {@code t = iterations}:
 * {@code β(t) = betaEnd + (betaStart - betaEnd) · max(0, 1 - (t - w) / (iterations - w))}. The AdaRound/BRECQ
 * defaults are warm-up 0.2 and β from 20 to 2.
 *
 * @param iterations optimisation steps, ≥ 1
 * @param warmup     fraction of the steps without the regulariser, in [0, 1)
 * @param betaStart  β when the regulariser starts, &gt; 0
 * @param betaEnd    β at the last step, &gt; 0
 */
public record RoundingSchedule(int iterations, double warmup, double betaStart, double betaEnd) {
    /** The papers' warm-up fraction. */
    public static final double PAPER_WARMUP = 0.2;
    /** The papers' starting temperature. */
    public static final double PAPER_BETA_START = 20;
    /** The papers' final temperature. */
    public static final double PAPER_BETA_END = 2;

    /** Validates the settings. */
    public RoundingSchedule {
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be ≥ 1, got " + iterations);
        }
        if (!(warmup >= 0 && warmup < 1)) {
            throw new IllegalArgumentException("warm-up must be in [0, 1), got " + warmup);
        }
        if (!(betaStart > 0) || !(betaEnd > 0) || Double.isInfinite(betaStart) || Double.isInfinite(betaEnd)) {
            throw new IllegalArgumentException("β must be positive and finite, got " + betaStart + " → " + betaEnd);
        }
    }

    /** The papers' schedule (warm-up 0.2, β 20 → 2) over {@code iterations} steps. */
    public static RoundingSchedule paper(int iterations) {
        return new RoundingSchedule(iterations, PAPER_WARMUP, PAPER_BETA_START, PAPER_BETA_END);
    }

    /** The step at which the regulariser starts, {@code warmup · iterations} (a real number, as in BRECQ). */
    public double regulariserStart() {
        return iterations * warmup;
    }

    /**
     * Whether step {@code t} (1-based) includes the rounding regulariser.
     *
     * @throws IllegalArgumentException if {@code t} is outside 1..iterations
     */
    public boolean regularised(int t) {
        check(t);
        return t >= regulariserStart();
    }

    /**
     * The temperature β of step {@code t} (1-based).
     *
     * @throws IllegalArgumentException if {@code t} is outside 1..iterations
     */
    public double beta(int t) {
        check(t);
        double start = regulariserStart();
        if (t < start) {
            return betaStart;
        }
        double rel = (t - start) / (iterations - start);
        return betaEnd + (betaStart - betaEnd) * Math.max(0.0, 1 - rel);
    }

    private void check(int t) {
        if (t < 1 || t > iterations) {
            throw new IllegalArgumentException("step must be in 1.." + iterations + ", got " + t);
        }
    }
}
