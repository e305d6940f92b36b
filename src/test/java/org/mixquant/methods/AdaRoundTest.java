package org.mixquant.methods;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.mixquant.data.FashionMnist;
import org.mixquant.model.Layer;
import org.mixquant.model.LayerSite;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.cnn.CnnModels;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.TinyBert;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.FakeQuant;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.QuantSpec;
import org.mixquant.quant.Scheme;
import org.mixquant.tensor.WeightTensor;
import org.mixquant.methods.rounding.ReconstructionOptions;
import org.mixquant.methods.rounding.LpScaleSearch;

/**
 * AdaRound end to end on a tiny BERT-shaped ONNX model (three MatMul layers, one followed by GELU), and on a trained
 * Fashion-MNIST CNN with few steps.
 */
class AdaRoundTest {
    static final long[][] IDS = TinyBert.ids(40, 10, 17);

    static OnnxModel model() {
        return OnnxModel.fromBytes("tinybert", TinyBert.bytes(3));
    }

    static ReconstructionOptions options(int iterations) {
        return ReconstructionOptions.builder().optIterations(iterations).optCalibrationSamples(40).optThreads(1)
                .optLearningRate(1e-2).optSeed(5).build();
    }

    /** A MixQuant-style plan: a different bit-width per layer. */
    static BitPlan mixed(OnnxModel m) {
        Map<String, Integer> bits = new LinkedHashMap<>();
        bits.put("q/MatMul", 2);
        bits.put("i/MatMul", 3);
        bits.put("o/MatMul", 8);
        return new BitPlan("mixed", m.source(), Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, "test", Map.of(),
                BitPlan.defaultProvenance(0), bits);
    }

    @Test
    void quantizesEveryLayerOnItsOwnGridAndReconstructsBetterThanNearest() {
        OnnxModel m = model();
        Map<String, float[]> original = new LinkedHashMap<>();
        for (Layer l : m.layers()) {
            original.put(l.name(), l.weight().toArray());
        }
        ReconstructionOptions opts = options(300);
        List<String> log = new ArrayList<>();
        AdaRound.Report rep = AdaRound.create(OnnxTextCalibration.create(m, IDS, opts), opts).withLog(log::add)
                .run(m, mixed(m));
        QuantizedModelCheck.onGrid(rep.quantized().model(), mixed(m));
        assertEquals("adaround-asymmetric", rep.quantized().method());
        assertEquals(3, rep.layers().size());
        assertEquals(List.of(2, 3, 8), rep.layers().stream().map(AdaRound.LayerReport::bits).toList());
        assertEquals("GELU", rep.layers().get(1).activation().name(), "the intermediate layer's loss is after GELU");
        double nearest = 0;
        double learned = 0;
        for (AdaRound.LayerReport r : rep.layers()) {
            nearest += r.nearestLoss();
            learned += r.adaroundLoss();
        }
        assertTrue(learned < nearest, "summed reconstruction loss: learned " + learned + " vs nearest " + nearest);
        assertTrue(log.get(0).startsWith("adaround: 3 layers, 300 iterations per layer (papers: 20000; fewer for"
                + " speed)"), log.get(0));
        assertTrue(log.get(2).startsWith("adaround 2/3 i/MatMul int3 [8, 12] +GELU: 300 it in"), log.get(2));
        // the input model is untouched
        assertTrue(m.overrides().isEmpty());
        for (Layer l : m.layers()) {
            assertArrayEquals(original.get(l.name()), l.weight().toArray(), 0f, l.name());
        }
    }

