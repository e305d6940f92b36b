package org.mixquant.sensitivity;

import java.io.IOException;
import org.mixquant.data.FashionMnist;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.cnn.CnnRunner;
import org.mixquant.model.cnn.Djl;

/**
 * Classifier distortion: mean over calibration images of KL(p ‖ q) in nats, p = softmax of the FP32 logits, q =
 * softmax of the quantized model's logits (ZeroQ's sensitivity). Log-softmax and the sum are in double.
 */
public final class ClassifierKl implements Distortion {
    /** Calibration images for the measured cost (drawn from the training split). */
    public static final int DEFAULT_IMAGES = 512;
    /** Images per inference batch. */
    static final int BATCH = 256;

    private final CnnModel fp32;
    private final FashionMnist images;
    private final int threads;
    private final double[][] refLogSoftmax;
    private final String hash;

    private ClassifierKl(CnnModel fp32, FashionMnist images, int threads) {
        this.fp32 = fp32;
        this.images = images;
        this.threads = threads;
        this.hash = ModelHash.of(fp32);
        this.refLogSoftmax = logSoftmax(fp32);
    }

    /**
     * KL against {@code fp32} (unmodified) on {@code images}.
     *
     * @param threads libtorch intra-op threads (a process-wide setting), ≥ 1
     */
    public static ClassifierKl create(CnnModel fp32, FashionMnist images, int threads) {
        if (fp32.isModified()) {
            throw new IllegalArgumentException("the reference must be the unmodified FP32 model");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
        }
        return new ClassifierKl(fp32, images, threads);
    }

    /**
     * KL on {@code n} Fashion-MNIST training images drawn with {@code seed} ({@link FashionMnist#calibration}),
     * disjoint from the test images that accuracy is measured on.
     */
    public static ClassifierKl fashionMnist(CnnModel fp32, int n, long seed, int threads) throws IOException {
        return create(fp32, FashionMnist.calibration(n, seed), threads);
    }

    @Override
    public String metric() {
        return "mean KL(FP32 softmax || quantized softmax), nats";
    }

    @Override
    public String calibration() {
        return images.name();
    }

    @Override
    public int samples() {
        return images.size();
    }

    @Override
    public String modelHash() {
        return hash;
    }

    @Override
    public double measure(QuantizableModel model) {
        if (!(model instanceof CnnModel cnn) || cnn.arch() != fp32.arch()) {
            throw new IllegalArgumentException("KL distortion of " + fp32.source() + " needs a version of that CNN,"
                    + " got " + model.source());
        }
        double[][] q = logSoftmax(cnn);
        double sum = 0;
        for (int i = 0; i < q.length; i++) {
            double[] p = refLogSoftmax[i];
            for (int c = 0; c < p.length; c++) {
                sum += Math.exp(p[c]) * (p[c] - q[i][c]);
            }
        }
        return Math.max(0, sum / q.length);
    }

    /** Log-softmax of the logits of {@code m} on every calibration image, {@code [n][classes]} in double. */
    private double[][] logSoftmax(CnnModel m) {
        Djl.threads(threads);
        int n = images.size();
        double[][] out = new double[n][];
        float[] buf = new float[Math.min(BATCH, n) * FashionMnist.PIXELS];
        try (CnnRunner r = m.open()) {
            for (int from = 0; from < n; from += BATCH) {
                int to = Math.min(n, from + BATCH);
                images.normalizedInto(from, to, buf, 0);
                float[] x = to - from == BATCH ? buf : java.util.Arrays.copyOf(buf, (to - from) * FashionMnist.PIXELS);
                float[] logits = r.logits(x, to - from);
                int k = logits.length / (to - from);
                for (int i = from; i < to; i++) {
                    out[i] = logSoftmaxRow(logits, (i - from) * k, k);
                }
            }
        }
        return out;
    }

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
}
