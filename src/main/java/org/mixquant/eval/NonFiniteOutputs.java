package org.mixquant.eval;

/**
 * The one check that a model's outputs (sentence embeddings, logits) are finite before any metric is made from
 * them: a NaN or infinity there turns cosine and overlap into NaN or nonsense (a NaN embedding has no neighbours, so
 * its top-10 overlap counted as perfect), which must never be printed as a result.
 */
final class NonFiniteOutputs {
    private NonFiniteOutputs() {
    }

    /** Rows of {@code m} holding at least one NaN or infinite value. */
    static int rows(float[][] m) {
        int bad = 0;
        for (float[] row : m) {
            for (float v : row) {
                if (!Float.isFinite(v)) {
                    bad++;
                    break;
                }
            }
        }
        return bad;
    }

    /**
     * Throws when the FP32 model gave {@code bad > 0} non-finite outputs: its weights are not the quantizer's doing,
     * so the message points at the weights that stay FP32.
     *
     * @param unit what one output belongs to, plural: {@code texts}, {@code images}
     */
    static void requireFp32(String model, int bad, int total, String unit) {
        if (bad > 0) {
            throw new IllegalStateException(String.format(java.util.Locale.ROOT, "the FP32 model's outputs contain"
                    + " NaN or infinite values for %d of %d %s (%s): check the model's non-quantized weights"
                    + " (embeddings, biases, normalisation)", bad, total, unit, model));
        }
    }

    /** Throws when the quantized model {@code what} gave {@code bad > 0} non-finite outputs (FP32 did not). */
    static void requireQuantized(String what, int bad, int total, String unit) {
        if (bad > 0) {
            throw new IllegalStateException(String.format(java.util.Locale.ROOT, "the quantized model (%s) gives NaN"
                    + " or infinite outputs for %d of %d %s, where the FP32 model's are finite", what, bad, total,
                    unit));
        }
    }
}
