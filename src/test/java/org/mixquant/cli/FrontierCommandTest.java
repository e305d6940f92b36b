package org.mixquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.eval.MetricId;
import org.mixquant.model.TinyOnnx;

/**
 * {@code frontier} and {@code search --cost}: the JSON shape and the errors. The CNN runs use few calibration and test
 * images to stay quick; what they check does not depend on the numbers.
 */
class FrontierCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();
    /** A budget plan may fall short of its budget, never exceed it (the knapsack's decimal epsilon is 1e-9). */
    static final double BUDGET_TOL = 1e-9;

    @TempDir
    Path dir;

    @Test
    void frontierJsonHasEveryRowAndTheAdditivityCheck() throws Exception {
        CliHarness.Run r = CliHarness.run("frontier", "resnet20-fashion", "--cost", "qe,measured", "--budgets", "3,3.5",
                "--images", "100", "--calibration", "16", "--format", "json", "-q");
        assertEquals(0, r.code(), r.err());
        JsonNode root = JSON.readTree(r.out());
        assertEquals("resnet20-fashion", root.get("model").asText());
        assertEquals(2, root.get("costs").size());
        assertEquals("measured", root.get("costs").get(1).get("name").asText());
        assertTrue(root.get("costs").get(1).get("provenance").get("calibration").asText().contains("n=16"));
        // budget 3: uniform, qe, measured; budget 3.5: qe, measured (no uniform plan at a fractional budget)
        JsonNode rows = root.get("rows");
        assertEquals(5, rows.size());
        Set<String> seen = new HashSet<>();
        for (JsonNode row : rows) {
            seen.add(row.get("budget").asDouble() + "/" + row.get("cost").asText());
            assertTrue(row.get("averageBits").asDouble() <= row.get("budget").asDouble() + BUDGET_TOL, row.toString());
            double top1 = row.get("quality").get("top1").asDouble();
            assertTrue(top1 >= 0 && top1 <= 1, row.toString());
            assertTrue(row.get("distortion").asDouble() >= 0);
            assertEquals(22, row.get("bits").size());
            assertEquals(row.get("cost").asText().equals("uniform"), row.get("predicted").isNull(), row.toString());
        }
        assertEquals(Set.of("3.0/uniform", "3.0/qe", "3.0/measured", "3.5/qe", "3.5/measured"), seen);
        JsonNode add = root.get("additivity");
        assertEquals(2, add.size());
        assertEquals("qe", add.get(0).get("cost").asText());
        assertTrue(add.get(1).has("pearson") && add.get(1).has("spearman"));
    }

    /** A text encoder's quality is named by MetricId's JSON names, as in evaluate's and report's JSON. */
    @Test
    void textEncoderQualityHasTheMetricFieldNames() throws Exception {
        CliHarness.Run r = CliHarness.run("frontier", "minilm", "--cost", "qe", "--budgets", "4", "--corpus-size", "16",
                "--calibration", "16", "--format", "json", "-q");
        assertEquals(0, r.code(), r.err());
        JsonNode root = JSON.readTree(r.out());
        List<String> expected = List.of(MetricId.MEAN_COSINE.field(), MetricId.TOP10_OVERLAP.field());
        assertEquals(List.of("meanCosine", "top10Overlap"), expected);
        assertEquals(expected, fieldNames(root.get("fp32")));
        for (JsonNode row : root.get("rows")) {
            assertEquals(expected, fieldNames(row.get("quality")), row.toString());
        }
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new java.util.ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void searchWithTheMeasuredCost() throws Exception {
        CliHarness.Run r = CliHarness.run("search", "resnet20-fashion", "--avg-bits", "3", "--cost", "measured",
                "--calibration", "16", "--format", "json", "-q");
        assertEquals(0, r.code(), r.err());
        JsonNode root = JSON.readTree(r.out());
        assertEquals("measured", root.get("plan").get("params").get("cost").asText());
        assertEquals("measured", root.get("summary").get("cost").asText());
        assertTrue(root.get("summary").get("averageBits").asDouble() <= 3 + BUDGET_TOL);
    }

    @Test
    void errors() throws Exception {
        Path tiny = TinyOnnx.mlp(TinyOnnx.values(12, 1), TinyOnnx.values(6, 2)).write(dir, "tiny.onnx");
        CliHarness.run("search", tiny.toString(), "--qem", "2", "--cost", "measured", "-q")
                .assertOneLineError(ExitCodes.USAGE, "--avg-bits");
        CliHarness.run("search", tiny.toString(), "--avg-bits", "3", "--cost", "measured", "-q")
                .assertOneLineError(ExitCodes.FAILURE, "calibration data");
        CliHarness.run("search", tiny.toString(), "--avg-bits", "3", "--cost", "hessian", "-q")
                .assertOneLineError(ExitCodes.USAGE, "hessian");
        CliHarness.run("frontier", tiny.toString(), "--method", "brecq", "-q")
                .assertOneLineError(ExitCodes.USAGE, "nearest");
        CliHarness.run("frontier", tiny.toString(), "--budgets", "9", "-q")
                .assertOneLineError(ExitCodes.USAGE, "--budgets must be between 2 and 8, got 9");
    }
}
