package org.mixquant.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mixquant.data.FashionMnist;
import org.mixquant.methods.NearestRounding;
import org.mixquant.model.Layer;
import org.mixquant.model.cnn.CnnArch;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.cnn.CnnModels;
import org.mixquant.model.cnn.ModelCard;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;
import org.mixquant.progress.Progress;
import org.mixquant.model.QuantizableModel;
import org.mixquant.tensor.WeightTensor;

class AccuracyEvaluatorTest {
    /**
     * The card's accuracy was measured on the training machine; another CPU's kernels may flip a near-tie image or
     * two, so allow 0.1 point (10 of 10,000 images).
     */
    static final double CARD_TOL = 0.001;

    static AccuracyEvaluator full;

    @BeforeAll
    static void setUp() throws IOException {
        full = AccuracyEvaluator.testSet(0, Progress.NONE);
    }

    @Test
    void keptModelsReachTheirCardAccuracyOnTheFullTestSet() throws IOException {
        for (CnnArch a : CnnArch.values()) {
            CnnModel m = CnnModels.load(a.modelName());
            Accuracy acc = full.evaluate(m);
            ModelCard card = ModelCard.read(CnnModels.cardFile(a));
            System.out.printf("[accuracy] %s FP32 %s (card %.2f%%)%n", a.modelName(), acc,
                    100 * card.fp32TestAccuracy());
            assertEquals(10_000, acc.total());
            assertEquals(card.fp32TestAccuracy(), acc.top1(), CARD_TOL, a.modelName());
            assertTrue(acc.top1() >= 0.85, a.modelName() + " should be a real classifier: " + acc);
        }
    }

    @Test
    void overflowingLogitsAreReportedInsteadOfScored() throws IOException {
        // loading rejects a NaN weight, but finite weights can still overflow: the largest float in the first bias
        // (never quantized) makes later sums infinite and then NaN, and argmax would still have given a "top-1"
        CnnModel m = CnnModels.load(CnnArch.RESNET20.modelName());
        Map<String, WeightTensor> w = new LinkedHashMap<>(m.unfolded().tensors());
        String bias = w.keySet().stream().filter(k -> k.endsWith("bias")).findFirst().orElseThrow();
        float[] v = w.get(bias).toArray();
        java.util.Arrays.fill(v, Float.MAX_VALUE);
        w.put(bias, w.get(bias).withData(v));
        CnnModel broken = CnnModel.of("resnet20-overflow", CnnArch.RESNET20, org.mixquant.model.cnn.CnnWeights.of(w));
        AccuracyEvaluator sub = AccuracyEvaluator.create(FashionMnist.load(FashionMnist.Split.TEST).head(64), 32, 1,
                Progress.NONE);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> sub.evaluate(broken));
        assertEquals("the FP32 model's outputs contain NaN or infinite values for 64 of 64 images (resnet20-overflow):"
                + " check the model's non-quantized weights (embeddings, biases, normalisation)", e.getMessage(),
                "bias " + bias);
    }

    @Test
    void uniformEightBitsKeepsAccuracyAndTwoBitsLosesIt() throws IOException {
        CnnModel m = CnnModels.load(CnnArch.RESNET20.modelName());
        AccuracyEvaluator sub = AccuracyEvaluator.create(FashionMnist.load(FashionMnist.Split.TEST).head(2000),
                AccuracyEvaluator.DEFAULT_BATCH, 2, Progress.NONE);
        double fp32 = sub.evaluate(m).top1();
        double int8 = sub.evaluate(new NearestRounding().quantize(m, BitPlan.uniform(m.source(), m.layerNames(), 8,
                Scheme.ASYMMETRIC, Granularity.PER_CHANNEL)).model()).top1();
        double int2 = sub.evaluate(new NearestRounding().quantize(m, BitPlan.uniform(m.source(), m.layerNames(), 2,
                Scheme.ASYMMETRIC, Granularity.PER_CHANNEL)).model()).top1();
        System.out.printf("[accuracy] resnet20 on 2000 test images: fp32 %.2f%%, int8 %.2f%%, int2 %.2f%%%n",
                100 * fp32, 100 * int8, 100 * int2);
        assertEquals(fp32, int8, 0.005, "8-bit per-channel weights cost at most half a point");
        assertTrue(int2 < fp32 - 0.05, "2-bit weights must hurt: " + int2 + " vs " + fp32);
    }

    @Test
    void evaluationDoesNotChangeTheModelAndMatchesUnfolded() throws IOException {
        CnnModel m = CnnModels.load(CnnArch.MOBILENETV2.modelName());
        AccuracyEvaluator sub = AccuracyEvaluator.create(FashionMnist.load(FashionMnist.Split.TEST).head(500), 100,
                2, Progress.NONE);
        Map<String, float[]> before = new LinkedHashMap<>();
        for (Layer l : m.layers()) {
            before.put(l.name(), l.weight().toArray());
        }
        Accuracy a = sub.evaluate(m);
        Accuracy b = sub.evaluateUnfolded(m);
        assertEquals(a.correct(), b.correct(), 1, "folding may flip at most a near-tie image");
        for (Layer l : m.layers()) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(before.get(l.name()), l.weight().toArray(), 0f);
        }
    }

    @Test
    void progressIsReported() throws IOException {
        CnnModel m = CnnModels.load(CnnArch.RESNET20.modelName());
        long[] last = new long[2];
        AccuracyEvaluator.create(FashionMnist.load(FashionMnist.Split.TEST).head(300), 128, 2, (task, done, total) -> {
            last[0] = done;
            last[1] = total;
        }).evaluate(m);
        assertEquals(300, last[0]);
        assertEquals(300, last[1]);
    }

    @Test
    void rejectsModelsThatAreNotCnns() throws IOException {
        QuantizableModel other = new QuantizableModel() {
            @Override
            public String source() {
                return "an-onnx-model";
            }

            @Override
            public java.util.List<Layer> layers() {
                return java.util.List.of();
            }

            @Override
            public long otherParams() {
                return 0;
            }

            @Override
            public QuantizableModel withWeights(Map<String, WeightTensor> replaced) {
                return this;
            }
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> full.evaluate(other));
        assertTrue(e.getMessage().contains("resnet20-fashion"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AccuracyEvaluator.create(full.images(), 0, 1, null));
    }

    @Test
    void accuracyRecordArithmetic() {
        Accuracy a = new Accuracy(9123, 10000, 1.5, "test");
        assertEquals(0.9123, a.top1(), 0);
        assertEquals(91.23, a.top1Percent(), 1e-12);
        assertTrue(a.toString().contains("91.23%"));
        assertTrue(Double.isNaN(new Accuracy(0, 0, 0, "none").top1()));
    }
}
