package org.mixquant.model.cnn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import java.util.HashMap;
import java.util.Map;
import org.mixquant.tensor.WeightTensor;
import org.mixquant.model.Djl;

/**
 * Runs a {@link CnnNetwork} in inference mode on DJL's PyTorch engine, with either BN-folded weights (convolution
 * with bias) or the BatchNorm form (convolution, then BatchNorm with running statistics). Owns an {@link NDManager}
 * holding the weights; close it when done. Not thread-safe: use one runner per thread.
 */
public final class CnnRunner implements AutoCloseable {
    private final CnnNetwork net;
    private final NDManager manager;
    private final Map<String, NDArray> params;
    private final CnnOps ops;
    private final boolean folded;

    private CnnRunner(CnnNetwork net, CnnWeights weights, boolean folded) {
        this.net = net;
        this.folded = folded;
        this.manager = Djl.engine().newBaseManager();
        this.params = new HashMap<>();
        for (Map.Entry<String, WeightTensor> e : weights.tensors().entrySet()) {
            params.put(e.getKey(), toNd(manager, e.getValue()));
        }
        this.ops = folded ? new FoldedOps(params) : new BnOps(params, false);
    }

    /** A runner for folded weights ({@code name.weight}, {@code name.bias} per convolution, plus the classifier). */
    public static CnnRunner folded(CnnNetwork net, CnnWeights folded) {
        return new CnnRunner(net, folded, true);
    }

    /** A runner for the BatchNorm form (as trained and stored). */
    public static CnnRunner unfolded(CnnNetwork net, CnnWeights weights) {
        return new CnnRunner(net, weights, false);
    }

    /** True when the weights are BN-folded. */
    public boolean isFolded() {
        return folded;
    }

    /** The manager that owns the weights; make per-batch sub-managers from it. */
    public NDManager manager() {
        return manager;
    }

    /** The network wiring. */
    public CnnNetwork network() {
        return net;
    }

    /** How this runner computes its layers (folded or BatchNorm form), for running single units. */
    public CnnOps ops() {
        return ops;
    }

    /**
     * The weights as arrays of {@link #manager()}, by tensor name ({@code name.weight}, {@code name.bias}, ...);
     * unmodifiable, and the arrays must not be changed.
     */
    public Map<String, NDArray> params() {
        return java.util.Collections.unmodifiableMap(params);
    }

    /** Logits {@code [n, 10]} for normalized images {@code [n, 1, 28, 28]} (no gradient is recorded). */
    public NDArray logits(NDArray images) {
        return net.forward(ops, images);
    }

    /**
     * Logits for {@code n} normalized images given as {@code n·784} floats, as a row-major {@code n × 10} array.
     */
    public float[] logits(float[] images, int n) {
        try (NDManager step = manager.newSubManager()) {
            NDArray x = step.create(images, new Shape(n, 1, 28, 28));
            return logits(x).toFloatArray();
        }
    }

    @Override
    public void close() {
        manager.close();
    }

    /** A float32 NDArray of {@code m} with the values and shape of {@code t}. */
    public static NDArray toNd(NDManager m, WeightTensor t) {
        int[] s = t.shape();
        long[] dims = new long[s.length];
        for (int i = 0; i < s.length; i++) {
            dims[i] = s[i];
        }
        return m.create(t.unsafeData(), new Shape(dims));
    }

    /** Convolution then BatchNorm ({@code training}: batch statistics and running-statistics update). */
    static final class BnOps implements CnnOps {
        /** DJL's BatchNorm momentum 0.9 is PyTorch's 0.1 (DJL passes 1 − momentum to libtorch). */
        static final float DJL_MOMENTUM = 0.9f;
        private final Map<String, NDArray> p;
        private final boolean training;

        BnOps(Map<String, NDArray> p, boolean training) {
            this.p = p;
            this.training = training;
        }

        @Override
        public NDArray conv(ConvSpec c, NDArray x) {
            NDArray y = Conv2d.conv2d(x, p.get(c.weightName()), null, new Shape(c.stride(), c.stride()),
                    new Shape(c.padding(), c.padding()), new Shape(1, 1), c.groups()).singletonOrThrow();
            NDList o = BatchNorm.batchNorm(y, p.get(c.bn() + ".running_mean"), p.get(c.bn() + ".running_var"),
                    p.get(c.bn() + ".weight"), p.get(c.bn() + ".bias"), 1, DJL_MOMENTUM, CnnNetwork.BN_EPS, training);
            return o.singletonOrThrow();
        }

        @Override
        public NDArray fc(NDArray x) {
            return Linear.linear(x, p.get(CnnNetwork.FC + ".weight"), p.get(CnnNetwork.FC + ".bias"))
                    .singletonOrThrow();
        }
    }

    /** Folded convolution with bias. */
    static final class FoldedOps implements CnnOps {
        private final Map<String, NDArray> p;

        FoldedOps(Map<String, NDArray> p) {
            this.p = p;
        }

        @Override
        public NDArray conv(ConvSpec c, NDArray x) {
            return Conv2d.conv2d(x, p.get(c.weightName()), p.get(c.biasName()), new Shape(c.stride(), c.stride()),
                    new Shape(c.padding(), c.padding()), new Shape(1, 1), c.groups()).singletonOrThrow();
        }

        @Override
        public NDArray fc(NDArray x) {
            return Linear.linear(x, p.get(CnnNetwork.FC + ".weight"), p.get(CnnNetwork.FC + ".bias"))
                    .singletonOrThrow();
        }
    }
}
