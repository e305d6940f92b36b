package org.mixquant.methods;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.mixquant.data.FortuneCorpus;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.TinyBert;
import org.mixquant.model.onnx.TokenIds;
import org.mixquant.methods.rounding.ReconstructionOptions;

class OnnxTextCalibrationTest {
    @Test
    void calibrationTextsDoNotOverlapTheEvaluationCorpus() throws Exception {
        List<String> eval = FortuneCorpus.load(512);
        List<String> cal = OnnxTextCalibration.fortuneTexts(64);
        assertEquals(64, cal.size());
        assertEquals(FortuneCorpus.load(512 + 64).subList(512, 576), cal);
        Set<String> e = new HashSet<>(eval);
        for (String s : cal) {
            assertTrue(!e.contains(s), "calibration text is in the evaluation corpus: " + s);
        }
    }

    @Test
    void rowSubsetIsSortedDistinctAndSeeded() {
        int[] a = OnnxTextCalibration.chooseRows(1000, 100, 3);
        assertArrayEquals(a, OnnxTextCalibration.chooseRows(1000, 100, 3));
        assertEquals(100, a.length);
        for (int i = 1; i < a.length; i++) {
            assertTrue(a[i] > a[i - 1]);
        }
        assertEquals(10, OnnxTextCalibration.chooseRows(10, 100, 3).length, "all rows when there are few");
    }

    /**
     * The rows are a partial Fisher-Yates shuffle driven by {@code new Random(seed)}, as the javadoc says. Seeding with
     * {@code seed ^ 0x5DEECE66D} cancelled Random's own scrambling: seed 0 became state 0, whose first draw is always 0.
     */
    @Test
    void rowsComeFromRandomSeededWithTheSeed() {
        for (long seed : new long[] {0, 1, 7}) {
            java.util.Random rnd = new java.util.Random(seed);
            int[] all = new int[1000];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
            for (int i = 0; i < 5; i++) {
                int j = i + rnd.nextInt(all.length - i);
                int t = all[i];
                all[i] = all[j];
                all[j] = t;
            }
            int[] expected = java.util.Arrays.copyOf(all, 5);
            java.util.Arrays.sort(expected);
            assertArrayEquals(expected, OnnxTextCalibration.chooseRows(1000, 5, seed), "seed " + seed);
        }
        assertTrue(OnnxTextCalibration.chooseRows(1000, 1, 0)[0] != 0, "seed 0 no longer always keeps row 0");
    }

    @Test
    void evaluationCorpusMustStayDisjointFromCalibration() {
        OnnxTextCalibration.requireDisjoint(OnnxTextCalibration.FORTUNE_OFFSET);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> OnnxTextCalibration.requireDisjoint(OnnxTextCalibration.FORTUNE_OFFSET + 1));
        assertTrue(e.getMessage().contains("at most 512"), e.getMessage());
    }

    @Test
    void capturesTheSameRowsForEveryVersionOfTheModel() throws Exception {
        OnnxModel m = OnnxModel.fromBytes("tinybert", TinyBert.bytes(3));
        long[][] ids = TinyBert.ids(30, 8, 2);
        ReconstructionOptions opts = ReconstructionOptions.builder().optCalibrationSamples(25).optMaxRows(50)
                .optThreads(1).build();
        OnnxTextCalibration cal = OnnxTextCalibration.create(m, ids, opts);
        assertEquals(25, cal.samples(), "the first calibrationSamples texts");
        assertEquals(TokenIds.totalTokens(java.util.Arrays.copyOf(ids, 25)), cal.tokens());
        assertEquals(50, cal.rows());
        Map<String, float[]> x = cal.inputs(m, List.of("emb", "q"));
        assertEquals(50 * TinyBert.H, x.get("emb").length);
        assertArrayEquals(x.get("q"), cal.inputs(m, List.of("q")).get("q"), 0f, "same rows every time");
    }
}
