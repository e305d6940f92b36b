package org.mixquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.model.TinyOnnx;

/**
 * {@code bench} on a two-layer model without the PyTorch reference: the table's shape and that its numbers are real
 * positive numbers. Timings themselves are never asserted.
 */
class BenchCommandTest {
    static final List<String> HEADER = List.of("variant", "threads", "median_ms", "min_ms", "values_per_s",
            "bit_evals_per_s", "relative");

    @TempDir
    Path dir;

    String tiny() throws Exception {
        return TinyOnnx.mlp(TinyOnnx.values(12, 1), TinyOnnx.values(6, 2)).write(dir, "tiny.onnx").toString();
    }

    @Test
    void tablePrintsBothVariantsAndTheSummary() throws Exception {
        String model = tiny();
        CliHarness.Run r = CliHarness.run("bench", "--model", model, "--no-torch", "--repeats", "3", "--warmup", "1",
                "--threads", "1", "-q");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(6, lines.size(), r.out());
        assertEquals(HEADER, Arrays.asList(lines.get(0).split(" {2,}")));
        assertTrue(lines.get(1).matches("-+( {2}-+){6}"), lines.get(1));
        assertTrue(lines.get(2).startsWith("java sweep (bits 2..8) "), lines.get(2));
        assertTrue(lines.get(3).startsWith("plain read (memory floor) "), lines.get(3));
        assertEquals(model + ": 2 layers, 18 values; medians of 3 runs after 1 warm-up runs", lines.get(4));
        assertTrue(lines.get(5).startsWith("java sweep takes ") && lines.get(5).contains("x the time of a plain read"),
                lines.get(5));
        assertEquals("", r.err(), "-q: nothing on stderr");
    }

    @Test
    void csvNumbersParseAndArePositive() throws Exception {
        CliHarness.Run r = CliHarness.run("bench", "--model", tiny(), "--no-torch", "--repeats", "3", "--warmup", "1",
                "--threads", "1", "--format", "csv", "-q");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(3, lines.size(), r.out());
        assertEquals(String.join(",", HEADER), lines.get(0));
        List<String> java = Arrays.asList(lines.get(1).split(","));
        List<String> read = Arrays.asList(lines.get(2).split(","));
        assertEquals(List.of("java sweep (bits 2..8)", "1"), java.subList(0, 2));
        assertEquals(List.of("plain read (memory floor)", "1"), read.subList(0, 2));
        for (String cell : java.subList(2, 7)) {
            assertTrue(Double.parseDouble(cell) > 0, lines.get(1));
        }
        assertEquals(1.0, Double.parseDouble(java.get(6)), 0.0, "the Java sweep is the reference row");
        assertEquals("—", read.get(5), "a plain read evaluates no bit-widths");
        for (String cell : List.of(read.get(2), read.get(3), read.get(4), read.get(6))) {
            assertTrue(Double.parseDouble(cell) > 0, lines.get(2));
        }
        double median = Double.parseDouble(java.get(2));
        double min = Double.parseDouble(java.get(3));
        assertTrue(min <= median, "min <= median: " + lines.get(1));
    }

    @Test
    void adaroundIsASubcommandWithItsOwnOptions() {
        CliHarness.Run help = CliHarness.run("bench", "adaround", "--help");
        assertEquals(ExitCodes.OK, help.code(), help.err());
        for (String o : List.of("--layer", "--iterations", "--rounds", "--python", "--format")) {
            assertTrue(help.out().contains(o), o + " in:\n" + help.out());
        }
        CliHarness.Run bench = CliHarness.run("bench", "--help");
        assertTrue(bench.out().contains("adaround"), bench.out());
        for (String o : List.of("--adaround", "--layer", "--iterations", "--rounds")) {
            assertFalse(bench.out().contains(o), o + " is hidden on bench:\n" + bench.out());
        }
    }

    /** A missing interpreter fails before any Java work; the old spelling warns once and does the same. */
    @Test
    void deprecatedAdaroundFlagWarnsOnceAndRunsTheSubcommand() {
        String python = dir.resolve("no-such-python").toString();
        CliHarness.Run sub = CliHarness.run("bench", "adaround", "--python", python, "-q");
        sub.assertOneLineError(ExitCodes.FAILURE, "cannot run " + python);
        assertFalse(sub.err().contains("deprecated"), sub.err());
        CliHarness.Run old = CliHarness.run("bench", "--adaround", "--python", python, "-q");
        old.assertOneLineError(ExitCodes.FAILURE, "cannot run " + python);
        assertEquals(List.of("[mixquant] warning: 'bench --adaround' is deprecated; use 'bench adaround' (same"
                + " options)"), old.errLines().stream().filter(l -> l.contains("warning")).toList());
    }

    @Test
    void adaroundOptionsOnTheSweepAreReportedAsIgnored() throws Exception {
        CliHarness.Run r = CliHarness.run("bench", "--model", tiny(), "--no-torch", "--repeats", "1", "--warmup", "1",
                "--iterations", "5", "-q");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertEquals(List.of("[mixquant] warning: --iterations applies to 'bench adaround' only; ignored by the"
                + " sweep"), r.errLines());
    }
}
