package org.mixquant.model.cnn;

import java.util.Objects;

/**
 * One convolution followed by BatchNorm, as the network description sees it. The convolution has no bias of its own
 * (the BatchNorm that follows makes one redundant); after BN folding it gets one.
 *
 * <p>Tensor names follow PyTorch's {@code state_dict}: the weight is {@code name + ".weight"} with shape
 * {@code [out, in / groups, kernel, kernel]}; the BatchNorm's are {@code bn + ".weight"} (γ), {@code bn + ".bias"}
 * (β), {@code bn + ".running_mean"} and {@code bn + ".running_var"}, each {@code [out]}.
 *
 * @param name    layer name, e.g. {@code stage1.block0.conv1}
 * @param bn      name of the BatchNorm that follows, e.g. {@code stage1.block0.bn1}
 * @param in      input channels
 * @param out     output channels
 * @param kernel  square kernel size
 * @param stride  stride (both directions)
 * @param padding zero padding (both directions)
 * @param groups  1 for a dense convolution, {@code in} (= {@code out}) for a depthwise one
 */
public record ConvSpec(String name, String bn, int in, int out, int kernel, int stride, int padding, int groups) {
    /** Validates the dimensions. */
    public ConvSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bn, "bn");
        if (in < 1 || out < 1 || kernel < 1 || stride < 1 || padding < 0 || groups < 1 || in % groups != 0
                || out % groups != 0) {
            throw new IllegalArgumentException("bad convolution " + name + ": in=" + in + " out=" + out + " k="
                    + kernel + " stride=" + stride + " pad=" + padding + " groups=" + groups);
        }
    }

    /** A dense convolution. */
    public static ConvSpec dense(String name, String bn, int in, int out, int kernel, int stride) {
        return new ConvSpec(name, bn, in, out, kernel, stride, kernel / 2, 1);
    }

    /** A depthwise 3×3 convolution over {@code channels}. */
    public static ConvSpec depthwise(String name, String bn, int channels, int stride) {
        return new ConvSpec(name, bn, channels, channels, 3, stride, 1, channels);
    }

    /** True for a depthwise convolution (one filter per channel). */
    public boolean depthwise() {
        return groups > 1 && groups == in && groups == out;
    }

    /** Shape of the weight, {@code [out, in / groups, kernel, kernel]}. */
    public int[] weightShape() {
        return new int[] {out, in / groups, kernel, kernel};
    }

    /** Name of the weight tensor. */
    public String weightName() {
        return name + ".weight";
    }

    /** Name of the folded bias tensor (exists only after BN folding). */
    public String biasName() {
        return name + ".bias";
    }
}
