package org.mixquant.eval;

/**
 * Top-1 accuracy of a classifier on a labelled image set.
 *
 * @param correct  images whose highest logit is the true class (ties go to the lower class index)
 * @param total    images evaluated
 * @param seconds  wall time of the evaluation
 * @param dataset  which images, e.g. {@code test} or {@code test[0:1000]}
 * @param top5Correct images whose true class is among the 5 highest logits (ties to the lower class index); -1 when
 *                    not measured
 */
public record Accuracy(int correct, int total, double seconds, String dataset, int top5Correct) {
    /** Top-1 only (top-5 not measured). */
    public Accuracy(int correct, int total, double seconds, String dataset) {
        this(correct, total, seconds, dataset, -1);
    }

    /** Top-5 as a fraction 0..1; NaN when not measured or no images. */
    public double top5() {
        return total == 0 || top5Correct < 0 ? Double.NaN : (double) top5Correct / total;
    }

    /** Top-1 as a fraction 0..1. */
    public double top1() {
        return total == 0 ? Double.NaN : (double) correct / total;
    }

    /** Top-1 in percent. */
    public double top1Percent() {
        return 100 * top1();
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "top-1 %.2f%% (%d/%d on %s, %.1f s)", top1Percent(), correct,
                total, dataset, seconds);
    }
}
