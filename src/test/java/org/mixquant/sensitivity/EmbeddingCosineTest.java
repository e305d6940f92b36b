package org.mixquant.sensitivity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mixquant.methods.OnnxTextCalibration;
import org.mixquant.model.Layer;
import org.mixquant.model.Models;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.onnx.TextEmbedder;
import org.mixquant.progress.Progress;
import org.mixquant.quant.Bits;
import org.mixquant.quant.FakeQuant;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.QuantSpec;
import org.mixquant.quant.Scheme;
import org.mixquant.search.CostTable;
import org.mixquant.tensor.WeightTensor;

class EmbeddingCosineTest {
    /**
     * Run-to-run noise of ONNX Runtime's threaded kernels on an FP32 suffix (up to 5e-10 measured, see below) and
     * float summation order in padded attention: far below any layer's 8-bit cost (≥ 5e-7).
     */
    static final double TABLE_ABS_TOL = 2e-9;
    /** Float32 embeddings summed in another order move 1 − cos by well under a part in 10^4. */
    static final double TABLE_REL_TOL = 1e-4;

    /**
     * One layer at a time through the layer's graph suffix gives the distortion of the whole model with that layer
     * replaced — for first-block, middle and last layers of MiniLM — and the FP32 weight costs nothing.
     */
    @Test
    void measuringOneLayerThroughItsSuffixEqualsRunningTheWholeModel() throws Exception {
        OnnxModel m = (OnnxModel) Models.load(Models.MINILM);
        List<String> texts = OnnxTextCalibration.fortuneTexts(12);
        try (EmbeddingCosine d = EmbeddingCosine.create(m, TextEmbedder.minilm(TextEmbedder.DEFAULT_MAX_TOKENS),
                texts, "fortunes", 2)) {
            for (int index : new int[] {0, 2, 17, 35}) {
                Layer l = m.layers().get(index);
                WeightTensor q = FakeQuant.apply(l.weight(), new QuantSpec(3, Scheme.ASYMMETRIC,
                        Granularity.PER_CHANNEL));
                double viaSuffix = d.measureLayer(m, l.name(), q);
                double whole = d.measure(m.withWeights(Map.of(l.name(), q)));
                assertTrue(whole > 1e-5, l.name() + " at 3 bits moves the embeddings: " + whole);
                assertEquals(whole, viaSuffix, 1e-4 * whole, l.name());
                // FP32 through the same suffix: ONNX Runtime's threaded kernels may differ in the last bits between
                // runs (measured up to 5e-10), far below any layer's 8-bit cost (≥ 5e-7 here)
                assertEquals(0.0, d.measureLayer(m, l.name(), l.weight()), 1e-8, l.name() + " in FP32");
            }
            // a model other than the distortion's FP32 one is measured whole
            Layer first = m.layers().get(0);
            WeightTensor q = FakeQuant.apply(first.weight(), new QuantSpec(2, Scheme.ASYMMETRIC,
                    Granularity.PER_CHANNEL));
            OnnxModel other = m.withWeights(Map.of(first.name(), q));
            Layer last = m.layers().get(35);
            assertEquals(d.measure(other.withWeights(Map.of(last.name(), last.weight()))),
                    d.measureLayer(other, last.name(), last.weight()), 0.0);
        }
    }

    /**
     * Length buckets change which texts share a batch and how far they are padded, never the embeddings beyond float
     * summation order: the table equals the one of batches of 32 (the first version's) within {@link #TABLE_ABS_TOL}
     * plus {@link #TABLE_REL_TOL} of the cell. On 16 fortunes of 9..128 tokens the buckets are 5 batches, not 1.
     */
    @Test
    void lengthBucketsGiveTheTableOfFixedBatches() throws Exception {
        OnnxModel m = (OnnxModel) Models.load(Models.MINILM);
        List<String> texts = OnnxTextCalibration.fortuneTexts(16);
        List<Layer> layers = m.layers().subList(30, 36);
        try (EmbeddingCosine d = EmbeddingCosine.create(m, TextEmbedder.minilm(TextEmbedder.DEFAULT_MAX_TOKENS),
                texts, "fortunes", 2)) {
            d.batching(EmbeddingCosine.Batching.FIXED);
            CostTable fixed = MeasuredCost.compute(m, layers, d, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL,
                    Progress.NONE);
            // 8 runs per layer (7 widths + its FP32 reference), 16 texts in one batch of 32
            assertEquals(8 * d.timings().sessions(), d.timings().runs(), "one batch: " + d.timings());
            d.close();
            d.batching(EmbeddingCosine.Batching.BUCKETED);
            CostTable bucketed = MeasuredCost.compute(m, layers, d, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL,
                    Progress.NONE);
            assertEquals(5 * 8 * d.timings().sessions(), d.timings().runs(), "5 buckets: " + d.timings());
            for (int i = 0; i < layers.size(); i++) {
                for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                    double x = fixed.cost(i, b);
                    assertTrue(x > 0, layers.get(i).name() + " at " + b + " bits costs something");
                    assertEquals(x, bucketed.cost(i, b), TABLE_ABS_TOL + TABLE_REL_TOL * x,
                            layers.get(i).name() + " at " + b + " bits");
                }
            }
        }
    }
}
