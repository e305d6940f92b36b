package org.mixquant.tensor;

/**
 * Allocation-free per-channel reductions over a row-major array viewed as {@code [outer, channels, inner]}.
 * Every method writes into arrays the caller owns; its javadoc names which ones are modified.
 */
public final class ChannelOps {
    private ChannelOps() {
    }

    /**
     * Per-channel minimum and maximum of {@code x}. {@code min} and {@code max} (length ≥ channels) are modified.
     */
    public static void minMax(float[] x, int outer, int channels, int inner, float[] min, float[] max) {
        for (int c = 0; c < channels; c++) {
            min[c] = Float.POSITIVE_INFINITY;
            max[c] = Float.NEGATIVE_INFINITY;
        }
        if (inner == 1) {
            for (int o = 0; o < outer; o++) {
                int base = o * channels;
                for (int c = 0; c < channels; c++) {
                    float v = x[base + c];
                    min[c] = Math.min(min[c], v);
                    max[c] = Math.max(max[c], v);
                }
            }
            return;
        }
        for (int o = 0; o < outer; o++) {
            for (int c = 0; c < channels; c++) {
                int base = (o * channels + c) * inner;
                float lo = min[c];
                float hi = max[c];
                for (int i = 0; i < inner; i++) {
                    float v = x[base + i];
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
                min[c] = lo;
                max[c] = hi;
            }
        }
    }

    /**
     * Per-channel maximum absolute value of {@code x}. {@code maxAbs} (length ≥ channels) is modified.
     */
    public static void maxAbs(float[] x, int outer, int channels, int inner, float[] maxAbs) {
        for (int c = 0; c < channels; c++) {
            maxAbs[c] = 0f;
        }
        for (int o = 0; o < outer; o++) {
            for (int c = 0; c < channels; c++) {
                int base = (o * channels + c) * inner;
                float m = maxAbs[c];
                for (int i = 0; i < inner; i++) {
                    m = Math.max(m, Math.abs(x[base + i]));
                }
                maxAbs[c] = m;
            }
        }
    }

    /** Σ x² in double over the whole array. */
    public static double sumSquares(float[] x) {
        double s = 0;
        for (float v : x) {
            s += (double) v * v;
        }
        return s;
    }
}
