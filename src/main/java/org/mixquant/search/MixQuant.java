package org.mixquant.search;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Bits;

/**
 * MixQuant rules: each turns an {@link ErrorTable} into a {@link BitPlan}.
 *
 * <ul>
 *   <li>{@link #qem}: the paper's rule as we read it — for each layer the smallest b with
 *       {@code QE(b) ≤ qem · QE(8)} ({@code qem ≥ 1}; larger → fewer bits). With min-max scales QE(b)/QE(8) is
 *       close to ((2^8−1)/(2^b−1))² for almost every layer, so this rule gives nearly uniform bits; see
 *       {@link ErrorTable#ratioTo8} and DESIGN.md.</li>
 *   <li>{@link #maxRelativeError}: the smallest b with {@code Σ(w−ŵ)²/Σw² ≤ t}.</li>
 *   <li>{@link #budget}: for a target average bits per weight, minimise the summed (optionally weighted) layer
 *       distortion Σ sᵢ·SSEᵢ(bᵢ) subject to Σ paramsᵢ·bᵢ ≤ target·Σ paramsᵢ, a multiple-choice knapsack solved
 *       by {@link Knapsack}.</li>
 * </ul>
 */
public final class MixQuant {
    private MixQuant() {
    }

    /**
     * The paper rule: smallest b in 2..8 with QE(b) ≤ qem·QE(8). A layer whose QE(8) is 0 is exact at every width
     * and gets 2 bits.
     *
     * @param qem multiplier ≥ 1
     */
    public static BitPlan qem(ErrorTable table, double qem) {
        if (!(qem >= 1) || !Double.isFinite(qem)) {
            throw new IllegalArgumentException("qem must be a finite number ≥ 1, got " + qem);
        }
        Map<String, Integer> bits = new LinkedHashMap<>();
        for (int i = 0; i < table.size(); i++) {
            double limit = qem * table.sse(i, Bits.MAX);
            int chosen = Bits.MAX;
            for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                if (table.sse(i, b) <= limit) {
                    chosen = b;
                    break;
                }
            }
            bits.put(table.layers().get(i), chosen);
        }
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("qem", qem);
        return plan(table, "qem=" + fmt(qem), "qem", params, bits);
    }

    /**
     * Smallest b in 2..8 whose relative error Σ(w−ŵ)²/Σw² is at most {@code t}; 8 if even 8 bits exceed it.
     *
     * @param t threshold in (0, 1]
     */
    public static BitPlan maxRelativeError(ErrorTable table, double t) {
        if (!(t > 0) || !(t <= 1)) {
            throw new IllegalArgumentException("the relative-error threshold must be in (0, 1], got " + t);
        }
        Map<String, Integer> bits = new LinkedHashMap<>();
        int over = 0;
        for (int i = 0; i < table.size(); i++) {
            int chosen = -1;
            for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                if (table.relative(i, b) <= t) {
                    chosen = b;
                    break;
                }
            }
            if (chosen < 0) {
                chosen = Bits.MAX;
                over++;
            }
            bits.put(table.layers().get(i), chosen);
        }
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("maxRelativeError", t);
        params.put("layersAboveThresholdAt8Bits", over);
        return plan(table, "rel<=" + fmt(t), "max-rel-error", params, bits);
    }

    /** {@link #budget(ErrorTable, double, Map)} with every layer's sensitivity 1. */
    public static BitPlan budget(ErrorTable table, double avgBits) {
        return budget(table, avgBits, Map.of());
    }

    /**
     * Size-budgeted allocation: minimise Σ sᵢ·SSEᵢ(bᵢ) subject to Σ paramsᵢ·bᵢ ≤ avgBits·Σ paramsᵢ.
     *
     * @param avgBits     target average bits per weight, in [2, 8]
     * @param sensitivity optional per-layer weights sᵢ ≥ 0 (missing layers: 1)
     */
    public static BitPlan budget(ErrorTable table, double avgBits, Map<String, Double> sensitivity) {
        return budget(table, avgBits, sensitivity, Map.of());
    }

    /**
     * {@link #budget(ErrorTable, double, Map)} with some layers' bits fixed in advance (e.g. first and last layers at 8
     * bits, as BRECQ keeps them): those layers count against the budget at their fixed bits and the rest share what
     * is left, so the plan's average over all layers is still at most {@code avgBits}.
     *
     * @param fixed layer → bits it must get (2..8)
     * @throws IllegalArgumentException if a fixed layer is unknown or its bits are out of range, or the fixed layers
     *                                  alone (with every other layer at 2 bits) exceed the budget
     */
    public static BitPlan budget(ErrorTable table, double avgBits, Map<String, Double> sensitivity,
            Map<String, Integer> fixed) {
        long fixedBits = 0;
        long total = 0;
        for (int i = 0; i < table.size(); i++) {
            Integer f = fixed.get(table.layers().get(i));
            total += table.params(i);
            fixedBits += table.params(i) * (f == null ? Bits.MIN : Bits.check(f));
        }
        for (String l : fixed.keySet()) {
            table.indexOf(l); // throws for an unknown layer
        }
        if (fixedBits > avgBits * total + 1e-9) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "the fixed layers %s need more"
                    + " than the budget of %.4f average bits", fixed, avgBits));
        }
        if (!(avgBits >= Bits.MIN) || !(avgBits <= Bits.MAX)) {
            throw new IllegalArgumentException("the average-bits budget must be between " + Bits.MIN + " and "
                    + Bits.MAX + ", got " + avgBits);
        }
        int n = table.size();
        long[] params = new long[n];
        double[][] cost = new double[n][Bits.COUNT];
        for (int i = 0; i < n; i++) {
            params[i] = table.params(i);
            double s = sensitivity.getOrDefault(table.layers().get(i), 1.0);
            if (!(s >= 0) || !Double.isFinite(s)) {
                throw new IllegalArgumentException("sensitivity of layer '" + table.layers().get(i)
                        + "' must be finite and ≥ 0, got " + s);
            }
            Integer f = fixed.get(table.layers().get(i));
            for (int k = 0; k < Bits.COUNT; k++) {
                // a fixed layer: any other width costs more than every free choice together could save
                cost[i][k] = f == null ? s * table.sse(i, Bits.MIN + k) : f == Bits.MIN + k ? 0 : FORBIDDEN;
            }
        }
        Knapsack.Solution sol = Knapsack.solve(params, cost, avgBits);
        Map<String, Integer> bits = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            bits.put(table.layers().get(i), sol.bits()[i]);
        }
        Map<String, Object> params2 = new LinkedHashMap<>();
        params2.put("avgBits", avgBits);
        params2.put("solver", sol.solver());
        params2.put("distortion", sol.distortion());
        params2.put("weighted", !sensitivity.isEmpty());
        if (!fixed.isEmpty()) {
            params2.put("fixed", new LinkedHashMap<>(fixed));
        }
        return plan(table, "budget=" + fmt(avgBits), "avg-bits", params2, bits);
    }

    /** {@link #budget(CostTable, double, Map)} with no fixed layers. */
    public static BitPlan budget(CostTable table, double avgBits) {
        return budget(table, avgBits, Map.of());
    }

    /**
     * Size-budgeted allocation over any cost table: minimise Σ costᵢ(bᵢ) subject to Σ paramsᵢ·bᵢ ≤ avgBits·Σ paramsᵢ,
     * with some layers' bits fixed in advance (they count against the budget at their fixed bits, as in
     * {@link #budget(ErrorTable, double, Map, Map)}). Over {@link CostTable#qe} this gives the same bits as
     * {@link #budget(ErrorTable, double)}. The plan is named {@code budget=B-COST} and records the cost's provenance.
     *
     * @param avgBits target average bits per weight, in [2, 8]
     * @param fixed   layer → bits it must get (2..8)
     * @throws IllegalArgumentException for a budget outside [2, 8], an unknown fixed layer, or fixed layers that alone
     *                                  exceed the budget
     */
    public static BitPlan budget(CostTable table, double avgBits, Map<String, Integer> fixed) {
        if (!(avgBits >= Bits.MIN) || !(avgBits <= Bits.MAX)) {
            throw new IllegalArgumentException("the average-bits budget must be between " + Bits.MIN + " and "
                    + Bits.MAX + ", got " + avgBits);
        }
        for (String l : fixed.keySet()) {
            table.indexOf(l); // throws for an unknown layer
        }
        int n = table.size();
        long fixedBits = 0;
        long[] params = new long[n];
        double[][] cost = new double[n][Bits.COUNT];
        for (int i = 0; i < n; i++) {
            params[i] = table.params(i);
            Integer f = fixed.get(table.layers().get(i));
            fixedBits += params[i] * (f == null ? Bits.MIN : Bits.check(f));
            for (int k = 0; k < Bits.COUNT; k++) {
                cost[i][k] = f == null ? table.cost(i, Bits.MIN + k) : f == Bits.MIN + k ? 0 : FORBIDDEN;
            }
        }
        if (fixedBits > avgBits * table.totalParams() + 1e-9) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "the fixed layers %s need more"
                    + " than the budget of %.4f average bits", fixed, avgBits));
        }
        Knapsack.Solution sol = Knapsack.solve(params, cost, avgBits);
        Map<String, Integer> bits = new LinkedHashMap<>();
        double predicted = 0;
        for (int i = 0; i < n; i++) {
            bits.put(table.layers().get(i), sol.bits()[i]);
            predicted += table.cost(i, sol.bits()[i]);
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("avgBits", avgBits);
        p.put("cost", table.name());
        p.put("solver", sol.solver());
        p.put("predictedCost", predicted);
        if (!fixed.isEmpty()) {
            p.put("fixed", new LinkedHashMap<>(fixed));
        }
        Map<String, Object> prov = BitPlan.defaultProvenance(seedOf(table));
        table.provenance().forEach((k, v) -> prov.put("cost." + k, v));
        return new BitPlan("budget=" + fmt(avgBits) + "-" + table.name(), table.model(), table.scheme(),
                table.granularity(), "avg-bits", p, prov, bits);
    }

    /** The frontier's default budgets: 2, 2.25, …, 8 average bits (25 budgets). */
    public static List<Double> frontierBudgets() {
        return frontierBudgets(Bits.MIN, Bits.MAX, 0.25);
    }

    /**
     * Budgets {@code from, from + step, …} up to {@code to} (inclusive, with a tolerance for decimal steps).
     *
     * @throws IllegalArgumentException unless 2 ≤ from ≤ to ≤ 8 and step &gt; 0
     */
    public static List<Double> frontierBudgets(double from, double to, double step) {
        if (!(from >= Bits.MIN) || !(to <= Bits.MAX) || !(from <= to) || !(step > 0)) {
            throw new IllegalArgumentException("frontier budgets need 2 <= from <= to <= 8 and step > 0, got "
                    + from + ".." + to + " step " + step);
        }
        List<Double> out = new ArrayList<>();
        for (int k = 0; from + k * step <= to + 1e-9; k++) {
            out.add(Math.min(to, from + k * step));
        }
        return List.copyOf(out);
    }

    /**
     * The size–quality frontier of one cost table: the {@link #budget(CostTable, double, Map)} plan for every budget,
     * in the order given.
     */
    public static List<BitPlan> frontier(CostTable table, List<Double> budgets, Map<String, Integer> fixed) {
        List<BitPlan> out = new ArrayList<>(budgets.size());
        for (double b : budgets) {
            out.add(budget(table, b, fixed));
        }
        return List.copyOf(out);
    }

    private static long seedOf(CostTable t) {
        Object s = t.provenance().get("seed");
        return s instanceof Number num ? num.longValue() : 0;
    }

    /** Cost of a forbidden width for a fixed layer: far above any real squared error, still finite for the solver. */
    private static final double FORBIDDEN = 1e30;

    private static BitPlan plan(ErrorTable table, String name, String rule, Map<String, Object> params,
            Map<String, Integer> bits) {
        Map<String, Object> prov = BitPlan.defaultProvenance(0);
        prov.put("errorTable", table.scheme().cliName() + " " + table.granularity().label() + " min-max");
        return new BitPlan(name, table.model(), table.scheme(), table.granularity(), rule, params, prov, bits);
    }

    /** Compact number for plan names: 1.5, 2, 0.001. */
    static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            return Long.toString((long) v);
        }
        String s = String.format(java.util.Locale.ROOT, "%.6g", v);
        if (s.contains("e")) {
            return s;
        }
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
