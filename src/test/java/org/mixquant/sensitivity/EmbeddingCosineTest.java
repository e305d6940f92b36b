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
import org.mixquant.quant.FakeQuant;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.QuantSpec;
import org.mixquant.quant.Scheme;
import org.mixquant.tensor.WeightTensor;

class EmbeddingCosineTest {
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
}
