package org.mixquant.sensitivity;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.mixquant.model.Layer;
import org.mixquant.model.QuantizableModel;
import org.mixquant.progress.Progress;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Bits;
import org.mixquant.quant.FakeQuant;
import org.mixquant.quant.QuantSpec;
import org.mixquant.search.CostKind;
import org.mixquant.search.CostTable;
import org.mixquant.search.MixQuant;
import org.mixquant.tensor.WeightTensor;

/**
 * Interaction-aware refinement of a size-budget plan, measured on calibration data. A knapsack plan minimises a sum of
 * single-layer costs, each measured with every other layer in FP32; where layers interact (ResNet-20 at 2.5 bits: the
 * whole plan's KL is 2.4× the sum) that sum misjudges which layers can take fewer bits. This class measures costs
 * <em>around the plan</em> instead, with the rest of the plan quantized, and lets the same knapsack trade bits again.
 *
 * <p>One round, from a plan P (every layer quantized to nearest, half-to-even, min-max, with P's scheme and
 * granularity, as {@code NearestRounding} does):
 * <ol>
 *   <li>D(P) = {@link Distortion#measure} of the whole quantized model;</li>
 *   <li>for every layer i that is not fixed and each neighbour width b' ∈ {bᵢ − 1, bᵢ + 1} within 2..8, D(P with
 *       layer i at b'), the other layers still at P's bits: one whole-model pass each;</li>
 *   <li>a local cost table: layer i costs D(P) at bᵢ, the measured D at its neighbours, and {@link #FORBIDDEN} at
 *       every other width; {@link MixQuant#budget(CostTable, double, Map)} solves it under the start plan's budget
 *       and fixed layers (its {@code avgBits} and {@code fixed} parameters, so the same first/last rules hold), giving
 *       a candidate Q (the sum it minimises is n·D(P) plus the measured change of each move);</li>
 *   <li>if D(Q) &lt; D(P), Q is the next plan. Otherwise the moves' changes did not add up (ResNet-20 at 2.5 bits:
 *       a first knapsack plan changing many layers at once measured 0.34 nats from 0.154), and two fallbacks follow,
 *       each cheap next to the round's ~2 passes per layer: (a) a trust region — the same knapsack with every move
 *       charged a penalty τ, bisected so that at most half as many layers change, measured (1 pass), halving again
 *       while it does not lower D and more than 2 layers change. Then, whatever (a) gave, (b) the best single
 *       measured move that fits the budget (already measured: no pass) is taken instead when its D is lower still.
 *       The round takes the lowest D among these plans, if any is below D(P); else the refinement stops. Stopping at
 *       the knapsack plan's failure, as a plain design would, leaves these strict improvements untaken. Measured on
 *       ResNet-20 (512 calibration images, 3 rounds): (b) alone reached KL 0.0852 at 2.5 bits and 0.0183 at 3 bits,
 *       (a) then (b) only as a fallback 0.0813 and 0.0262, the lower of both each round (this class) 0.0813 and
 *       0.0172.</li>
 * </ol>
 * It stops early too when the knapsack returns P itself and no single move helps. After the rounds, a <em>fill</em>
 * spends the bits they left under the budget (a single move or a smaller knapsack plan often frees some, and a plan
 * smaller than its budget is not compared at equal size): each free layer one bit up that fits is measured, and the
 * moves are added in order of measured gain per added bit, each kept only when the whole plan then measures lower;
 * repeated while it keeps a move and one still fits ({@link Step#FILL}). Measured on ResNet-20 at 2.5 bits: 6 rounds
 * left the plan at 2.4871 bits, outside the 0.01-bit equal-size window; the fill took one layer 4 → 5 (2.4956 bits, D
 * 0.0743 → 0.0735). Only improvements are taken, so the plan returned has the lowest D measured, never above the
 * start's, and its average bits stay within the start's budget. A round costs 1 + (about 2 per free layer) whole-model passes; deterministic for a deterministic
 * {@link Distortion}. The distortion is measured on the calibration data only; evaluation data is never seen.
 */
