package org.mixquant.sensitivity;

/**
 * The one KL-of-softmax computation the classifier distortions share ({@link ClassifierKl} on the DJL CNNs,
 * {@link OnnxClassifierKl} on ONNX image classifiers): log-softmax of a logits row and KL(p ‖ q) = Σ_c p_c·(log p_c −
 * log q_c) in nats, p the FP32 softmax. Everything in double.
 */
final class SoftmaxKl {
    private SoftmaxKl() {
    }

    /** Log-softmax of {@code z[off..off+k)} in double (max-shifted log-sum-exp). */
    static double[] logSoftmaxRow(float[] z, int off, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            max = Math.max(max, z[off + c]);
        }
        double s = 0;
        for (int c = 0; c < k; c++) {
            s += Math.exp(z[off + c] - max);
        }
        double lse = max + Math.log(s);
        double[] r = new double[k];
        for (int c = 0; c < k; c++) {
            r[c] = z[off + c] - lse;
        }
        return r;
    }

    /** Log-softmax of every row of {@code logits}, {@code [rows][classes]}. */
    static double[][] logSoftmax(float[][] logits) {
        double[][] out = new double[logits.length][];
        for (int i = 0; i < logits.length; i++) {
            out[i] = logSoftmaxRow(logits[i], 0, logits[i].length);
        }
        return out;
    }

    /** KL(p ‖ q) of one row, from the log-probabilities {@code logP} (reference) and {@code logQ}. */
    static double kl(double[] logP, double[] logQ) {
        double sum = 0;
        for (int c = 0; c < logP.length; c++) {
            sum += Math.exp(logP[c]) * (logP[c] - logQ[c]);
        }
        return sum;
    }

    /** Mean over rows of {@link #kl}, clamped at 0 (rounding can make a near-zero sum negative). */
    static double meanKl(double[][] logP, double[][] logQ) {
        double sum = 0;
        for (int i = 0; i < logQ.length; i++) {
            sum += kl(logP[i], logQ[i]);
        }
        return Math.max(0, sum / logQ.length);
    }
}
