package org.mixquant.methods.rounding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.mixquant.model.LayerSite;
import org.mixquant.tensor.WeightTensor;

/**
 * AdaRound's layer-wise objective for one fully connected layer (ONNX MatMul {@code [in, out]}, Gemm or Linear
 * {@code [out, in]}): the layer's output {@code act(x·Ŵ + b)} on inputs {@code x} captured from the already-quantized
 * model, against targets {@code act(x_fp·W + b)} from the FP32 model (BRECQ's {@code asym=True} setting, as AdaRound
 * proposes), with the loss of BRECQ's {@code lp_loss(p = 2)}: per sample the squared L2 error over the output
 * features, averaged over the mini-batch, {@code mean_n Σ_j (pred_nj − target_nj)²} (that is, {@code out} times the
 * mean squared error).
 *
 * <p>The bias and activation come from the layer's {@link LayerSite}; {@code act} is the identity when the output is
 * reconstructed before the activation. Targets are computed once at creation (no gradient).
 */
public final class LayerReconstruction implements Reconstruction {
    private final NDArray input;
    private final NDArray target;
    private final NDArray bias;
    private final LayerSite.Activation activation;
    private final boolean transposed;
    private final int rows;
    private final int in;
    private final int out;

    private LayerReconstruction(NDArray input, NDArray target, NDArray bias, LayerSite.Activation activation,
            boolean transposed, int rows, int in, int out) {
        this.input = input;
        this.target = target;
        this.bias = bias;
        this.activation = activation;
        this.transposed = transposed;
        this.rows = rows;
        this.in = in;
        this.out = out;
    }

    /**
     * The objective of one layer.
     *
     * @param manager     owns the cached arrays
     * @param quantInputs {@code rows × in} inputs captured from the model whose earlier layers are already quantized
     *                    (row-major; copied)
     * @param fpInputs    {@code rows × in} inputs captured from the FP32 model, same rows (copied)
     * @param fp32        the layer's FP32 weight: 2-D, {@code [in, out]} with channel axis 1 or {@code [out, in]}
     *                    with channel axis 0
     * @param bias        bias per output channel, or {@code null}
     * @param activation  applied after the bias
     * @throws IllegalArgumentException if the shapes do not fit or there are no rows
     */
    public static LayerReconstruction create(NDManager manager, float[] quantInputs, float[] fpInputs,
            WeightTensor fp32, float[] bias, LayerSite.Activation activation) {
        int[] s = fp32.shape();
        if (s.length != 2) {
            throw new IllegalArgumentException("layer-wise reconstruction needs a 2-D weight, got " + fp32.shapeString()
                    + " (convolutions come with block reconstruction)");
        }
        boolean transposed = fp32.channelAxis() == 0;
        int in = transposed ? s[1] : s[0];
        int out = transposed ? s[0] : s[1];
        if (quantInputs.length == 0 || quantInputs.length % in != 0) {
            throw new IllegalArgumentException("inputs have " + quantInputs.length + " values, not a positive multiple"
                    + " of the layer's input width " + in);
        }
        if (fpInputs.length != quantInputs.length) {
            throw new IllegalArgumentException("FP32 inputs have " + fpInputs.length + " values, quantized-model"
                    + " inputs " + quantInputs.length);
        }
        if (bias != null && bias.length != out) {
            throw new IllegalArgumentException("bias has " + bias.length + " values, layer has " + out + " outputs");
        }
        int rows = quantInputs.length / in;
        NDArray x = manager.create(quantInputs, new Shape(rows, in));
        NDArray b = bias == null ? null : manager.create(bias, new Shape(out));
        NDArray t;
        try (NDManager tmp = manager.newSubManager()) {
            NDArray xf = tmp.create(fpInputs, new Shape(rows, in));
            NDArray w = tmp.create(fp32.unsafeData(), new Shape(s[0], s[1]));
            NDArray y = forward(xf, w, b, activation, transposed);
            t = manager.create(y.toFloatArray(), new Shape(rows, out));
        }
        return new LayerReconstruction(x, t, b, activation, transposed, rows, in, out);
    }

    /** {@code act(x·W + b)} (or {@code x·Wᵀ}); results go to {@code x}'s manager, which must be the step's. */
    private static NDArray forward(NDArray x, NDArray w, NDArray bias, LayerSite.Activation act,
            boolean transposed) {
        NDArray y = x.matMul(transposed ? w.transpose() : w);
        if (bias != null) {
            y = y.add(bias);
        }
        return activate(y, act);
    }

    /**
     * {@code act(y)}: the activations a {@link LayerSite} names, safe under autograd (constants are arrays of
     * {@code y}'s manager, which must be the step's).
     */
    public static NDArray activate(NDArray y, LayerSite.Activation act) {
        return switch (act) {
            case IDENTITY -> y;
            case GELU -> y.getNDArrayInternal().gelu();
            case RELU -> y.getNDArrayInternal().relu();
            case RELU6 -> y.getNDArrayInternal().relu().minimum(y.getManager().create(6f));
        };
    }

    @Override
    public int samples() {
        return rows;
    }

    /** Input width. */
    public int inputs() {
        return in;
    }

    /** Output width. */
    public int outputs() {
        return out;
    }

    /** The activation applied after the bias. */
    public LayerSite.Activation activation() {
        return activation;
    }

    /** A copy of the quantized-model inputs, {@code rows × in}. */
    public float[] quantInputs() {
        return input.toFloatArray();
    }

    /** A copy of the targets {@code act(x_fp·W + b)}, {@code rows × out}. */
    public float[] targets() {
        return target.toFloatArray();
    }

    /** A copy of the bias, or {@code null}. */
    public float[] bias() {
        return bias == null ? null : bias.toFloatArray();
    }

    @Override
    public NDArray loss(NDManager step, List<NDArray> weights, int[] batch) {
        if (weights.size() != 1) {
            throw new IllegalArgumentException("layer reconstruction takes one weight, got " + weights.size());
        }
        NDArray x = Reconstruction.rows(step, input, batch);
        NDArray t = Reconstruction.rows(step, target, batch);
        NDArray pred = forward(x, weights.get(0), bias, activation, transposed);
        return pred.sub(t).abs().pow(step.create(2f)).sum(new int[] {1}).mean();
    }

    /**
     * The loss on all rows with fixed weights (no gradient), e.g. to compare nearest and learned rounding.
     *
     * @param weight the layer's weight, same shape as the FP32 one
     */
    public double evaluate(WeightTensor weight) {
        try (NDManager m = input.getManager().newSubManager()) {
            int[] s = weight.shape();
            NDArray w = m.create(weight.unsafeData(), new Shape(s[0], s[1]));
            return loss(m, List.of(w), null).getFloat();
        }
    }
}