public final class PlanRefinement {
    /** Appended to the start plan's name, and to a cost's name for its refined rows ({@code measured+refine}). */
    public static final String SUFFIX = "+refine";
    /** Cost of a width outside a layer's neighbourhood: never chosen while the start plan is feasible. */
    static final double FORBIDDEN = 1e30;

    private PlanRefinement() {
    }

    /** How a round ended. */
    public enum Step {
        /** The knapsack plan of the local table measured lower and was taken. */
        KNAPSACK,
        /**
         * The knapsack plan did not measure lower; a knapsack plan with at most half as many layers changed (each move
         * charged a penalty) did, and was taken.
         */
        SMALLER_KNAPSACK,
        /** The best single move that fits measured lower than P and than any knapsack plan measured, and was taken. */
        SINGLE_MOVE,
        /** Neither the knapsack plan nor any single move lowered D: the refinement stopped. */
        STOPPED,
        /**
         * After the rounds, bits they left under the budget were spent: layers moved one bit up, in order of measured
         * gain per added bit, each kept only when the whole plan measured lower (see {@link #fill}).
         */
        FILL,
        /** After the rounds, up-moves that fit the bits left were measured, and none lowered D: the plan stays. */
        FILL_NOTHING
    }

    /**
     * One layer's bits changed by a round.
     *
     * @param layer the layer
     * @param from  its bits before the round
     * @param to    its bits after
     */
    public record Move(String layer, int from, int to) {
        @Override
        public String toString() {
            return layer + " " + from + "→" + to;
        }
    }

    /**
     * One round.
     *
     * @param number    1-based
     * @param before    D of the plan the round started from
     * @param candidate D of the local knapsack's plan; NaN when it was the plan itself (not measured)
     * @param after     D of the plan the round ended with (= before when it {@link Step#STOPPED})
     * @param step      how the round ended
     * @param moves     the layers the round changed (empty when stopped)
     * @param passes    whole-model passes the round ran
     * @param seconds   wall time of the round
     */
    public record Round(int number, double before, double candidate, double after, Step step, List<Move> moves,
            int passes, double seconds) {
        /** Freezes the moves. */
        public Round {
            moves = List.copyOf(moves);
        }

        /**
         * One line, e.g. {@code refine round 1: D 0.1540 → 0.1213, knapsack plan taken, 4 layers changed (a 3→2,
         * ...); 45 passes, 132.4 s}.
         */
        public String line() {
            String what = switch (step) {
                case KNAPSACK -> "knapsack plan taken";
                case SMALLER_KNAPSACK -> String.format(Locale.ROOT, "knapsack plan measured %.4g, a knapsack plan with"
                        + " fewer moves taken", candidate);
                case SINGLE_MOVE -> Double.isNaN(candidate) ? "knapsack kept the plan, best single move taken"
                        : String.format(Locale.ROOT, "knapsack plan measured %.4g, best single move (lower) taken",
                                candidate);
                case STOPPED -> Double.isNaN(candidate) ? "knapsack kept the plan, no single move helps: stopped"
                        : String.format(Locale.ROOT, "knapsack plan measured %.4g, no single move helps: stopped",
                                candidate);
                case FILL -> "bits left under the budget spent on up-moves";
                case FILL_NOTHING -> "no up-move that fits the bits left lowers D";
            };
            String changed = moves.isEmpty() ? "" : String.format(Locale.ROOT, ", %d layer%s changed (%s)",
                    moves.size(), moves.size() == 1 ? "" : "s", String.join(", ",
                            moves.stream().map(Move::toString).toList()));
            return String.format(Locale.ROOT, "refine %s %d: D %.4g → %.4g, %s%s; %d passes, %.1f s",
                    isFill() ? "fill" : "round", number, before, after, what, changed, passes, seconds);
        }

        /** Whether this is a fill step after the rounds ({@link Step#FILL} or {@link Step#FILL_NOTHING}). */
        public boolean isFill() {
            return step == Step.FILL || step == Step.FILL_NOTHING;
        }
    }

