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
import org.mixquant.io.TempFiles;
import org.mixquant.model.onnx.SyntheticTransformer;
import org.mixquant.progress.Progress;

/**
 * {@code bench stream} and {@code bench --model} on a model with external data: what is written, kept or deleted, and
 * that the measurement is the streamed one. Timings themselves are never asserted.
 */
class BenchStreamCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void syntheticModelsAreWrittenToATemporaryFolderAndDeleted() throws Exception {
        CliHarness.Run r = CliHarness.run("bench", "stream", "--synthetic-params", "1e4,2e5", "--runs", "1",
                "--warmup", "0", "--threads", "2", "--format", "json", "-q", "--plot",
                dir.resolve("scaling.png").toString());
        assertEquals(ExitCodes.OK, r.code(), r.err());
        JsonNode root = JSON.readTree(r.out());
        CommandJsonTest.assertShape(BenchStreamCommand.Output.class, root);
        assertEquals(2, root.get("synthetic").size());
        assertTrue(root.get("model").isNull());
        JsonNode small = root.get("synthetic").get(0);
        assertTrue(small.get("kept").isNull());
        assertEquals(SyntheticTransformer.forParams(1e4, 1).bytes(), small.get("dataBytes").asLong());
        assertEquals(SyntheticTransformer.forParams(2e5, 1).quantizableParams(),
                root.get("synthetic").get(1).get("sweep").get("values").asLong());
        assertTrue(TempFiles.registered().stream().noneMatch(p -> p.getFileName().toString()
                .startsWith("mixquant-synthetic")), "temporary models are deleted: " + TempFiles.registered());
        assertTrue(Files.size(dir.resolve("scaling.png")) > 1000);
    }

    @Test
    void keepWritesIntoTheFolderAndLeavesTheModel() throws Exception {
        CliHarness.Run r = CliHarness.run("bench", "stream", "--synthetic-params", "1e4", "--keep", dir.toString(),
                "--runs", "1", "--warmup", "0", "--threads", "1", "-q");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        Path kept = dir.resolve("synthetic-10000");
        assertTrue(Files.isRegularFile(kept.resolve(SyntheticTransformer.MODEL_FILE)));
        assertEquals(SyntheticTransformer.forParams(1e4, 1).bytes(),
                Files.size(kept.resolve(SyntheticTransformer.DATA_FILE)));
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).startsWith("params "), r.out());
        assertTrue(lines.get(2).startsWith("1.00e+04 "), r.out());
        CliHarness.Run again = CliHarness.run("bench", "stream", "--synthetic-params", "1e4", "--keep",
                dir.toString(), "--runs", "1", "--warmup", "0", "-q");
        assertFalse(again.code() == ExitCodes.OK, "an existing model is not overwritten");
        assertFalse(again.err().strip().contains("\n"), again.err());
        assertTrue(again.err().contains(kept.resolve(SyntheticTransformer.MODEL_FILE).toString()), again.err());
    }

    @Test
    void benchOfAModelWithExternalDataIsTheStreamedMeasurement() throws Exception {
        Path model = new SyntheticTransformer(32, 2, 16, 3).write(dir, true, Progress.NONE);
        CliHarness.Run r = CliHarness.run("bench", "--model", model.toString(), "--repeats", "2", "--warmup", "0",
                "--threads", "1", "--format", "json", "-q");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        JsonNode root = JSON.readTree(r.out());
        CommandJsonTest.assertShape(BenchStreamCommand.Output.class, root);
        JsonNode m = root.get("model");
        assertEquals(12 * 32 * 32 * 2, m.get("values").asLong());
        assertEquals(4 * 32 * 32, m.get("largestLayerValues").asLong());
        assertEquals(2, m.get("sweepTimesS").size());
        assertTrue(m.get("weightsPerS").asDouble() > 0);
        assertTrue(m.get("heapPeakMB").asDouble() > 0);
    }

    @Test
    void sizesOutOfRangeAreUsageErrors() {
        CliHarness.Run r = CliHarness.run("bench", "stream", "--synthetic-params", "10");
        assertEquals(ExitCodes.USAGE, r.code(), r.err());
        assertTrue(r.err().contains("1e3"), r.err());
        assertEquals(ExitCodes.USAGE, CliHarness.run("bench", "stream").code(), "a source is required");
        CliHarness.Run down = CliHarness.run("bench", "stream", "--synthetic-params", "1e5,1e4");
        assertEquals(ExitCodes.USAGE, down.code(), down.err());
        assertTrue(down.err().contains("ascending"), down.err());
    }
}
