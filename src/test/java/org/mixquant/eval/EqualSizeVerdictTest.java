package org.mixquant.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;

/** The best mixed plan against uniform at equal size, on hand-made frontier rows of a two-layer model. */
class EqualSizeVerdictTest {
    /** Top-1 goes through ×100 in double: equal to about 1e-13. */
    static final double PCT_TOL = 1e-9;

    /** A plan of layers a and b (equal sizes, so the average bits are the mean of the two). */
    static BitPlan plan(String name, String rule, int a, int b) {
        Map<String, Integer> bits = new LinkedHashMap<>();
        bits.put("a", a);
        bits.put("b", b);
        return new BitPlan(name, "m", Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, rule, Map.of(), Map.of(), bits);
    }

    static Frontier.Point point(String cost, double budget, BitPlan plan, double avgBits, double top1) {
        return new Frontier.Point(cost, budget, plan, avgBits, avgBits / 8, Map.of(MetricId.TOP1, top1),
                cost.equals("uniform") ? Double.NaN : 1, 0.1);
    }

    static Frontier.Result result(List<Frontier.Point> points) {
        return new Frontier.Result("m", "adaround", "KL", Map.of(MetricId.TOP1, 0.92), points, List.of(), 1);
    }

    /**
     * Budget 3: mixed (qe 0.905, measured 0.915) against uniform 0.910 — the best, measured, wins. Budget 4: the only
     * mixed plan at equal size (qe) loses; the measured one has 0.02 bit less, a smaller model, and is not compared
     * even though it is better. Budget 3.5 has no uniform plan and is not listed.
     */
    @Test
    void mixedLosingAtOneBudgetIsReported() {
        Frontier.Point u3 = point("uniform", 3, plan("uniform-3", "uniform", 3, 3), 3.0, 0.910);
        Frontier.Point qe3 = point("qe", 3, plan("budget=3-qe", "avg-bits", 2, 4), 3.0, 0.905);
        Frontier.Point me3 = point("measured", 3, plan("budget=3-measured", "avg-bits", 4, 2), 2.995, 0.915);
        Frontier.Point qe35 = point("qe", 3.5, plan("budget=3.5-qe", "avg-bits", 3, 4), 3.5, 0.95);
        Frontier.Point u4 = point("uniform", 4, plan("uniform-4", "uniform", 4, 4), 4.0, 0.918);
        Frontier.Point qe4 = point("qe", 4, plan("budget=4-qe", "avg-bits", 3, 5), 4.0, 0.912);
        Frontier.Point me4 = point("measured", 4, plan("budget=4-measured", "avg-bits", 5, 3), 3.98, 0.930);
        EqualSizeVerdict.Result v = EqualSizeVerdict.of(result(List.of(u3, qe3, me3, qe35, u4, qe4, me4)));

        assertEquals(MetricId.TOP1, v.metric());
        assertEquals("adaround", v.method());
        assertEquals(List.of(3.0, 4.0), v.budgets().stream().map(EqualSizeVerdict.Budget::budget).toList());
        EqualSizeVerdict.Budget b3 = v.budgets().get(0);
        assertSame(me3, b3.best());
        assertEquals(0.5, b3.delta(), PCT_TOL, "in percentage points");
        assertFalse(b3.mixedLoses());
        EqualSizeVerdict.Budget b4 = v.budgets().get(1);
        assertSame(qe4, b4.best(), "3.98 bits is not the size of uniform-4");
        assertEquals(-0.6, b4.delta(), PCT_TOL);
        assertTrue(b4.mixedLoses());

        assertTrue(v.mixedLosesAnywhere());
        assertEquals(List.of(b4), v.losses());
        assertEquals(Verdict.DISAGREES, v.verdict());
        List<String> lines = v.lines();
        assertEquals(3, lines.size());
        assertEquals("3.00 bits: best mixed measured budget=3-measured (2.9950 b) top1_% 91.5000 vs uniform-3"
                + " (3.0000 b) 91.0000: +0.5000", lines.get(0));
        assertTrue(lines.get(1).startsWith("4.00 bits: best mixed qe budget=4-qe (4.0000 b) top1_% 91.2000 vs"
                + " uniform-4 (4.0000 b) 91.8000: -0.6000") && lines.get(1).endsWith("MIXED LOSES"), lines.get(1));
        assertTrue(lines.get(2).startsWith("DISAGREES    adaround: " + EqualSizeVerdict.CLAIM), lines.get(2));
        assertTrue(lines.get(2).contains("mixed loses at 1 of 2 budgets compared (2 with a uniform plan)"),
                lines.get(2));
    }

