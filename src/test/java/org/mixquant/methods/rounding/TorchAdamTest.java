package org.mixquant.methods.rounding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mixquant.model.Djl;

class TorchAdamTest {
    /**
     * One step of torch.optim.Adam(lr=0.1) on p = [1, 2, 3] with gradient g = [0.5, -1, 2]: the first step moves every
     * element by lr·sign(g) (m̂ = g, v̂ = g², so m̂/(√v̂+ε) = g/(|g|+1e-8)); float32, so 1e-6.
     */
    @Test
    void firstStepMovesByTheLearningRateAgainstTheGradientSign() {
        try (NDManager root = Djl.engine().newBaseManager()) {
            NDArray p = root.create(new float[] {1, 2, 3});
            p.setRequiresGradient(true);
            TorchAdam adam = new TorchAdam(root, List.of(p), 0.1);
            backward(root, p, new float[] {0.5f, -1, 2});
            try (NDManager step = root.newSubManager()) {
                adam.step(step);
            }
            assertArrayEquals(new float[] {0.9f, 2.1f, 2.9f}, p.toFloatArray(), 1e-6f);
            assertEquals(1, adam.steps());
        }
    }

    /** zero_grad() must leave zeros even where the gradient was NaN or infinite (g - g keeps NaN as NaN). */
    @Test
    void zeroesNonFiniteGradients() {
        try (NDManager root = Djl.engine().newBaseManager()) {
            NDArray p = root.create(new float[] {1, 2, 3});
            p.setRequiresGradient(true);
            TorchAdam adam = new TorchAdam(root, List.of(p), 0.1);
            backward(root, p, new float[] {Float.NaN, Float.POSITIVE_INFINITY, 1});
            try (NDManager step = root.newSubManager()) {
                adam.step(step);
            }
            assertArrayEquals(new float[] {0, 0, 0}, p.getGradient().toFloatArray(), 0f);
        }
    }

    /** Sets p's gradient to {@code g} through autograd: d(Σ p·g)/dp = g. */
    private static void backward(NDManager root, NDArray p, float[] g) {
        try (NDManager m = root.newSubManager();
             GradientCollector gc = Djl.engine().newGradientCollector()) {
            gc.backward(p.mul(m.create(g)).sum());
        }
    }
}
