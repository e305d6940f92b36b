package org.mixquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.data.NpyArray;
import org.mixquant.data.NpzFiles;
import org.mixquant.model.TinyOnnx;

/** {@code evaluate} and {@code compare} on any ONNX model scored on {@code --inputs} arrays. */
class AnyOnnxCommandTest {
    @TempDir
    Path dir;

    Path conv() throws Exception {
        return TinyOnnx.convNet(11).write(dir, "conv.onnx");
    }

    Path inputs(int n) throws Exception {
        return NpzFiles.npz(dir.resolve("x.npz"), NpzFiles.random("x", 4, n, 1, 6, 6));
    }

    @Test
    void evaluateScoresEveryOutputAndPrintsTheDocumentedJson() throws Exception {
        CliHarness.Run r = CliHarness.run("evaluate", conv().toString(), "--bits", "4", "--inputs",
                inputs(8).toString(), "--format", "json", "-q");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        CommandJsonTest.assertShape(OutputEvaluation.Output.class, root);
        JsonNode out = root.get("outputs");
        assertEquals("y", out.get("outputs").get(0).get("name").asText());
        assertEquals(24, out.get("outputs").get(0).get("values").asInt());
        double sqnr = out.get("sqnrDb").asDouble();
        assertTrue(sqnr > 10 && sqnr < 60, "4-bit SQNR " + sqnr);
        assertEquals(8, root.get("inputs").get("samples").asInt());
        CliHarness.Run t = CliHarness.run("evaluate", conv().toString(), "--bits", "4", "--inputs",
                inputs(8).toString(), "-q");
        assertEquals(ExitCodes.OK, t.code(), t.err());
        assertTrue(t.out().contains("(all)") && t.out().contains("sqnr_db"), t.out());
    }

