package org.mixquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mixquant compare} on the CNNs with few steps and images, and its input checks. */
class CompareCommandTest {
    @TempDir
    Path dir;

    @Test
    void everyMethodTimesEveryPlanWithFilesAndEqualBitsLines() throws Exception {
        Path csv = dir.resolve("rows.csv");
        Path json = dir.resolve("rows.json");
        Path png = dir.resolve("plot/size-vs-accuracy.png");
        String[] r = CnnEvaluationTest.run("compare", "resnet20-fashion", "--methods", "asym,adaround,brecq",
                "--bits", "4,3", "--iterations", "4", "--calibration", "64", "--images", "300", "--format", "json",
                "--csv", csv.toString(), "--json", json.toString(), "--plot", png.toString());
        assertEquals("0", r[0], r[2]);
        JsonNode j = BaseCommand.JSON.readTree(r[1]);
        assertEquals(j, BaseCommand.JSON.readTree(Files.readString(json)), "stdout and --json hold the same document");
        assertTrue(j.get("reconstruction").asText().startsWith("4 iterations per layer (adaround) or block"
                + " (brecq) (papers: 20000; fewer for speed)"), j.get("reconstruction").asText());
        JsonNode rows = j.get("rows");
        assertEquals(1 + 3 * 4, rows.size(), "fp32 + 3 methods × (2 uniform + 2 budget plans)");
        List<String> seen = new ArrayList<>();
        for (JsonNode row : rows) {
            seen.add(row.get("methodFamily").asText() + " " + row.get("rule").asText());
            if (!row.get("rule").asText().equals("fp32")) {
                double q = row.get("quality").asDouble();
                assertTrue(q > 10 && q <= 100, row.toString());
                assertEquals(row.get("quality").asDouble() - row.get("fp32Quality").asDouble(),
                        row.get("delta").asDouble(), 1e-9);
            }
        }
        // --methods asym is an input alias: the rows name the method by its one id, nearest.
        assertTrue(seen.contains("brecq avg-bits") && seen.contains("adaround uniform")
                && seen.contains("nearest avg-bits"), seen.toString());
        assertTrue(seen.stream().noneMatch(s -> s.startsWith("asym ")), seen.toString());
        for (JsonNode row : rows) {
            if (row.get("methodFamily").asText().equals("brecq")) {
                // first and last layer at int8: exactly two int8 layers in a uniform plan, at least two in a budget
                String h = row.get("bitsHistogram").asText();
                int int8 = java.util.Arrays.stream(h.split(" ")).filter(c -> c.startsWith("8:"))
                        .mapToInt(c -> Integer.parseInt(c.substring(2))).sum();
                if (row.get("rule").asText().equals("uniform")) {
                    assertEquals(2, int8, "first/last at 8 bits: " + row);
                    assertEquals(2, h.split(" ").length, "the other layers at the plan's bits: " + row);
                } else {
                    assertTrue(int8 >= 2, "first/last at 8 bits: " + row);
                }
            }
        }
        assertEquals(6, j.get("equalBits").size(), "one line per MixQuant row");
        assertTrue(Files.readString(csv).startsWith("method,plan,rule,avg_bits,storage_bits,size_MB,metric,value"));
        assertEquals(1 + 13, Files.readAllLines(csv).size());
        assertTrue(Files.size(png) > 5_000);
        assertTrue(r[2].contains("brecq 2/11 stage1.block0"), "per-block progress on stderr");
    }

