package org.mixquant.methods.rounding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.mixquant.model.cnn.CnnNetwork;
import org.mixquant.model.cnn.CnnOps;
import org.mixquant.tensor.WeightTensor;

/**
 * The reconstruction objective of one piece of a CNN, a single layer (AdaRound) or a whole unit (BRECQ's block):
 * its output computed from inputs {@code x} captured from the already-quantized model with the (soft) weights of its
 * layers, against targets computed once from the FP32 model's inputs with the FP32 weights. The loss is BRECQ's
 * {@code lp_loss(p = 2)}: the squared error summed over channels (axis 1) and averaged over samples and positions;
 * with Fisher weights {@code F} (BRECQ's {@code fisher_diag}), each squared error is multiplied by {@code F} first.
 *
 * <p>Biases (from BN folding) stay FP32 and fixed. Constants are arrays of the step's manager ({@link Reconstruction}).
 */
public final class UnitReconstruction implements Reconstruction {
    /**
     * How the piece's output is computed from its parameters ({@code <layer>.weight}, {@code <layer>.bias}) and an
     * input: a CNN unit through {@link CnnOps#folded}, or any other layer (an ONNX convolution, say) directly.
     */
    @FunctionalInterface
    public interface ParamForward {
        /** The output for input {@code x} with the parameters {@code params}. */
        NDArray apply(Map<String, NDArray> params, NDArray x);
    }

    private final List<String> layers;
    private final ParamForward forward;
    private final Map<String, NDArray> biases;
    private final NDArray input;
    private final NDArray target;
    private final NDArray fisher;

    private UnitReconstruction(List<String> layers, ParamForward forward, Map<String, NDArray> biases,
            NDArray input, NDArray target, NDArray fisher) {
        this.layers = layers;
        this.forward = forward;
        this.biases = biases;
        this.input = input;
        this.target = target;
        this.fisher = fisher;
    }

    /**
     * The objective.
     *
     * @param manager  owns the cached arrays (the given arrays are copied into it)
     * @param layers   names of the layers whose weights {@link #loss} receives, in that order
     * @param forward  computes the piece's output from a {@link CnnOps} that knows only these layers
     * @param biases   the layers' folded biases, by layer name
     * @param input    inputs captured from the quantized model, {@code [n, ...]}
     * @param target   FP32 outputs for the same samples, {@code [n, ...]}
     * @param fisher   per-element loss weights shaped like {@code target}, or {@code null}
     * @throws IllegalArgumentException if there are no samples, sample counts differ, or a bias is missing
     */
    public static UnitReconstruction create(NDManager manager, List<String> layers, CnnNetwork.UnitForward forward,
            Map<String, WeightTensor> biases, NDArray input, NDArray target, NDArray fisher) {
        return create(manager, layers, (ParamForward) (p, x) -> forward.apply(CnnOps.folded(p), x), biases, input,
                target, fisher);
    }

    /**
     * The objective of a piece whose output {@code forward} computes straight from the parameters
     * ({@code <layer>.weight}, {@code <layer>.bias}); otherwise as
     * {@link #create(NDManager, List, CnnNetwork.UnitForward, Map, NDArray, NDArray, NDArray)}.
     */
    public static UnitReconstruction create(NDManager manager, List<String> layers, ParamForward forward,
            Map<String, WeightTensor> biases, NDArray input, NDArray target, NDArray fisher) {
        long n = input.getShape().get(0);
        if (n < 1) {
            throw new IllegalArgumentException("no calibration samples for " + layers);
        }
        if (target.getShape().get(0) != n) {
            throw new IllegalArgumentException("targets have " + target.getShape().get(0) + " samples, inputs " + n);
        }
        if (fisher != null && !fisher.getShape().equals(target.getShape())) {
            throw new IllegalArgumentException("Fisher weights " + fisher.getShape() + " do not match targets "
                    + target.getShape());
        }
        Map<String, NDArray> b = new HashMap<>();
        for (String l : layers) {
            WeightTensor t = biases.get(l);
            if (t == null) {
                throw new IllegalArgumentException("no bias for layer '" + l + "'");
            }
            b.put(l + ".bias", manager.create(t.unsafeData()));
        }
        return new UnitReconstruction(List.copyOf(layers), forward, b, copyTo(input, manager),
                copyTo(target, manager), fisher == null ? null : copyTo(fisher, manager));
    }

    @Override
    public int samples() {
        return Math.toIntExact(input.getShape().get(0));
    }

    /** The layers, in the order {@link #loss} expects their weights. */
    public List<String> layers() {
        return layers;
    }

    /** A copy of the quantized-model inputs, row-major, shaped {@link #inputShape()}. */
    public float[] quantInputs() {
        return input.toFloatArray();
    }

    /** Shape of the inputs, {@code [n, ...]}. */
    public long[] inputShape() {
        return input.getShape().getShape();
    }

    /** A copy of the FP32 targets, row-major, shaped {@link #targetShape()}. */
    public float[] targets() {
        return target.toFloatArray();
    }

    /** Shape of the targets, {@code [n, ...]}. */
    public long[] targetShape() {
        return target.getShape().getShape();
    }

    /** A copy of {@code layer}'s fixed bias. */
    public float[] bias(String layer) {
        NDArray b = biases.get(layer + ".bias");
        if (b == null) {
            throw new IllegalArgumentException("no layer '" + layer + "' in " + layers);
        }
        return b.toFloatArray();
    }

    /** True when the loss is Fisher-weighted. */
    public boolean fisherWeighted() {
        return fisher != null;
    }

    @Override
    public NDArray loss(NDManager step, List<NDArray> weights, int[] rows) {
        if (weights.size() != layers.size()) {
            throw new IllegalArgumentException("expected " + layers.size() + " weights " + layers + ", got "
                    + weights.size());
        }
        Map<String, NDArray> p = new HashMap<>(biases);
        for (int i = 0; i < layers.size(); i++) {
            p.put(layers.get(i) + ".weight", weights.get(i));
        }
        NDArray x = Reconstruction.rows(step, input, rows);
        NDArray t = Reconstruction.rows(step, target, rows);
        NDArray f = fisher == null ? null : Reconstruction.rows(step, fisher, rows);
        NDArray pred = forward.apply(p, x);
        NDArray d = pred.sub(t);
        NDArray sq = d.mul(d);
        if (f != null) {
            sq = sq.mul(f);
        }
        return sq.sum(new int[] {1}).mean();
    }

    /**
     * The loss on all samples with fixed weights (no gradient), e.g. to compare nearest and learned rounding. Runs in
     * chunks of 256 samples to bound memory and returns the sample-weighted mean.
     */
    public double evaluate(List<WeightTensor> weights) {
        int n = samples();
        double sum = 0;
        try (NDManager m = input.getManager().newSubManager()) {
            List<NDArray> w = weights.stream().map(t -> org.mixquant.model.cnn.CnnRunner.toNd(m, t)).toList();
            for (int from = 0; from < n; from += 256) {
                int to = Math.min(n, from + 256);
                int[] rows = new int[to - from];
                for (int i = 0; i < rows.length; i++) {
                    rows[i] = from + i;
                }
                try (NDManager step = m.newSubManager()) {
                    sum += loss(step, w, rows).getFloat() * (double) rows.length;
                }
            }
        }
        return sum / n;
    }

    /** A copy of {@code x} owned by {@code m}. */
    public static NDArray copyTo(NDArray x, NDManager m) {
        NDArray d = x.duplicate();
        d.attach(m);
        return d;
    }
}
