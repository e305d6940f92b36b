package org.mixquant.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EqualBitsTest {
    /** A row of model {@code model}, quality = top-1 {@code top1Percent} %, FP32 at 92 %. */
    static EvalRow row(String model, String methodId, String plan, String rule, double bits, double top1Percent,
            String histogram) {
        return new EvalRow(model, methodId, methodId + "-asymmetric", plan, rule, bits, bits / 8, histogram,
                Map.of(MetricId.TOP1, top1Percent / 100, MetricId.TOP1_DROP, 92 - top1Percent), 1000,
                new EvalRow.Timings(0, 1, 1));
    }

    static EvalRow row(String methodId, String plan, String rule, double bits, double top1Percent, String hist) {
        return row("m", methodId, plan, rule, bits, top1Percent, hist);
    }

    static final EvalRow FP32 = row(EvalRow.FP32, "fp32", "fp32", 32, 92, "fp32");

    /** Percent values go through ×100 and /100 in double: equal to about 1e-13. */
    static final double PCT_TOL = 1e-9;

    @Test
    void theToleranceIsOneSided() {
        assertTrue(EqualBits.equal(4, 4));
        assertTrue(EqualBits.equal(3.995, 4), "a budget that could not fill its 4 bits");
        assertFalse(EqualBits.equal(3.98, 4), "0.02 bit less is a smaller model");
        assertFalse(EqualBits.equal(4.001, 4), "MixQuant never gets more bits than the uniform plan");
    }

    @Test
    void mixQuantRowsMeetTheSameMethodsUniformRowAtEqualBitsOrItsInterpolation() {
        List<EvalRow> rows = List.of(FP32,
                row("nearest", "uniform-4", "uniform", 4, 91, "4:10"),
                row("nearest", "uniform-3", "uniform", 3, 87, "3:10"),
                row("brecq", "uniform-3", "uniform", 3, 90, "3:10"),
                row("nearest", "budget=4", "avg-bits", 3.995, 91.5, "3:1 4:8 5:1"),
                row("nearest", "budget=3.5", "avg-bits", 3.5, 90, "3:5 4:5"),
                row("brecq", "budget=3.5", "avg-bits", 3.5, 90.5, "3:5 4:5"));
        List<String> lines = EqualBits.lines(rows);
        assertEquals(3, lines.size(), lines.toString());
        assertEquals("nearest budget=4 (3.995 b): top1_% 91.5000 vs uniform-4 (4.000 b) 91.0000: +0.5000",
                lines.get(0));
        assertTrue(lines.get(1).endsWith("vs 89.0000 interpolated between uniform-3 and uniform-4: +1.0000"),
                lines.get(1));
        assertTrue(lines.get(2).endsWith("no uniform brecq row at or around these bits"), lines.get(2));
    }

    /** Paired deltas: same model and method, equal bits, a different plan; identical plans compare nothing. */
    @Test
    void deltasPairOnlyDifferentPlansOfTheSameModelAndMethodAtEqualBits() {
        List<EvalRow> rows = List.of(FP32,
                row("nearest", "uniform-4", "uniform", 4, 91, "4:10"),
                row("nearest", "budget=4", "avg-bits", 3.995, 91.5, "3:1 4:8 5:1"),
                row("nearest", "qem=300", "qem", 4, 91, "4:10"),
                row("brecq", "budget=4", "avg-bits", 4, 92, "3:1 4:8 5:1"),
                row("other", "nearest", "budget=4", "avg-bits", 4, 95, "3:1 4:8 5:1"),
                row("nearest", "budget=3.5", "avg-bits", 3.5, 90, "3:5 4:5"),
                row("nearest", "qem=20", "qem", 4.004, 93, "4:9 5:1"));
        List<Double> d = EqualBits.deltas(rows);
        assertEquals(1, d.size(), d.toString());
        assertEquals(0.5, d.get(0), PCT_TOL);
        List<EqualBits.Pair> pairs = EqualBits.pairs(rows);
        assertEquals(2, pairs.size(), "budget=4 and qem=300 meet uniform-4; qem=20 has more bits");
        assertTrue(pairs.get(1).samePlan());
        assertTrue(EqualBits.lines(rows).get(1).endsWith("(the search chose uniform bits: same plan)"));
    }
    /** Grouped by uniform row: every plan at 4 bits (qe, measured) before every plan at 3 bits, each group in row order. */
    @Test
    void pairsByUniformListEachUniformRowsPlansTogether() {
        List<EvalRow> rows = List.of(FP32,
                row("nearest", "uniform-4", "uniform", 4, 91, "4:10"),
                row("nearest", "uniform-3", "uniform", 3, 87, "3:10"),
                row("nearest", "budget=4", "avg-bits", 3.995, 91.5, "3:1 4:8 5:1"),
                row("nearest", "budget=3", "avg-bits", 3, 86, "2:1 3:8 4:1"),
                row("nearest", "budget=3.5", "avg-bits", 3.5, 90, "3:5 4:5"),
                row("nearest", "budget=4-measured", "avg-bits", 4, 92, "3:2 4:6 5:2"),
                row("nearest", "budget=3-measured", "avg-bits", 2.998, 88, "2:2 3:6 4:2"));
        List<String> order = EqualBits.pairsByUniform(rows).stream()
                .map(p -> p.mixQuant().plan() + "/" + p.uniform().plan()).toList();
        assertEquals(List.of("budget=4/uniform-4", "budget=4-measured/uniform-4", "budget=3/uniform-3",
                "budget=3-measured/uniform-3"), order);
        assertEquals(EqualBits.pairs(rows).size(), order.size(), "the same pairs, reordered");
    }
}
