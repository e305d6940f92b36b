package org.mixquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.model.TinyOnnx;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;

class ExportCommandTest {
    @TempDir
    Path dir;

    private Path tiny() throws Exception {
        return TinyOnnx.mlp(TinyOnnx.values(12, 1), TinyOnnx.values(6, 2)).write(dir, "mlp.onnx");
    }

    @Test
    void exportsATinyModelThatMatchesTheFakeQuantModel() throws Exception {
        Path model = tiny();
        Path out = dir.resolve("q/mlp-q.onnx");
        CliHarness.Run r = CliHarness.run("export", model.toString(), "--bits", "4", "-o", out.toString(),
                "--format", "json", "-q");
        assertEquals(0, r.code(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertEquals(Files.size(out), root.path("size").path("exportedFileBytes").asLong());
        assertEquals(Files.size(model), root.path("size").path("fp32FileBytes").asLong());
        assertTrue(root.path("check").path("maxAbsDiff").asDouble(1) <= ExportCommand.MAX_ABS_DIFF, r.out());
        assertEquals(2, root.path("layers").size());
        assertEquals(1, root.path("layers").get(0).path("axis").asInt());
        assertEquals(0, root.path("layers").get(1).path("axis").asInt());
        assertEquals("UINT8", root.path("layers").get(0).path("storage").asText());
        OnnxMl.ModelProto q = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(out));
        assertEquals(2, q.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("DequantizeLinear"))
                .count());

        CliHarness.Run table = CliHarness.run("export", model.toString(), "--bits", "3", "--scheme", "symmetric",
                "-o", out.toString(), "-q");
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().contains("INT8") && table.out().contains("check: max |exported - fake-quant|"),
                table.out());

