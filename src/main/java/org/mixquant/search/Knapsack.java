package org.mixquant.search;

import org.mixquant.quant.Bits;

/**
 * Multiple-choice knapsack for bit allocation: pick one bit-width bᵢ ∈ 2..8 per layer to minimise Σ costᵢ(bᵢ)
 * subject to Σ paramsᵢ·bᵢ ≤ avgBits·Σ paramsᵢ.
 *
 * <p>Exact dynamic programming over the budget measured in units of g = gcd(paramsᵢ) when the table has at most
 * {@link #MAX_DP_CELLS} cells (MiniLM: g = 147,456 and 72 units per bit, so a few thousand cells). Otherwise a
 * Lagrangian relaxation: for a price λ each layer independently minimises costᵢ(b) + λ·paramsᵢ·b; λ is bisected
 * to the smallest price that fits the budget, and the remaining budget is spent greedily on the upgrades with the
 * best cost reduction per bit. The Lagrangian answer is optimal for the budgets it hits exactly and close
 * otherwise.
 */
public final class Knapsack {
    /** Largest DP table (layers × budget units) solved exactly. */
    static final long MAX_DP_CELLS = 20_000_000L;

    private Knapsack() {
    }

    /**
     * A solution.
     *
     * @param bits       chosen bits per layer
     * @param distortion Σ costᵢ(bᵢ)
     * @param solver     {@code exact-dp} or {@code lagrangian}
     */
    public record Solution(int[] bits, double distortion, String solver) {
    }

    /**
     * Solves the allocation.
     *
     * @param params  weights per layer (> 0)
     * @param cost    per layer, cost of bits 2..8 (index bits − 2)
     * @param avgBits budget in average bits per weight, in [2, 8]
     */
    public static Solution solve(long[] params, double[][] cost, double avgBits) {
        long g = 0;
        long total = 0;
        for (long p : params) {
            if (p <= 0) {
                throw new IllegalArgumentException("every layer needs at least one weight");
            }
            g = gcd(g, p);
            total += p;
        }
        // Budget above the all-2-bit floor, in units of g·1 bit. A tiny epsilon absorbs avgBits written in decimal.
        long capacity = (long) Math.floor((avgBits - Bits.MIN) * (total / (double) g) + 1e-9);
        long cells = (long) params.length * (capacity + 1);
        if (cells <= MAX_DP_CELLS) {
            return exact(params, cost, g, (int) capacity);
        }
        return lagrangian(params, cost, (avgBits - Bits.MIN) * total);
    }

    static Solution exact(long[] params, double[][] cost, long g, int capacity) {
        int n = params.length;
        double inf = Double.POSITIVE_INFINITY;
        double[] best = new double[capacity + 1];
        java.util.Arrays.fill(best, inf);
        best[0] = 0;
        byte[][] choice = new byte[n][capacity + 1];
        double[] next = new double[capacity + 1];
        for (int i = 0; i < n; i++) {
            int unit = (int) (params[i] / g);
            java.util.Arrays.fill(next, inf);
            for (int c = 0; c <= capacity; c++) {
                if (best[c] == inf) {
                    continue;
                }
                for (int k = 0; k < Bits.COUNT; k++) {
                    long nc = c + (long) unit * k;
                    if (nc > capacity) {
                        break;
                    }
                    double v = best[c] + cost[i][k];
                    if (v < next[(int) nc]) {
                        next[(int) nc] = v;
                        choice[i][(int) nc] = (byte) k;
                    }
                }
            }
            double[] t = best;
            best = next;
            next = t;
        }
        int arg = 0;
        for (int c = 1; c <= capacity; c++) {
            if (best[c] < best[arg]) {
                arg = c;
            }
        }
        int[] bits = new int[n];
        int c = arg;
        for (int i = n - 1; i >= 0; i--) {
            int k = choice[i][c];
            bits[i] = Bits.MIN + k;
            c -= (int) (params[i] / g) * k;
        }
        return new Solution(bits, best[arg], "exact-dp");
    }

    static Solution lagrangian(long[] params, double[][] cost, double extraBudget) {
        int n = params.length;
        double lo = 0;
        double hi = 1;
        while (extra(params, pick(params, cost, hi)) > extraBudget && hi < 1e300) {
            hi *= 2;
        }
        if (extra(params, pick(params, cost, 0)) <= extraBudget) {
            hi = 0;
        } else {
            for (int it = 0; it < 200; it++) {
                double mid = 0.5 * (lo + hi);
                if (extra(params, pick(params, cost, mid)) <= extraBudget) {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
        }
        int[] k = pick(params, cost, hi);
        double used = extra(params, k);
        // Spend what is left on the upgrades with the largest cost reduction per extra bit.
        while (true) {
            int bestI = -1;
            int bestK = -1;
            double bestGain = 0;
            for (int i = 0; i < n; i++) {
                for (int kk = k[i] + 1; kk < Bits.COUNT; kk++) {
                    double add = (double) params[i] * (kk - k[i]);
                    if (used + add > extraBudget) {
                        break;
                    }
                    double gain = (cost[i][k[i]] - cost[i][kk]) / add;
                    if (gain > bestGain) {
                        bestGain = gain;
                        bestI = i;
                        bestK = kk;
                    }
                }
            }
            if (bestI < 0) {
                break;
            }
            used += (double) params[bestI] * (bestK - k[bestI]);
            k[bestI] = bestK;
        }
        int[] bits = new int[n];
        double d = 0;
        for (int i = 0; i < n; i++) {
            bits[i] = Bits.MIN + k[i];
            d += cost[i][k[i]];
        }
        return new Solution(bits, d, "lagrangian");
    }

    private static int[] pick(long[] params, double[][] cost, double lambda) {
        int[] k = new int[params.length];
        for (int i = 0; i < params.length; i++) {
            double best = Double.POSITIVE_INFINITY;
            for (int kk = 0; kk < Bits.COUNT; kk++) {
                double v = cost[i][kk] + lambda * params[i] * kk;
                if (v < best) {
                    best = v;
                    k[i] = kk;
                }
            }
        }
        return k;
    }

    private static double extra(long[] params, int[] k) {
        double s = 0;
        for (int i = 0; i < params.length; i++) {
            s += (double) params[i] * k[i];
        }
        return s;
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
