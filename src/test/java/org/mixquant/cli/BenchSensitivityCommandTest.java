package org.mixquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/**
 * {@code bench sensitivity}: the JSON shape, the paths timed and that both CNN paths give the same table (timings
 * themselves are never asserted).
 */
class BenchSensitivityCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void cnnTimesBothStartsAndTheyAgree() throws Exception {
        CliHarness.Run r = CliHarness.run("bench", "sensitivity", "resnet20-fashion", "--samples", "8", "--skip", "1",
                "--layers", "3", "--threads", "2", "--format", "json", "-q");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        JsonNode root = JSON.readTree(r.out());
        CommandJsonTest.assertShape(BenchSensitivityCommand.Output.class, root);
        JsonNode result = root.get("result");
        assertEquals(8, result.get("samples").asInt());
        assertEquals(2, result.get("paths").size());
        JsonNode layer = result.get("paths").get(0);
        JsonNode unit = result.get("paths").get(1);
        assertEquals("layer", layer.get("path").asText());
        assertEquals("unit", unit.get("path").asText());
        assertEquals(3, layer.get("layers").asInt());
        assertEquals(21, layer.get("passes").asInt());
        assertEquals(0.0, layer.get("maxRelDiff").asDouble(), 0.0, "the first path is the reference");
        assertTrue(unit.get("maxRelDiff").asDouble() < 1e-6, "unit start gives the layer start's table: " + unit);
    }

    @Test
    void badRangesAreUsageErrors() {
        assertEquals(ExitCodes.USAGE, CliHarness.run("bench", "sensitivity", "resnet20-fashion", "--skip", "99",
                "-q").code());
        assertEquals(ExitCodes.USAGE, CliHarness.run("bench", "sensitivity", "resnet20-fashion", "--layers", "-1",
                "-q").code());
    }
}
