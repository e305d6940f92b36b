package org.mixquant.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.mixquant.ParserFuzzing;

/** Fuzzes the bit plan JSON parser ({@link BitPlan#fromJson}, {@link BitPlan#read}) with {@link ParserFuzzing}. */
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

    /** Any JSON value: scalars (incl. integers beyond long, the plan's own words) and small arrays and objects. */
    @Provide
    Arbitrary<JsonNode> jsonValues() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        Arbitrary<JsonNode> scalar = Arbitraries.oneOf(
                Arbitraries.just(f.nullNode()),
                Arbitraries.of(true, false).map(f::booleanNode),
                Arbitraries.integers().map(f::numberNode),
                Arbitraries.longs().map(f::numberNode),
                Arbitraries.bigIntegers().between(BigInteger.ONE.shiftLeft(80).negate(), BigInteger.ONE.shiftLeft(80))
                        .map(f::numberNode),
                Arbitraries.doubles().map(f::numberNode),
                Arbitraries.of(2, 4, 8, 1, 9, 0, -1).map(f::numberNode),
                // wrap around to 2..8 as an int: 2^32 + 4, 2^33 + 8, -(2^32) + 2
                Arbitraries.of(4294967300L, 8589934600L, -4294967294L).map(f::numberNode),
                Arbitraries.of(4.0, 2.5, 8.0000001).map(f::numberNode),
                Arbitraries.strings().ofMaxLength(12).map(f::textNode),
                Arbitraries.of("asymmetric", "symmetric", "per-channel", "per-tensor", BitPlan.FORMAT, "minilm", "",
                        "b", "c").map(f::textNode));
        return Arbitraries.recursive(() -> scalar, inner -> Arbitraries.frequencyOf(
                Tuple.of(3, scalar),
                Tuple.of(1, inner.list().ofMaxSize(3).map(l -> {
                    com.fasterxml.jackson.databind.node.ArrayNode a = f.arrayNode();
                    l.forEach(a::add);
                    return (JsonNode) a;
                })),
                Tuple.of(1, Arbitraries.maps(Arbitraries.of("b", "c", "x", "bits", "qem", ""), inner).ofMaxSize(3)
                        .map(m -> {
                            ObjectNode o = f.objectNode();
                            m.forEach(o::set);
                            return (JsonNode) o;
                        }))), 3);
    }

    @Property(tries = ParserFuzzing.TRIES, seed = ParserFuzzing.SEED)
    void randomValueInAnyField(@ForAll @IntRange(min = 0, max = 8) int field, @ForAll("jsonValues") JsonNode value)
            throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(VALID);
        String name = FIELDS.get(field);
        root.set(name, value);
        BitPlan p = parse(root.toString());
        if (p != null && List.of("model", "scheme", "granularity").contains(name)) {
            // required fields are never filled in with a default
            assertTrue(value.isTextual(), name + " = " + value + " was accepted");
            assertEquals(value.asText().toLowerCase(java.util.Locale.ROOT), name.equals("model") ? p.model()
                    .toLowerCase(java.util.Locale.ROOT) : name.equals("scheme") ? p.scheme().cliName()
                    : p.granularity().cliName());
        }
    }

    @Property(tries = ParserFuzzing.TRIES, seed = ParserFuzzing.SEED)
    void randomValueAsALayersBits(@ForAll @IntRange(min = 0, max = 2) int layer,
            @ForAll("jsonValues") JsonNode value) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(VALID);
        ObjectNode bits = (ObjectNode) root.get("bits");
        String name = List.copyOf(BitPlanTest.sample().layers()).get(layer);
        bits.set(name, value);
        BitPlan p = parse(root.toString());
        if (p != null) {
            // accepted bits are exactly the JSON integer, never a wrapped-around long or a rounded double
            assertTrue(value.isIntegralNumber() && value.canConvertToInt(), "bits " + value + " were accepted");
            assertEquals(value.intValue(), p.bitsOf(name));
        }
    }

    /** One edit of the plan's text: replace, insert or delete a character, or duplicate a slice (keys twice). */
    @Provide
    Arbitrary<String> mutatedPlans() {
        Arbitrary<Integer> pos = Arbitraries.integers().between(0, VALID.length() - 1);
        Arbitrary<Character> ch = Arbitraries.oneOf(Arbitraries.of('"', '{', '}', '[', ']', ',', ':', '0', '9', '-',
                'e', '.', '\\', ' ', 'n'), Arbitraries.chars());
        Arbitrary<String> one = Arbitraries.oneOf(
                net.jqwik.api.Combinators.combine(pos, ch).as((p, c) -> VALID.substring(0, p) + c
                        + VALID.substring(p + 1)),
                net.jqwik.api.Combinators.combine(pos, ch).as((p, c) -> VALID.substring(0, p) + c
                        + VALID.substring(p)),
                pos.map(p -> VALID.substring(0, p) + VALID.substring(p + 1)),
                net.jqwik.api.Combinators.combine(pos, pos).as((a, b) -> {
                    int lo = Math.min(a, b);
                    int hi = Math.max(a, b);
                    return VALID.substring(0, hi) + VALID.substring(lo, hi) + VALID.substring(hi);
                }));
        return one;
    }

    @Property(tries = ParserFuzzing.TRIES, seed = ParserFuzzing.SEED)
    void mutatedText(@ForAll("mutatedPlans") String json) {
        parse(json);
    }

    @Property(tries = ParserFuzzing.TRIES, seed = ParserFuzzing.SEED)
    void randomBytesAsAPlanFile(@ForAll @Size(max = 300) byte[] bytes, @ForAll boolean asJsonPrefix)
            throws IOException {
        Path f = Files.createTempFile("fuzz-plan", ".json");
        try {
            byte[] content = bytes;
            if (asJsonPrefix) {
                byte[] head = VALID.substring(0, VALID.length() / 2).getBytes(StandardCharsets.UTF_8);
                content = new byte[head.length + bytes.length];
                System.arraycopy(head, 0, content, 0, head.length);
                System.arraycopy(bytes, 0, content, head.length, bytes.length);
            }
            Files.write(f, content);
            ParserFuzzing.returnsOrRejects(() -> BitPlan.read(f), BitPlanFuzzTest::valid,
                    IllegalArgumentException.class, IOException.class);
        } finally {
            Files.delete(f);
        }
    }

    @Property(tries = 10, seed = ParserFuzzing.SEED)
    void theValidPlanParses() {
        assertEquals(Map.copyOf(BitPlanTest.sample().bits()), Map.copyOf(parse(VALID).bits()));
    }
}
