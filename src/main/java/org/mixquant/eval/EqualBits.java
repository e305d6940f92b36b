package org.mixquant.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The one comparison of MixQuant plans with uniform plans at equal average bits (DESIGN.md: "comparisons between a
 * MixQuant plan and uniform bits are always also made at equal average bits"). Every command and notebook pairs rows
 * through this class, with its one tolerance {@link #TOLERANCE}.
 */
public final class EqualBits {
    /**
     * A MixQuant plan is at the same average bits as a uniform plan when it uses at most as many bits per weight and
     * fewer than 0.01 bit per weight less: a size-budget plan never exceeds its budget but cannot always fill it
     * exactly, and 0.01 bit per weight is 0.25 % of a 4-bit model's weight storage. A MixQuant plan is never given
     * more bits than the uniform plan it is compared with.
     */
    public static final double TOLERANCE = 0.01;

    private EqualBits() {
    }

    /** True when a plan of {@code mixQuantBits} average bits compares with a uniform plan of {@code uniformBits}. */
    public static boolean equal(double mixQuantBits, double uniformBits) {
        double d = uniformBits - mixQuantBits;
        return d >= 0 && d < TOLERANCE;
    }

    /**
     * A MixQuant row and a uniform row of the same model and method at equal average bits.
     *
     * @param mixQuant the MixQuant row
     * @param uniform  the uniform row
     */
    public record Pair(EvalRow mixQuant, EvalRow uniform) {
        /** MixQuant's {@link EvalRow#quality()} minus the uniform row's (positive when MixQuant is better). */
        public double delta() {
            return mixQuant.quality() - uniform.quality();
        }

        /**
         * True when the search chose the same bit-widths as the uniform plan (equal layers-per-width histograms), so
         * the pair compares a plan with itself.
         */
        public boolean samePlan() {
            return mixQuant.bitsHistogram().equals(uniform.bitsHistogram());
        }
    }

    /**
     * Every pair of a MixQuant row with a uniform row of the same model and method id at equal average bits
     * ({@link #equal}), in the order of the MixQuant rows, then of the uniform rows.
     */
    public static List<Pair> pairs(List<EvalRow> rows) {
        List<Pair> out = new ArrayList<>();
        for (EvalRow m : rows) {
            if (!m.isMixQuant()) {
                continue;
            }
            for (EvalRow u : rows) {
                if (u.isUniform() && sameMethod(m, u) && equal(m.averageBits(), u.averageBits())) {
                    out.add(new Pair(m, u));
                }
            }
        }
        return out;
    }

    /**
     * The paired differences {@link Pair#delta()} of every pair that compares two different plans (a search that
     * chose uniform bits compares nothing), in the order of {@link #pairs}.
     */
    public static List<Double> deltas(List<EvalRow> rows) {
        List<Double> d = new ArrayList<>();
        for (Pair p : pairs(rows)) {
            if (!p.samePlan()) {
                d.add(p.delta());
            }
        }
        return d;
    }

    /**
     * {@link #pairs} grouped by uniform row: the pairs of the first uniform row (in {@code rows} order) first, each
     * group in MixQuant-row order, so every plan compared with, say, {@code uniform-4} (the paper rule, the
     * {@code qe} budget, the {@code measured} budget, ...) is listed together.
     */
    public static List<Pair> pairsByUniform(List<EvalRow> rows) {
        List<Pair> all = pairs(rows);
        List<Pair> out = new ArrayList<>();
        for (EvalRow u : rows) {
            for (Pair p : all) {
                if (p.uniform() == u) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /**
     * One line per MixQuant row: against the uniform row of the same model and method at equal bits if there is
     * one; else against the linear interpolation between the two uniform rows that bracket its average bits (an
     * indication only: quality is not linear in bits); else saying there is none. Quality as {@link EvalRow#quality()}.
     *
     * @return e.g. {@code brecq budget=3 (3.000 b): top1_% 90.1000 vs uniform-3 (3.000 b) 89.5000: +0.6000}
     */
    public static List<String> lines(List<EvalRow> rows) {
        List<String> out = new ArrayList<>();
        for (EvalRow m : rows) {
            if (!m.isMixQuant()) {
                continue;
            }
            EvalRow equal = null;
            EvalRow below = null;
            EvalRow above = null;
            for (EvalRow u : rows) {
                if (!u.isUniform() || !sameMethod(m, u)) {
                    continue;
                }
                if (equal(m.averageBits(), u.averageBits())) {
                    equal = equal == null ? u : equal;
                } else if (u.averageBits() < m.averageBits()) {
                    below = below == null || u.averageBits() > below.averageBits() ? u : below;
                } else {
                    above = above == null || u.averageBits() < above.averageBits() ? u : above;
                }
            }
            String head = String.format(Locale.ROOT, "%s %s (%.3f b): %s %.4f", m.methodId(), m.plan(),
                    m.averageBits(), m.primary().column(), m.quality());
            if (equal != null) {
                Pair p = new Pair(m, equal);
                out.add(String.format(Locale.ROOT, "%s vs %s (%.3f b) %.4f: %+.4f%s", head, equal.plan(),
                        equal.averageBits(), equal.quality(), p.delta(),
                        p.samePlan() ? " (the search chose uniform bits: same plan)" : ""));
            } else if (below != null && above != null) {
                double t = (m.averageBits() - below.averageBits()) / (above.averageBits() - below.averageBits());
                double q = below.quality() + t * (above.quality() - below.quality());
                out.add(String.format(Locale.ROOT, "%s vs %.4f interpolated between %s and %s: %+.4f", head, q,
                        below.plan(), above.plan(), m.quality() - q));
            } else {
                out.add(head + ": no uniform " + m.methodId() + " row at or around these bits");
            }
        }
        return out;
    }

    private static boolean sameMethod(EvalRow a, EvalRow b) {
        return a.model().equals(b.model()) && a.methodId().equals(b.methodId());
    }
}
