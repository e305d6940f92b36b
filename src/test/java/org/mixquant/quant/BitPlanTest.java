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
        assertEquals(p, back, "the plan read back equals the plan written (record equality, value types included)");
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
    void valuesOfEveryJsonTypeComeBackEqual() {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("bits", 4);                       // Integer → Long
        params.put("qem", 1.5f);                     // Float → Double
        params.put("budget", 3.0);                   // an integral double stays a Double
        params.put("big", Long.MAX_VALUE);
        params.put("flag", true);
        params.put("none", null);
        params.put("scheme", Scheme.ASYMMETRIC);     // enum → its name
        params.put("widths", List.of(2, 3, 4));
        params.put("nested", Map.of("iters", (short) 7));
        BitPlan p = new BitPlan("p", "minilm", Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, "test", params,
                BitPlan.defaultProvenance(9), Map.of("a", 3));
        BitPlan back = roundTrip(p);
        assertEquals(4L, back.params().get("bits"));
        assertEquals(1.5, back.params().get("qem"));
        assertEquals(3.0, back.params().get("budget"));
        assertEquals(List.of(2L, 3L, 4L), back.params().get("widths"));
        assertEquals(Map.of("iters", 7L), back.params().get("nested"));
        assertEquals(9L, back.seed());
        assertEquals(org.mixquant.io.Version.get(), back.toolkitVersion());
    }

    @Test
    void valuesJsonCannotHoldAreRefusedNamingTheKey() {
        Map<String, Object> nan = Map.of("qem", Double.NaN);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BitPlan("p", "m",
                Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, "r", nan, Map.of(), Map.of("a", 3)));
        assertTrue(e.getMessage().contains("params.qem"), e.getMessage());
        Map<String, Object> obj = Map.of("when", new Object());
        e = assertThrows(IllegalArgumentException.class, () -> new BitPlan("p", "m", Scheme.ASYMMETRIC,
                Granularity.PER_CHANNEL, "r", Map.of(), obj, Map.of("a", 3)));
        assertTrue(e.getMessage().contains("provenance.when"), e.getMessage());
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

    /** The sample plan's JSON with one top-level field replaced by {@code value} (raw JSON), or removed if null. */
    static String withField(String field, String value) {
        com.fasterxml.jackson.databind.node.ObjectNode root;
        try {
            root = (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(sample().toJson());
            if (value == null) {
                root.remove(field);
            } else {
                root.set(field, new com.fasterxml.jackson.databind.ObjectMapper().readTree(value));
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError(e);
        }
        return root.toString();
    }

    static IllegalArgumentException rejected(String json) {
        return assertThrows(IllegalArgumentException.class, () -> BitPlan.fromJson(json), json);
    }

    @Test
    void bitsBeyondIntRangeAreRejectedNotWrappedAround() {
        // 4294967300 = 2^32 + 4 used to be read as 4
        for (String big : new String[] {"4294967300", "-4294967292", "18446744073709551620", "2147483652"}) {
            String json = sample().toJson().replace("\"b\" : 2", "\"b\" : " + big);
            IllegalArgumentException e = rejected(json);
            assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains(big), e.getMessage());
        }
    }

    @Test
    void aFieldOrLayerListedTwiceIsRejected() {
        String twice = sample().toJson().replace("\"c\" : 8", "\"c\" : 8, \"b\" : 4");
        IllegalArgumentException e = rejected(twice);
        assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains("twice"), e.getMessage());
        String scheme = sample().toJson().replace("\"rule\"", "\"scheme\" : \"asymmetric\", \"rule\"");
        e = rejected(scheme);
        assertTrue(e.getMessage().contains("'scheme'"), e.getMessage());
    }

    @Test
    void schemeGranularityAndModelAreRequired() {
        for (String f : new String[] {"scheme", "granularity", "model"}) {
            IllegalArgumentException e = rejected(withField(f, null));
            assertTrue(e.getMessage().contains("\"" + f + "\""), e.getMessage());
        }
    }

    @Test
    void fieldsOfTheWrongTypeNameTheField() {
        String[][] cases = {
            {"params", "5"}, {"provenance", "\"x\""}, {"params", "[1]"}, {"scheme", "5"}, {"granularity", "{}"},
            {"scheme", "\"log\""}, {"granularity", "\"per-row\""}, {"model", "7"}, {"name", "[]"}, {"rule", "{}"},
            {"format", "1"}, {"bits", "[4]"},
        };
        for (String[] c : cases) {
            IllegalArgumentException e = rejected(withField(c[0], c[1]));
            assertTrue(e.getMessage().contains("\"" + c[0] + "\""), c[0] + "=" + c[1] + " → " + e.getMessage());
            assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("com.fasterxml"), e.getMessage());
        }
    }

    @Test
    void aPlanForAnotherModelIsRejected() {
        BitPlan p = sample();
        List<String> layers = List.copyOf(p.layers());
        assertEquals(p, p.validateFor("minilm", layers));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> p.validateFor("resnet20-fashion", layers));
        assertTrue(e.getMessage().contains("\"model\"") && e.getMessage().contains("minilm")
                && e.getMessage().contains("resnet20-fashion"), e.getMessage());
        // a model file is the same model wherever the plan and the command spell its folder
        BitPlan f = BitPlan.uniform("/data/models/enc.onnx", List.of("x"), 4, Scheme.ASYMMETRIC,
                Granularity.PER_CHANNEL);
        assertEquals(f, f.validateFor("enc.onnx", List.of("x")));
        assertEquals(f, f.validateFor("./models/enc.onnx", List.of("x")));
        assertThrows(IllegalArgumentException.class, () -> f.validateFor("/data/models/other.onnx", List.of("x")));
    }

    @Test
    void readRejectsBinaryFilesDirectoriesAndHugeFiles() throws IOException {
        Path binary = Files.write(dir.resolve("model.onnx"), new byte[] {8, 7, 18, (byte) 0xff, (byte) 0xfe, 0, 1});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BitPlan.read(binary));
        assertTrue(e.getMessage().contains("not a bit plan JSON file") && e.getMessage().contains(binary.toString()),
                e.getMessage());
        IOException io = assertThrows(IOException.class, () -> BitPlan.read(dir));
        assertTrue(io.getMessage().contains("not a bit plan JSON file") && io.getMessage().contains("directory"),
                io.getMessage());
        Path huge = dir.resolve("huge.json");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(BitPlan.MAX_FILE_BYTES + 1); // sparse: costs no disk
        }
        io = assertThrows(IOException.class, () -> BitPlan.read(huge));
        assertTrue(io.getMessage().contains(huge.toString()) && io.getMessage().contains("MiB"), io.getMessage());
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

    /** A per-group plan carries its group size through JSON; old per-channel JSON has no groupSize and still loads. */
    @Test
    void perGroupRoundTripsWithItsGroupSize() {
        BitPlan s = sample();
        BitPlan p = new BitPlan(s.name(), s.model(), Scheme.ASYMMETRIC, Granularity.perGroup(64), s.rule(), s.params(),
                s.provenance(), s.bits());
        assertTrue(p.toJson().contains("\"groupSize\" : 64"), p.toJson());
        assertEquals(Granularity.perGroup(64), roundTrip(p).granularity());
        assertFalse(sample().toJson().contains("groupSize"), "no groupSize unless per-group");
        assertEquals(Granularity.PER_TENSOR, BitPlan.fromJson(sample().toJson()).granularity());
    }

    @Test
    void nonsenseGroupSizesAreRejected() {
        String perGroup = withField("granularity", "\"per-group\"");
        IllegalArgumentException e = rejected(perGroup);
        assertTrue(e.getMessage().contains("\"groupSize\""), e.getMessage());
        for (String bad : new String[] {"0", "-4", "1.5", "\"128\"", "[128]", "4294967424", "null"}) {
            String json = perGroup.replace("\"granularity\":\"per-group\"",
                    "\"granularity\":\"per-group\",\"groupSize\":" + bad);
            assertTrue(json.contains("groupSize"), json);
            e = rejected(json);
            assertTrue(e.getMessage().contains("\"groupSize\""), bad + " → " + e.getMessage());
        }
        // a group size on a per-channel / per-tensor plan, or a size spelled into the granularity, is nonsense too
        e = rejected(withField("groupSize", "128"));
        assertTrue(e.getMessage().contains("\"groupSize\"") && e.getMessage().contains("per-group"), e.getMessage());
        e = rejected(withField("granularity", "\"per-group-64\""));
        assertTrue(e.getMessage().contains("\"granularity\""), e.getMessage());
    }
}
