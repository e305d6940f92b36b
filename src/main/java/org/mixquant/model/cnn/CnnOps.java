package org.mixquant.model.cnn;

import ai.djl.ndarray.NDArray;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * How a {@link CnnNetwork} computes its weighted operations; the network supplies only the wiring (activations,
 * residual additions, pooling). Implementations: BatchNorm in training mode, BatchNorm with running statistics, and
 * BN-folded convolutions with a bias.
 */
public interface CnnOps {
    /** Convolution {@code c} followed by its normalization (no activation). */
    NDArray conv(ConvSpec c, NDArray x);

    /** The classifier {@code head.fc}: {@code x [n, in] → [n, classes]}. */
    NDArray fc(NDArray x);

    /**
     * Convolution then BatchNorm over named parameters in the BatchNorm form ({@link CnnWeights} names). With
     * {@code training}, BatchNorm uses the batch statistics and updates {@code running_mean}/{@code running_var} in
     * place with PyTorch's momentum 0.1; otherwise it uses the running statistics.
     */
    static CnnOps batchNorm(Map<String, NDArray> params, boolean training) {
        return new CnnRunner.BnOps(params, training);
    }

    /** BN-folded convolutions with bias over named parameters ({@code name.weight}, {@code name.bias}). */
    static CnnOps folded(Map<String, NDArray> params) {
        return new CnnRunner.FoldedOps(params);
    }

    /**
     * {@code inner}, except that the convolutions (or the classifier) named in {@code outputs} return that array
     * instead of being computed: a unit can be re-run from inside, its layers in front of a changed one replayed from
     * an earlier run's outputs ({@link #recordingOutputs}). The arrays are returned as they are (their manager is the
     * caller's business).
     */
    static CnnOps replaying(CnnOps inner, Map<String, NDArray> outputs) {
        return new CnnOps() {
            @Override
            public NDArray conv(ConvSpec c, NDArray x) {
                NDArray y = outputs.get(c.name());
                return y != null ? y : inner.conv(c, x);
            }

            @Override
            public NDArray fc(NDArray x) {
                NDArray y = outputs.get(CnnNetwork.FC);
                return y != null ? y : inner.fc(x);
            }
        };
    }

    /**
     * {@code inner}, telling {@code sink} the output of every convolution (or the classifier) named in {@code layers}
     * after computing it (normalization included, no activation); the array belongs to the caller's manager.
     */
    static CnnOps recordingOutputs(CnnOps inner, Set<String> layers, BiConsumer<String, NDArray> sink) {
        return new CnnOps() {
            @Override
            public NDArray conv(ConvSpec c, NDArray x) {
                NDArray y = inner.conv(c, x);
                if (layers.contains(c.name())) {
                    sink.accept(c.name(), y);
                }
                return y;
            }

            @Override
            public NDArray fc(NDArray x) {
                NDArray y = inner.fc(x);
                if (layers.contains(CnnNetwork.FC)) {
                    sink.accept(CnnNetwork.FC, y);
                }
                return y;
            }
        };
    }

    /**
     * {@code inner}, telling {@code sink} the input of every convolution (or the classifier) named in {@code layers}
     * before computing it; the input array is passed as is (it belongs to the caller's manager).
     */
    static CnnOps recording(CnnOps inner, Set<String> layers, BiConsumer<String, NDArray> sink) {
        return new CnnOps() {
            @Override
            public NDArray conv(ConvSpec c, NDArray x) {
                if (layers.contains(c.name())) {
                    sink.accept(c.name(), x);
                }
                return inner.conv(c, x);
            }

            @Override
            public NDArray fc(NDArray x) {
                if (layers.contains(CnnNetwork.FC)) {
                    sink.accept(CnnNetwork.FC, x);
                }
                return inner.fc(x);
            }
        };
    }
}