    @Test
    void onACnnEveryLayerFollowsThePlanAndReconstructsBetterThanNearest() throws java.io.IOException {
        CnnModel mobilenet = CnnModels.load("mobilenetv2-fashion");
        FashionMnist calib = FashionMnist.calibration(64, 3);
        Map<String, Integer> bits = new LinkedHashMap<>();
        int i = 0;
        for (String l : mobilenet.layerNames()) {
            bits.put(l, 2 + (i++ % 3));
        }
        BitPlan plan = new BitPlan("mixed", mobilenet.source(), Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, "test",
                Map.of(), BitPlan.defaultProvenance(0), bits);
        List<String> log = new ArrayList<>();
        AdaRound.Report rep = AdaRound.create(calib, BrecqTest.options(30)).withLog(log::add).run(mobilenet, plan);
        assertEquals("adaround-asymmetric", rep.quantized().method());
        assertEquals(mobilenet.layers().size(), rep.layers().size());
        assertEquals(plan.bits(), rep.quantized().plan().bits(), "AdaRound follows the plan for every layer");
        QuantizedModelCheck.onGrid(rep.quantized().model(), plan);
        double nearest = rep.layers().stream().mapToDouble(AdaRound.LayerReport::nearestLoss).sum();
        double learned = rep.layers().stream().mapToDouble(AdaRound.LayerReport::adaroundLoss).sum();
        assertTrue(learned < nearest, "summed layer loss " + learned + " vs nearest " + nearest);
        AdaRound.LayerReport dw = rep.layers().stream().filter(r -> r.layer().equals("block1.dw")).findFirst()
                .orElseThrow();
        assertEquals(LayerSite.Activation.RELU6, dw.activation(), "a depthwise conv's loss is after its ReLU6");
        assertEquals(64, dw.rows(), "one row per calibration image");
        assertTrue(log.get(0).startsWith("adaround (layer reconstruction, 64 calibration images): "), log.get(0));
        assertTrue(log.get(1).startsWith("adaround 1/" + mobilenet.layers().size() + " " + mobilenet.layerNames()
                .get(0) + " int2: 30 it in"), log.get(1));
        assertThrows(IllegalArgumentException.class,
                () -> AdaRound.create(calib, BrecqTest.options(5)).quantize(model(), mixed(model())),
                "images calibrate a CNN only");
    }

    /**
     * Per-group AdaRound (G = 3: the [8, 12] and [12, 8] weights have input dimensions 8 and 12, so 8 leaves a ragged
     * last group of 2): every learned weight is a code of its own group's L2.4-searched grid, exactly
     * ({@code (q − zp)·s} in float32 with q on the grid), and the learned rounding beats nearest rounding on the same
     * grids.
     */
    @Test
    void perGroupWeightsLieOnTheirGroupsGrids() {
        OnnxModel m = model();
        ReconstructionOptions opts = options(200);
        BitPlan plan = BitPlan.uniform(m.source(), m.layerNames(), 3, Scheme.ASYMMETRIC, Granularity.perGroup(3));
        AdaRound.Report rep = AdaRound.create(OnnxTextCalibration.create(m, IDS, opts), opts).run(m, plan);
        double nearest = 0;
        double learned = 0;
        for (AdaRound.LayerReport r : rep.layers()) {
            nearest += r.nearestLoss();
            learned += r.adaroundLoss();
        }
        assertTrue(learned < nearest, "learned " + learned + " vs nearest " + nearest);
        for (Layer l : m.layers()) {
            WeightTensor fp = l.weight();
            org.mixquant.quant.QParams q = LpScaleSearch.choose(fp, new QuantSpec(3, Scheme.ASYMMETRIC,
                    Granularity.perGroup(3)));
            assertTrue(q.groups() > 1, l.name());
            WeightTensor got = rep.quantized().model().layers().stream().filter(x -> x.name().equals(l.name()))
                    .findFirst().orElseThrow().weight();
            float[] s = q.perElementScales(fp);
            int[] z = q.perElementZeroPoints(fp);
            float[] near = new float[fp.size()];
            FakeQuant.apply(fp, q, near);
            int changed = 0;
            for (int i = 0; i < got.size(); i++) {
                float code = Math.round(got.get(i) / s[i]) + z[i];
                assertTrue(code >= 0 && code <= 7, l.name() + " code " + code + " at " + i);
                assertEquals(Float.floatToIntBits((code - z[i]) * s[i]), Float.floatToIntBits(got.get(i)),
                        l.name() + " at " + i + " is a value of its group's grid");
                changed += near[i] != got.get(i) ? 1 : 0;
            }
            assertTrue(changed < got.size(), l.name() + ": most weights keep their nearest code");
        }
    }

