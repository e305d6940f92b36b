package org.mixquant.methods;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mixquant.data.FashionMnist;
import org.mixquant.model.Layer;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.cnn.CnnModels;
import org.mixquant.model.cnn.CnnNetwork;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;
import org.mixquant.methods.rounding.ReconstructionOptions;

/** BRECQ block reconstruction on the trained Fashion-MNIST CNNs, with few steps (AdaRound on them: AdaRoundTest). */
class BrecqTest {
    static CnnModel resnet;
    static CnnModel mobilenet;
    static FashionMnist calib;

    @BeforeAll
    static void load() throws IOException {
        resnet = CnnModels.load("resnet20-fashion");
        mobilenet = CnnModels.load("mobilenetv2-fashion");
        calib = FashionMnist.calibration(64, 3);
    }

    static ReconstructionOptions options(int iterations) {
        return ReconstructionOptions.builder().optIterations(iterations).optCalibrationSamples(64).optBatchSize(16)
                .optThreads(1).optSeed(11).optLearningRate(1e-2).build();
    }

    static BitPlan uniform(CnnModel m, int bits) {
        return BitPlan.uniform(m.source(), m.layerNames(), bits, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);
    }

    static Map<String, float[]> snapshot(CnnModel m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Layer l : m.layers()) {
            out.put(l.name(), l.weight().toArray());
        }
        return out;
    }

    @Test
    void unitsComposeToTheNetworkAndCoverEveryLayerOnce() {
        for (CnnModel m : List.of(resnet, mobilenet)) {
            List<String> all = new ArrayList<>();
            for (CnnNetwork.Unit u : m.network().units()) {
                all.addAll(u.layers());
            }
            assertEquals(m.layerNames(), all, m.source());
        }
        assertEquals(11, resnet.network().units().size(), "stem, 9 basic blocks, classifier");
        assertEquals(CnnNetwork.Act.NONE, resnet.network().activationAfter("stage1.block0.conv2"));
        assertEquals(CnnNetwork.Act.RELU, resnet.network().activationAfter("stage1.block0.conv1"));
        assertEquals(CnnNetwork.Act.RELU6, mobilenet.network().activationAfter("block1.dw"));
        assertEquals(CnnNetwork.Act.NONE, mobilenet.network().activationAfter("block1.project"));
    }

    @Test
    void blockReconstructionBeatsNearestOnEveryBlockAndLeavesTheModelAlone() {
        Map<String, float[]> before = snapshot(resnet);
        List<String> log = new ArrayList<>();
        Brecq.Report rep = Brecq.blocks(calib, options(60)).withLog(log::add).run(resnet, uniform(resnet, 3));
        assertEquals(11, rep.units().size());
        assertEquals("brecq-asymmetric", rep.quantized().method());
        BitPlan applied = rep.quantized().plan();
        assertEquals(8, applied.bitsOf("stem.conv"), "first layer kept at 8 bits by default");
        assertEquals(8, applied.bitsOf(CnnNetwork.FC), "last layer kept at 8 bits by default");
        assertEquals(3, applied.bitsOf("stage2.block0.conv1"));
        QuantizedModelCheck.onGrid(rep.quantized().model(), applied);
        for (Brecq.UnitReport u : rep.units()) {
            assertTrue(u.learnedLoss() <= u.nearestLoss() * 1.0001, u.toString());
        }
        double nearest = rep.units().stream().mapToDouble(Brecq.UnitReport::nearestLoss).sum();
        double learned = rep.units().stream().mapToDouble(Brecq.UnitReport::learnedLoss).sum();
        assertTrue(learned < 0.95 * nearest, "summed block loss " + learned + " vs nearest " + nearest);
        assertTrue(log.get(0).contains("60 iterations per block (papers: 20000; fewer for speed)"), log.get(0));
        assertTrue(!log.get(0).contains("rows per layer"), "no token-row cap for images: " + log.get(0));
        assertTrue(log.get(2).startsWith("brecq 2/11 stage1.block0 int3: 60 it in"), log.get(2));
        Map<String, float[]> after = snapshot(resnet);
        for (String l : before.keySet()) {
            assertArrayEquals(before.get(l), after.get(l), 0f, l);
        }
    }

    /** Per-group BRECQ (G = 32; ResNet-20's stem has input dimension 9, one group per channel there). */
    @Test
    void perGroupBlocksStayOnTheirGroupsGridsAndBeatNearest() {
        BitPlan plan = BitPlan.uniform(resnet.source(), resnet.layerNames(), 3, Scheme.ASYMMETRIC,
                Granularity.perGroup(32));
        Brecq.Report rep = Brecq.blocks(calib, options(30)).run(resnet, plan);
        assertEquals(Granularity.perGroup(32), rep.quantized().plan().granularity());
        QuantizedModelCheck.onGroupGrids(rep.quantized().model(), rep.quantized().plan());
        double nearest = rep.units().stream().mapToDouble(Brecq.UnitReport::nearestLoss).sum();
        double learned = rep.units().stream().mapToDouble(Brecq.UnitReport::learnedLoss).sum();
        assertTrue(learned < nearest, "summed block loss " + learned + " vs nearest " + nearest);
    }

    @Test
    void sameSeedSameWeightsBitForBit() {
        BitPlan plan = uniform(mobilenet, 4);
        Brecq q = Brecq.blocks(calib, options(15)).withFisher(true);
        CnnModel a = (CnnModel) q.quantize(mobilenet, plan).model();
        CnnModel b = (CnnModel) q.quantize(mobilenet, plan).model();
        for (int i = 0; i < a.layers().size(); i++) {
            assertArrayEquals(a.layers().get(i).weight().toArray(), b.layers().get(i).weight().toArray(), 0f,
                    a.layers().get(i).name());
        }
    }

    @Test
    void fisherWeightsAreAtLeastOneAndOnlyForBlocks() {
        // only for blocks: layer-wise AdaRound is AdaRound, which has no Fisher option
        List<String> log = new ArrayList<>();
        // a vanishing learning rate keeps every unit at (almost exactly) nearest rounding in both runs, so each unit
        // sees the same inputs with and without Fisher weighting
        Brecq plain = Brecq.blocks(calib, options(2).toBuilder().optLearningRate(1e-12).build()).withFirstLastBits(0);
        Brecq.Report p = plain.run(resnet, uniform(resnet, 4));
        Brecq.Report f = plain.withFisher(true).withLog(log::add).run(resnet, uniform(resnet, 4));
        assertTrue(log.get(1).contains("recon loss (Fisher-weighted)"), log.get(1));
        // BRECQ's weights (|g| + 1)² are ≥ 1, so the weighted loss of the same (nearest) rounding is never smaller;
        // they matter most near the output, where the KL gradient is largest.
        int last = p.units().size() - 1;
        for (int i = 0; i <= last; i++) {
            assertTrue(f.units().get(i).nearestLoss() >= p.units().get(i).nearestLoss() * (1 - 1e-6),
                    p.units().get(i).name());
        }
        assertTrue(f.units().get(last).nearestLoss() > p.units().get(last).nearestLoss() * 1.0001,
                "classifier: Fisher " + f.units().get(last).nearestLoss() + " vs " + p.units().get(last).nearestLoss());
    }

    @Test
    void fixedLayersAreTheFirstAndLastAtFirstLastBits() {
        Brecq b = Brecq.blocks(calib, options(5));
        assertEquals(List.of(Map.entry("stem.conv", 8), Map.entry(CnnNetwork.FC, 8)),
                List.copyOf(b.fixedLayers(resnet).entrySet()), "default: first and last at 8 bits, forward order");
        assertEquals(Map.of(mobilenet.layerNames().get(0), 6, CnnNetwork.FC, 6),
                b.withFirstLastBits(6).fixedLayers(mobilenet));
        assertEquals(Map.of(), b.withFirstLastBits(0).fixedLayers(resnet), "0: first and last follow the plan");
        assertEquals(Map.of(), new NearestRounding().fixedLayers(resnet), "a quantizer fixes nothing by default");
        BitPlan applied = b.withFirstLastBits(6).effectivePlan(mobilenet, uniform(mobilenet, 3));
        for (String l : mobilenet.layerNames()) {
            assertEquals(b.withFirstLastBits(6).fixedLayers(mobilenet).getOrDefault(l, 3), applied.bitsOf(l), l);
        }
    }

    /** Float32 softmax and autograd against the same formula in double. */
    static final double KL_GRAD_REL_TOL = 1e-5;

    @Test
    void klGradientOfAShortLastBatchIsDividedByItsOwnSize() {
        // 5 samples in batches of 4: the last batch has one sample, and batchmean divides its KL by 1, not by 4.
        // With logits = h, ∂KL/∂h = (softmax(h) − softmax(fp)) / rows of the batch.
        int n = 5;
        int classes = 3;
        int batch = 4;
        java.util.Random rnd = new java.util.Random(5);
        float[] h = new float[n * classes];
        float[] fp = new float[n * classes];
        for (int i = 0; i < h.length; i++) {
            h[i] = (float) (3 * rnd.nextGaussian());
            fp[i] = (float) (3 * rnd.nextGaussian());
        }
        float[] got;
        try (ai.djl.ndarray.NDManager m = org.mixquant.model.Djl.engine().newBaseManager()) {
            ai.djl.ndarray.types.Shape shape = new ai.djl.ndarray.types.Shape(n, classes);
            ai.djl.ndarray.NDArray hs = m.create(h, shape);
            ai.djl.ndarray.NDArray fps = m.create(fp, shape);
            got = Brecq.klGradientWeights(m, n, batch, (step, rows) -> hs.get(step, rows), x -> x, fps)
                    .toFloatArray();
        }
        assertEquals(n * classes, got.length);
        for (int r = 0; r < n; r++) {
            int rows = r < batch ? batch : n - batch;
            double[] q = softmax(h, r, classes);
            double[] p = softmax(fp, r, classes);
            for (int c = 0; c < classes; c++) {
                double g = Math.abs(q[c] - p[c]) / rows + 1;
                double want = g * g;
                assertEquals(want, got[r * classes + c], KL_GRAD_REL_TOL * want, "sample " + r + " class " + c);
            }
        }
    }

    private static double[] softmax(float[] x, int row, int classes) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            max = Math.max(max, x[row * classes + c]);
        }
        double[] e = new double[classes];
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            e[c] = Math.exp(x[row * classes + c] - max);
            sum += e[c];
        }
        for (int c = 0; c < classes; c++) {
            e[c] /= sum;
        }
        return e;
    }

    @Test
    void rejectsBadInput() {
        assertThrows(IllegalArgumentException.class, () -> Brecq.blocks(calib.head(0), options(5)));
        assertThrows(IllegalArgumentException.class, () -> Brecq.blocks(calib, options(5)).withFirstLastBits(9));
        BitPlan wrong = uniform(mobilenet, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Brecq.blocks(calib, options(5)).run(resnet, wrong));
        assertTrue(e.getMessage().contains("layer"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Brecq.blocks(calib, options(5)).quantize(AdaRoundTest.model(), uniform(resnet, 4)));
    }
}
