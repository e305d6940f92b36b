package org.mixquant.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Does mixed precision lose to uniform bits at equal size, for one method? Over a {@link Frontier.Result}: for every
 * budget where a uniform plan exists, the best mixed plan of that budget (the cost row with the highest primary
 * quality among those at equal average bits to the uniform row, {@link EqualBits#equal}) against the uniform row.
 * Issue 9's rule for learned rounding is that the mixed plan must not lose at any budget; {@link Result#verdict()}
 * says whether it holds. Quality is compared in the primary metric's column unit: top-1 in percent for classifiers,
 * mean cosine for text encoders, output cosine for models on given inputs ({@link EvalRow#primary()}'s rule);
 * "loses" is strictly worse, with no noise allowance (the rule has none; the deltas are printed so a reader can judge
 * them).
 */
public final class EqualSizeVerdict {
    /** The claim {@link Result#verdict()} tests. */
    public static final String CLAIM = "the mixed plan does not lose to uniform bits at any budget (equal size)";

    private EqualSizeVerdict() {
    }

    /**
     * One budget with a uniform plan.
     *
     * @param budget  the budget (whole bits)
     * @param metric  the metric compared
     * @param uniform the uniform plan's row
     * @param best    the best mixed plan's row at equal average bits, or null when no cost row is at equal bits
     */
    public record Budget(double budget, MetricId metric, Frontier.Point uniform, Frontier.Point best) {
        /** True when a mixed plan at equal size was there to compare. */
        public boolean compared() {
            return best != null;
        }

        /** The uniform row's quality in the metric's column unit (top-1 in percent). */
        public double uniformQuality() {
            return metric.toColumn(uniform.quality().get(metric));
        }

        /** The best mixed row's quality in the column unit; NaN when none was compared. */
        public double bestQuality() {
            return best == null ? Double.NaN : metric.toColumn(best.quality().get(metric));
        }

        /** Best mixed minus uniform, in the column unit (positive when mixed is better); NaN when not compared. */
        public double delta() {
            return bestQuality() - uniformQuality();
        }

        /** True when the best mixed plan at equal size is strictly worse than uniform. */
        public boolean mixedLoses() {
            return compared() && delta() < 0;
        }

        /** True when the best mixed plan has exactly the uniform plan's bits (the search chose uniform). */
        public boolean samePlan() {
            return compared() && best.plan().bits().equals(uniform.plan().bits());
        }

        /**
         * One line, e.g. {@code 3.00 bits: best mixed measured budget=3-measured (2.9987 b) top1_% 91.3100 vs
         * uniform-3 (3.0000 b) 91.2900: +0.0200}.
         */
        public String line() {
            String u = String.format(Locale.ROOT, "%s (%.4f b) %.4f", uniform.plan().name(), uniform.averageBits(),
                    uniformQuality());
            if (!compared()) {
                return String.format(Locale.ROOT, "%.2f bits: no mixed plan within %.2f bits below %s", budget,
                        EqualBits.TOLERANCE, u);
            }
            return String.format(Locale.ROOT, "%.2f bits: best mixed %s %s (%.4f b) %s %.4f vs %s: %+.4f%s%s",
                    budget, best.cost(), best.plan().name(), best.averageBits(), metric.column(), bestQuality(), u,
                    delta(), samePlan() ? " (the search chose uniform bits: same plan)" : "",
                    mixedLoses() ? " MIXED LOSES" : "");
        }
    }

    /**
     * The verdict for one method.
     *
     * @param model   model source
     * @param method  the method's id
     * @param metric  the metric compared
     * @param budgets one entry per budget with a uniform plan, in the frontier's order
     */
    public record Result(String model, String method, MetricId metric, List<Budget> budgets) {
        /** Keeps an unmodifiable copy. */
        public Result {
            budgets = List.copyOf(budgets);
        }

        /** The budgets where the best mixed plan at equal size is worse than uniform. */
        public List<Budget> losses() {
            return budgets.stream().filter(Budget::mixedLoses).toList();
        }

        /** True when mixed loses at some budget. */
        public boolean mixedLosesAnywhere() {
            return !losses().isEmpty();
        }

        /** Budgets where a mixed plan at equal size was compared. */
        public int compared() {
            return (int) budgets.stream().filter(Budget::compared).count();
        }

        /**
         * {@link Verdict#DISAGREES} when mixed loses somewhere, {@link Verdict#AGREES} when it was compared at some
         * budget and loses at none, {@link Verdict#INCONCLUSIVE} when no budget could be compared.
         */
        public Verdict verdict() {
            if (mixedLosesAnywhere()) {
                return Verdict.DISAGREES;
            }
            return compared() > 0 ? Verdict.AGREES : Verdict.INCONCLUSIVE;
        }

        /**
         * The verdict in one computed sentence: whether mixed precision pays at equal size on this model with this
         * method, and by how much (the best mixed plan minus uniform, in the metric's column unit, at each budget
         * compared), e.g. {@code resnet20-fashion, nearest: mixed precision pays at 1 of 2 budgets compared (top1_%,
         * best mixed − uniform: +0.9500 at 3.00 bits, -0.1800 at 4.00 bits; mean +0.3850)}. A budget where the search
         * chose the uniform plan counts as not paying (delta 0).
         */
        public String summary() {
            List<Budget> done = budgets.stream().filter(Budget::compared).toList();
            String head = model + ", " + method + ": ";
            if (done.isEmpty()) {
                return head + "no mixed plan at the size of a uniform plan, nothing compared";
            }
            StringBuilder deltas = new StringBuilder();
            double sum = 0;
            int pays = 0;
            for (Budget b : done) {
                deltas.append(deltas.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%+.4f at %.2f bits",
                        b.delta(), b.budget()));
                sum += b.delta();
                pays += b.delta() > 0 ? 1 : 0;
            }
            String verdict = pays == 0 ? "mixed precision does not pay at any of " + done.size() + " budgets compared"
                    : String.format(Locale.ROOT, "mixed precision pays at %d of %d budgets compared", pays, done.size());
            return String.format(Locale.ROOT, "%s%s (%s, best mixed − uniform: %s; mean %+.4f)", head, verdict,
                    metric.column(), deltas, sum / done.size());
        }

        /** One {@link Budget#line()} per budget, then the {@link Verdict#line} of {@link #CLAIM} with the count. */
        public List<String> lines() {
            List<String> out = new ArrayList<>();
            for (Budget b : budgets) {
                out.add(b.line());
            }
            out.add(verdict().line(method + ": " + CLAIM, String.format(Locale.ROOT,
                    "mixed loses at %d of %d budgets compared (%d with a uniform plan)", losses().size(), compared(),
                    budgets.size())));
            return out;
        }
    }

    /**
     * The verdict of {@code frontier}: per budget with a uniform row, the best cost row at equal average bits
     * ({@link EqualBits#equal}; the first of equals wins a tie) against it.
     */
    public static Result of(Frontier.Result frontier) {
        MetricId metric = frontier.fp32().containsKey(MetricId.TOP1) ? MetricId.TOP1
                : frontier.fp32().containsKey(MetricId.OUTPUT_COSINE) ? MetricId.OUTPUT_COSINE : MetricId.MEAN_COSINE;
        List<Budget> out = new ArrayList<>();
        for (Frontier.Point u : frontier.points()) {
            if (!u.isUniform()) {
                continue;
            }
            Frontier.Point best = null;
            for (Frontier.Point p : frontier.points()) {
                if (p.isUniform() || p.budget() != u.budget() || !EqualBits.equal(p.averageBits(), u.averageBits())) {
                    continue;
                }
                if (best == null || p.quality().get(metric) > best.quality().get(metric)) {
                    best = p;
                }
            }
            out.add(new Budget(u.budget(), metric, u, best));
        }
        return new Result(frontier.model(), frontier.method(), metric, out);
    }
}
