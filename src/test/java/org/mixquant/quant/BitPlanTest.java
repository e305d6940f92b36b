package org.mixquant.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BitPlanTest {
    @TempDir
    Path dir;

    static BitPlan sample() {
        Map<String, Integer> bits = new LinkedHashMap<>();
        bits.put("/encoder/layer.0/attention/self/query/MatMul", 4);
        bits.put("b", 2);
        bits.put("c", 8);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("avgBits", 3.5);
        params.put("solver", "exact-dp");
        return new BitPlan("budget=3.5", "minilm", Scheme.SYMMETRIC, Granularity.PER_TENSOR, "avg-bits", params,
                BitPlan.defaultProvenance(42), bits);
    }

    /** The one round-trip helper: JSON out, JSON in, equal, and the JSON is stable. */
    static BitPlan roundTrip(BitPlan p) {
        String json = p.toJson();
        BitPlan back = BitPlan.fromJson(json);
        assertEquals(json, back.toJson(), "JSON is stable across a round trip");
        return back;
    }

    @Test
    void jsonRoundTripKeepsEverything() {
        BitPlan p = sample();
        BitPlan back = roundTrip(p);
        assertEquals(p.bits(), back.bits());
        assertEquals(List.copyOf(p.bits().keySet()), List.copyOf(back.bits().keySet()), "layer order kept");
        assertEquals(p.name(), back.name());
        assertEquals(p.scheme(), back.scheme());
        assertEquals(p.granularity(), back.granularity());
        assertEquals(p.rule(), back.rule());
        assertEquals(3.5, ((Number) back.params().get("avgBits")).doubleValue());
        assertEquals(42, ((Number) back.provenance().get("seed")).intValue());
    }

    @Test
    void fileRoundTripIsAtomic() throws IOException {
        Path f = dir.resolve("plans/p.json");
        sample().write(f);
        assertEquals(sample().bits(), BitPlan.read(f).bits());
        try (var s = Files.list(f.getParent())) {
            assertEquals(1, s.count(), "no temporary file is left behind");
        }
    }

    @Test
    void bitsOutsideTwoToEightAreRejected() {
        for (int b : new int[] {1, 9, 0, -3}) {
            String json = sample().toJson().replace("\"b\" : 2", "\"b\" : " + b);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BitPlan.fromJson(json));
            assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains("got " + b), e.getMessage());
        }
        String frac = sample().toJson().replace("\"b\" : 2", "\"b\" : 2.5");
        assertThrows(IllegalArgumentException.class, () -> BitPlan.fromJson(frac));
    }

    @Test
    void validationAgainstAModelNamesUnknownAndMissingLayers() {
        BitPlan p = sample();
        List<String> model = List.of("/encoder/layer.0/attention/self/query/MatMul", "b", "c");
        assertEquals(p, p.validateFor(model));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> p.validateFor(List.of("/encoder/layer.0/attention/self/query/MatMul", "b")));
        assertTrue(e.getMessage().contains("'c'") && e.getMessage().contains("does not have"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> p.validateFor(List.of("b", "c", "d",
                "/encoder/layer.0/attention/self/query/MatMul")));
        assertTrue(e.getMessage().contains("no bits for layer 'd'"), e.getMessage());
    }

    @Test
    void malformedJsonGivesOneLineReasons() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BitPlan.fromJson("{not json"))
                .getMessage().startsWith("the bit plan is not valid JSON"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BitPlan.fromJson("{\"format\":\"x/9\"}"))
                .getMessage().contains("unsupported bit plan format"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BitPlan.fromJson("{}"))
                .getMessage().contains("no \"bits\""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BitPlan.fromJson("[1,2]"))
                .getMessage().contains("JSON object"));
    }

    @Test
    void summaries() {
        BitPlan p = sample();
        Map<String, Long> params = Map.of("/encoder/layer.0/attention/self/query/MatMul", 100L, "b", 100L, "c", 200L);
        assertEquals((4 * 100 + 2 * 100 + 8 * 200) / 400.0, p.averageBits(params), 0.0);
        assertEquals(Map.of(2, 1, 4, 1, 8, 1), p.histogram());
        assertFalse(p.isUniform());
        assertTrue(BitPlan.uniform("m", List.of("x", "y"), 3, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL)
                .isUniform());
        assertThrows(IllegalArgumentException.class, () -> p.averageBits(Map.of("b", 1L)));
        assertThrows(IllegalArgumentException.class, () -> p.bitsOf("zzz"));
    }

    @Test
    void isImmutable() {
        BitPlan p = sample();
        assertThrows(UnsupportedOperationException.class, () -> p.bits().put("x", 3));
        assertThrows(UnsupportedOperationException.class, () -> p.params().put("x", 3));
        assertThrows(IllegalArgumentException.class, () -> BitPlan.uniform("m", List.of("x"), 9, Scheme.ASYMMETRIC,
                Granularity.PER_CHANNEL));
    }
}
