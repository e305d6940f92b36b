package org.mixquant.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.mixquant.data.FashionMnist;
import org.mixquant.model.cnn.CnnNetwork;
import org.mixquant.model.cnn.CnnOps;
import org.mixquant.model.cnn.CnnRunner;
import org.mixquant.model.cnn.CnnWeights;
import org.mixquant.model.cnn.ConvSpec;
import org.mixquant.model.Djl;
import org.mixquant.tensor.WeightTensor;
import org.mixquant.model.cnn.ImageBatches;

/**
 * Trains a {@link CnnNetwork} on Fashion-MNIST with DJL's PyTorch engine and autograd, following a
 * {@link TrainConfig}. The result is the BatchNorm form of the weights, ready for {@link CnnWeights#write} and
 * {@link org.mixquant.model.cnn.CnnModel#of}.
 *
 * <p>It lives in {@code methods} because it needs both the data ({@code data.FashionMnist}) and the network
 * ({@code model.cnn}), and {@code model} may depend only on {@code tensor}; like the reconstruction methods it is a
 * loop over DJL autograd. Bit-identical results are expected only on the same machine with the same thread count.
 */
public final class CnnTrainer {
    private CnnTrainer() {
    }

    /**
     * The outcome of training.
     *
     * @param weights        the trained weights (BatchNorm form)
     * @param testAccuracy   top-1 of the final weights on {@code test} (BN-folded inference), 0..1
     * @param seconds        wall time of the training loop (without the per-epoch test evaluations)
     * @param epochSeconds   wall time of each epoch's training
     * @param epochLoss      mean training loss of each epoch
     * @param epochAccuracy  test top-1 after each epoch
     */
    public record Result(CnnWeights weights, double testAccuracy, double seconds, List<Double> epochSeconds,
            List<Double> epochLoss, List<Double> epochAccuracy) {
    }

    /**
     * Trains from a fresh initialisation.
     *
     * @param train training images
     * @param test  images for the per-epoch accuracy shown in the log
     * @param log   receives one line per epoch (and a few more)
     */
    public static Result train(TrainConfig cfg, FashionMnist train, FashionMnist test, Consumer<String> log) {
        CnnNetwork net = cfg.arch().network();
        Djl.threads(cfg.threads());
        Engine engine = Djl.engine();
        CnnWeights init = CnnWeights.init(net, cfg.seed());
        List<Double> epochSecs = new ArrayList<>();
        List<Double> epochLoss = new ArrayList<>();
        List<Double> epochAcc = new ArrayList<>();
        try (NDManager root = engine.newBaseManager()) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            for (Map.Entry<String, WeightTensor> e : init.tensors().entrySet()) {
                params.put(e.getKey(), CnnRunner.toNd(root, e.getValue()));
            }
            List<String> trainable = new ArrayList<>();
            for (String name : params.keySet()) {
                if (!name.endsWith(".running_mean") && !name.endsWith(".running_var")) {
                    trainable.add(name);
                    params.get(name).setRequiresGradient(true);
                }
            }
            Map<String, NDArray> momentum = new LinkedHashMap<>();
            for (String name : trainable) {
                momentum.put(name, root.zeros(params.get(name).getShape()));
            }
            CnnOps ops = CnnOps.batchNorm(params, true);
            int n = cfg.trainLimit() > 0 ? Math.min(cfg.trainLimit(), train.size()) : train.size();
            int[] subset = FashionMnist.permutation(train.size(), cfg.seed());
            int steps = n / cfg.batchSize();
            if (steps < 1) {
                throw new IllegalArgumentException("fewer training images (" + n + ") than one batch");
            }
            long totalSteps = (long) steps * cfg.epochs();
            long step = 0;
            double trainSecs = 0;
            float[] x = new float[cfg.batchSize() * FashionMnist.PIXELS];
            int[] y = new int[cfg.batchSize()];
            for (int epoch = 0; epoch < cfg.epochs(); epoch++) {
                long t0 = System.nanoTime();
                Random rnd = new Random(cfg.seed() * 1_000_003L + epoch);
                int[] order = shuffle(subset, n, rnd);
                double lossSum = 0;
                for (int s = 0; s < steps; s++) {
                    for (int k = 0; k < cfg.batchSize(); k++) {
                        int img = order[s * cfg.batchSize() + k];
                        augment(train, img, cfg.pad(), cfg.flip(), rnd, x, k * FashionMnist.PIXELS);
                        y[k] = train.label(img);
                    }
                    double lr = 0.5 * cfg.lr() * (1 + Math.cos(Math.PI * step / totalSteps));
                    try (NDManager sm = root.newSubManager()) {
                        NDArray xb = sm.create(x, new Shape(cfg.batchSize(), 1, FashionMnist.SIDE,
                                FashionMnist.SIDE));
                        NDArray yb = sm.create(y);
                        NDArray loss;
                        try (GradientCollector gc = engine.newGradientCollector()) {
                            NDArray logits = net.forward(ops, xb);
                            loss = crossEntropy(logits, yb);
                            gc.backward(loss);
                        }
                        lossSum += loss.getFloat();
                        for (String name : trainable) {
                            NDArray p = params.get(name);
                            NDArray g = p.getGradient();
                            g.attach(sm);
                            boolean decay = name.endsWith(".weight") && !isBn(net, name);
                            if (decay && cfg.weightDecay() > 0) {
                                g.addi(tmp(sm, p.mul(cfg.weightDecay())));
                            }
                            NDArray buf = momentum.get(name);
                            buf.muli(cfg.momentum()).addi(g);
                            if (cfg.nesterov()) {
                                g.addi(tmp(sm, buf.mul(cfg.momentum())));
                                p.subi(g.muli(lr));
                            } else {
                                p.subi(tmp(sm, buf.mul(lr)));
                            }
                            g.muli(0);
                        }
                    }
                    step++;
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                trainSecs += secs;
                epochSecs.add(secs);
                epochLoss.add(lossSum / steps);
                CnnWeights now = snapshot(params);
                double acc = accuracy(net, now, test);
                epochAcc.add(acc);
                log.accept(String.format(java.util.Locale.ROOT,
                        "%s epoch %d/%d: loss %.4f, test top-1 %.2f%%, %.0f s", cfg.arch().cliName(), epoch + 1,
                        cfg.epochs(), lossSum / steps, 100 * acc, secs));
            }
            CnnWeights result = snapshot(params);
            return new Result(result, epochAcc.get(epochAcc.size() - 1), trainSecs, epochSecs, epochLoss, epochAcc);
        }
    }

