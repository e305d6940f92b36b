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

    /**
     * Starting a single-layer pass at the layer (its unit's earlier layers replayed from kept FP32 outputs) gives the
     * KL of starting at the unit, for every layer of both CNNs, and of a full pass within {@link #REL_TOL}; layers
     * asked out of order (the kept outputs of another unit) still agree.
     */
    @Test
    void layerStartEqualsUnitStartOnEveryLayer() throws Exception {
        for (String source : new String[] {"resnet20-fashion", "mobilenetv2-fashion"}) {
            CnnModel fp32 = CnnModels.load(source);
            try (ClassifierKl kl = ClassifierKl.fashionMnist(fp32, 20, 3, 2)) {
                int n = fp32.layers().size();
                double[] layerStart = new double[n];
                WeightTensor[] w = new WeightTensor[n];
                for (int i = 0; i < n; i++) {
                    Layer l = fp32.layers().get(i);
                    w[i] = FakeQuant.apply(l.weight(), new QuantSpec(2 + i % 3, Scheme.ASYMMETRIC,
                            Granularity.PER_CHANNEL));
                    layerStart[i] = kl.measureLayer(fp32, l.name(), w[i]);
                    assertTrue(layerStart[i] > 0, source + " " + l.name());
                }
                int last = n - 1;
                assertEquals(layerStart[2], kl.measureLayer(fp32, fp32.layers().get(2).name(), w[2]),
                        1e-6 * layerStart[2], "asked again after the last unit");
                Layer mid = fp32.layers().get(n / 2);
                double full = kl.measure(fp32.withWeights(Map.of(mid.name(), w[n / 2])));
                assertEquals(full, layerStart[n / 2], REL_TOL * full, source + " " + mid.name() + " vs full");
                kl.start(ClassifierKl.Start.UNIT);
                for (int i = last; i >= 0; i--) {
                    String name = fp32.layers().get(i).name();
                    assertEquals(kl.measureLayer(fp32, name, w[i]), layerStart[i], 1e-6 * layerStart[i],
                            source + " " + name);
                }
            }
        }
    }
}
