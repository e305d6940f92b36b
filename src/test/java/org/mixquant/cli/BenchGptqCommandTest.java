package org.mixquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/**
 * {@code bench gptq}: the JSON shape, both capture paths timed, and that they quantize MiniLM's 36 layers to the same
 * weights bit for bit (timings themselves are never asserted).
 */
class BenchGptqCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void bothCapturePathsQuantizeEveryMiniLmLayerToTheSameWeights() throws Exception {
        CliHarness.Run r = CliHarness.run("bench", "gptq", "--calibration", "4", "--bits", "3", "--format", "json",
                "-q");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        JsonNode root = JSON.readTree(r.out());
        CommandJsonTest.assertShape(BenchGptqCommand.Output.class, root);
        JsonNode result = root.get("result");
        assertEquals(36, result.get("layers").asInt());
        assertEquals(4, result.get("samples").asInt());
        assertEquals(2, result.get("paths").size());
        assertEquals("staged", result.get("paths").get(0).get("path").asText());
        assertEquals("whole", result.get("paths").get(1).get("path").asText());
        assertEquals(0, result.get("paths").get(1).get("differing").asLong(),
                "the whole-model capture gives the staged capture's weights");
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertEquals(ExitCodes.USAGE, CliHarness.run("bench", "gptq", "--bits", "9", "-q").code());
        assertEquals(ExitCodes.USAGE, CliHarness.run("bench", "gptq", "--paths", "fast", "-q").code());
    }
}
