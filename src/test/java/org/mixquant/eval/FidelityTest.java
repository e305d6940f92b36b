package org.mixquant.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class FidelityTest {
    /** Cosines of unit vectors summed in double. */
    static final double TOL = 1e-9;

    static float[][] unitRows(int n, int d, long seed) {
        Random r = new Random(seed);
        float[][] m = new float[n][d];
        for (float[] row : m) {
            double norm = 0;
            for (int j = 0; j < d; j++) {
                row[j] = (float) r.nextGaussian();
                norm += row[j] * row[j];
            }
            for (int j = 0; j < d; j++) {
                row[j] /= (float) Math.sqrt(norm);
            }
        }
        return m;
    }

    @Test
    void identicalEmbeddingsArePerfect() {
        float[][] e = unitRows(40, 16, 1);
        Fidelity f = Fidelity.compare(e, e);
        assertEquals(1.0, f.meanCosine(), 1e-6);
        assertEquals(1.0, f.minCosine(), 1e-6);
        assertEquals(1.0, f.top10Overlap(), 0.0);
    }

    @Test
    void unrelatedEmbeddingsScoreLow() {
        Fidelity f = Fidelity.compare(unitRows(200, 64, 1), unitRows(200, 64, 2));
        assertTrue(Math.abs(f.meanCosine()) < 0.05, "random 64-d unit vectors are nearly orthogonal");
        // Chance overlap of two random 10-neighbour sets among 199 candidates is 10/199 ≈ 0.05.
        assertTrue(f.top10Overlap() < 0.12, "overlap " + f.top10Overlap());
    }

    @Test
    void knownCosineAndNeighbours() {
        // Rows 0..11 on a circle in 2-D; the "quantized" copy flips row 0 to its opposite.
        int n = 12;
        float[][] a = new float[n][2];
        for (int i = 0; i < n; i++) {
            a[i][0] = (float) Math.cos(2 * Math.PI * i / n);
            a[i][1] = (float) Math.sin(2 * Math.PI * i / n);
        }
        float[][] b = new float[n][];
        for (int i = 0; i < n; i++) {
            b[i] = a[i].clone();
        }
        b[0] = new float[] {-a[0][0], -a[0][1]};
        Fidelity f = Fidelity.compare(a, b);
        assertEquals(-1.0, f.minCosine(), TOL);
        assertEquals((n - 1 - 1) / (double) n, f.meanCosine(), 1e-6);
    }

    @Test
    void rejectsMismatchedOrTinyInputs() {
        assertThrows(IllegalArgumentException.class, () -> Fidelity.compare(unitRows(20, 4, 1), unitRows(21, 4, 1)));
        assertThrows(IllegalArgumentException.class, () -> Fidelity.compare(unitRows(10, 4, 1), unitRows(10, 4, 1)));
        assertThrows(IllegalArgumentException.class, () -> Fidelity.compare(unitRows(20, 4, 1), unitRows(20, 5, 1)));
    }
}