    @Test
    void gptqRunsWithItsOptions() throws Exception {
        String[] r = CnnEvaluationTest.run("compare", "resnet20-fashion", "--methods", "nearest,gptq", "--bits", "3",
                "--no-avg-bits", "--calibration", "16", "--images", "200", "--act-order", "--gptq-block", "64",
                "--format", "json");
        assertEquals("0", r[0], r[2]);
        JsonNode j = BaseCommand.JSON.readTree(r[1]);
        assertTrue(j.get("reconstruction").asText().endsWith("; gptq: block 64, damp 0.01, act-order"),
                j.get("reconstruction").asText());
        double nearest = Double.NaN;
        double gptq = Double.NaN;
        for (JsonNode row : j.get("rows")) {
            switch (row.get("methodFamily").asText()) {
                case "nearest" -> nearest = row.get("quality").asDouble();
                case "gptq" -> gptq = row.get("quality").asDouble();
                default -> { }
            }
        }
        // 200 images: top-1 moves in steps of 0.5%; GPTQ at int3 is far from chance (10%) and not below nearest
        // by more than noise
        assertTrue(gptq > 50 && gptq >= nearest - 5, "gptq " + gptq + " vs nearest " + nearest);
        assertTrue(r[2].contains("gptq 1/22 stem.conv int3"), r[2]);
        assertTrue(r[2].contains("rows × 9 columns"), "im2col of the 1-channel 3×3 stem: " + r[2]);
    }

    @Test
    void tableNamesTheSettingsAndTheMetric() {
        String[] r = CnnEvaluationTest.run("compare", "mobilenetv2-fashion", "--methods", "brecq", "--bits", "4",
                "--no-avg-bits", "--iterations", "3", "--calibration", "32", "--images", "200", "--fisher",
                "--first-last-bits", "0", "-q");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("top1_%") && r[1].contains("uniform-4 "), r[1]);
        assertTrue(r[1].contains("brecq: Fisher-weighted loss, first/last layers follow the plan"), r[1]);
        assertTrue(r[1].contains("3 iterations per layer (adaround) or block (brecq) (papers: 20000; fewer for"
                + " speed)") && !r[1].contains("rows per layer"), r[1]);
    }

    @Test
    void badInputGetsAClearErrorAndExitCode2() {
        String[] r = CnnEvaluationTest.run("compare", "resnet20-fashion", "--bits", "9", "-q");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--bits must be between 2 and 8, got 9"), r[2]);
        r = CnnEvaluationTest.run("compare", "resnet20-fashion", "--methods", "omniquant", "-q");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("unknown method 'omniquant'"), r[2]);
        r = CnnEvaluationTest.run("compare", "resnet20-fashion", "--methods", "gptq", "--damp", "0", "-q");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("must be a fraction of the mean Hessian diagonal in (0, 1], got 0"), r[2]);
        r = CnnEvaluationTest.run("compare", "resnet20-fashion", "--calibration", "0", "-q");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--calibration must be ≥ 1"), r[2]);
        r = CnnEvaluationTest.run("compare", "minilm", "--methods", "brecq", "--bits", "4", "-q");
        assertTrue(r[2].contains("brecq (block reconstruction) is implemented for the Fashion-MNIST CNNs only"
                + " (resnet20-fashion, mobilenetv2-fashion), not for minilm"), r[2]);
        assertEquals("2", r[0], "found from the model's name, before it is loaded: a usage error");
    }

    @Test
    void everySubcommandPrintsItsHelp() {
        for (String cmd : List.of("compare", "evaluate", "report", "bench", "search", "qe", "layers", "train")) {
            String[] r = CnnEvaluationTest.run(cmd, "--help");
            assertEquals("0", r[0], cmd + ": " + r[2]);
            assertTrue(r[1].startsWith("Usage: mixquant " + cmd), r[1]);
        }
        String[] r = CnnEvaluationTest.run("compare", "--help");
        assertTrue(r[1].contains("--first-last-bits") && r[1].contains("papers:"), r[1]);
    }

    /** Learned rounding on MiniLM calibrates on fortunes 512..; a larger evaluation corpus would overlap it. */
    @Test
    void textEvaluationCorpusOverlappingCalibrationIsAUsageError() {
        CliHarness.Run r = CliHarness.run("compare", "minilm", "--methods", "adaround", "--corpus-size", "600",
                "--bits", "4", "-q");
        r.assertOneLineError(ExitCodes.USAGE, "--corpus-size", "600", "at most 512");
    }
}
