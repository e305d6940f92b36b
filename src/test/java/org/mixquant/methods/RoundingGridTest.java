package org.mixquant.methods;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mixquant.methods.rounding.ReconstructionOptions;
import org.mixquant.model.Layer;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.IntegerWeights;
import org.mixquant.quant.QParams;
import org.mixquant.quant.QuantSpec;
import org.mixquant.quant.Scheme;

/**
 * The grids {@link RoundingGrid} recomputes are the ones the methods rounded onto: every weight of a real AdaRound
 * and GPTQ run on the tiny BERT-shaped model is recovered as a code that dequantizes back to it bit for bit
 * ({@link IntegerWeights#recover}); GPTQ's dynamic groups are not on the original weights' per-group min-max grid,
 * which is why they are refused.
 */
class RoundingGridTest {
    static ReconstructionOptions options() {
        return AdaRoundTest.options(30);
    }

    static void assertRecovered(String method, OnnxModel fp32, OnnxModel quantized, BitPlan plan, GptqOptions g) {
        for (Layer l : fp32.layers()) {
            QuantSpec spec = new QuantSpec(plan.bitsOf(l.name()), plan.scheme(), plan.granularity());
            QParams grid = RoundingGrid.of(method, l.weight(), spec, g);
            float[] w = quantized.layer(l.name()).weight().toArray();
            IntegerWeights iw = IntegerWeights.recover(quantized.layer(l.name()).weight(), grid);
            assertArrayEquals(w, iw.dequantize().toArray(), method + " " + l.name());
        }
    }

    @Test
    void adaRoundWeightsLieOnTheLpSearchedGrid() {
        OnnxModel m = AdaRoundTest.model();
        for (Granularity gr : new Granularity[] {Granularity.PER_CHANNEL, Granularity.perGroup(8)}) {
            BitPlan plan = BitPlan.uniform(m.source(), m.layerNames(), 3, Scheme.ASYMMETRIC, gr);
            OnnxModel q = (OnnxModel) AdaRound.create(OnnxTextCalibration.create(m, AdaRoundTest.IDS, options()),
                    options()).quantize(m, plan).model();
            assertRecovered("adaround", m, q, plan, GptqOptions.defaults());
            // not min-max: the L_p search shrinks ranges, so the min-max grid does not hold every weight
            Layer l = m.layers().get(0);
            QParams minMax = QParams.choose(l.weight(), new QuantSpec(3, Scheme.ASYMMETRIC, gr));
            assertThrows(IllegalArgumentException.class,
                    () -> IntegerWeights.recover(q.layer(l.name()).weight(), minMax));
        }
    }

    @Test
    void gptqWeightsLieOnTheMinMaxGridExceptWithDynamicGroups() throws Exception {
        OnnxModel m = AdaRoundTest.model();
        for (Scheme scheme : Scheme.values()) {
            for (Granularity gr : new Granularity[] {Granularity.PER_CHANNEL, Granularity.PER_TENSOR}) {
                BitPlan plan = BitPlan.uniform(m.source(), m.layerNames(), 4, scheme, gr);
                OnnxModel q = (OnnxModel) Gptq.create(OnnxTextCalibration.create(m, AdaRoundTest.IDS, options()),
                        GptqOptions.defaults()).quantize(m, plan).model();
                assertRecovered("gptq", m, q, plan, GptqOptions.defaults());
            }
        }
        BitPlan grouped = BitPlan.uniform(m.source(), m.layerNames(), 3, Scheme.ASYMMETRIC, Granularity.perGroup(8));
        GptqOptions staticGroups = GptqOptions.defaults().withActOrder(true);
        OnnxModel s = (OnnxModel) Gptq.create(OnnxTextCalibration.create(m, AdaRoundTest.IDS, options()),
                staticGroups).quantize(m, grouped).model();
        assertRecovered("gptq", m, s, grouped, staticGroups);

        // a group is chosen from the main weight matrix, which the lazy batch updates change only after a block of
        // columns: with blocks of 4 (MiniLM: 128 of 384 or 1536 columns) later groups see updated weights
        OnnxModel d = (OnnxModel) Gptq.create(OnnxTextCalibration.create(m, AdaRoundTest.IDS, options()),
                GptqOptions.defaults().withBlockSize(4)).quantize(m, grouped).model();
        QuantSpec spec = new QuantSpec(3, Scheme.ASYMMETRIC, Granularity.perGroup(8));
        int off = 0;
        for (Layer l : m.layers()) {
            try {
                IntegerWeights.recover(d.layer(l.name()).weight(), QParams.choose(l.weight(), spec));
            } catch (IllegalArgumentException e) {
                off++;
            }
        }
        assertTrue(off > 0, "dynamic groups are chosen from updated weights: some layer is off the min-max grid");
        String msg = assertThrows(IllegalArgumentException.class,
                () -> RoundingGrid.of("gptq", m.layers().get(0).weight(), spec, GptqOptions.defaults())).getMessage();
        assertTrue(msg.contains("gptq with per-group scales cannot be exported"), msg);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RoundingGrid.of("brecq",
                m.layers().get(0).weight(), spec, GptqOptions.defaults())).getMessage().contains("brecq"));
    }
}
