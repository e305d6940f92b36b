package org.mixquant.quant;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
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
import org.mixquant.io.Version;

/**
 * An immutable assignment of a bit-width (2..8) to each quantizable layer, with how it was made.
 *
 * <p>JSON form ({@link #toJson}, {@link #fromJson}):
 * <pre>{@code
 * {"format": "mixquant-bitplan/1", "name": "qem=1.5", "model": "minilm",
 *  "scheme": "asymmetric", "granularity": "per-channel",
 *  "rule": "qem", "params": {"qem": 1.5},
 *  "provenance": {"toolkit": "0.1.0-SNAPSHOT", "java": "17.0.15", "seed": 0},
 *  "bits": {"/encoder/layer.0/attention/self/query/MatMul": 4, ...}}
 * }</pre>
 * A per-group plan has {@code "granularity": "per-group", "groupSize": 128} (G, a positive integer); the field
 * {@code groupSize} appears only then, so plans written before per-group existed read unchanged.
 * Layer order is kept as given (forward order for plans the toolkit makes).
 *
 * @param name        short label for tables and charts, e.g. {@code uniform-4} or {@code qem=1.5}
 * @param model       the model source the plan was made for (e.g. {@code minilm} or a file name)
 * @param scheme      the quantization scheme the plan assumes
 * @param granularity the granularity the plan assumes
 * @param rule        the rule that made the plan ({@code uniform}, {@code qem}, {@code max-rel-error},
 *                    {@code avg-bits}, {@code file}, ...)
 * @param params      the rule's parameters, in insertion order: JSON values, held in one Java type per JSON type
 *                    (integers as {@code Long}, other numbers as {@code Double}, strings, booleans, nested maps and
 *                    lists), so a plan read back from its JSON {@link #equals} the plan written
 * @param provenance  toolkit and Java versions, seed and anything else that helps reproduce the plan (same value
 *                    types as {@code params}; see {@link #seed()} and {@link #toolkitVersion()})
 * @param bits        layer name → bits, each 2..8
 */
