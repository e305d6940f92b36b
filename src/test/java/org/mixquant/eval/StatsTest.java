package org.mixquant.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class StatsTest {
    /** Closed forms in double; the tolerance only covers the last bits of a sqrt. */
    static final double TOL = 1e-12;

    /**
     * Ties take the average rank: a = [1, 1, 2, 3] ranks [1.5, 1.5, 3, 4] against [1, 2, 3, 4], rho = 4.5 / √22.5
     * (scipy.stats.spearmanr: 0.9486832980505138). Consecutive ranks for ties would give exactly 1.
     */
    @Test
    void tiesGetAverageRanks() {
        assertEquals(4.5 / Math.sqrt(22.5), Stats.spearman(new double[] {1, 1, 2, 3}, new double[] {1, 2, 3, 4}),
                TOL);
    }

    /** Exact: the middle value, or the mean of the two middle ones; the input keeps its order. */
    @Test
    void medianOfOddAndEvenCounts() {
        double[] v = {5, 1, 3};
        assertEquals(3.0, Stats.median(v), 0.0);
        assertEquals(5.0, v[0], 0.0, "the input is not sorted in place");
        assertEquals(2.5, Stats.median(new double[] {4, 1, 3, 2}), 0.0);
        assertEquals(Double.NaN, Stats.median(new double[0]));
    }

    @Test
    void monotoneAndReversedOrders() {
        double[] x = {0.1, 5, 2, 30};
        assertEquals(1.0, Stats.spearman(x, new double[] {1, 3, 2, 4}), TOL);
        assertEquals(-1.0, Stats.spearman(x, new double[] {4, 2, 3, 1}), TOL);
    }

    @Test
    void unequalLengthsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Stats.spearman(new double[] {1, 2}, new double[] {1}));
    }
}
