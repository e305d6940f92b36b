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
    /** compare reports top-1 in percent, frontier as a fraction: one ×100 in double apart. */
    static final double PCT_TOL = 1e-9;

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

    /** The fisher cost needs the calibration images too (it used to fail as if the model were not a CNN). */
    @Test
    void searchWithTheFisherCost() throws Exception {
        CliHarness.Run r = CliHarness.run("search", "resnet20-fashion", "--avg-bits", "3", "--cost", "fisher",
                "--calibration", "16", "--threads", "1", "--format", "json", "-q");
        assertEquals(0, r.code(), r.err());
        JsonNode root = JSON.readTree(r.out());
        assertEquals("fisher", root.get("plan").get("params").get("cost").asText());
        assertTrue(root.get("summary").get("averageBits").asDouble() <= 3 + BUDGET_TOL);
    }

    /** BRECQ models CNN blocks only: on MiniLM it is a usage error, found before the model is loaded. */
    @Test
    void brecqOnMiniLmIsAUsageErrorNamingTheSupportedModels() {
        CliHarness.Run r = CliHarness.run("frontier", "minilm", "--method", "brecq", "--budgets", "4");
        r.assertOneLineError(ExitCodes.USAGE, "brecq (block reconstruction) is implemented for the Fashion-MNIST CNNs"
                + " only (resnet20-fashion, mobilenetv2-fashion), not for minilm");
        assertTrue(!r.err().contains("loaded minilm"), "refused before loading: " + r.err());
    }

    /**
     * The same frontier with nearest rounding and with AdaRound (few steps and images: for what is compared, not for
     * good numbers): the method is named; the plans, their predicted cost and the additivity check's distortion
     * (nearest rounding in both runs) are the same; the quality is AdaRound's with compare's options: the uniform-3
     * row equals compare's adaround uniform-3 row of the same settings, and the qe plan, quantized and scored once, is
     * not nearest rounding's number.
     */
    @Test
    void adaRoundFrontierScoresItsOwnQuantizationAndKeepsTheNearestAdditivityCheck() throws Exception {
        List<String> settings = List.of("--images", "200", "--calibration", "16", "--iterations", "10");
        List<String> common = concat(List.of("frontier", "resnet20-fashion", "--cost", "qe", "--budgets", "3"),
                settings);
        CliHarness.Run near = CliHarness.run(concat(common, "--format", "json", "-q"));
        assertEquals(0, near.code(), near.err());
        CliHarness.Run ada = CliHarness.run(concat(common, "--format", "json", "--method", "adaround"));
        assertEquals(0, ada.code(), ada.err());
        JsonNode n = JSON.readTree(near.out());
        JsonNode a = JSON.readTree(ada.out());
        CommandJsonTest.assertShape(FrontierCommand.Output.class, a);
        assertEquals("nearest", n.get("method").asText());
        assertTrue(n.get("reconstruction").isNull(), "nearest rounding has no reconstruction settings");
        assertEquals("adaround", a.get("method").asText());
        assertTrue(a.get("reconstruction").asText().startsWith("10 iterations per layer"), a.toString());
        assertEquals("nearest", a.get("distortionMethod").asText());
        assertEquals(n.get("fp32"), a.get("fp32"));
        assertEquals(2, a.get("rows").size(), "uniform-3 and the qe plan");
        for (int i = 0; i < 2; i++) {
            JsonNode rn = n.get("rows").get(i);
            JsonNode ra = a.get("rows").get(i);
            for (String f : List.of("budget", "cost", "plan", "averageBits", "bits", "predicted", "distortion")) {
                assertEquals(rn.get(f), ra.get(f), f + " of row " + i);
            }
        }
        JsonNode qe = a.get("rows").get(1);
        assertTrue(!qe.get("bits").equals(a.get("rows").get(0).get("bits")), "the qe plan is mixed: " + qe);
        assertTrue(!qe.get("quality").equals(n.get("rows").get(1).get("quality")),
                "adaround's qe plan scored like nearest's: " + qe);

        CliHarness.Run cmp = CliHarness.run(concat(List.of("compare", "resnet20-fashion", "--methods", "adaround",
                "--bits", "3", "--no-avg-bits", "--format", "json", "-q"), settings).toArray(String[]::new));
        assertEquals(0, cmp.code(), cmp.err());
        JsonNode uniform = JSON.readTree(cmp.out()).get("rows").get(1);
        assertEquals("uniform-3", uniform.get("plan").asText());
        assertEquals(uniform.get("quality").asDouble(),
                MetricId.TOP1.toColumn(a.get("rows").get(0).get("quality").get("top1").asDouble()), PCT_TOL,
                "compare's adaround uniform-3 and frontier's are the same model on the same images");

        JsonNode eq = a.get("equalSize");
        assertEquals("top1", eq.get("metric").asText());
        assertEquals(1, eq.get("comparisons").size());
        JsonNode c = eq.get("comparisons").get(0);
        assertEquals(a.get("rows").get(0).get("quality").get("top1").asDouble(), c.get("uniformQuality").asDouble(), 0);
        assertEquals(qe.get("quality").get("top1").asDouble(), c.get("bestQuality").asDouble(), 0);
        assertEquals(c.get("bestQuality").asDouble() < c.get("uniformQuality").asDouble(),
                c.get("mixedLoses").asBoolean(), c.toString());
        assertEquals(c.get("mixedLoses").asBoolean() ? "DISAGREES" : "AGREES", eq.get("verdict").asText());
        // progress per plan on stderr (learned rounding takes minutes on real settings)
        assertTrue(ada.err().contains("[1/2] adaround, plan uniform-3") && ada.err().contains("[2/2] adaround, plan"
                + " budget=3-qe"), ada.err());
    }

    /**
     * BRECQ keeps the first and last layers at int8: every cost's search fixes them too, at the average bits of BRECQ's
     * uniform plan, so the mixed plan is compared with uniform at equal size (3 steps: the shape, not the numbers).
     */
    @Test
    void brecqFrontierFixesFirstAndLastLayersInEveryPlan() throws Exception {
        CliHarness.Run r = CliHarness.run("frontier", "resnet20-fashion", "--method", "brecq", "--cost", "qe",
                "--budgets", "3", "--images", "100", "--calibration", "16", "--iterations", "3", "--format", "json",
                "-q");
        assertEquals(0, r.code(), r.err());
        JsonNode root = JSON.readTree(r.out());
        assertEquals("brecq", root.get("method").asText());
        assertTrue(root.get("reconstruction").asText().contains("brecq: first/last layers at int8"),
                root.get("reconstruction").asText());
        JsonNode rows = root.get("rows");
        assertEquals(List.of("uniform-3+fl8", "budget=3-qe+fl8"), List.of(rows.get(0).get("plan").asText(),
                rows.get(1).get("plan").asText()));
        for (JsonNode row : rows) {
            assertEquals(8, row.get("bits").get("stem.conv").asInt(), row.toString());
            assertEquals(8, row.get("bits").get("head.fc").asInt(), row.toString());
        }
        double uniformBits = rows.get(0).get("averageBits").asDouble();
        assertTrue(uniformBits > 3, "int8 first/last layers add bits: " + uniformBits);
        JsonNode c = root.get("equalSize").get("comparisons").get(0);
        assertEquals("qe", c.get("bestCost").asText(), "the qe plan is at the size of uniform-3+fl8: " + c);
        assertEquals(uniformBits, c.get("uniformBits").asDouble(), 0);
        assertTrue(c.get("bestBits").asDouble() <= uniformBits
                && c.get("bestBits").asDouble() > uniformBits - org.mixquant.eval.EqualBits.TOLERANCE, c.toString());
    }

    /** A plan with the bits of one already scored (at 2 bits every plan is uniform-2) is not quantized again. */
    @Test
    void aPlanAlreadyScoredIsNotQuantizedAgain() {
        CliHarness.Run r = CliHarness.run("frontier", "resnet20-fashion", "--cost", "qe", "--budgets", "2",
                "--images", "100", "--calibration", "16", "--format", "json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("[2/2] nearest, plan budget=2-qe: the bits of uniform-2, scored already"),
                r.err());
    }

    /** The table names the method in its title and ends with the equal-size comparison; CSV has a method column. */
    @Test
    void tableAndCsvNameTheMethod() {
        List<String> common = List.of("frontier", "resnet20-fashion", "--cost", "qe", "--budgets", "3",
                "--images", "100", "--calibration", "16", "-q");
        CliHarness.Run t = CliHarness.run(common.toArray(String[]::new));
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().startsWith("resnet20-fashion frontier, quality columns quantized with nearest\n"), t.out());
        assertTrue(t.out().contains("rounded to nearest whatever the method (the additivity check)"), t.out());
        assertTrue(t.out().contains("best mixed plan vs uniform at equal size (nearest, top1_%):\n  3.00 bits: best"
                + " mixed qe budget=3-qe"), t.out());
        assertTrue(t.out().contains("nearest: " + org.mixquant.eval.EqualSizeVerdict.CLAIM), t.out());
        CliHarness.Run c = CliHarness.run(concat(common, "--format", "csv"));
        assertEquals(0, c.code(), c.err());
        String[] lines = c.out().split("\n");
        assertTrue(lines[0].startsWith("method,budget,cost,plan,"), lines[0]);
        assertEquals(3, lines.length, "header, uniform-3, qe");
        assertTrue(lines[1].startsWith("nearest,3.00,uniform,uniform-3,") && lines[2].startsWith("nearest,3.00,qe,"),
                c.out());
    }

    /**
     * {@code search --refine R} refines the measured plan on the calibration data: the plan file records the rounds,
     * the distortions and never a higher distortion than the knapsack plan's; its average bits stay within the budget;
     * the table lists one line per round (16 calibration images: the shape, not the numbers).
     */
    @Test
    void searchRefinesTheMeasuredPlanWithinTheBudget() throws Exception {
        CliHarness.Run r = CliHarness.run("search", "resnet20-fashion", "--avg-bits", "2.5", "--cost", "measured",
                "--calibration", "16", "--refine", "2", "--threads", "1", "--format", "json", "-q");
        assertEquals(0, r.code(), r.err());
        JsonNode root = JSON.readTree(r.out());
        CommandJsonTest.assertShape(SearchCommand.Output.class, root);
        JsonNode plan = root.get("plan");
        assertEquals("budget=2.5-measured+refine", plan.get("name").asText());
        assertTrue(root.get("summary").get("averageBits").asDouble() <= 2.5 + BUDGET_TOL, root.toString());
        JsonNode refine = plan.get("params").get("refine");
        assertEquals(2, refine.get("rounds").asInt());
        int run = refine.get("roundsRun").asInt();
        int rounds = 0;
        for (JsonNode h : refine.get("history")) {
            rounds += h.has("round") ? 1 : 0;
            assertTrue(h.has("round") != h.has("fill"), "a round or a fill after the rounds: " + h);
        }
        assertTrue(run >= 1 && run <= 2 && rounds == run, refine.toString());
        assertTrue(refine.get("distortion").asDouble() <= refine.get("startDistortion").asDouble(), refine.toString());
        assertTrue(refine.get("calibration").asText().contains("n=16"), refine.toString());
        for (JsonNode h : refine.get("history")) {
            assertTrue(h.get("after").asDouble() <= h.get("before").asDouble(), h.toString());
            assertTrue(List.of("knapsack", "smaller-knapsack", "single-move", "stopped", "fill", "fill-nothing").contains(h.get("step").asText()), h.toString());
        }
        assertTrue(!plan.get("params").has("predictedCost"), "the knapsack's prediction was for the start plan");
        CliHarness.Run t = CliHarness.run("search", "resnet20-fashion", "--avg-bits", "2.5", "--cost", "measured",
                "--calibration", "16", "--refine", "2", "--threads", "1", "-q");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("refine round 1: D ") && t.out().contains("refined budget=2.5-measured in " + run
                + " round"), t.out());
    }

    /**
     * {@code frontier --refine R}: each cost's plan is followed by its refined plan in a row {@code COST+refine}, at
     * most at the budget, compared at equal size like any cost row; the additivity check is over the cost's own plans.
     */
    @Test
    void frontierAddsARefinedRowPerCostAndBudget() throws Exception {
        CliHarness.Run r = CliHarness.run("frontier", "resnet20-fashion", "--cost", "qe,measured", "--budgets", "3",
                "--refine", "1", "--images", "100", "--calibration", "16", "--threads", "1", "--format", "json", "-q");
        assertEquals(0, r.code(), r.err());
        JsonNode root = JSON.readTree(r.out());
        CommandJsonTest.assertShape(FrontierCommand.Output.class, root);
        JsonNode rows = root.get("rows");
        List<String> costs = new java.util.ArrayList<>();
        for (JsonNode row : rows) {
            costs.add(row.get("cost").asText());
            assertTrue(row.get("averageBits").asDouble() <= 3 + BUDGET_TOL, row.toString());
        }
        assertEquals(List.of("uniform", "qe", "qe+refine", "measured", "measured+refine"), costs);
        assertEquals("budget=3-measured+refine", rows.get(4).get("plan").asText());
        assertTrue(rows.get(4).get("distortion").asDouble() <= rows.get(3).get("distortion").asDouble(),
                "refinement never raises the measured distortion: " + rows);
        assertEquals(2, root.get("additivity").size());
        assertEquals(2, root.get("additivity").get(1).get("points").asInt() + 1, "measured's own plan only");
    }

    /** {@code --refine} takes a count ≥ 0, and {@code search} only with a size budget. */
    @Test
    void refineOptionErrors() {
        CliHarness.run("search", "resnet20-fashion", "--avg-bits", "3", "--cost", "measured", "--refine", "-1", "-q")
                .assertOneLineError(ExitCodes.USAGE, "--refine", "-1");
        CliHarness.run("frontier", "resnet20-fashion", "--refine", "-2", "-q")
                .assertOneLineError(ExitCodes.USAGE, "--refine", "-2");
        CliHarness.run("search", "resnet20-fashion", "--qem", "2", "--refine", "1", "-q")
                .assertOneLineError(ExitCodes.USAGE, "--refine needs --avg-bits");
    }

    private static String[] concat(List<String> head, String... tail) {
        return concat(head, List.of(tail)).toArray(String[]::new);
    }

    private static List<String> concat(List<String> head, List<String> tail) {
        List<String> all = new java.util.ArrayList<>(head);
        all.addAll(tail);
        return all;
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
                .assertOneLineError(ExitCodes.USAGE, "--method", "brecq", "resnet20-fashion, mobilenetv2-fashion");
        CliHarness.run("frontier", "resnet20-fashion", "--method", "omniquant", "-q")
                .assertOneLineError(ExitCodes.USAGE, "unknown method 'omniquant'", "nearest, adaround, brecq, gptq");
        CliHarness.run("frontier", "resnet20-fashion", "--method", "gptq", "--damp", "0", "-q")
                .assertOneLineError(ExitCodes.USAGE, "must be a fraction of the mean Hessian diagonal in (0, 1], got 0");
        CliHarness.run("frontier", tiny.toString(), "--budgets", "9", "-q")
                .assertOneLineError(ExitCodes.USAGE, "--budgets must be between 2 and 8, got 9");
    }
}
