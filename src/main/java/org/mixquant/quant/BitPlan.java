package org.mixquant.quant;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.mixquant.io.OutputFiles;

/**
 * An immutable assignment of a bit-width (2..8) to each quantizable layer, with how it was made.
 *
 * <p>JSON form ({@link #toJson}, {@link #fromJson}):
 * <pre>{@code
 * {"format": "mixquant-bitplan/1", "name": "qem=1.5", "model": "minilm",
 *  "scheme": "asymmetric", "granularity": "per-channel",
 *  "rule": "qem", "params": {"qem": 1.5},
 *  "provenance": {"toolkit": "0.1.0", "java": "17.0.15", "seed": 0},
 *  "bits": {"/encoder/layer.0/attention/self/query/MatMul": 4, ...}}
 * }</pre>
 * Layer order is kept as given (forward order for plans the toolkit makes).
 *
 * @param name        short label for tables and charts, e.g. {@code uniform-4} or {@code qem=1.5}
 * @param model       the model source the plan was made for (e.g. {@code minilm} or a file name)
 * @param scheme      the quantization scheme the plan assumes
 * @param granularity the granularity the plan assumes
 * @param rule        the rule that made the plan ({@code uniform}, {@code qem}, {@code max-rel-error},
 *                    {@code avg-bits}, {@code file}, ...)
 * @param params      the rule's parameters (numbers or strings), in insertion order
 * @param provenance  toolkit and Java versions, seed and anything else that helps reproduce the plan
 * @param bits        layer name → bits, each 2..8
 */