    /** No loss where compared agrees; a tie is not a loss; a search that chose uniform bits is marked. */
    @Test
    void noLossAgreesAndATieIsNotALoss() {
        Frontier.Point u3 = point("uniform", 3, plan("uniform-3", "uniform", 3, 3), 3.0, 0.91);
        Frontier.Point qe3 = point("qe", 3, plan("budget=3-qe", "avg-bits", 3, 3), 3.0, 0.91);
        EqualSizeVerdict.Result v = EqualSizeVerdict.of(result(List.of(u3, qe3)));
        EqualSizeVerdict.Budget b = v.budgets().get(0);
        assertTrue(b.samePlan());
        assertEquals(0, b.delta(), 0, "the same number on both sides");
        assertFalse(b.mixedLoses());
        assertEquals(Verdict.AGREES, v.verdict());
        assertTrue(b.line().endsWith("(the search chose uniform bits: same plan)"), b.line());
    }

    /** A uniform budget without any mixed plan at its size decides nothing. */
    @Test
    void nothingAtEqualSizeIsInconclusive() {
        Frontier.Point u3 = point("uniform", 3, plan("uniform-3", "uniform", 3, 3), 3.0, 0.91);
        Frontier.Point qe3 = point("qe", 3, plan("budget=3-qe", "avg-bits", 2, 3), 2.5, 0.80);
        EqualSizeVerdict.Result v = EqualSizeVerdict.of(result(List.of(u3, qe3)));
        EqualSizeVerdict.Budget b = v.budgets().get(0);
        assertFalse(b.compared());
        assertNull(b.best());
        assertTrue(Double.isNaN(b.delta()));
        assertFalse(v.mixedLosesAnywhere());
        assertEquals(Verdict.INCONCLUSIVE, v.verdict());
        assertEquals("3.00 bits: no mixed plan within 0.01 bits below uniform-3 (3.0000 b) 91.0000", b.line());
    }

    /** Text encoders are compared on mean cosine, as EvalRow ranks them. */
    @Test
    void textEncodersCompareMeanCosine() {
        Frontier.Point u = new Frontier.Point("uniform", 4, plan("uniform-4", "uniform", 4, 4), 4, 0.5,
                Map.of(MetricId.MEAN_COSINE, 0.92, MetricId.TOP10_OVERLAP, 0.70), Double.NaN, 0.1);
        Frontier.Point m = new Frontier.Point("measured", 4, plan("budget=4-measured", "avg-bits", 3, 5), 4, 0.5,
                Map.of(MetricId.MEAN_COSINE, 0.94, MetricId.TOP10_OVERLAP, 0.65), 1, 0.1);
        EqualSizeVerdict.Result v = EqualSizeVerdict.of(new Frontier.Result("minilm", "adaround", "1 - cos",
                Map.of(MetricId.MEAN_COSINE, 1.0, MetricId.TOP10_OVERLAP, 1.0), List.of(u, m), List.of(), 1));
        assertEquals(MetricId.MEAN_COSINE, v.metric());
        assertEquals(0.02, v.budgets().get(0).delta(), 1e-12);
        assertEquals(Verdict.AGREES, v.verdict());
    }
    /** The one-sentence verdict counts the budgets where mixed is ahead and gives each delta and their mean. */
    @Test
    void summarySaysWhereMixedPrecisionPaysAndByHowMuch() {
        Frontier.Point u3 = point("uniform", 3, plan("uniform-3", "uniform", 3, 3), 3.0, 0.910);
        Frontier.Point me3 = point("measured", 3, plan("budget=3-measured", "avg-bits", 4, 2), 3.0, 0.920);
        Frontier.Point u4 = point("uniform", 4, plan("uniform-4", "uniform", 4, 4), 4.0, 0.918);
        Frontier.Point me4 = point("measured", 4, plan("budget=4-measured", "avg-bits", 5, 3), 4.0, 0.916);
        String s = EqualSizeVerdict.of(result(List.of(u3, me3, u4, me4))).summary();
        assertEquals("m, adaround: mixed precision pays at 1 of 2 budgets compared (top1_%, best mixed − uniform:"
                + " +1.0000 at 3.00 bits, -0.2000 at 4.00 bits; mean +0.4000)", s);
        Frontier.Point me4worse = point("measured", 4, plan("budget=4-measured", "avg-bits", 5, 3), 4.0, 0.900);
        assertTrue(EqualSizeVerdict.of(result(List.of(u4, me4worse))).summary()
                .contains("mixed precision does not pay at any of 1 budgets compared"));
        assertTrue(EqualSizeVerdict.of(result(List.of(u4))).summary().endsWith("nothing compared"));
    }
}