    private static boolean isBn(CnnNetwork net, String name) {
        for (ConvSpec c : net.convs()) {
            if (name.startsWith(c.bn() + ".")) {
                return true;
            }
        }
        return false;
    }

    private static NDArray tmp(NDManager m, NDArray a) {
        a.attach(m);
        return a;
    }

    /** Mean softmax cross-entropy of {@code logits [n, 10]} against int labels {@code [n]}. */
    static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray logp = logits.logSoftmax(1);
        NDArray oneHot = labels.oneHot(CnnNetwork.CLASSES);
        return logp.mul(oneHot).sum(new int[] {1}).neg().mean();
    }

    private static int[] shuffle(int[] subset, int n, Random rnd) {
        int[] order = java.util.Arrays.copyOf(subset, n);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /**
     * Writes image {@code img} normalized and augmented into {@code out} at {@code offset}: shifted by
     * {@code (dy, dx)} uniform in {@code [-pad, pad]} with zero (black) fill, then mirrored left–right with
     * probability 1/2.
     */
    static void augment(FashionMnist data, int img, int pad, boolean flip, Random rnd, float[] out, int offset) {
        int dy = pad > 0 ? rnd.nextInt(2 * pad + 1) - pad : 0;
        int dx = pad > 0 ? rnd.nextInt(2 * pad + 1) - pad : 0;
        boolean mirror = flip && rnd.nextBoolean();
        float zero = FashionMnist.normalize(0);
        int side = FashionMnist.SIDE;
        for (int r = 0; r < side; r++) {
            int sr = r + dy;
            for (int c = 0; c < side; c++) {
                int cc = mirror ? side - 1 - c : c;
                int sc = cc + dx;
                out[offset + r * side + c] = sr < 0 || sr >= side || sc < 0 || sc >= side ? zero
                        : FashionMnist.normalize(data.pixel(img, sr * side + sc));
            }
        }
    }

    private static CnnWeights snapshot(Map<String, NDArray> params) {
        Map<String, WeightTensor> m = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            long[] s = e.getValue().getShape().getShape();
            int[] shape = new int[s.length];
            for (int i = 0; i < s.length; i++) {
                shape[i] = (int) s[i];
            }
            m.put(e.getKey(), WeightTensor.wrap(e.getValue().toFloatArray(), shape, 0));
        }
        return CnnWeights.of(m);
    }

    /** Top-1 of the BatchNorm form on {@code data} (inference mode, batches of 500). */
    static double accuracy(CnnNetwork net, CnnWeights weights, FashionMnist data) {
        int correct = 0;
        try (CnnRunner r = CnnRunner.unfolded(net, weights)) {
            for (ImageBatches.Batch b : ImageBatches.batches(data, r.manager(), 500)) {
                try (b) {
                    NDArray pred = r.logits(b.images()).argMax(1).toType(ai.djl.ndarray.types.DataType.INT32, false);
                    correct += (int) pred.eq(b.labels()).sum().toType(ai.djl.ndarray.types.DataType.INT64, false)
                            .getLong();
                }
            }
        }
        return (double) correct / data.size();
    }
}