        CliHarness.Run four = CliHarness.run("export", model.toString(), "--bits", "4", "--int4", "-o",
                out.toString(), "--format", "json", "-q");
        assertEquals(0, four.code(), four.err());
        JsonNode r4 = new ObjectMapper().readTree(four.out());
        assertEquals("UINT4", r4.path("layers").get(0).path("storage").asText());
        assertEquals(21, r4.path("opset").asInt());
        assertTrue(r4.path("check").path("maxAbsDiff").asDouble(1) <= ExportCommand.MAX_ABS_DIFF, four.out());
        assertTrue(r4.path("size").path("exportedFileBytes").asLong() < root.path("size").path("exportedFileBytes")
                .asLong(), "half-byte codes make a smaller file");
    }

    @Test
    void exportsAPlanFileWithItsBitsAndScheme() throws Exception {
        Path model = tiny();
        Path planFile = dir.resolve("plan.json");
        new BitPlan("mixed", model.toString(), Scheme.SYMMETRIC, Granularity.PER_TENSOR, "file", Map.of(), Map.of(),
                Map.of("fc1/MatMul", 2, "fc2/Gemm", 8)).write(planFile);
        Path out = dir.resolve("mlp-plan.onnx");
        CliHarness.Run r = CliHarness.run("export", model.toString(), "--plan", planFile.toString(), "-o",
                out.toString(), "--format", "json", "--no-check", "-q");
        assertEquals(0, r.code(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertEquals(2, root.path("layers").get(0).path("bits").asInt());
        assertEquals(8, root.path("layers").get(1).path("bits").asInt());
        assertEquals("INT8", root.path("layers").get(0).path("storage").asText());
        assertTrue(root.path("layers").get(0).path("axis").isNull(), "per-tensor: no axis");
        assertTrue(root.path("check").isNull(), "--no-check runs nothing");
        assertEquals(13, root.path("opset").asInt());
        assertTrue(Files.size(out) > 0);

        CliHarness.Run contradicts = CliHarness.run("export", model.toString(), "--plan", planFile.toString(),
                "--scheme", "asymmetric", "-o", dir.resolve("other.onnx").toString());
        contradicts.assertOneLineError(ExitCodes.USAGE, "--scheme asymmetric contradicts the plan");
        assertFalse(Files.exists(dir.resolve("other.onnx")));
    }

    /**
     * AdaRound on an ONNX image classifier (dynamic batch axis): calibrated on Fashion-MNIST training images, its codes
     * recovered, and the exported file checked on random samples fed one at a time; GPTQ there is a usage error.
     */
    @Test
    void exportsAnOnnxClassifierWithAdaRoundAndChecksIt() throws Exception {
        Path model = TinyOnnx.cnn(1, 10).write(dir, "cnn.onnx");
        Path out = dir.resolve("cnn-q.onnx");
        CliHarness.Run r = CliHarness.run("export", model.toString(), "--bits", "4", "--method", "adaround",
                "--iterations", "10", "--calibration", "16", "--resize", "8", "-o", out.toString(), "--format", "json",
                "-q");
        assertEquals(0, r.code(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertEquals("adaround", root.path("method").asText(), r.out());
        assertTrue(root.path("check").path("inputs").asText().contains("random samples"), r.out());
        assertTrue(root.path("check").path("maxAbsDiff").asDouble(1) <= ExportCommand.MAX_ABS_DIFF, r.out());
        assertTrue(Files.size(out) > 0);

        var before = CliHarness.snapshot(dir);
        CliHarness.Run gptq = CliHarness.run("export", model.toString(), "--bits", "4", "--method", "gptq",
                "--resize", "8", "-o", dir.resolve("cnn-gptq.onnx").toString());
        gptq.assertOneLineError(ExitCodes.USAGE, "--method gptq", "support nearest and adaround");
        assertEquals(before, CliHarness.snapshot(dir), "nothing written");
    }

    /** A per-group plan becomes blocked DequantizeLinear (opset 21) and the check still holds. */
    @Test
    void exportsPerGroupScalesAsBlocks() throws Exception {
        Path model = tiny();
        Path out = dir.resolve("mlp-g.onnx");
        CliHarness.Run r = CliHarness.run("export", model.toString(), "--bits", "4", "--granularity", "per-group",
                "--group-size", "2", "-o", out.toString(), "--format", "json", "-q");
        assertEquals(0, r.code(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertEquals(21, root.path("opset").asInt());
        assertEquals("per-group-2", root.path("granularity").asText());
        assertEquals(0, root.path("layers").get(0).path("axis").asInt(), "MatMul [in, out]: blocks along axis 0");
        assertEquals(2, root.path("layers").get(0).path("blockSize").asInt());
        assertEquals(1, root.path("layers").get(1).path("axis").asInt(), "Gemm [out, in]: blocks along axis 1");
        assertTrue(root.path("check").path("maxAbsDiff").asDouble(1) <= ExportCommand.MAX_ABS_DIFF, r.out());
        assertTrue(root.path("size").path("counted").asText().contains("FLOAT (32 bits"), r.out());
    }

    /** A bundled CNN goes to .npz (integer codes for the PyTorch oracle); other outputs or options are refused. */
    @Test
    void exportsABundledCnnAsNpz() throws Exception {
        Path out = dir.resolve("r20-q.npz");
        CliHarness.Run r = CliHarness.run("export", "resnet20-fashion", "--bits", "4", "-o", out.toString(),
                "--format", "json", "-q");
        assertEquals(0, r.code(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertEquals(Files.size(out), root.path("exportedBytes").asLong());
        assertEquals(22 * 5, root.path("arrays").asInt(), "codes, scale, zero-point, group size, bias per layer");
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(out.toFile())) {
            assertTrue(z.getEntry("stem.conv.weight.codes.npy") != null && z.getEntry("head.fc.bias.npy") != null);
        }
        Path onnx = dir.resolve("r20-q.onnx");
        CliHarness.run("export", "resnet20-fashion", "--bits", "4", "-o", onnx.toString())
                .assertOneLineError(ExitCodes.USAGE, "exported as integer codes in a NumPy .npz");
        CliHarness.run("export", "resnet20-fashion", "--bits", "4", "--int4", "-o", dir.resolve("x.npz").toString())
                .assertOneLineError(ExitCodes.USAGE, "no --int4");
        CliHarness.run("export", tiny().toString(), "--bits", "4", "-o", dir.resolve("y.npz").toString())
                .assertOneLineError(ExitCodes.USAGE, "an ONNX model is exported as .onnx");
        assertFalse(Files.exists(onnx) || Files.exists(dir.resolve("x.npz")) || Files.exists(dir.resolve("y.npz")));
    }

    @Test
    void badInputIsAUsageErrorAndWritesNothing() throws Exception {
        Path model = tiny();
        Path out = dir.resolve("mlp-q.onnx");
        Path other = dir.resolve("other-plan.json");
        BitPlan.uniform("other.onnx", List.of("fc1/MatMul", "fc2/Gemm"), 4, Scheme.ASYMMETRIC,
                Granularity.PER_CHANNEL).write(other);
        Map<String, String> before = CliHarness.snapshot(dir);
        String[][] cases = {
            {"export", model.toString(), "--bits", "9", "-o", out.toString()},
            {"export", model.toString(), "--plan", other.toString(), "-o", out.toString()},
            {"export", model.toString(), "--bits", "4", "-o", model.toString()},
            {"export", model.toString(), "--bits", "4", "--method", "brecq", "-o", out.toString()},
            {"export", model.toString(), "--bits", "4", "--method", "gptq", "--granularity", "per-group", "-o",
                out.toString()},
            {"export", model.toString(), "--bits", "4", "--method", "nope", "-o", out.toString()},
        };
        String[] fragments = {"--bits must be between 2 and 8, got 9", "was made for \"model\" 'other.onnx'",
            "is the same file as the model", "brecq (block reconstruction) is implemented for the Fashion-MNIST CNNs",
            "gptq with per-group scales cannot be exported", "is not a method"};
        for (int i = 0; i < cases.length; i++) {
            CliHarness.Run r = CliHarness.run(cases[i]);
            r.assertOneLineError(ExitCodes.USAGE, fragments[i]);
            assertFalse(Files.exists(out), "no output for " + String.join(" ", cases[i]));
            assertEquals(before, CliHarness.snapshot(dir), "nothing changed by " + String.join(" ", cases[i]));
        }
    }
}