    /**
     * What a refinement did.
     *
     * @param start           the plan refined
     * @param plan            the refined plan ({@code start} itself when no round was asked)
     * @param startDistortion D(start); NaN when no round was asked
     * @param distortion      D(plan) ≤ D(start); NaN when no round was asked
     * @param rounds          the rounds run
     * @param passes          whole-model passes in all
     * @param seconds         wall time
     */
    public record Result(BitPlan start, BitPlan plan, double startDistortion, double distortion, List<Round> rounds,
            int passes, double seconds) {
        /** Freezes the rounds. */
        public Result {
            rounds = List.copyOf(rounds);
        }

        /**
         * One line, e.g. {@code refined budget=2.5-measured in 3 rounds + 1 fill: D 0.154 → 0.101 (7 layers changed),
         * 135 passes, 400.2 s}.
         */
        public String summary() {
            long fills = rounds.stream().filter(Round::isFill).count();
            long n = rounds.size() - fills;
            return String.format(Locale.ROOT, "refined %s in %d round%s%s: D %.4g → %.4g (%s), %d passes, %.1f s",
                    start.name(), n, n == 1 ? "" : "s", fills == 0 ? "" : " + " + fills + " fill"
                            + (fills == 1 ? "" : "s"), startDistortion, distortion,
                    plan.bits().equals(start.bits()) ? "plan unchanged" : moved(start, plan) + " layers changed",
                    passes, seconds);
        }
    }

