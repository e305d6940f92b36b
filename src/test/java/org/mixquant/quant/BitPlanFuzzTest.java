package org.mixquant.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mixquant.FuzzGen;
import org.mixquant.ParserFuzzing;

/**
 * Fuzzes the bit plan JSON parser ({@link BitPlan#fromJson}, {@link BitPlan#read}) with {@link ParserFuzzing}: seeded
 * mutation fuzzing in plain JUnit, {@link ParserFuzzing#TRIES} tries per property.
 */
class BitPlanFuzzTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String VALID = BitPlanTest.sample().toJson();
    static final List<String> FIELDS = List.of("format", "name", "model", "scheme", "granularity", "rule", "params",
            "provenance", "bits");

    /** What a plan that parses must satisfy: bits in 2..8, and its JSON reads back to the same plan. */
    static void valid(BitPlan p) {
        for (int b : p.bits().values()) {
            assertTrue(b >= Bits.MIN && b <= Bits.MAX, "bits " + b);
        }
        assertEquals(p.toJson(), BitPlan.fromJson(p.toJson()).toJson());
    }

    static BitPlan parse(String json) {
        return ParserFuzzing.returnsOrRejects(() -> BitPlan.fromJson(json), BitPlanFuzzTest::valid,
                IllegalArgumentException.class);
    }

    static final List<String> LAYERS = List.copyOf(BitPlanTest.sample().layers());
    static final JsonNodeFactory F = JsonNodeFactory.instance;

    /**
     * Any scalar JSON value, each kind equally likely: null, booleans, ints, longs, integers up to ±2^80, doubles
     * (NaN and ±∞ too), bits in and out of 2..8, longs that wrap around to 2..8 as an int, doubles near the bits,
     * any short string, and the plan's own words.
     */
    static JsonNode scalar(FuzzGen g) {
        switch (g.between(0, 10)) {
            case 0:
                return F.nullNode();
            case 1:
                return F.booleanNode(g.bool());
            case 2:
                return F.numberNode(g.anyInt());
            case 3:
                return F.numberNode(g.anyLong());
            case 4:
                return F.numberNode(g.bigInteger(80));
            case 5:
                return F.numberNode(g.anyDouble());
            case 6:
                return F.numberNode(g.pick(2, 4, 8, 1, 9, 0, -1));
            case 7:
                // wrap around to 2..8 as an int: 2^32 + 4, 2^33 + 8, -(2^32) + 2
                return F.numberNode(g.pick(4294967300L, 8589934600L, -4294967294L));
            case 8:
                return F.numberNode(g.pick(4.0, 2.5, 8.0000001));
            case 9:
                return F.textNode(g.string(12));
            default:
                return F.textNode(g.pick("asymmetric", "symmetric", "per-channel", "per-tensor", BitPlan.FORMAT,
                        "minilm", "", "b", "c"));
        }
    }

    /** Any JSON value: a {@link #scalar} 3 times in 5, else an array of 0..3 or an object of 0..3 fields, nested to 3. */
    static JsonNode jsonValue(FuzzGen g, int depth) {
        int kind = depth == 0 ? 0 : g.weighted(3, 1, 1);
        if (kind == 0) {
            return scalar(g);
        }
        if (kind == 1) {
            ArrayNode a = F.arrayNode();
            g.list(0, 3, () -> jsonValue(g, depth - 1)).forEach(a::add);
            return a;
        }
        ObjectNode o = F.objectNode();
        int n = g.size(3);
        for (int i = 0; i < n; i++) {
            o.set(g.pick("b", "c", "x", "bits", "qem", ""), jsonValue(g, depth - 1));
        }
        return o;
    }

    static ObjectNode validTree() {
        try {
            return (ObjectNode) JSON.readTree(VALID);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The valid plan with one field (or one layer's bits) set to {@code value}: the JSON text that is parsed. */
    record Edited(String name, JsonNode value, String json) {
        @Override
        public String toString() {
            return name + " = " + value + "; JSON: " + json;
        }
    }

    @Test
    void randomValueInAnyField() {
        ParserFuzzing.forAll("BitPlanFuzzTest.randomValueInAnyField", ParserFuzzing.TRIES, g -> {
            String name = FIELDS.get(g.between(0, FIELDS.size() - 1));
            JsonNode value = jsonValue(g, 3);
            ObjectNode root = validTree();
            root.set(name, value);
            return new Edited(name, value, root.toString());
        }, Edited::toString, in -> {
            BitPlan p = parse(in.json());
            String name = in.name();
            JsonNode value = in.value();
            if (p != null && List.of("model", "scheme", "granularity").contains(name)) {
                // required fields are never filled in with a default
                assertTrue(value.isTextual(), name + " = " + value + " was accepted");
                assertEquals(value.asText().toLowerCase(Locale.ROOT), name.equals("model") ? p.model()
                        .toLowerCase(Locale.ROOT) : name.equals("scheme") ? p.scheme().cliName()
                        : p.granularity().cliName());
            }
        });
    }

    @Test
    void randomValueAsALayersBits() {
        ParserFuzzing.forAll("BitPlanFuzzTest.randomValueAsALayersBits", ParserFuzzing.TRIES, g -> {
            String name = LAYERS.get(g.between(0, LAYERS.size() - 1));
            JsonNode value = jsonValue(g, 3);
            ObjectNode root = validTree();
            ((ObjectNode) root.get("bits")).set(name, value);
            return new Edited("bits." + name, value, root.toString());
        }, Edited::toString, in -> {
            BitPlan p = parse(in.json());
            JsonNode value = in.value();
            if (p != null) {
                // accepted bits are exactly the JSON integer, never a wrapped-around long or a rounded double
                assertTrue(value.isIntegralNumber() && value.canConvertToInt(), "bits " + value + " were accepted");
                assertEquals(value.intValue(), p.bitsOf(in.name().substring("bits.".length())));
            }
        });
    }

    /** A text edit of the plan and what it was; {@code duplicate}: a field or layer is given twice. */
    record Mutated(String edit, String json, boolean duplicate) {
        @Override
        public String toString() {
            return edit + "; JSON: " + FuzzGen.quote(json);
        }
    }

    /** A character for a text edit: JSON's own syntax half the time, else any char. */
    static char editChar(FuzzGen g) {
        return g.bool() ? g.pick('"', '{', '}', '[', ']', ',', ':', '0', '9', '-', 'e', '.', '\\', ' ', 'n')
                : g.anyChar();
    }

    /**
     * One edit of the plan's text, each kind equally likely: replace, insert or delete a character, duplicate a
     * slice, or give a top-level field or a layer's bits a second time (with any JSON value).
     */
    static Mutated mutatedPlan(FuzzGen g) {
        int last = VALID.length() - 1;
        switch (g.between(0, 4)) {
            case 0: {
                int p = g.between(0, last);
                char c = editChar(g);
                return new Mutated("replace char " + p + " by " + FuzzGen.quote(String.valueOf(c)),
                        VALID.substring(0, p) + c + VALID.substring(p + 1), false);
            }
            case 1: {
                int p = g.between(0, last);
                char c = editChar(g);
                return new Mutated("insert " + FuzzGen.quote(String.valueOf(c)) + " at " + p,
                        VALID.substring(0, p) + c + VALID.substring(p), false);
            }
            case 2: {
                int p = g.between(0, last);
                return new Mutated("delete char " + p, VALID.substring(0, p) + VALID.substring(p + 1), false);
            }
            case 3: {
                int a = g.between(0, last);
                int b = g.between(0, last);
                int lo = Math.min(a, b);
                int hi = Math.max(a, b);
                return new Mutated("duplicate chars " + lo + ".." + hi,
                        VALID.substring(0, hi) + VALID.substring(lo, hi) + VALID.substring(hi), false);
            }
            default: {
                boolean inBits = g.bool();
                String key = inBits ? g.pick(LAYERS) : g.pick(FIELDS);
                int at = (inBits ? VALID.indexOf('{', VALID.indexOf("\"bits\"")) : VALID.indexOf('{')) + 1;
                String member = F.objectNode().set(key, jsonValue(g, 1)).toString();
                member = member.substring(1, member.length() - 1) + ",";
                return new Mutated((inBits ? "layer " : "field ") + key + " given twice", VALID.substring(0, at)
                        + member + VALID.substring(at), true);
            }
        }
    }

    @Test
    void mutatedText() {
        ParserFuzzing.forAll("BitPlanFuzzTest.mutatedText", ParserFuzzing.TRIES, BitPlanFuzzTest::mutatedPlan,
                Mutated::toString, in -> {
                    BitPlan p = parse(in.json());
                    if (in.duplicate()) {
                        assertNull(p, "a plan with a key given twice was accepted");
                    }
                });
    }

    /** Bytes written as a plan file: random bytes, after the first half of the valid plan or alone. */
    record PlanFile(boolean asJsonPrefix, byte[] bytes) {
        byte[] content() {
            if (!asJsonPrefix) {
                return bytes;
            }
            byte[] head = VALID.substring(0, VALID.length() / 2).getBytes(StandardCharsets.UTF_8);
            byte[] content = new byte[head.length + bytes.length];
            System.arraycopy(head, 0, content, 0, head.length);
            System.arraycopy(bytes, 0, content, head.length, bytes.length);
            return content;
        }

        @Override
        public String toString() {
            return (asJsonPrefix ? "half the valid plan, then " : "") + bytes.length + " random bytes; file (hex): "
                    + FuzzGen.hex(content());
        }
    }

    @Test
    void randomBytesAsAPlanFile() {
        ParserFuzzing.forAll("BitPlanFuzzTest.randomBytesAsAPlanFile", ParserFuzzing.TRIES,
                g -> new PlanFile(g.bool(), g.bytes(300)), PlanFile::toString, in -> {
                    Path f = Files.createTempFile("fuzz-plan", ".json");
                    try {
                        Files.write(f, in.content());
                        ParserFuzzing.returnsOrRejects(() -> BitPlan.read(f), BitPlanFuzzTest::valid,
                                IllegalArgumentException.class, IOException.class);
                    } finally {
                        Files.delete(f);
                    }
                });
    }

    @Test
    void theValidPlanParses() {
        assertEquals(Map.copyOf(BitPlanTest.sample().bits()), Map.copyOf(parse(VALID).bits()));
    }
}
