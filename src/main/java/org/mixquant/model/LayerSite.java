package org.mixquant.model;

import java.util.Objects;

/**
 * Where a quantizable weight sits in its model's forward pass: which tensor feeds the layer, the bias added to its
 * output, and the activation applied after that. Reconstruction methods (AdaRound, BRECQ) use it to rebuild the
 * layer's output {@code act(x·W + b)} from captured inputs.
 *
 * @param layer      the layer's name (see {@link Layer#name()})
 * @param input      name of the tensor that feeds the layer (for ONNX the node's input 0); layers fed by the same
 *                   tensor share it
 * @param bias       the bias added to the output, one value per output channel, or {@code null} if there is none
 *                   (copied in and out)
 * @param activation the elementwise activation applied after the bias
 */
public record LayerSite(String layer, String input, float[] bias, Activation activation) {
    /** Elementwise activations that reconstruction knows how to apply after a layer. */
    public enum Activation {
        /** No activation (or one that is not recognised: the output before it is reconstructed). */
        IDENTITY,
        /** Exact GELU {@code x·Φ(x) = 0.5·x·(1 + erf(x/√2))}, as BERT and PyTorch's default {@code F.gelu}. */
        GELU,
        /** {@code max(x, 0)}. */
        RELU,
        /** {@code min(max(x, 0), 6)} (MobileNetV2's convolutions). */
        RELU6
    }

    /** Rejects nulls (except {@code bias}) and copies the bias. */
    public LayerSite {
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(activation, "activation");
        bias = bias == null ? null : bias.clone();
    }

    /** A copy of the bias, or {@code null}. */
    @Override
    public float[] bias() {
        return bias == null ? null : bias.clone();
    }

    /** True when a bias is added to the layer's output. */
    public boolean hasBias() {
        return bias != null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayerSite s && layer.equals(s.layer) && input.equals(s.input)
                && java.util.Arrays.equals(bias, s.bias) && activation == s.activation;
    }

    @Override
    public int hashCode() {
        return Objects.hash(layer, input, java.util.Arrays.hashCode(bias), activation);
    }

    @Override
    public String toString() {
        return "LayerSite[" + layer + " ← " + input + (bias == null ? "" : ", bias[" + bias.length + "]") + ", "
                + activation + "]";
    }
}
