package org.mixquant.eval;

/**
 * Embedding fidelity of a quantized model against the FP32 model on the same texts. Rows are unit-length vectors,
 * so cosine similarity is a dot product (summed in double).
 *
 * @param meanCosine   mean over texts of cos(e_fp32, e_quant)
 * @param minCosine    minimum of the same
 * @param top10Overlap mean over texts of |NN10_fp32 ∩ NN10_quant| / 10, neighbours by cosine excluding the text
 *                     itself
 */
public record Fidelity(double meanCosine, double minCosine, double top10Overlap) {
    /** Neighbours compared per text. */
    public static final int K = 10;

    /**
     * Compares two embedding matrices of the same texts.
     *
     * @throws IllegalArgumentException if the shapes differ or there are not more than {@link #K} texts
     */
    public static Fidelity compare(float[][] reference, float[][] other) {
        int n = reference.length;
        if (other.length != n) {
            throw new IllegalArgumentException("embedding counts differ: " + n + " vs " + other.length);
        }
        if (n <= K) {
            throw new IllegalArgumentException("need more than " + K + " texts for neighbour overlap, got " + n);
        }
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            if (reference[i].length != other[i].length) {
                throw new IllegalArgumentException("embedding " + i + " has dimension " + other[i].length
                        + ", expected " + reference[i].length);
            }
            double c = dot(reference[i], other[i]);
            sum += c;
            min = Math.min(min, c);
        }
        int[][] nnRef = neighbours(reference);
        int[][] nnOther = neighbours(other);
        double overlap = 0;
        for (int i = 0; i < n; i++) {
            int hits = 0;
            for (int a : nnRef[i]) {
                for (int b : nnOther[i]) {
                    if (a == b) {
                        hits++;
                        break;
                    }
                }
            }
            overlap += hits / (double) K;
        }
        return new Fidelity(sum / n, min, overlap / n);
    }

    /** The identity comparison (FP32 against itself). */
    public static Fidelity perfect() {
        return new Fidelity(1, 1, 1);
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int d = 0; d < a.length; d++) {
            s += (double) a[d] * b[d];
        }
        return s;
    }

    /** Indices of each row's {@link #K} most similar other rows (ties broken by lower index). */
    static int[][] neighbours(float[][] e) {
        int n = e.length;
        double[][] sim = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double s = dot(e[i], e[j]);
                sim[i][j] = s;
                sim[j][i] = s;
            }
        }
        int[][] out = new int[n][K];
        for (int i = 0; i < n; i++) {
            int[] best = out[i];
            double[] bestSim = new double[K];
            java.util.Arrays.fill(bestSim, Double.NEGATIVE_INFINITY);
            java.util.Arrays.fill(best, -1);
            for (int j = 0; j < n; j++) {
                if (j == i) {
                    continue;
                }
                double s = sim[i][j];
                if (s > bestSim[K - 1]) {
                    int p = K - 1;
                    while (p > 0 && s > bestSim[p - 1]) {
                        bestSim[p] = bestSim[p - 1];
                        best[p] = best[p - 1];
                        p--;
                    }
                    bestSim[p] = s;
                    best[p] = j;
                }
            }
        }
        return out;
    }
}