    /**
     * Refines {@code start} for up to {@code rounds} rounds.
     *
     * @param fp32     the FP32 model (never modified)
     * @param start    a size-budget plan of {@code fp32} ({@code MixQuant.budget}: rule {@code avg-bits}, with
     *                 parameter {@code avgBits} and optionally {@code fixed}); its budget and fixed layers bind every
     *                 round
     * @param d        the distortion of whole quantized models on calibration data
     * @param rounds   at most this many rounds, ≥ 0; 0 returns {@code start} unchanged without running the model
     * @param progress told after each pass of a round ({@code refine round r}, passes done / passes)
     * @param log      told one {@link Round#line()} after each round
     * @throws IllegalArgumentException for negative rounds, a start plan that is not a size-budget plan of
     *                                  {@code fp32}, or one already above its budget
     */
    public static Result refine(QuantizableModel fp32, BitPlan start, Distortion d, int rounds, Progress progress,
            Consumer<String> log) {
        if (rounds < 0) {
            throw new IllegalArgumentException("refinement rounds must be ≥ 0, got " + rounds);
        }
        Objects.requireNonNull(d, "the refinement needs a distortion on calibration data");
        start.validateFor(fp32.layerNames());
        if (!"avg-bits".equals(start.rule()) || !(start.params().get("avgBits") instanceof Number budget)) {
            throw new IllegalArgumentException("only a size-budget plan (rule avg-bits) can be refined, not '"
                    + start.name() + "' (rule " + start.rule() + ")");
        }
        double avgBits = budget.doubleValue();
        Map<String, Integer> fixed = fixedOf(start);
        if (!fits(fp32, start.bits(), avgBits)) {
            throw new IllegalArgumentException("the plan '" + start.name() + "' is above its budget of " + avgBits
                    + " average bits");
        }
        if (rounds == 0) {
            return new Result(start, start, Double.NaN, Double.NaN, List.of(), 0, 0);
        }
        long t0 = System.nanoTime();
        Plans plans = new Plans(fp32, start, d);
        Map<String, Integer> cur = new LinkedHashMap<>(start.bits());
        double dStart = plans.measure(cur);
        double dCur = dStart;
        List<Round> done = new ArrayList<>();
        List<Layer> layers = fp32.layers();
        int n = layers.size();
        for (int r = 1; r <= rounds; r++) {
            long tr = System.nanoTime();
            int before = plans.passes;
            // the neighbours to measure: 2 per free layer, 1 at 2 or 8 bits
            List<Move> moves = new ArrayList<>();
            for (Layer l : layers) {
                int b = cur.get(l.name());
                for (int nb : new int[] {b - 1, b + 1}) {
                    if (!fixed.containsKey(l.name()) && nb >= Bits.MIN && nb <= Bits.MAX) {
                        moves.add(new Move(l.name(), b, nb));
                    }
                }
            }
            double[][] cost = new double[n][Bits.COUNT];
            long[] params = new long[n];
            List<String> names = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                names.add(layers.get(i).name());
                params[i] = layers.get(i).params();
                java.util.Arrays.fill(cost[i], FORBIDDEN);
                cost[i][cur.get(names.get(i)) - Bits.MIN] = dCur;
            }
            double[] dMove = new double[moves.size()];
            String task = "refine round " + r;
            for (int k = 0; k < moves.size(); k++) {
                Move m = moves.get(k);
                Map<String, Integer> next = new LinkedHashMap<>(cur);
                next.put(m.layer(), m.to());
                dMove[k] = plans.measure(next);
                cost[names.indexOf(m.layer())][m.to() - Bits.MIN] = dMove[k];
                progress.update(task + " (" + m.layer() + ")", k + 1, moves.size());
            }
            Map<String, Object> prov = new LinkedHashMap<>();
            prov.put("metric", d.metric());
            prov.put("calibration", d.calibration());
            prov.put("around", "plan of refinement round " + r);
            CostTable local = CostTable.of(CostKind.MEASURED, fp32.source(), start.scheme(), start.granularity(), names,
                    params, cost, prov, 0);
            Map<String, Integer> q = MixQuant.budget(local, avgBits, fixed).bits();
            double dQ = Double.NaN;
            Step step = Step.STOPPED;
            Map<String, Integer> taken = null;
            double dTaken = dCur;
            if (!q.equals(cur)) {
                dQ = plans.measure(q);
                if (dQ < dCur) {
                    taken = q;
                    dTaken = dQ;
                    step = Step.KNAPSACK;
                }
            }
            // the moves did not add up: the knapsack again, with fewer moves each try (half as many layers changed)
            double maxGain = 0;
            for (double dm : dMove) {
                maxGain = Math.max(maxGain, dCur - dm);
            }
            for (int changedLayers = changes(cur, q).size(); taken == null && changedLayers > 2 && maxGain > 0; ) {
                Map<String, Integer> smaller = fewerMoves(local, cur, avgBits, fixed, changedLayers / 2, maxGain);
                if (smaller.equals(cur) || changes(cur, smaller).size() >= changedLayers) {
                    break;
                }
                double ds = plans.measure(smaller);
                if (ds < dCur) {
                    taken = smaller;
                    dTaken = ds;
                    step = Step.SMALLER_KNAPSACK;
                }
                changedLayers = changes(cur, smaller).size();
            }
            // the best single move that fits, measured already: taken when it is lower than any knapsack plan
            int best = -1;
            for (int k = 0; k < moves.size(); k++) {
                Map<String, Integer> next = new LinkedHashMap<>(cur);
                next.put(moves.get(k).layer(), moves.get(k).to());
                if (dMove[k] < dTaken && (best < 0 || dMove[k] < dMove[best]) && fits(fp32, next, avgBits)) {
                    best = k;
                }
            }
            if (best >= 0) {
                taken = new LinkedHashMap<>(cur);
                taken.put(moves.get(best).layer(), moves.get(best).to());
                dTaken = dMove[best];
                step = Step.SINGLE_MOVE;
            }
            List<Move> changed = taken == null ? List.of() : changes(cur, taken);
            Round round = new Round(r, dCur, dQ, dTaken, step, changed, plans.passes - before,
                    (System.nanoTime() - tr) / 1e9);
            done.add(round);
            log.accept(round.line());
            if (taken == null) {
                break;
            }
            cur = new LinkedHashMap<>(taken);
            dCur = dTaken;
        }
        // spend what the rounds left under the budget, so the plan is compared at the budget's size
        for (int sweep = 1; ; sweep++) {
            Round f = fill(fp32, plans, cur, dCur, avgBits, fixed, sweep, progress);
            if (f == null) {
                break;
            }
            done.add(f);
            log.accept(f.line());
            if (f.step() == Step.FILL_NOTHING) {
                break;
            }
            for (Move m : f.moves()) {
                cur.put(m.layer(), m.to());
            }
            dCur = f.after();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        BitPlan refined = refinedPlan(start, cur, d, rounds, done, dStart, dCur, plans.passes, secs);
        return new Result(start, refined, dStart, dCur, done, plans.passes, secs);
    }