    /** int64 inputs (a BERT-shaped encoder's token ids and mask) go in as they are; an int32 array is named. */
    @Test
    void int64InputsOfATextEncoder() throws Exception {
        Path bert = Files.write(dir.resolve("bert.onnx"), org.mixquant.model.TinyBert.bytes(7));
        long[] ids = new long[3 * 5];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i % org.mixquant.model.TinyBert.V;
        }
        long[] mask = new long[ids.length];
        java.util.Arrays.fill(mask, 1L);
        Path in = NpzFiles.npz(dir.resolve("tok.npz"), NpyArray.ofLongs("input_ids", ids, 3, 5),
                NpyArray.ofLongs("attention_mask", mask, 3, 5));
        CliHarness.Run r = CliHarness.run("evaluate", bert.toString(), "--bits", "8", "--inputs", in.toString(),
                "--format", "json", "-q");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(new ObjectMapper().readTree(r.out()).get("outputs").get("cosine").asDouble() > 0.99, r.out());
        int[] ints = new int[ids.length];
        Path bad = NpzFiles.npz(dir.resolve("int32.npz"), NpyArray.ofInts("input_ids", ints, 3, 5),
                NpyArray.ofLongs("attention_mask", mask, 3, 5));
        CliHarness.Run e = CliHarness.run("evaluate", bert.toString(), "--bits", "8", "--inputs", bad.toString(),
                "-q");
        assertEquals(ExitCodes.FAILURE, e.code(), e.err());
        assertTrue(e.err().contains("graph input 'input_ids' expects int64 [?, ?], but " + bad + " has int32 [3, 5]"),
                e.err());
    }

    @Test
    void badInputsAreOneLineExitOne() throws Exception {
        Path model = conv();
        Path missing = NpzFiles.npz(dir.resolve("missing.npz"), NpzFiles.random("image", 1, 2, 1, 6, 6));
        Path dtype = NpzFiles.npz(dir.resolve("dtype.npz"), NpyArray.ofDoubles("x", new double[72], 2, 1, 6, 6));
        Path shape = NpzFiles.npz(dir.resolve("shape.npz"), NpzFiles.random("x", 1, 2, 1, 5, 6));
        Path corrupt = Files.write(dir.resolve("corrupt.npz"), java.util.Arrays.copyOf(
                Files.readAllBytes(inputs(8)), 100));
        String[][] cases = {
            {missing.toString(), "has no array 'x' for graph input 'x' (expected float32 [?, 1, 6, 6]; the file has"
                    + " image)"},
            {dtype.toString(), "graph input 'x' expects float32 [?, 1, 6, 6], but " + dtype + " has float64 [2, 1,"
                    + " 6, 6]"},
            {shape.toString(), "graph input 'x' expects float32 [?, 1, 6, 6], but " + shape + " has float32 [2, 1,"
                    + " 5, 6]"},
            {corrupt.toString(), "corrupt.npz"},
        };
        for (String[] c : cases) {
            CliHarness.Run r = CliHarness.run("evaluate", model.toString(), "--bits", "4", "--inputs", c[0], "-q");
            assertEquals(ExitCodes.FAILURE, r.code(), r.err());
            assertTrue(r.err().startsWith("mixquant: error: ") && r.err().contains(c[1]), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertEquals("", r.out());
        }
    }

    @Test
    void compareNearestAndAdaroundOnAnOnnxCnnWithHeldOutSamples() throws Exception {
        CliHarness.Run r = CliHarness.run("compare", conv().toString(), "--methods", "nearest,adaround", "--bits",
                "3", "--no-avg-bits", "--iterations", "50", "--inputs", inputs(16).toString(), "--format", "json",
                "-q");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        CommandJsonTest.assertShape(CompareCommand.Output.class, root);
        assertTrue(root.get("evaluation").asText().contains("calibration: samples 0..7"), root.toString());
        JsonNode rows = root.get("rows");
        assertEquals(3, rows.size());
        assertEquals("out_cos", rows.get(1).get("metric").asText());
        assertTrue(rows.get(1).get("secondary").isNumber(), "SQNR of the nearest row");
        assertEquals("adaround", rows.get(2).get("methodFamily").asText());
    }

    /** An MLP (MatMul + bias Add + Relu, then a Gemm with transB=0) from a folder of .npy files. */
    @Test
    void compareOnAnOnnxMlpFromANpyFolder() throws Exception {
        Path model = TinyOnnx.mlpNet(21).write(dir, "mlp.onnx");
        Path folder = Files.createDirectory(dir.resolve("in"));
        Files.write(folder.resolve("x.npy"), NpzFiles.npy(NpzFiles.random("x", 9, 40, 8)));
        CliHarness.Run r = CliHarness.run("compare", model.toString(), "--methods", "nearest,adaround", "--bits",
                "2", "--no-avg-bits", "--iterations", "50", "--inputs", folder.toString(), "--format", "json", "-q");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        JsonNode rows = new ObjectMapper().readTree(r.out()).get("rows");
        assertEquals(List.of("fp32", "nearest", "adaround"), List.of(rows.get(0).get("methodFamily").asText(),
                rows.get(1).get("methodFamily").asText(), rows.get(2).get("methodFamily").asText()));
        assertTrue(rows.get(2).get("quality").asDouble() > 0.5, rows.toString());
    }

    @Test
    void brecqOnAnOnnxModelIsAUsageErrorAndTheSameFileForBothIsSaid() throws Exception {
        CliHarness.Run r = CliHarness.run("compare", conv().toString(), "--methods", "brecq", "--inputs",
                inputs(4).toString(), "-q");
        assertEquals(ExitCodes.USAGE, r.code(), r.err());
        assertTrue(r.err().contains("brecq (block reconstruction) is implemented for the Fashion-MNIST CNNs only"),
                r.err());
        Path in = inputs(4);
        CliHarness.Run same = CliHarness.run("compare", conv().toString(), "--methods", "adaround", "--bits", "4",
                "--no-avg-bits", "--iterations", "5", "--inputs", in.toString(), "--calibration-inputs",
                in.toString(), "-q");
        assertEquals(ExitCodes.OK, same.code(), same.err());
        assertTrue(same.err().contains("warning: calibration and evaluation both use all 4 samples of " + in
                + " (the same file): the scores are not held out"), same.err());
        assertFalse(same.out().isEmpty());
    }
}
