package org.mixquant.methods.rounding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.List;

/**
 * Adam exactly as {@code torch.optim.Adam} updates a parameter (PyTorch 1.13 {@code _single_tensor_adam}, no weight
 * decay, no AMSGrad), operation by operation, so that a Java run can be compared with a PyTorch one step by step:
 *
 * <pre>
 *   m ← m·β₁ + g·(1 − β₁)            v ← v·β₂ + g·g·(1 − β₂)
 *   denom = √v / √(1 − β₂ᵗ) + ε      p ← p − (lr / (1 − β₁ᵗ))·m / denom
 * </pre>
 *
 * with β₁ = 0.9, β₂ = 0.999, ε = 1e-8 and the bias corrections computed in double. DJL's own {@code Adam} folds the
 * bias corrections into the learning rate and so places ε differently; it is not used here for that reason.
 *
 * <p>After each {@link #step} the parameters' gradients are set to zero in place, as {@code optimizer.zero_grad()}
 * (with {@code set_to_none=False}) does. This is narrower than {@code GradientCollector.zeroGradients()}, which walks
 * every array of the process and leaves a gradient handle per array in that array's manager.
 */
final class TorchAdam {
    static final double BETA1 = 0.9;
    static final double BETA2 = 0.999;
    static final double EPS = 1e-8;
    private static final NDIndex ALL = new NDIndex("...");

    private final List<NDArray> params;
    private final List<NDArray> m = new ArrayList<>();
    private final List<NDArray> v = new ArrayList<>();
    private final double lr;
    private int t;

    /**
     * @param manager owns the moment estimates
     * @param params  parameters that require gradients (updated in place)
     * @param lr      learning rate
     */
    TorchAdam(NDManager manager, List<NDArray> params, double lr) {
        this.params = List.copyOf(params);
        this.lr = lr;
        for (NDArray p : params) {
            m.add(manager.zeros(p.getShape()));
            v.add(manager.zeros(p.getShape()));
        }
    }

    /** The moment estimates, for {@code NDManager.tempAttachAll} in a step. */
    List<NDArray> arrays() {
        List<NDArray> all = new ArrayList<>(m);
        all.addAll(v);
        return all;
    }

    /** Steps taken. */
    int steps() {
        return t;
    }

    /**
     * One update from the current gradients, then zeroes them. Must run outside a {@code GradientCollector} (grad
     * mode off). Temporaries go to {@code step}, to which the parameters and {@link #arrays()} must be attached.
     */
    void step(NDManager step) {
        t++;
        double bc1 = 1 - Math.pow(BETA1, t);
        double bc2 = 1 - Math.pow(BETA2, t);
        float stepSize = (float) (lr / bc1);
        float bc2Sqrt = (float) Math.sqrt(bc2);
        float oneMinusB1 = (float) (1 - BETA1);
        float oneMinusB2 = (float) (1 - BETA2);
        for (int i = 0; i < params.size(); i++) {
            NDArray p = params.get(i);
            NDArray g = p.getGradient();
            g.attach(step);
            m.get(i).muli((float) BETA1).addi(g.mul(oneMinusB1));
            v.get(i).muli((float) BETA2).addi(g.mul(g).muli(oneMinusB2));
            NDArray denom = v.get(i).sqrt().divi(bc2Sqrt).addi((float) EPS);
            p.subi(m.get(i).div(denom).muli(stepSize));
            g.set(ALL, 0f); // zero_(): an assignment, so NaN/Inf gradients become 0 too (g - g keeps NaN)
        }
    }
}
