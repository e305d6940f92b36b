package org.mixquant.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;

class EvalRowTest {
    /** A classifier row of model {@code m}: top-1 {@code top1} (fraction) with FP32 at 0.92. */
    static EvalRow cnn(String methodId, String plan, String rule, double bits, double top1, String histogram) {
        return new EvalRow("m", methodId, methodId + "-asymmetric", plan, rule, bits, bits / 8, histogram,
                Map.of(MetricId.TOP1, top1, MetricId.TOP1_DROP, 100 * (0.92 - top1)), 1000,
                new EvalRow.Timings(0, 1, 1));
    }

    @Test
    void aClassifierRowRanksByTopOneInPercentAndItsDropFromFp32() {
        EvalRow r = cnn("brecq", "budget=3", "avg-bits", 3, 0.90, "3:8 4:2");
        assertEquals(MetricId.TOP1, r.primary());
        assertEquals(90.0, r.quality(), 1e-12, "percent: 0.90 × 100 in double");
        assertEquals(-2.0, r.delta(), 1e-12, "minus the drop, 100·(0.92 − 0.90) in double");
        assertTrue(Double.isNaN(r.metric(MetricId.MEAN_COSINE)), "not measured: NaN");
        assertTrue(r.isMixQuant());
        assertFalse(r.isUniform() || r.isFp32());
    }

    @Test
    void aTextRowRanksByMeanCosineAgainstFp32sOne() {
        EvalRow r = new EvalRow("minilm", "nearest", "nearest-asymmetric", "uniform-4", "uniform", 4, 5.0, "4:36",
                Map.of(MetricId.MEAN_COSINE, 0.97, MetricId.MIN_COSINE, 0.9, MetricId.TOP10_OVERLAP, 0.7), 32,
                new EvalRow.Timings(0, 0.5, 2));
        assertEquals(MetricId.MEAN_COSINE, r.primary());
        assertEquals(0.97, r.quality(), 0.0);
        assertEquals(0.97 - 1, r.delta(), 0.0);
        assertTrue(r.isUniform());
        assertFalse(r.isMixQuant());
    }

    @Test
    void anOutputFidelityRowRanksByOutputCosineAndKeepsItsSqnr() {
        EvalRow r = new EvalRow("net.onnx", "adaround", "adaround-asymmetric", "uniform-3", "uniform", 3, 0.1,
                "3:22", Map.of(MetricId.OUTPUT_COSINE, 0.995, MetricId.OUTPUT_SQNR, 22.4), 256,
                new EvalRow.Timings(0, 60, 2));
        assertEquals(MetricId.OUTPUT_COSINE, r.primary());
        assertEquals(0.995, r.quality(), 0.0);
        assertEquals(0.995 - 1, r.delta(), 0.0);
        assertEquals(22.4, r.metric(MetricId.OUTPUT_SQNR), 0.0);
    }

    @Test
    void metricsAreAnImmutableCopy() {
        Map<MetricId, Double> m = new EnumMap<>(MetricId.class);
        m.put(MetricId.TOP1, 0.5);
        EvalRow r = new EvalRow("m", EvalRow.FP32, "none", EvalRow.FP32, EvalRow.FP32, 32, 1, EvalRow.FP32, m, 10,
                new EvalRow.Timings(0, 0, 1));
        m.put(MetricId.TOP1, 0.1);
        assertEquals(0.5, r.metric(MetricId.TOP1), 0.0, "editing the caller's map changes nothing");
        assertThrows(UnsupportedOperationException.class, () -> r.metrics().put(MetricId.TOP1, 0.0));
        assertTrue(r.isFp32());
        assertThrows(NullPointerException.class, () -> new EvalRow("m", null, "none", "p", "r", 32, 1, "h", m, 1,
                new EvalRow.Timings(0, 0, 0)));
    }

    @Test
    void histogramListsLayersPerWidthInAscendingBits() {
        BitPlan p = BitPlan.uniform("m", List.of("a", "b", "c"), 4, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL);
        assertEquals("4:3", EvalRow.histogram(p));
        BitPlan mixed = new BitPlan("x", "m", Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, "test", Map.of(),
                p.provenance(), new java.util.LinkedHashMap<>(Map.of("a", 8, "b", 3, "c", 3)));
        assertEquals("3:2 8:1", EvalRow.histogram(mixed));
    }
}
