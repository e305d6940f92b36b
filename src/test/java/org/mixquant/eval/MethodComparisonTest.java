package org.mixquant.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mixquant.data.FashionMnist;
import org.mixquant.methods.Brecq;
import org.mixquant.methods.NearestRounding;
import org.mixquant.methods.rounding.ReconstructionOptions;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.cnn.CnnModels;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;
import org.mixquant.search.ErrorTable;
import org.mixquant.search.MixQuant;
import org.mixquant.progress.Progress;

/** Equal-bits pairing of MixQuant and uniform rows, and budget plans that match a method's uniform plan in size. */
class MethodComparisonTest {
    static ComparisonRow row(String method, String plan, String rule, double bits, double quality) {
        return new ComparisonRow("m", method, plan, rule, bits, bits / 8, "top1_%", quality, 92, Double.NaN, 0, 1, 1,
                "");
    }

    @Test
    void mixQuantRowsMeetTheSameMethodsUniformRowAtEqualBitsOrItsInterpolation() {
        List<ComparisonRow> rows = List.of(row("none", "fp32", "fp32", 32, 92),
                row("nearest-asymmetric", "uniform-4", "uniform", 4, 91),
                row("nearest-asymmetric", "uniform-3", "uniform", 3, 87),
                row("brecq-asymmetric", "uniform-3", "uniform", 3, 90),
                row("nearest-asymmetric", "budget=4", "avg-bits", 3.995, 91.5),
                row("nearest-asymmetric", "budget=3.5", "avg-bits", 3.5, 90),
                row("brecq-asymmetric", "budget=3.5", "avg-bits", 3.5, 90.5));
        List<String> lines = MethodComparison.equalBits(rows);
        assertEquals(3, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("asym budget=4 (3.995 b): top1_% 91.5000 vs uniform-4 (4.000 b) 91.0000:"
                + " +0.5000"), lines.get(0));
        assertTrue(lines.get(1).endsWith("vs 89.0000 interpolated between uniform-3 and uniform-4: +1.0000"),
                lines.get(1));
        assertTrue(lines.get(2).endsWith("no uniform brecq row at or around these bits"), lines.get(2));
        assertEquals("asym", rows.get(1).methodFamily());
        assertEquals(-1, rows.get(1).delta(), 0);
    }

    /** Paired deltas: same method, equal bits within 0.01, and a different plan; identical plans compare nothing. */
    @Test
    void equalBitsDeltasPairOnlyDifferentPlansOfTheSameMethodAtEqualBits() {
        List<ComparisonRow> rows = List.of(row("none", "fp32", "fp32", 32, 92),
                hist(row("nearest-asymmetric", "uniform-4", "uniform", 4, 91), "4:10"),
                hist(row("nearest-asymmetric", "budget=4", "avg-bits", 3.995, 91.5), "3:1 4:8 5:1"),
                hist(row("nearest-asymmetric", "qem=300", "qem", 4, 91), "4:10"),
                hist(row("brecq-asymmetric", "budget=4", "avg-bits", 4, 92), "3:1 4:8 5:1"),
                hist(row("nearest-asymmetric", "budget=3.5", "avg-bits", 3.5, 90), "3:5 4:5"));
        assertEquals(List.of(0.5), MethodComparison.equalBitsDeltas(rows));
    }

    static ComparisonRow hist(ComparisonRow r, String histogram) {
        return new ComparisonRow(r.model(), r.method(), r.plan(), r.rule(), r.averageBits(), r.sizeMB(), r.metric(),
                r.quality(), r.fp32Quality(), r.secondary(), r.searchSeconds(), r.quantizeSeconds(), r.evalSeconds(),
                histogram);
    }

    @Test
    void budgetPlanForBrecqHasTheAverageBitsOfItsUniformPlan() throws Exception {
        CnnModel m = CnnModels.load("mobilenetv2-fashion");
        ErrorTable t = ErrorTable.compute(m, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, 1, Progress.NONE);
        Brecq brecq = Brecq.blocks(FashionMnist.calibration(8, 1), ReconstructionOptions.builder().optIterations(1)
                .build());
        BitPlan uniform = brecq.effectivePlan(m, BitPlan.uniform(m.source(), m.layerNames(), 3, Scheme.ASYMMETRIC,
                Granularity.PER_CHANNEL));
        BitPlan budget = MethodComparison.budgetPlan(brecq, m, t, 3);
        assertEquals("budget=3+fl8", budget.name());
        assertEquals(8, budget.bitsOf("stem.conv"));
        assertEquals(8, budget.bitsOf("head.fc"));
        assertEquals(budget, brecq.effectivePlan(m, budget), "BRECQ applies the budget plan unchanged");
        double u = SizeReport.of(m, uniform).averageBits();
        double b = SizeReport.of(m, budget).averageBits();
        assertTrue(b <= u + 1e-9 && u - b < MethodComparison.EQUAL_BITS, "budget " + b + " vs uniform " + u);
        assertTrue(u > 3.05, "first/last at 8 bits raise MobileNetV2's uniform-3 average: " + u);
        assertEquals(MixQuant.budget(t, 3), MethodComparison.budgetPlan(new NearestRounding(), m, t, 3));
    }
}
