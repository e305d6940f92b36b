package org.mixquant.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Bits;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;

class MixQuantTest {
    /**
     * Two layers: "a" follows the step²/12 model exactly; "b" is outlier-heavy, with QE falling more slowly at low
     * bits (ratios well below the model).
     */
    static ErrorTable table() {
        double[][] sse = new double[2][Bits.COUNT];
        for (int b = Bits.MIN; b <= Bits.MAX; b++) {
            sse[0][b - Bits.MIN] = 1e-6 * ErrorTable.modelRatioTo8(Scheme.ASYMMETRIC, b);
            sse[1][b - Bits.MIN] = 1e-6 * Math.pow(3.0, Bits.MAX - b);
        }
        return ErrorTable.of("synthetic", Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, List.of("a", "b"),
                new long[] {100, 100}, sse, new double[] {1.0, 1.0});
    }

    @Test
    void qemPicksTheSmallestWidthWithinTheMultiple() {
        ErrorTable t = table();
        // Model ratios: 4.03 (7), 16.4 (6), 67.7 (5), 289 (4), 1323 (3), 7225 (2). Layer b: 3^(8-b).
        BitPlan p = MixQuant.qem(t, 20);
        assertEquals(6, p.bitsOf("a"));
        assertEquals(6, p.bitsOf("b"), "3^2 = 9 <= 20 < 3^3 = 27");
        p = MixQuant.qem(t, 300);
        assertEquals(4, p.bitsOf("a"));
        assertEquals(3, p.bitsOf("b"), "3^5 = 243 <= 300");
        assertEquals(8, MixQuant.qem(t, 1).bitsOf("a"));
        assertEquals("qem", p.rule());
        assertEquals(300.0, p.params().get("qem"));
    }

    @Test
    void qemOnAnExactLayerGivesTwoBits() {
        ErrorTable t = ErrorTable.of("z", Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, List.of("zero"),
                new long[] {4}, new double[][] {new double[Bits.COUNT]}, new double[] {0});
        assertEquals(2, MixQuant.qem(t, 1.5).bitsOf("zero"));
    }

    @Test
    void relativeErrorThreshold() {
        ErrorTable t = table();
        BitPlan p = MixQuant.maxRelativeError(t, 1e-3);
        // a: 1e-6 * ratio <= 1e-3  → ratio <= 1000 → 4 bits (289); b: 3^(8-b) <= 1000 → 3^6 = 729 → 2 bits.
        assertEquals(4, p.bitsOf("a"));
        assertEquals(2, p.bitsOf("b"));
        BitPlan tight = MixQuant.maxRelativeError(t, 1e-9);
        assertEquals(8, tight.bitsOf("a"), "unreachable thresholds fall back to 8 bits");
        assertEquals(2L, tight.params().get("layersAboveThresholdAt8Bits"));
    }

    @Test
    void budgetMeetsTheAverageAndPrefersTheLayerWithMoreError() {
        ErrorTable t = table();
        BitPlan p = MixQuant.budget(t, 4);
        assertTrue(p.averageBits(t.paramCounts()) <= 4 + 1e-12);
        assertEquals("exact-dp", p.params().get("solver"));
        // Layer a's error falls 4x per bit, b's only 3x: the optimum gives a more bits than b.
        assertTrue(p.bitsOf("a") >= p.bitsOf("b"), p.toString());
        BitPlan weighted = MixQuant.budget(t, 4, Map.of("b", 1e6));
        assertTrue(weighted.bitsOf("b") > weighted.bitsOf("a"), "a large sensitivity buys layer b bits");
    }

    @Test
    void budgetWithFixedLayersKeepsThemAndSpendsTheRestOnTheOthers() {
        ErrorTable t = table();
        BitPlan free = MixQuant.budget(t, 4);
        BitPlan fixed = MixQuant.budget(t, 4, Map.of(), Map.of("a", 2));
        assertEquals(2, fixed.bitsOf("a"), "the fixed layer keeps its bits");
        assertTrue(fixed.averageBits(t.paramCounts()) <= 4 + 1e-12, fixed.toString());
        assertTrue(fixed.bitsOf("b") > free.bitsOf("b"), "b gets the bits a gave up: " + fixed + " vs " + free);
        assertEquals(Map.of("a", 2L), fixed.params().get("fixed"));
        assertThrows(IllegalArgumentException.class, () -> MixQuant.budget(t, 2.5, Map.of(), Map.of("a", 8)),
                "the fixed layer alone needs more than the budget");
        assertThrows(IllegalArgumentException.class, () -> MixQuant.budget(t, 4, Map.of(), Map.of("zz", 8)));
        assertThrows(IllegalArgumentException.class, () -> MixQuant.budget(t, 4, Map.of(), Map.of("a", 9)));
    }

    @Test
    void invalidParametersAreRejectedWithTheirValue() {
        ErrorTable t = table();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MixQuant.qem(t, 0.5)).getMessage()
                .contains("0.5"));
        assertThrows(IllegalArgumentException.class, () -> MixQuant.qem(t, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> MixQuant.maxRelativeError(t, 0));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MixQuant.budget(t, 1.5)).getMessage()
                .contains("1.5"));
        assertThrows(IllegalArgumentException.class, () -> MixQuant.budget(t, 9));
        assertThrows(IllegalArgumentException.class, () -> MixQuant.budget(t, 4, Map.of("a", -1.0)));
    }

    @Test
    void plansRecordProvenance() {
        BitPlan p = MixQuant.budget(table(), 3.5);
        assertEquals("synthetic", p.model());
        assertEquals(org.mixquant.io.Version.get(), p.provenance().get("toolkit"));
        assertEquals(System.getProperty("java.version"), p.provenance().get("java"));
        assertEquals("budget=3.5", p.name());
    }

    @Test
    void compactNumbers() {
        assertEquals("2", MixQuant.fmt(2.0));
        assertEquals("1.5", MixQuant.fmt(1.5));
        assertEquals("0.02", MixQuant.fmt(0.02));
    }
}
