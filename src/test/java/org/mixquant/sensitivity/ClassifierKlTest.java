package org.mixquant.sensitivity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mixquant.model.Layer;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.cnn.CnnModels;
import org.mixquant.quant.FakeQuant;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.QuantSpec;
import org.mixquant.quant.Scheme;
import org.mixquant.tensor.WeightTensor;

class ClassifierKlTest {
    /**
     * The single-layer path runs the same float32 ops from a kept unit input instead of from the images; libtorch may
     * pick different kernels for the two call paths, so allow float32 round-off relative to the KL.
     */
    static final double REL_TOL = 1e-4;

    @Test
    void singleLayerPathEqualsAFullPassAndFp32CostsNothing() throws Exception {
        CnnModel fp32 = CnnModels.load("resnet20-fashion");
        try (ClassifierKl kl = ClassifierKl.fashionMnist(fp32, 24, 1, 2)) {
            assertEquals(0.0, kl.measure(fp32), 0.0, "KL of the FP32 model to itself");
            for (int i : new int[] {0, 9, fp32.layers().size() - 1}) {
                Layer l = fp32.layers().get(i);
                WeightTensor w = FakeQuant.apply(l.weight(), new QuantSpec(3, Scheme.ASYMMETRIC,
                        Granularity.PER_CHANNEL));
                double full = kl.measure(fp32.withWeights(Map.of(l.name(), w)));
                double fast = kl.measureLayer(fp32, l.name(), w);
                assertTrue(full > 0, l.name());
                assertEquals(full, fast, REL_TOL * full, l.name());
                assertEquals(fast, kl.measureLayer(fp32, l.name(), w), 0.0, "deterministic");
            }
            assertTrue(kl.calibration().contains("n=24 seed=1"), kl.calibration());
        }
    }
}