    /**
     * One fill sweep after the rounds: the rounds may leave bits under the budget (a single move or a smaller knapsack
     * plan rarely spends them all), and a plan that is smaller than the budget is not compared at equal size. Measures
     * D with each free layer one bit up, for every such move that fits in the bits left (one pass each, none for a plan already measured); then, in
     * order of measured gain per added bit (D(P) − D(P with the move)) / parameters, largest first, adds each move
     * that still fits and keeps it only when the whole plan then measures lower than before it (one more pass per move
     * after the first, whose D is already measured). A move is kept only when it lowers D, so the plan's D never rises.
     *
     * @return the sweep ({@link Step#FILL} with the moves kept, or {@link Step#FILL_NOTHING}), or null when no up-move
     *         fits (no pass was run)
     */
    private static Round fill(QuantizableModel fp32, Plans plans, Map<String, Integer> cur, double dCur,
            double avgBits, Map<String, Integer> fixed, int sweep, Progress progress) {
        long t0 = System.nanoTime();
        int before = plans.passes;
        List<Layer> ups = new ArrayList<>();
        for (Layer l : fp32.layers()) {
            int b = cur.get(l.name());
            if (fixed.containsKey(l.name()) || b == Bits.MAX) {
                continue;
            }
            Map<String, Integer> next = new LinkedHashMap<>(cur);
            next.put(l.name(), b + 1);
            if (fits(fp32, next, avgBits)) {
                ups.add(l);
            }
        }
        if (ups.isEmpty()) {
            return null;
        }
        double[] gainPerBit = new double[ups.size()];
        double[] dUp = new double[ups.size()];
        String task = "refine fill " + sweep;
        for (int k = 0; k < ups.size(); k++) {
            Layer l = ups.get(k);
            Map<String, Integer> next = new LinkedHashMap<>(cur);
            next.put(l.name(), cur.get(l.name()) + 1);
            dUp[k] = plans.measure(next);
            gainPerBit[k] = (dCur - dUp[k]) / l.params();
            progress.update(task + " (" + l.name() + ")", k + 1, ups.size());
        }
        List<Integer> order = new ArrayList<>();
        for (int k = 0; k < ups.size(); k++) {
            if (dUp[k] < dCur) {
                order.add(k);
            }
        }
        order.sort((x, y) -> x.equals(y) ? 0 : gainPerBit[x] != gainPerBit[y]
                ? Double.compare(gainPerBit[y], gainPerBit[x]) : Integer.compare(x, y));
        Map<String, Integer> plan = new LinkedHashMap<>(cur);
        double d = dCur;
        List<Move> kept = new ArrayList<>();
        for (int k : order) {
            Layer l = ups.get(k);
            Map<String, Integer> next = new LinkedHashMap<>(plan);
            next.put(l.name(), plan.get(l.name()) + 1);
            if (!fits(fp32, next, avgBits)) {
                continue;
            }
            double dn = kept.isEmpty() ? dUp[k] : plans.measure(next);
            if (dn < d) {
                kept.add(new Move(l.name(), plan.get(l.name()), plan.get(l.name()) + 1));
                plan = next;
                d = dn;
            }
        }
        return new Round(sweep, dCur, Double.NaN, d, kept.isEmpty() ? Step.FILL_NOTHING : Step.FILL, kept,
                plans.passes - before, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * The knapsack plan of {@code local} with every move (a width other than the current one) made dearer by a penalty
     * τ: the smallest τ in [0, {@code maxGain}] (bisected, {@value #PENALTY_STEPS} steps) whose plan changes at most
     * {@code maxLayers} layers. At τ = maxGain no move pays for itself on its own (every move's gain is below it), so
     * the plan there has few or no moves.
     */
    private static Map<String, Integer> fewerMoves(CostTable local, Map<String, Integer> cur, double avgBits,
            Map<String, Integer> fixed, int maxLayers, double maxGain) {
        double lo = 0;
        double hi = maxGain;
        Map<String, Integer> best = penalized(local, cur, avgBits, fixed, hi);
        for (int it = 0; it < PENALTY_STEPS; it++) {
            double mid = 0.5 * (lo + hi);
            Map<String, Integer> q = penalized(local, cur, avgBits, fixed, mid);
            if (changes(cur, q).size() <= maxLayers) {
                hi = mid;
                best = q;
            } else {
                lo = mid;
            }
        }
        return best;
    }

    /** Bisection steps of the move penalty: 2^-30 of the largest single-move gain is far below any measured gain. */
    static final int PENALTY_STEPS = 30;

    /** The knapsack plan of {@code local} with {@code tau} added to every width but the current one. */
    private static Map<String, Integer> penalized(CostTable local, Map<String, Integer> cur, double avgBits,
            Map<String, Integer> fixed, double tau) {
        int n = local.size();
        double[][] cost = new double[n][Bits.COUNT];
        long[] params = new long[n];
        for (int i = 0; i < n; i++) {
            params[i] = local.params(i);
            int b = cur.get(local.layers().get(i));
            for (int w = Bits.MIN; w <= Bits.MAX; w++) {
                cost[i][w - Bits.MIN] = local.cost(i, w) + (w == b ? 0 : tau);
            }
        }
        CostTable t = CostTable.of(local.kind(), local.model(), local.scheme(), local.granularity(), local.layers(),
                params, cost, local.provenance(), 0);
        return MixQuant.budget(t, avgBits, fixed).bits();
    }

    /** The fixed layers a budget plan records ({@code params.fixed}: layer → bits), or none. */
    private static Map<String, Integer> fixedOf(BitPlan plan) {
        Map<String, Integer> fixed = new LinkedHashMap<>();
        if (plan.params().get("fixed") instanceof Map<?, ?> m) {
            m.forEach((k, v) -> fixed.put(String.valueOf(k), ((Number) v).intValue()));
        }
        return fixed;
    }

    /** Whether {@code bits} uses at most {@code avgBits} per weight (the knapsack's decimal epsilon, 1e-9). */
    private static boolean fits(QuantizableModel fp32, Map<String, Integer> bits, double avgBits) {
        long used = 0;
        long total = 0;
        for (Layer l : fp32.layers()) {
            used += l.params() * bits.get(l.name());
            total += l.params();
        }
        return used <= avgBits * total + 1e-9 * total;
    }

    private static List<Move> changes(Map<String, Integer> from, Map<String, Integer> to) {
        List<Move> out = new ArrayList<>();
        from.forEach((l, b) -> {
            if (!to.get(l).equals(b)) {
                out.add(new Move(l, b, to.get(l)));
            }
        });
        return out;
    }

    private static int moved(BitPlan a, BitPlan b) {
        return changes(a.bits(), b.bits()).size();
    }

    /**
     * The refined plan: the start's name with {@link #SUFFIX}, its rule and parameters (but not the start's
     * {@code predictedCost} or {@code distortion}, the knapsack's sums for the start's bits) and {@code refine}: rounds asked and run, the metric
     * and calibration data, D of the start and of the result, passes and per-round history; the wall time goes to the
     * provenance ({@code refine.seconds}).
     */
    private static BitPlan refinedPlan(BitPlan start, Map<String, Integer> bits, Distortion d, int rounds,
            List<Round> done, double dStart, double dEnd, int passes, double secs) {
        Map<String, Object> params = new LinkedHashMap<>(start.params());
        params.remove("predictedCost"); // MixQuant.budget(CostTable, ...)'s sum of costs of the start's bits
        params.remove("distortion"); // MixQuant.budget(ErrorTable, ...)'s
        Map<String, Object> refine = new LinkedHashMap<>();
        refine.put("rounds", rounds);
        refine.put("roundsRun", done.stream().filter(r -> !r.isFill()).count());
        refine.put("metric", d.metric());
        refine.put("calibration", d.calibration());
        refine.put("startDistortion", dStart);
        refine.put("distortion", dEnd);
        refine.put("passes", passes);
        List<Object> history = new ArrayList<>();
        for (Round r : done) {
            Map<String, Object> h = new LinkedHashMap<>();
            h.put(r.isFill() ? "fill" : "round", r.number());
            h.put("before", r.before());
            h.put("candidate", Double.isNaN(r.candidate()) ? null : r.candidate());
            h.put("after", r.after());
            h.put("step", r.step().name().toLowerCase(Locale.ROOT).replace('_', '-'));
            h.put("changed", r.moves().stream().map(Move::toString).toList());
            history.add(h);
        }
        refine.put("history", history);
        params.put("refine", refine);
        Map<String, Object> prov = new LinkedHashMap<>(start.provenance());
        prov.put("refine.seconds", secs);
        return new BitPlan(start.name() + SUFFIX, start.model(), start.scheme(), start.granularity(), start.rule(),
                params, prov, bits);
    }

    /**
     * Whole plans of one model, quantized to nearest with the start plan's scheme and granularity; each layer's
     * weights at each width are fake-quantized once and shared by every plan that uses them.
     */
    private static final class Plans {
        private final QuantizableModel fp32;
        private final BitPlan start;
        private final Distortion d;
        private final Map<String, WeightTensor[]> quantized = new LinkedHashMap<>();
        /**
         * D of every plan measured, by its bits: a plan is run once however often it comes up (the fill after a round
         * that stopped asks for the same one-bit-up plans the round measured; a knapsack plan can be a single move).
         */
        private final Map<Map<String, Integer>, Double> measured = new java.util.HashMap<>();
        int passes;

        Plans(QuantizableModel fp32, BitPlan start, Distortion d) {
            this.fp32 = fp32;
            this.start = start;
            this.d = d;
        }

        double measure(Map<String, Integer> bits) {
            Double seen = measured.get(bits);
            if (seen != null) {
                return seen;
            }
            Map<String, WeightTensor> w = new LinkedHashMap<>();
            for (Layer l : fp32.layers()) {
                int b = bits.get(l.name());
                WeightTensor[] byBits = quantized.computeIfAbsent(l.name(), k -> new WeightTensor[Bits.COUNT]);
                if (byBits[b - Bits.MIN] == null) {
                    byBits[b - Bits.MIN] = FakeQuant.apply(l.weight(), new QuantSpec(b, start.scheme(),
                            start.granularity()));
                }
                w.put(l.name(), byBits[b - Bits.MIN]);
            }
            passes++;
            double dq = d.measure(fp32.withWeights(w));
            measured.put(Map.copyOf(bits), dq);
            return dq;
        }
    }
}
