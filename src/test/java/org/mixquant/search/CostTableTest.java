package org.mixquant.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Bits;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;

class CostTableTest {
    /** The knapsack and brute force add the same doubles in different orders. */
    static final double SUM_TOL = 1e-9;

    /**
     * Measured costs need not fall with bits (noise on calibration data); the knapsack over a cost table must still
     * find the brute-force optimum, fixed layers included.
     */
    @RepeatedTest(25)
    void budgetOverACostTableEqualsBruteForce(RepetitionInfo info) {
        Random r = new Random(77 + info.getCurrentRepetition());
        int n = 2 + r.nextInt(3);
        long[] params = new long[n];
        double[][] cost = new double[n][Bits.COUNT];
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            names.add("l" + i);
            params[i] = 1 + r.nextInt(9);
            for (int k = 0; k < Bits.COUNT; k++) {
                cost[i][k] = r.nextDouble() * Math.pow(3, -k);
            }
        }
        Map<String, Integer> fixed = new LinkedHashMap<>();
        if (r.nextBoolean()) {
            fixed.put("l0", 8);
        }
        double avg = 2 + 6 * r.nextDouble();
        CostTable t = CostTable.of(CostKind.MEASURED, "m", Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, names, params,
                cost, Map.of("seed", 3L), 0);
        long total = t.totalParams();
        double bestBrute = bruteForce(params, cost, avg * total, fixed, names);
        if (bestBrute == Double.POSITIVE_INFINITY) {
            assertThrows(IllegalArgumentException.class, () -> MixQuant.budget(t, avg, fixed));
            return;
        }
        BitPlan p = MixQuant.budget(t, avg, fixed);
        assertEquals(bestBrute, t.predicted(p), SUM_TOL * Math.max(1, bestBrute));
        assertTrue(p.averageBits(t.layers().stream().collect(java.util.stream.Collectors.toMap(x -> x,
                x -> t.params(t.indexOf(x))))) <= avg + 1e-9, "within budget");
        fixed.forEach((l, b) -> assertEquals(b, p.bitsOf(l)));
        assertEquals("measured", p.params().get("cost"));
        assertEquals(3L, ((Number) p.provenance().get("cost.seed")).longValue());
        assertEquals(3L, ((Number) p.provenance().get("seed")).longValue());
    }

    @Test
    void qeCostGivesTheErrorTablePlan() {
        Random r = new Random(5);
        int n = 6;
        long[] params = new long[n];
        double[][] sse = new double[n][Bits.COUNT];
        double[] sq = new double[n];
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            names.add("layer" + i);
            params[i] = 64L * (1 + r.nextInt(4));
            double s = Math.exp(r.nextGaussian());
            for (int k = 0; k < Bits.COUNT; k++) {
                sse[i][k] = s * Math.pow(4, -k) * (1 + 0.1 * r.nextDouble());
            }
            sq[i] = 1;
        }
        ErrorTable et = ErrorTable.of("m", Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, names, params, sse, sq);
        CostTable ct = CostTable.qe(et);
        assertEquals(CostKind.QE, ct.kind());
        for (double avg : MixQuant.frontierBudgets()) {
            assertEquals(MixQuant.budget(et, avg).bits(), MixQuant.budget(ct, avg).bits(), "budget " + avg);
        }
        assertEquals(sse[2][3], ct.cost(2, 5), 0.0);
    }

    @Test
    void frontierBudgetsAreTwoToEightInQuarterSteps() {
        List<Double> b = MixQuant.frontierBudgets();
        assertEquals(25, b.size());
        assertEquals(2.0, b.get(0), 0.0);
        assertEquals(3.5, b.get(6), 0.0);
        assertEquals(8.0, b.get(24), 0.0);
        assertEquals(List.of(2.0, 3.0, 4.0), MixQuant.frontierBudgets(2, 4, 1));
        assertThrows(IllegalArgumentException.class, () -> MixQuant.frontierBudgets(1, 4, 1));
    }

    @Test
    void frontierCostFallsAsTheBudgetGrows() {
        // Costs falling with bits: a larger budget can always keep the smaller budget's plan, so the optimum is
        // non-increasing along the frontier (exact DP here: all params equal).
        Random r = new Random(11);
        int n = 5;
        long[] params = {10, 10, 10, 10, 10};
        double[][] cost = new double[n][Bits.COUNT];
        for (int i = 0; i < n; i++) {
            double s = Math.exp(2 * r.nextGaussian());
            for (int k = 0; k < Bits.COUNT; k++) {
                cost[i][k] = s * Math.pow(4, -k);
            }
        }
        CostTable t = CostTable.of(CostKind.MEASURED, "m", Scheme.ASYMMETRIC, Granularity.PER_CHANNEL,
                List.of("a", "b", "c", "d", "e"), params, cost, Map.of(), 0);
        List<BitPlan> f = MixQuant.frontier(t, MixQuant.frontierBudgets(), Map.of());
        for (int j = 1; j < f.size(); j++) {
            assertTrue(t.predicted(f.get(j)) <= t.predicted(f.get(j - 1)) + 1e-12, "budget index " + j);
        }
        assertTrue(f.get(f.size() - 1).bits().values().stream().allMatch(b -> b == 8));
    }

    @Test
    void rejectsBadCosts() {
        assertThrows(IllegalArgumentException.class, () -> CostTable.of(CostKind.QE, "m", Scheme.ASYMMETRIC,
                Granularity.PER_CHANNEL, List.of("a"), new long[] {4}, new double[][] {{1, 1, 1, 1, 1, 1, -1}},
                Map.of(), 0));
        assertThrows(IllegalArgumentException.class, () -> CostTable.of(CostKind.QE, "m", Scheme.ASYMMETRIC,
                Granularity.PER_CHANNEL, List.of("a"), new long[] {4}, new double[][] {{1, 1, 1}}, Map.of(), 0));
        assertThrows(IllegalArgumentException.class, () -> CostKind.parse("hessian"));
        assertEquals(CostKind.FISHER, CostKind.parse("Fisher"));
    }

    /** Minimum Σ cost over all assignments within {@code budgetBits} total bits that respect {@code fixed}. */
    static double bruteForce(long[] params, double[][] cost, double budgetBits, Map<String, Integer> fixed,
            List<String> names) {
        int n = params.length;
        double best = Double.POSITIVE_INFINITY;
        int[] k = new int[n];
        while (true) {
            double used = 0;
            double d = 0;
            boolean ok = true;
            for (int i = 0; i < n; i++) {
                Integer f = fixed.get(names.get(i));
                ok &= f == null || f == Bits.MIN + k[i];
                used += params[i] * (double) (Bits.MIN + k[i]);
                d += cost[i][k[i]];
            }
            if (ok && used <= budgetBits + 1e-9) {
                best = Math.min(best, d);
            }
            int i = 0;
            while (i < n && ++k[i] == Bits.COUNT) {
                k[i] = 0;
                i++;
            }
            if (i == n) {
                return best;
            }
        }
    }
}
