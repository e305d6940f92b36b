package org.mixquant.sensitivity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mixquant.data.FashionMnist;
import org.mixquant.data.ImagePreprocessing;
import org.mixquant.data.LabelledImages;
import org.mixquant.model.TinyOnnx;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.progress.Progress;
import org.mixquant.quant.Bits;
import org.mixquant.quant.FakeQuant;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.QuantSpec;
import org.mixquant.quant.Scheme;
import org.mixquant.search.CostTable;
import org.mixquant.tensor.WeightTensor;

class OnnxClassifierKlTest {
    /**
     * A single-layer run (the layer's graph suffix, {@code LayerProbe}) against the whole graph with the weight
     * replaced: the same arithmetic up to ONNX Runtime's float32 fusions, so the KLs agree to ~1e-6 relative of a KL
     * that is itself ≥ 1e-6; 1e-3 relative (or 1e-9 absolute) leaves room.
     */
    static final double REL_TOL = 1e-3;

    /** The tiny 8×8 classifier ({@link TinyOnnx#cnn}) plus a Conv {@code dead} whose output feeds no graph output. */
    static OnnxModel classifierWithADeadBranch() {
        return OnnxModel.fromBytes("tiny-cnn.onnx", TinyOnnx.cnn(1, 10)
                .init("D", TinyOnnx.values(4 * 9, 3), 4, 1, 3, 3)
                .node("Conv", "dead", List.of("x", "D"), List.of("dz")).bytes());
    }

    static LabelledImages images(int n) throws Exception {
        return LabelledImages.fromFashionMnist(FashionMnist.load(FashionMnist.Split.TEST).head(n),
                new ImagePreprocessing(8, 0, 1, new float[] {FashionMnist.MEAN}, new float[] {FashionMnist.STD}));
    }

    @Test
    void aLayerTheOutputIgnoresCostsNothingAndSingleLayerRunsMatchWholeRuns() throws Exception {
        OnnxModel m = classifierWithADeadBranch();
        try (OnnxClassifierKl d = OnnxClassifierKl.create(m, images(300), 1)) {
            CostTable t = MeasuredCost.compute(m, d, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, Progress.NONE);
            String dead = m.layerNames().stream().filter(n -> n.contains("dead")).findFirst().orElseThrow();
            for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                assertEquals(0.0, t.cost(t.indexOf(dead), b), 0.0, "ignored layer at " + b + " bits");
            }
            for (String layer : m.layerNames()) {
                if (layer.equals(dead)) {
                    continue;
                }
                int i = t.indexOf(layer);
                assertTrue(t.cost(i, 2) > t.cost(i, 8) && t.cost(i, 8) >= 0, layer + " " + t.cost(i, 2));
                for (int b : new int[] {2, 4}) {
                    WeightTensor q = FakeQuant.apply(m.layer(layer).weight(), new QuantSpec(b, Scheme.ASYMMETRIC,
                            Granularity.PER_CHANNEL));
                    double whole = d.measure(m.withWeights(Map.of(layer, q)));
                    assertEquals(whole, t.cost(i, b), Math.max(1e-9, REL_TOL * whole), layer + " at " + b);
                }
            }
            assertEquals(0.0, d.measure(m), 0.0, "FP32 against itself");
            assertEquals(300, d.samples(), "two batches, the second partial");
        }
    }

    @Test
    void theCacheKeyChangesWithTheCalibrationImages() throws Exception {
        OnnxModel m = classifierWithADeadBranch();
        LabelledImages all = images(50);
        try (OnnxClassifierKl a = OnnxClassifierKl.create(m, all.sample(20, 0), 1);
                OnnxClassifierKl same = OnnxClassifierKl.create(m, all.sample(20, 0), 1);
                OnnxClassifierKl other = OnnxClassifierKl.create(m, all.sample(20, 1), 1)) {
            String k = MeasuredCost.key(a, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);
            assertEquals(k, MeasuredCost.key(same, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL));
            assertNotEquals(k, MeasuredCost.key(other, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL));
            assertTrue(a.calibration().startsWith("fashion-mnist test[0:50] sample n=20 seed=0"), a.calibration());
        }
    }
}
