package org.mixquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.eval.MetricId;
import org.mixquant.model.TinyBert;
import org.mixquant.model.TinyOnnx;

/**
 * Each command's JSON is its output record serialised: every object in the document has exactly the fields of the
 * record it comes from, in the record's order, at every depth, and the values have the record's types. A component
 * marked {@code @JsonInclude(NON_NULL)} (report's per-model metrics) may be missing, and only then.
 */
class CommandJsonTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    Path tiny() throws Exception {
        return TinyOnnx.mlp(TinyOnnx.values(12, 1), TinyOnnx.values(6, 2)).write(dir, "tiny.onnx");
    }

    Path bert() throws Exception {
        return Files.write(dir.resolve("bert.onnx"), TinyBert.bytes(7, TinyBert.MINILM_VOCAB, Map.of()));
    }

    @Test
    void layers() throws Exception {
        assertShape(LayersCommand.Output.class, json("layers", tiny().toString()));
    }

    @Test
    void qe() throws Exception {
        JsonNode root = json("qe", tiny().toString(), "--bits", "3,8");
        assertShape(QeCommand.Output.class, root);
        assertEquals(List.of("3", "8"), names(root.get("layers").get(0).get("mse")));
    }

    @Test
    void search() throws Exception {
        JsonNode root = json("search", tiny().toString(), "--avg-bits", "3");
        assertShape(SearchCommand.Output.class, root);
        assertTrue(root.get("summary").get("cost").isTextual());
        assertTrue(json("search", tiny().toString(), "--qem", "2").get("summary").get("cost").isNull(),
                "no cost for the qem rule");
    }

    @Test
    void evaluateATextEncoder() throws Exception {
        assertShape(EvaluateCommand.Output.class, json("evaluate", bert().toString(), "--bits", "4", "--corpus-size",
                "16"));
    }

    /** A CNN's evaluate document: the text encoders' fields up to size (the same Size record), then accuracy. */
    @Test
    void evaluateACnn() throws Exception {
        JsonNode root = json("evaluate", "resnet20-fashion", "--bits", "4", "--images", "100");
        assertShape(CnnEvaluation.Output.class, root);
        List<String> header = names(root).subList(0, 8);
        assertEquals(Arrays.stream(EvaluateCommand.Output.class.getRecordComponents()).limit(8)
                .map(RecordComponent::getName).toList(), header);
        assertEquals(100, root.get("accuracy").get("images").asInt());
    }

    /** compare on a CNN (secondary is null) and on a text encoder (secondary is the top-10 overlap). */
    @Test
    void compare() throws Exception {
        JsonNode cnn = json("compare", "resnet20-fashion", "--methods", "nearest", "--bits", "4", "--no-avg-bits",
                "--images", "100");
        assertShape(CompareCommand.Output.class, cnn);
        assertEquals(2, cnn.get("rows").size(), "fp32 and uniform-4");
        assertTrue(cnn.get("rows").get(1).get("secondary").isNull());
        JsonNode text = json("compare", bert().toString(), "--methods", "nearest", "--bits", "4", "--no-avg-bits",
                "--corpus-size", "16");
        assertShape(CompareCommand.Output.class, text);
        assertTrue(text.get("rows").get(1).get("secondary").isNumber());
    }

    /**
     * report's results.json, MiniLM's and a CNN's: one Results record and one row record; each row has the metrics
     * of its model and no others, and only the CNN rows have images.
     */
    @Test
    void reportResults() throws Exception {
        Path out = dir.resolve("report");
        CliHarness.Run r = CliHarness.run("report", "-o", out.toString(), "--corpus-size", "16", "--uniform", "4",
                "--qem", "300", "--max-rel-error", "0.02", "--avg-bits", "4", "--cnn", "resnet20-fashion",
                "--cnn-uniform", "4", "--images", "100", "--gptq-bits", "0", "--cost", "qe", "-q");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        JsonNode text = JSON.readTree(out.resolve("results.json").toFile());
        assertShape(ReportCommand.Results.class, text);
        assertEquals(16, text.get("corpusSize").asInt());
        for (JsonNode row : text.get("rows")) {
            assertEquals(List.of("meanCosine", "minCosine", "top10Overlap"), metricFields(row), row.toString());
            assertTrue(!row.has("images"), row.toString());
        }
        JsonNode cnn = JSON.readTree(out.resolve("resnet20-fashion").resolve("results.json").toFile());
        assertShape(ReportCommand.Results.class, cnn);
        assertTrue(!cnn.has("corpusSize"), "no texts in a CNN's file");
        for (JsonNode row : cnn.get("rows")) {
            assertEquals(List.of("top1", "dropPoints"), metricFields(row), row.toString());
            assertEquals(100, row.get("images").asInt());
        }
    }

    /** The fields of {@code row} that are MetricId JSON names, in document order. */
    private static List<String> metricFields(JsonNode row) {
        List<String> metrics = Arrays.stream(MetricId.values()).map(MetricId::field).toList();
        return names(row).stream().filter(metrics::contains).toList();
    }

    /** Frontier needs a bundled model (its calibration data); few images keep it quick, the shape does not care. */
    @Test
    void frontierOfACnn() throws Exception {
        JsonNode root = json("frontier", "resnet20-fashion", "--cost", "qe", "--budgets", "3", "--images", "100",
                "--calibration", "16");
        assertShape(FrontierCommand.Output.class, root);
        assertTrue(root.get("rows").size() >= 2, root.toString());
    }

    /** bench without PyTorch: the torch fields are there, as null (one shape with and without the reference). */
    @Test
    void benchWithoutTorch() throws Exception {
        JsonNode root = json("bench", "--model", tiny().toString(), "--no-torch", "--repeats", "3", "--warmup", "1",
                "--threads", "1");
        assertShape(BenchCommand.Output.class, root);
        assertEquals(1, root.get("rows").size(), root.toString());
        JsonNode row = root.get("rows").get(0);
        for (String f : List.of("torchSweepMedianS", "torchVersion", "simdSpeedupVsTorch", "scalarSpeedupVsTorch",
                "maxRelativeSseDifference")) {
            assertTrue(row.get(f).isNull(), f);
        }
        for (String f : List.of("simdSweepMedianS", "simdSpeedupVsScalar", "simdOverPlainRead",
                "maxRelativeSseSimdVsScalar")) {
            assertTrue(row.get(f).isNumber(), f + ": Surefire's JVM has the Vector API");
        }
        assertTrue(root.get("simdLanes").asInt() >= 2, root.toString());
        assertEquals(3, row.get("scalarSweepTimesS").size());
        assertEquals(3, row.get("simdSweepTimesS").size());
    }

    /** README.md documents each command's JSON: every field of every output record appears there as "name". */
    @Test
    void readmeNamesEveryFieldOfEveryOutputRecord() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        for (Class<?> out : List.of(LayersCommand.Output.class, QeCommand.Output.class, SearchCommand.Output.class,
                EvaluateCommand.Output.class, CnnEvaluation.Output.class, OutputEvaluation.Output.class,
                FrontierCommand.Output.class,
                BenchCommand.Output.class, BenchAdaRoundCommand.Output.class, BenchStreamCommand.Output.class,
                BenchSensitivityCommand.Output.class,
                CompareCommand.Output.class,
                ReportCommand.Results.class)) {
            for (String field : fieldNames(out)) {
                assertTrue(readme.contains("\"" + field + "\""), out.getName() + "." + field + " is not in README.md");
            }
        }
    }

    /** The component names of {@code type} and of the records inside it (lists, arrays, map values), at any depth. */
    private static List<String> fieldNames(Type type) {
        List<String> names = new ArrayList<>();
        if (type instanceof ParameterizedType p) {
            for (Type arg : p.getActualTypeArguments()) {
                names.addAll(fieldNames(arg));
            }
        } else if (type instanceof Class<?> c && c.isRecord()) {
            for (RecordComponent rc : c.getRecordComponents()) {
                names.add(rc.getName());
                names.addAll(fieldNames(rc.getGenericType()));
            }
        }
        return names;
    }

    private static JsonNode json(String... args) throws Exception {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.addAll(List.of("--format", "json", "-q"));
        CliHarness.Run r = CliHarness.run(all.toArray(String[]::new));
        assertEquals(ExitCodes.OK, r.code(), r.err());
        return JSON.readTree(r.out());
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** Asserts that {@code node} is what Jackson makes of a value of {@code type}: fields, order and kinds. */
    static void assertShape(Type type, JsonNode node) {
        check(type, node, "$");
    }

    /** Whether Jackson leaves {@code rc} out of the JSON when it is null ({@code @JsonInclude(NON_NULL)}). */
    private static boolean omittedWhenNull(RecordComponent rc) {
        JsonInclude include = rc.getAccessor().getAnnotation(JsonInclude.class);
        return include != null && include.value() == JsonInclude.Include.NON_NULL;
    }

    private static void check(Type type, JsonNode node, String path) {
        if (node.isNull()) {
            assertTrue(!(type instanceof Class<?> c) || !c.isPrimitive(), path + ": null for a primitive " + type);
            return;
        }
        Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
        if (raw.isRecord()) {
            assertTrue(node.isObject(), path + " should be an object: " + node);
            List<String> fields = Arrays.stream(raw.getRecordComponents())
                    .filter(rc -> node.has(rc.getName()) || !omittedWhenNull(rc)).map(RecordComponent::getName)
                    .toList();
            assertEquals(fields, names(node), path + " fields of " + raw.getSimpleName());
            for (RecordComponent rc : raw.getRecordComponents()) {
                if (node.has(rc.getName())) {
                    check(rc.getGenericType(), node.get(rc.getName()), path + "." + rc.getName());
                }
            }
        } else if (List.class.isAssignableFrom(raw)) {
            assertTrue(node.isArray(), path + " should be an array: " + node);
            Type element = ((ParameterizedType) type).getActualTypeArguments()[0];
            for (int i = 0; i < node.size(); i++) {
                check(element, node.get(i), path + "[" + i + "]");
            }
        } else if (raw.isArray()) {
            assertTrue(node.isArray(), path + " should be an array: " + node);
            for (int i = 0; i < node.size(); i++) {
                check(raw.getComponentType(), node.get(i), path + "[" + i + "]");
            }
        } else if (Map.class.isAssignableFrom(raw)) {
            assertTrue(node.isObject(), path + " should be an object: " + node);
            Type value = ((ParameterizedType) type).getActualTypeArguments()[1];
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                check(value, e.getValue(), path + "." + e.getKey());
            }
        } else if (raw == String.class) {
            assertTrue(node.isTextual(), path + " should be text: " + node);
        } else if (raw == int.class || raw == long.class || raw == Integer.class || raw == Long.class) {
            assertTrue(node.isIntegralNumber(), path + " should be an integer: " + node);
        } else if (raw == double.class || raw == Double.class) {
            assertTrue(node.isNumber(), path + " should be a number: " + node);
        } else if (raw == boolean.class || raw == Boolean.class) {
            assertTrue(node.isBoolean(), path + " should be true or false: " + node);
        } else {
            assertTrue(raw == JsonNode.class || raw == Object.class, path + ": no check for " + raw);
        }
    }
}