public record BitPlan(String name, String model, Scheme scheme, Granularity granularity, String rule,
        Map<String, Object> params, Map<String, Object> provenance, Map<String, Integer> bits) {

    /** The JSON format tag written and accepted by this version. */
    public static final String FORMAT = "mixquant-bitplan/1";
    /** The toolkit version recorded in provenance. */
    public static final String TOOLKIT_VERSION = "0.1.0";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Validates every bit-width and freezes the maps. */
    public BitPlan {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(granularity, "granularity");
        Objects.requireNonNull(rule, "rule");
        if (bits.isEmpty()) {
            throw new IllegalArgumentException("a bit plan needs at least one layer");
        }
        for (Map.Entry<String, Integer> e : bits.entrySet()) {
            Integer b = e.getValue();
            if (b == null || b < Bits.MIN || b > Bits.MAX) {
                throw new IllegalArgumentException("layer '" + e.getKey() + "': bits must be between " + Bits.MIN
                        + " and " + Bits.MAX + ", got " + b);
            }
        }
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        provenance = Collections.unmodifiableMap(new LinkedHashMap<>(provenance));
        bits = Collections.unmodifiableMap(new LinkedHashMap<>(bits));
    }

    /** Provenance every plan carries: toolkit version, Java version, seed. */
    public static Map<String, Object> defaultProvenance(long seed) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("toolkit", TOOLKIT_VERSION);
        p.put("java", System.getProperty("java.version"));
        p.put("seed", seed);
        return p;
    }

    /** The same bit-width for every layer, in the given order. */
    public static BitPlan uniform(String model, Collection<String> layers, int b, Scheme scheme,
            Granularity granularity) {
        Bits.check(b);
        Map<String, Integer> m = new LinkedHashMap<>();
        for (String l : layers) {
            m.put(l, b);
        }
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("bits", b);
        return new BitPlan("uniform-" + b, model, scheme, granularity, "uniform", params, defaultProvenance(0), m);
    }

    /** Bits of {@code layer}. */
    public int bitsOf(String layer) {
        Integer b = bits.get(layer);
        if (b == null) {
            throw new IllegalArgumentException("the plan '" + name + "' has no layer '" + layer + "'");
        }
        return b;
    }

    /** Layer names in plan order. */
    public Set<String> layers() {
        return bits.keySet();
    }

    /** A copy with another name. */
    public BitPlan withName(String newName) {
        return new BitPlan(newName, model, scheme, granularity, rule, params, provenance, bits);
    }

    /** Whether every layer has the same bit-width. */
    public boolean isUniform() {
        return bits.values().stream().distinct().count() == 1;
    }

    /**
     * Average bits per weight, weighted by each layer's parameter count ({@code Σ bits·params / Σ params}); scale
     * and zero-point storage is not included (see the size report for that).
     *
     * @param params layer → number of weights; must cover every layer of the plan
     */
    public double averageBits(Map<String, Long> params) {
        double num = 0;
        double den = 0;
        for (Map.Entry<String, Integer> e : bits.entrySet()) {
            Long n = params.get(e.getKey());
            if (n == null) {
                throw new IllegalArgumentException("no parameter count for layer '" + e.getKey() + "'");
            }
            num += (double) e.getValue() * n;
            den += n;
        }
        return num / den;
    }

    /** Number of layers at each bit-width 2..8 (sorted map, only widths that occur). */
    public Map<Integer, Integer> histogram() {
        Map<Integer, Integer> h = new TreeMap<>();
        for (int b : bits.values()) {
            h.merge(b, 1, Integer::sum);
        }
        return h;
    }

    /**
     * Checks the plan against a model's layer names: every planned layer must exist and every model layer must be
     * planned.
     *
     * @throws IllegalArgumentException naming the first unknown or missing layer
     */
    public BitPlan validateFor(Collection<String> modelLayers) {
        Set<String> known = new LinkedHashSet<>(modelLayers);
        for (String l : bits.keySet()) {
            if (!known.contains(l)) {
                throw new IllegalArgumentException("the plan names layer '" + l + "', which the model does not have"
                        + " (" + known.size() + " quantizable layers; list them with 'mixquant layers')");
            }
        }
        for (String l : known) {
            if (!bits.containsKey(l)) {
                throw new IllegalArgumentException("the plan gives no bits for layer '" + l + "'");
            }
        }
        return this;
    }

    /** The JSON form described in the class comment. */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("name", name);
        root.put("model", model);
        root.put("scheme", scheme.cliName());
        root.put("granularity", granularity.cliName());
        root.put("rule", rule);
        root.set("params", JSON.valueToTree(params));
        root.set("provenance", JSON.valueToTree(provenance));
        ObjectNode b = root.putObject("bits");
        bits.forEach(b::put);
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parses the JSON form.
     *
     * @throws IllegalArgumentException with a one-line reason for malformed JSON, a wrong format tag, missing
     *                                  fields, non-integer bits or bits outside 2..8
     */
    public static BitPlan fromJson(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the bit plan is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("the bit plan must be a JSON object");
        }
        String format = text(root, "format", FORMAT);
        if (!FORMAT.equals(format)) {
            throw new IllegalArgumentException("unsupported bit plan format '" + format + "' (expected " + FORMAT
                    + ")");
        }
        JsonNode bitsNode = root.get("bits");
        if (bitsNode == null || !bitsNode.isObject()) {
            throw new IllegalArgumentException("the bit plan has no \"bits\" object (layer name → bits)");
        }
        Map<String, Integer> bits = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = bitsNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (!v.isIntegralNumber()) {
                throw new IllegalArgumentException("layer '" + e.getKey() + "': bits must be an integer between "
                        + Bits.MIN + " and " + Bits.MAX + ", got " + v);
            }
            bits.put(e.getKey(), v.intValue());
        }
        Map<String, Object> params = toMap(root.get("params"));
        Map<String, Object> prov = toMap(root.get("provenance"));
        return new BitPlan(text(root, "name", "plan"), text(root, "model", "unknown"),
                Scheme.parse(text(root, "scheme", "asymmetric")),
                Granularity.parse(text(root, "granularity", "per-channel")), text(root, "rule", "file"), params,
                prov, bits);
    }

    private static String text(JsonNode root, String field, String dflt) {
        JsonNode n = root.get(field);
        return n == null || n.isNull() ? dflt : n.asText();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> toMap(JsonNode n) {
        if (n == null || n.isNull()) {
            return Map.of();
        }
        return JSON.convertValue(n, LinkedHashMap.class);
    }

    /** Reads a plan file. */
    public static BitPlan read(Path file) throws IOException {
        return fromJson(Files.readString(file));
    }

    /**
     * Writes the plan as JSON with {@link OutputFiles#writeString}: atomically (a failure never leaves a partial plan),
     * with the user's default permissions, and never over a folder.
     */
    public void write(Path file) throws IOException {
        OutputFiles.writeString(file, toJson());
    }

    @Override
    public String toString() {
        return "BitPlan[" + name + ", " + bits.size() + " layers, " + histogram() + "]";
    }
}
