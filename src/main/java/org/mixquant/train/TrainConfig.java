package org.mixquant.train;

import java.util.Objects;
import org.mixquant.model.cnn.CnnArch;

/**
 * The training recipe for a Fashion-MNIST CNN. {@link #defaults(CnnArch)} is the recipe of the kept weights.
 *
 * <p>SGD with (optionally Nesterov) momentum in PyTorch's form ({@code d = g + wd·w; buf = m·buf + d; step = d +
 * m·buf} for Nesterov, else {@code buf}; {@code w −= lr·step}), weight decay on convolution and linear weights only
 * (not on BatchNorm parameters or biases), a cosine learning-rate schedule per step from {@code lr} to 0, softmax
 * cross-entropy, mini-batches drawn without replacement from a seeded shuffle (the last partial batch is dropped),
 * and augmentation by a random shift of up to {@code pad} pixels (random crop of the zero-padded image) and a
 * horizontal flip with probability 1/2.
 *
 * @param arch        the architecture
 * @param epochs      passes over the training set, ≥ 1
 * @param seed        seeds initialisation, shuffling and augmentation (all drawn in Java)
 * @param batchSize   images per step
 * @param lr          peak learning rate
 * @param momentum    SGD momentum
 * @param nesterov    Nesterov momentum
 * @param weightDecay L2 factor on weights
 * @param pad         maximum shift in pixels for the random crop (0 = off)
 * @param flip        random horizontal flips
 * @param threads     libtorch intra-op threads
 * @param trainLimit  use only the first this-many training images of the shuffled set (0 = all); for quick checks
 */
public record TrainConfig(CnnArch arch, int epochs, long seed, int batchSize, double lr, double momentum,
        boolean nesterov, double weightDecay, int pad, boolean flip, int threads, int trainLimit) {
    /** Default epochs of the kept weights. */
    public static final int DEFAULT_EPOCHS = 5;
    /** Default seed of the kept weights. */
    public static final long DEFAULT_SEED = 42;

    /** Validates. */
    public TrainConfig {
        Objects.requireNonNull(arch, "arch");
        if (epochs < 1 || batchSize < 2 || !(lr > 0) || momentum < 0 || momentum >= 1 || weightDecay < 0 || pad < 0
                || threads < 1 || trainLimit < 0) {
            throw new IllegalArgumentException("invalid training settings: " + this);
        }
    }

    /** The recipe of the kept weights for {@code arch}. */
    public static TrainConfig defaults(CnnArch arch) {
        return new TrainConfig(arch, DEFAULT_EPOCHS, DEFAULT_SEED, 128, 0.1, 0.9, true, 5e-4, 2, true,
                Runtime.getRuntime().availableProcessors(), 0);
    }

    /** The same recipe with other epochs. */
    public TrainConfig withEpochs(int e) {
        return new TrainConfig(arch, e, seed, batchSize, lr, momentum, nesterov, weightDecay, pad, flip, threads,
                trainLimit);
    }

    /** The same recipe with another seed. */
    public TrainConfig withSeed(long s) {
        return new TrainConfig(arch, epochs, s, batchSize, lr, momentum, nesterov, weightDecay, pad, flip, threads,
                trainLimit);
    }

    /** The same recipe with other threads. */
    public TrainConfig withThreads(int t) {
        return new TrainConfig(arch, epochs, seed, batchSize, lr, momentum, nesterov, weightDecay, pad, flip, t,
                trainLimit);
    }

    /** The same recipe on the first {@code n} shuffled training images only (0 = all). */
    public TrainConfig withTrainLimit(int n) {
        return new TrainConfig(arch, epochs, seed, batchSize, lr, momentum, nesterov, weightDecay, pad, flip, threads,
                n);
    }
}