public record BitPlan(String name, String model, Scheme scheme, Granularity granularity, String rule,
        Map<String, Object> params, Map<String, Object> provenance, Map<String, Integer> bits) {

    /** The JSON format tag written and accepted by this version. */
    public static final String FORMAT = "mixquant-bitplan/1";
    /** Largest plan file {@link #read} accepts, in bytes (64 MiB; real plans are a few kB). */
    public static final long MAX_FILE_BYTES = 64L << 20;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

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
        params = canonical(params, "params");
        provenance = canonical(provenance, "provenance");
        bits = Collections.unmodifiableMap(new LinkedHashMap<>(bits));
    }

    /** The seed recorded in the provenance, or 0 if there is none. */
    public long seed() {
        return provenance.get("seed") instanceof Long l ? l : 0L;
    }

    /** The toolkit version recorded in the provenance, or {@code "unknown"}. */
    public String toolkitVersion() {
        return provenance.get("toolkit") instanceof String v ? v : "unknown";
    }

    /**
     * An unmodifiable copy of {@code m} with every value in its canonical JSON type (see the {@code params} field):
     * any integral number becomes a {@code Long}, any other finite number a {@code Double}; enums become their name.
     *
     * @throws IllegalArgumentException naming the key for a value JSON cannot hold exactly (NaN, ±Inf, an integer
     *                                  beyond the long range, an arbitrary object)
     */
    private static Map<String, Object> canonical(Map<String, ?> m, String field) {
        Objects.requireNonNull(m, field);
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, canonicalValue(v, field + "." + k)));
        return Collections.unmodifiableMap(out);
    }

    private static Object canonicalValue(Object v, String where) {
        if (v == null || v instanceof String || v instanceof Boolean || v instanceof Long) {
            return v;
        }
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof java.math.BigInteger big) {
            if (big.bitLength() > 63) {
                throw new IllegalArgumentException(where + " = " + big + " is beyond the long range");
            }
            return big.longValue();
        }
        if (v instanceof Double || v instanceof Float || v instanceof java.math.BigDecimal) {
            double d = ((Number) v).doubleValue();
            if (!Double.isFinite(d)) {
                throw new IllegalArgumentException(where + " = " + d + " is not a finite number (JSON cannot hold it)");
            }
            return d;
        }
        if (v instanceof Enum<?> e) {
            return e.name();
        }
        if (v instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, x) -> out.put(String.valueOf(k), canonicalValue(x, where + "." + k)));
            return Collections.unmodifiableMap(out);
        }
        if (v instanceof Collection<?> c) {
            java.util.List<Object> out = new java.util.ArrayList<>();
            int i = 0;
            for (Object x : c) {
                out.add(canonicalValue(x, where + "[" + i++ + "]"));
            }
            return Collections.unmodifiableList(out);
        }
        throw new IllegalArgumentException(where + ": a " + v.getClass().getSimpleName()
                + " is not a JSON value (use a number, string, boolean, list or map)");
    }

    /** Provenance every plan carries: toolkit version, Java version, seed. */
    public static Map<String, Object> defaultProvenance(long seed) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("toolkit", Version.get());
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

    /**
     * Checks that the plan was made for the model {@code modelSource} (see {@link #sameModel}), then its layers as
     * {@link #validateFor(Collection)} does.
     *
     * @throws IllegalArgumentException naming the plan's {@code "model"} and the loaded model, or the first unknown
     *                                  or missing layer
     */
    public BitPlan validateFor(String modelSource, Collection<String> modelLayers) {
        if (!sameModel(model, modelSource)) {
            throw new IllegalArgumentException("the plan '" + name + "' was made for \"model\" '" + model
                    + "', not for '" + modelSource + "' (make a plan for this model with 'mixquant search')");
        }
        return validateFor(modelLayers);
    }

    /**
     * Whether two model sources, as plans record them ({@link #model()}), name the same model: built-in names equal
     * ignoring case; file paths with the same file name, so a plan still fits its model file after the folder was
     * moved or spelled differently (relative or absolute).
     */
    public static boolean sameModel(String a, String b) {
        if (a.equalsIgnoreCase(b)) {
            return true;
        }
        return fileName(a).equals(fileName(b));
    }

    private static String fileName(String source) {
        int slash = Math.max(source.lastIndexOf('/'), source.lastIndexOf(java.io.File.separatorChar));
        return source.substring(slash + 1);
    }

    /** The JSON form described in the class comment. */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("name", name);
        root.put("model", model);
        root.put("scheme", scheme.cliName());
        root.put("granularity", granularity.cliName());
        if (granularity.isPerGroup()) {
            root.put("groupSize", granularity.groupSize());
        }
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
     * Parses the JSON form. Strict: {@code model}, {@code scheme}, {@code granularity} and {@code bits} are required;
     * a field or layer given twice, bits that are not an integer in 2..8 (also beyond the int range), and fields of
     * the wrong JSON type are errors.
     *
     * @throws IllegalArgumentException with a one-line reason naming the field: malformed JSON, a wrong format tag,
     *                                  a missing or mistyped field, a duplicate, or bad bits
     */
    public static BitPlan fromJson(String json) {
        return parse(json, "the bit plan");
    }

    private static BitPlan parse(String json, String what) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            String msg = e.getOriginalMessage();
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
            if (msg != null && msg.startsWith("Duplicate field ")) {
                throw new IllegalArgumentException(what + " gives field " + msg.substring("Duplicate field ".length())
                        + " twice" + where);
            }
            throw new IllegalArgumentException(what + " is not valid JSON: " + firstLine(msg) + where);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(what + " must be a JSON object");
        }
        String format = text(root, "format", FORMAT, what);
        if (!FORMAT.equals(format)) {
            throw new IllegalArgumentException("unsupported bit plan format '" + format + "' in \"format\" (expected "
                    + FORMAT + ")");
        }
        JsonNode bitsNode = root.get("bits");
        if (bitsNode == null || !bitsNode.isObject()) {
            throw new IllegalArgumentException(what + " has no \"bits\" object (layer name → bits)"
                    + (bitsNode == null ? "" : ", got " + shortJson(bitsNode)));
        }
        Map<String, Integer> bits = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = bitsNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw new IllegalArgumentException("\"bits\" of layer '" + e.getKey() + "' must be an integer"
                        + " between " + Bits.MIN + " and " + Bits.MAX + ", got " + shortJson(v));
            }
            bits.put(e.getKey(), v.intValue());
        }
        Map<String, Object> params = toMap(root, "params", what);
        Map<String, Object> prov = toMap(root, "provenance", what);
        String model = text(root, "model", null, what);
        String schemeText = text(root, "scheme", null, what);
        String granularityText = text(root, "granularity", null, what);
        Scheme scheme;
        Granularity granularity;
        try {
            scheme = Scheme.parse(schemeText);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + "'s \"scheme\": " + e.getMessage());
        }
        granularity = granularity(root, granularityText, what);
        return new BitPlan(text(root, "name", "plan", what), model, scheme, granularity,
                text(root, "rule", "file", what), params, prov, bits);
    }

    /**
     * The granularity of {@code "granularity"} (one of {@code per-channel}, {@code per-tensor}, {@code per-group})
     * and, for per-group only, the required positive integer {@code "groupSize"}.
     */
    private static Granularity granularity(JsonNode root, String text, String what) {
        Granularity g = null;
        for (Granularity k : new Granularity[] {Granularity.PER_CHANNEL, Granularity.PER_TENSOR}) {
            if (k.cliName().equalsIgnoreCase(text) || k.kind().name().equalsIgnoreCase(text)) {
                g = k;
            }
        }
        boolean perGroup = "per-group".equalsIgnoreCase(text) || "PER_GROUP".equalsIgnoreCase(text);
        if (g == null && !perGroup) {
            throw new IllegalArgumentException(what + "'s \"granularity\": unknown granularity '" + text
                    + "' (expected per-channel, per-tensor or per-group)");
        }
        JsonNode size = root.get("groupSize");
        if (!perGroup) {
            if (size != null) {
                throw new IllegalArgumentException(what + " gives \"groupSize\" but its \"granularity\" is " + text
                        + " (a group size belongs to per-group only)");
            }
            return g;
        }
        if (size == null || size.isNull()) {
            throw new IllegalArgumentException(what + "'s \"granularity\" is per-group but it has no \"groupSize\"");
        }
        if (!size.isIntegralNumber() || !size.canConvertToInt() || size.intValue() < 1) {
            throw new IllegalArgumentException(what + "'s \"groupSize\" must be a positive integer, got "
                    + shortJson(size));
        }
        return Granularity.perGroup(size.intValue());
    }

    /** The string value of {@code field}; {@code dflt} when absent, or an error naming the field if that is null. */
    private static String text(JsonNode root, String field, String dflt, String what) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            if (dflt == null) {
                throw new IllegalArgumentException(what + " has no \"" + field + "\" field");
            }
            return dflt;
        }
        if (!n.isTextual()) {
            throw new IllegalArgumentException(what + "'s \"" + field + "\" must be a string, got " + shortJson(n));
        }
        return n.asText();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> toMap(JsonNode root, String field, String what) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return Map.of();
        }
        if (!n.isObject()) {
            throw new IllegalArgumentException(what + "'s \"" + field + "\" must be a JSON object, got "
                    + shortJson(n));
        }
        return JSON.convertValue(n, LinkedHashMap.class);
    }

    /** A JSON value for a message: one line, at most 60 characters. */
    private static String shortJson(JsonNode n) {
        String s = n.toString();
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }

    /**
     * Reads a plan file: a regular file of at most {@link #MAX_FILE_BYTES} bytes of UTF-8 JSON (checked before
     * reading), parsed as {@link #fromJson} does.
     *
     * @throws IOException              if the file cannot be read, is a directory or is too large
     * @throws IllegalArgumentException naming the file if it is not UTF-8 text or not a valid plan
     */
    public static BitPlan read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException("not a bit plan JSON file: " + file + " is a directory");
        }
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw new IOException("not a bit plan JSON file: " + file + " is not a regular file (a device, pipe or"
                    + " socket)");
        }
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new IOException("not a bit plan JSON file: " + file + " is " + size + " bytes, more than the "
                    + (MAX_FILE_BYTES >> 20) + " MiB a plan may have");
        }
        String json;
        try {
            json = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException("not a bit plan JSON file: " + file + " is not UTF-8 text"
                    + " (a binary file such as a model?)");
        }
        return parse(json, "bit plan file " + file);
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
