package org.mixquant.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.model.TinyBert;
import org.mixquant.model.TinyOnnx;
import org.mixquant.quant.BitPlan;

/** Runs the command line in-process with captured writers. */
class MixQuantCliTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
        List<String> errLines() {
            return err.isEmpty() ? List.of() : Arrays.asList(err.split("\n"));
        }
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = MixQuantCli.create(new PrintWriter(out), new PrintWriter(err)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    Path tiny() throws Exception {
        return TinyOnnx.mlp(TinyOnnx.values(12, 1), TinyOnnx.values(6, 2)).write(dir, "tiny.onnx");
    }

    @Test
    void layersAsJson() throws Exception {
        Run r = run("layers", tiny().toString(), "--format", "json", "-q");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        JsonNode root = JSON.readTree(r.out());
        assertEquals(18, root.get("quantizableParams").asLong());
        assertEquals(2, root.get("otherParams").asLong());
        JsonNode l0 = root.get("layers").get(0);
        assertEquals("fc1/MatMul", l0.get("name").asText());
        assertEquals("W1", l0.get("tensor").asText());
        assertEquals("matmul", l0.get("kind").asText());
        assertEquals("[4,3]", l0.get("shape").toString());
        assertEquals(1, l0.get("channelAxis").asInt());
        assertEquals(3, l0.get("channels").asInt());
        assertEquals("", r.err(), "--quiet keeps stderr empty");
    }

    @Test
    void qeAsCsvAndJson() throws Exception {
        Run csv = run("qe", tiny().toString(), "--format", "csv", "--bits", "3,8", "-q");
        assertEquals(ExitCodes.OK, csv.code(), csv.err());
        String[] lines = csv.out().split("\n");
        assertEquals("layer,params,mse@3,mse@8", lines[0]);
        assertEquals(3, lines.length);
        Run json = run("qe", tiny().toString(), "--format", "json", "--scheme", "symmetric", "--granularity",
                "per-tensor", "-q");
        JsonNode root = JSON.readTree(json.out());
        assertEquals("symmetric", root.get("scheme").asText());
        assertEquals("per-tensor", root.get("granularity").asText());
        assertEquals(7, root.get("bits").size());
        JsonNode layer = root.get("layers").get(1);
        assertEquals(1.0, layer.get("ratioTo8").get("8").asDouble(), 0.0);
        assertTrue(layer.get("mse").get("2").asDouble() > layer.get("mse").get("8").asDouble());
    }

    /** Per-group without --group-size is G = 128; the JSON names the size; a plan written per-group reads back. */
    @Test
    void perGroupQeAndSearch() throws Exception {
        Run json = run("qe", tiny().toString(), "--format", "json", "--granularity", "per-group", "-q");
        assertEquals(ExitCodes.OK, json.code(), json.err());
        assertEquals("per-group-128", JSON.readTree(json.out()).get("granularity").asText());
        Run two = run("qe", tiny().toString(), "--format", "json", "--granularity", "per-group", "--group-size", "2",
                "-q");
        assertEquals("per-group-2", JSON.readTree(two.out()).get("granularity").asText());
        Path plan = dir.resolve("group-plan.json");
        Run s = run("search", tiny().toString(), "--avg-bits", "3", "--granularity", "per-group", "--group-size",
                "2", "-o", plan.toString(), "--format", "json", "-q");
        assertEquals(ExitCodes.OK, s.code(), s.err());
        org.mixquant.quant.BitPlan p = org.mixquant.quant.BitPlan.read(plan);
        assertEquals(org.mixquant.quant.Granularity.perGroup(2), p.granularity());
        JsonNode summary = JSON.readTree(s.out()).get("summary");
        assertTrue(summary.get("averageBitsWithQParams").asDouble() > summary.get("averageBits").asDouble() + 1,
                "groups of 2 cost ≥ 16 + b bits per 2 weights: " + summary);
        Run contradict = run("evaluate", tiny().toString(), "--plan", plan.toString(), "--group-size", "4",
                "--granularity", "per-group", "-q");
        assertEquals(ExitCodes.USAGE, contradict.code(), contradict.err());
        assertTrue(contradict.err().contains("--group-size 4") && contradict.err().contains("\"groupSize\" is 2"),
                contradict.err());
    }

    @Test
    void searchWritesAPlanThatLoads() throws Exception {
        Path plan = dir.resolve("plan.json");
        Run r = run("search", tiny().toString(), "--avg-bits", "3", "-o", plan.toString(), "--format", "json", "-q");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        JsonNode root = JSON.readTree(r.out());
        assertEquals("avg-bits", root.get("plan").get("rule").asText());
        assertTrue(root.get("summary").get("averageBits").asDouble() <= 3 + 1e-12);
        assertEquals(2, root.get("layers").size());
        assertTrue(root.get("layers").get(0).has("ratioTo8"));
        BitPlan p = BitPlan.read(plan);
        assertEquals(List.of("fc1/MatMul", "fc2/Gemm"), List.copyOf(p.layers()));
        Run table = run("search", tiny().toString(), "--qem", "4.5", "-q");
        assertTrue(table.out().contains("step²/12 model"), table.out());
    }

    @Test
    void versionComesFromVersionAndNamesTheJava() {
        Run r = run("--version");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertEquals(List.of("mixquant " + org.mixquant.io.Version.get(), "Java " + System.getProperty("java.version")
                + " (" + System.getProperty("java.vendor") + ")"), r.out().lines().toList());
    }

    @Test
    void usageErrorsExitWithTwo() throws Exception {
        String t = tiny().toString();
        for (String[] args : new String[][] {
            {},
            {"nope"},
            {"layers"},
            {"layers", t, "--bogus"},
            {"search", t},
            {"search", t, "--qem", "2", "--avg-bits", "3"},
            {"qe", t, "--bits", "9"},
            {"qe", t, "--bits", "1"},
            {"qe", t, "--scheme", "log"},
            {"evaluate", t, "--bits", "9"},
            {"search", t, "--qem", "0.5"},
            {"layers", t, "--format", "xml"},
        }) {
            Run r = run(args);
            assertEquals(ExitCodes.USAGE, r.code(), String.join(" ", args) + " → " + r.err());
            assertTrue(r.err().startsWith("mixquant: "), r.err());
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        }
    }

    @Test
    void failuresExitWithOneAndOneLine() throws Exception {
        Path corrupt = Files.write(dir.resolve("corrupt.onnx"), Arrays.copyOf(TinyOnnx.mlp(TinyOnnx.values(12, 1),
                TinyOnnx.values(6, 2)).bytes(), 40));
        Path noWeights = new TinyOnnx().input("x", 1, 2).output("y", 1, 2)
                .node("Relu", "r", List.of("x"), List.of("y")).write(dir, "relu.onnx");
        float[] nan = TinyOnnx.values(12, 1);
        nan[3] = Float.NaN;
        Path nanModel = TinyOnnx.mlp(nan, TinyOnnx.values(6, 2)).write(dir, "nan.onnx");
        Path otherPlan = dir.resolve("other.json");
        BitPlan.uniform(tiny().toString(), List.of("fc1/MatMul", "missing/MatMul"), 4,
                org.mixquant.quant.Scheme.ASYMMETRIC, org.mixquant.quant.Granularity.PER_CHANNEL).write(otherPlan);
        Path out = dir.resolve("should-not-exist.json");
        Object[][] cases = {
            {new String[] {"layers", corrupt.toString(), "-q"}, "not a valid ONNX model"},
            {new String[] {"layers", dir.resolve("absent.onnx").toString(), "-q"}, "unknown model"},
            {new String[] {"layers", dir.toString(), "-q"}, "is a directory"},
            {new String[] {"qe", noWeights.toString(), "-q"}, "no quantizable weights"},
            {new String[] {"qe", nanModel.toString(), "-q"}, "fc1/MatMul"},
            {new String[] {"search", corrupt.toString(), "--qem", "2", "-o", out.toString(), "-q"}, "corrupt"},
            {new String[] {"evaluate", tiny().toString(), "--plan", otherPlan.toString(), "-q"}, "missing/MatMul"},
            {new String[] {"evaluate", tiny().toString(), "--plan", dir.resolve("nope.json").toString(), "-q"},
                "nope.json"},
            {new String[] {"evaluate", tiny().toString(), "--bits", "4", "--corpus-size", "16", "-q"}, "input_ids"},
        };
        for (Object[] c : cases) {
            String[] args = (String[]) c[0];
            Run r = run(args);
            assertEquals(ExitCodes.FAILURE, r.code(), String.join(" ", args) + " → " + r.err());
            assertEquals(1, r.errLines().size(), "one line: " + r.err());
            assertTrue(r.err().startsWith("mixquant: error: ") && r.err().contains((String) c[1]),
                    String.join(" ", args) + " → " + r.err());
            assertEquals("", r.out());
        }
        assertFalse(Files.exists(out), "a failed search leaves no plan file");
    }

    @Test
    void nanInANonQuantizedWeightFailsInsteadOfPrintingNaN() throws Exception {
        // issue 13: a NaN in a word-embedding row used to print "meanCosine": "NaN", "top10Overlap": 1.0 with exit 0
        Path model = Files.write(dir.resolve("nan-embedding.onnx"), TinyBert.bytes(7, TinyBert.MINILM_VOCAB,
                java.util.Map.of("E", e -> e[TinyBert.MINILM_THE * TinyBert.H] = Float.NaN)));
        CliHarness.Run r = CliHarness.run("evaluate", model.toString(), "--bits", "4", "--corpus-size", "64",
                "--format", "json", "-q");
        r.assertOneLineError(ExitCodes.FAILURE, "the FP32 model's outputs contain NaN or infinite values for ",
                " of 64 texts", "non-quantized weights");
        assertEquals("", r.out(), "no result is printed");
    }

    /** One command refused before work (its output is the model), one that fails after loading it. */
    @Test
    void failedCommandsDoNotTouchTheModelFile() throws Exception {
        Path t = tiny();
        byte[] before = Files.readAllBytes(t);
        CliHarness.run("search", t.toString(), "--avg-bits", "2.5", "-o", t.toString(), "-q")
                .assertOneLineError(ExitCodes.USAGE, "-o " + t, "is the same file as the model");
        CliHarness.run("evaluate", t.toString(), "--bits", "4", "--corpus-size", "16", "-q")
                .assertOneLineError(ExitCodes.FAILURE, "input_ids");
        assertArrayEquals(before, Files.readAllBytes(t));
    }

    /** A command that runs out of memory. */
    @picocli.CommandLine.Command(name = "greedy")
    static final class Greedy implements java.util.concurrent.Callable<Integer> {
        @Override
        public Integer call() {
            throw new OutOfMemoryError("Java heap space");
        }
    }

    /** JVM errors are not Exceptions, so picocli's handler never sees them: they still end in one line, exit 1. */
    @Test
    void outOfMemoryIsOneLineNotAStackTrace() {
        java.io.StringWriter err = new java.io.StringWriter();
        int code = MixQuantCli.configure(new picocli.CommandLine(new Greedy()), new PrintWriter(new java.io.StringWriter()),
                new PrintWriter(err)).execute();
        assertEquals(ExitCodes.FAILURE, code);
        String e = err.toString();
        assertEquals(1, e.lines().count(), e);
        assertTrue(e.startsWith("mixquant: error: out of memory") && e.contains("MIXQUANT_JAVA_OPTS"), e);
    }
}