    @Test
    void sameSeedSameWeights() {
        OnnxModel m = model();
        ReconstructionOptions opts = options(100).toBuilder().optMaxRows(120).build();
        BitPlan plan = BitPlan.uniform(m.source(), m.layerNames(), 3, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);
        AdaRound.Report a = AdaRound.create(OnnxTextCalibration.create(m, IDS, opts), opts).run(m, plan);
        AdaRound.Report b = AdaRound.create(OnnxTextCalibration.create(m, IDS, opts), opts).run(m, plan);
        assertEquals(((OnnxModel) a.quantized().model()).fingerprint(),
                ((OnnxModel) b.quantized().model()).fingerprint(), "bit-identical weights");
        assertEquals(a.layers().get(2).adaroundLoss(), b.layers().get(2).adaroundLoss());
        ReconstructionOptions other = opts.toBuilder().optSeed(6).build();
        AdaRound.Report c = AdaRound.create(OnnxTextCalibration.create(m, IDS, other), other).run(m, plan);
        assertFalse(a.layers().get(2).nearestLoss() == c.layers().get(2).nearestLoss(),
                "another seed, other calibration rows");
    }

    @Test
    void zeroIterationsIsNearestRoundingWithLpScales() {
        OnnxModel m = model();
        ReconstructionOptions opts = options(0);
        BitPlan plan = BitPlan.uniform(m.source(), m.layerNames(), 4, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);
        AdaRound.Report rep = AdaRound.create(OnnxTextCalibration.create(m, IDS, opts), opts).run(m, plan);
        assertTrue(rep.layers().isEmpty());
        for (Layer l : m.layers()) {
            float[] fq = new float[l.weight().size()];
            FakeQuant.apply(l.weight(), LpScaleSearch.choose(l.weight(), QuantSpec.asymmetric(4)), fq);
            assertArrayEquals(fq, rep.quantized().model().layer(l.name()).weight().toArray(), 0f, l.name());
        }
    }

    @Test
    void clearErrors() {
        OnnxModel m = model();
        ReconstructionOptions opts = options(10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxTextCalibration.create(m, new long[0][], opts));
        assertEquals("no calibration texts", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> OnnxTextCalibration.create(m, TinyBert.ids(3, 5, 1), opts));
        assertTrue(e.getMessage().contains("ask for 40 calibration samples but only 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BitPlan.uniform(m.source(), m.layerNames(), 9,
                Scheme.ASYMMETRIC, Granularity.PER_CHANNEL));
        assertTrue(e.getMessage().contains("between 2 and 8"), e.getMessage());
        Map<String, Integer> bad = new LinkedHashMap<>();
        m.layerNames().forEach(l -> bad.put(l, 1));
        assertThrows(IllegalArgumentException.class, () -> new BitPlan("x", "tinybert", Scheme.ASYMMETRIC,
                Granularity.PER_CHANNEL, "t", Map.of(), Map.of(), bad), "bits below 2");
        AdaRound ada = AdaRound.create(OnnxTextCalibration.create(m, IDS, opts), opts);
        BitPlan partial = BitPlan.uniform(m.source(), List.of("q/MatMul"), 4, Scheme.ASYMMETRIC,
                Granularity.PER_CHANNEL);
        assertThrows(IllegalArgumentException.class, () -> ada.quantize(m, partial), "plan misses layers");
        OnnxModel other = model();
        BitPlan plan = BitPlan.uniform(m.source(), m.layerNames(), 4, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);
        e = assertThrows(IllegalArgumentException.class, () -> ada.quantize(other, plan));
        assertTrue(e.getMessage().contains("not a version of the captured model"), e.getMessage());
    }
}
