package org.mixquant.sensitivity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.mixquant.data.FashionMnist;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.cnn.CnnNetwork;
import org.mixquant.model.cnn.CnnOps;
import org.mixquant.model.cnn.CnnRunner;
import org.mixquant.model.Djl;
import org.mixquant.tensor.WeightTensor;

/**
 * Classifier distortion: mean over calibration images of KL(p ‖ q) in nats, p = softmax of the FP32 logits, q =
 * softmax of the quantized model's logits (ZeroQ's sensitivity). Log-softmax and the sum are in double.
 *
 * <p>{@link #measureLayer} keeps the FP32 input of every unit ({@link CnnNetwork#units()}) of every batch and runs
 * only from the replaced layer on: from the unit holding it, with the unit's layers in front of it replayed from their
 * FP32 outputs (kept for one unit at a time, {@link Start#LAYER}), so a single-layer pass costs the rest of the
 * network only. Those arrays live until {@link #close()}. Not thread-safe.
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
    private CnnRunner reference;
    private List<NDArray[]> unitInputs;
    private Start start = Start.LAYER;
    /** The unit whose FP32 layer outputs are kept in {@link #keptOutputs} (per batch), or -1. */
    private int keptUnit = -1;
    private NDManager keptManager;
    private List<Map<String, NDArray>> keptOutputs;

    /** Where {@link #measureLayer} starts a single-layer pass. */
    public enum Start {
        /**
         * At the start of the unit holding the layer, from its kept FP32 input (the layers in front of it inside the
         * unit are recomputed): the path before {@link #LAYER}, kept as the benchmark's reference.
         */
        UNIT,
        /**
         * At the layer itself: the unit's layers in front of it (in forward order) return their kept FP32 outputs
         * instead of being recomputed. The default.
         */
        LAYER
    }

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

    /** Chooses where single-layer passes start (default {@link Start#LAYER}); both give the same table. */
    public void start(Start where) {
        this.start = java.util.Objects.requireNonNull(where, "where");
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

    /** The calibration images. */
    public FashionMnist images() {
        return images;
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
        return SoftmaxKl.meanKl(refLogSoftmax, logSoftmax(cnn));
    }

    @Override
    public double measureLayer(QuantizableModel model, String layer, WeightTensor weight) {
        if (model != fp32) {
            return Distortion.super.measureLayer(model, layer, weight);
        }
        Djl.threads(threads);
        CnnNetwork net = fp32.network();
        int unit = -1;
        for (int u = 0; u < net.units().size() && unit < 0; u++) {
            if (net.units().get(u).layers().contains(layer)) {
                unit = u;
            }
        }
        if (unit < 0) {
            throw new IllegalArgumentException("no unit of " + fp32.source() + " holds layer '" + layer + "'");
        }
        cacheUnitInputs();
        List<String> unitLayers = net.units().get(unit).layers();
        List<String> before = start == Start.LAYER ? unitLayers.subList(0, unitLayers.indexOf(layer)) : List.of();
        List<Map<String, NDArray>> kept = before.isEmpty() ? null : keptOutputs(unit);
        double sum = 0;
        int row = 0;
        try (NDManager step = reference.manager().newSubManager()) {
            Map<String, NDArray> p = new HashMap<>(reference.params());
            WeightTensor w = weight.channelAxis() == 0 ? weight : weight.withChannelAxis(0);
            p.put(fp32.layer(layer).tensorName(), CnnRunner.toNd(step, w));
            CnnOps ops = CnnOps.folded(p);
            for (int b = 0; b < unitInputs.size(); b++) {
                NDArray x = unitInputs.get(b)[unit];
                float[] logits;
                try (NDManager batch = step.newSubManager()) {
                    x.tempAttach(batch); // the batch's temporaries die with it; x goes back to the cache
                    CnnOps batchOps = ops;
                    if (kept != null) {
                        Map<String, NDArray> replay = new HashMap<>();
                        for (String name : before) {
                            NDArray y = kept.get(b).get(name);
                            y.tempAttach(batch); // as x: what is computed from it dies with the batch
                            replay.put(name, y);
                        }
                        batchOps = CnnOps.replaying(ops, replay);
                    }
                    logits = net.forwardFrom(batchOps, x, unit).toFloatArray();
                }
                int n = (int) x.getShape().get(0);
                int k = logits.length / n;
                for (int i = 0; i < n; i++, row++) {
                    sum += SoftmaxKl.kl(refLogSoftmax[row], SoftmaxKl.logSoftmaxRow(logits, i * k, k));
                }
            }
        }
        return Math.max(0, sum / row);
    }

    /**
     * The FP32 output of every layer of unit {@code unit} for every batch (one pass of that unit); the previous unit's
     * are released, so layers asked in model order compute each unit's once.
     */
    private List<Map<String, NDArray>> keptOutputs(int unit) {
        if (keptUnit == unit) {
            return keptOutputs;
        }
        releaseKept();
        CnnNetwork.Unit u = fp32.network().units().get(unit);
        NDManager keep = reference.manager().newSubManager();
        List<Map<String, NDArray>> all = new ArrayList<>();
        CnnOps ops = CnnOps.folded(reference.params());
        for (NDArray[] inputs : unitInputs) {
            Map<String, NDArray> outs = new HashMap<>();
            CnnOps recording = CnnOps.recordingOutputs(ops, java.util.Set.copyOf(u.layers()), outs::put);
            NDArray x = inputs[unit];
            try (NDManager batch = reference.manager().newSubManager()) {
                x.tempAttach(batch);
                u.forward().apply(recording, u.input(x));
                outs.values().forEach(y -> y.attach(keep)); // kept; the unit's other temporaries die with the batch
            }
            all.add(outs);
        }
        keptManager = keep;
        keptOutputs = all;
        keptUnit = unit;
        return all;
    }

    private void releaseKept() {
        if (keptManager != null) {
            keptManager.close();
        }
        keptManager = null;
        keptOutputs = null;
        keptUnit = -1;
    }

    /** The FP32 input of every unit for every batch (unit 0: the images), computed once. */
    private void cacheUnitInputs() {
        if (unitInputs != null) {
            return;
        }
        reference = fp32.open();
        CnnNetwork net = fp32.network();
        CnnOps ops = CnnOps.folded(reference.params());
        List<NDArray[]> all = new ArrayList<>();
        int n = images.size();
        for (int from = 0; from < n; from += BATCH) {
            int to = Math.min(n, from + BATCH);
            float[] buf = new float[(to - from) * FashionMnist.PIXELS];
            images.normalizedInto(from, to, buf, 0);
            NDArray[] in = new NDArray[net.units().size()];
            try (NDManager step = reference.manager().newSubManager()) {
                NDArray h = step.create(buf, new Shape(to - from, 1, FashionMnist.SIDE, FashionMnist.SIDE));
                for (int u = 0; u < in.length; u++) {
                    in[u] = h;
                    CnnNetwork.Unit unit = net.units().get(u);
                    if (u + 1 < in.length) {
                        h = unit.forward().apply(ops, unit.input(h));
                    }
                }
                for (NDArray a : in) {
                    a.attach(reference.manager()); // kept; every other temporary dies with step
                }
            }
            all.add(in);
        }
        unitInputs = all;
    }

    @Override
    public void close() {
        releaseKept();
        if (reference != null) {
            reference.close();
            reference = null;
            unitInputs = null;
        }
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
                    out[i] = SoftmaxKl.logSoftmaxRow(logits, (i - from) * k, k);
                }
            }
        }
        return out;
    }
}
