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

    /** At one thread: the SIMD sweep (Surefire has the module), the scalar sweep, the plain read, and the ratios. */
    @Test
    void tablePrintsEveryVariantAndTheSummary() throws Exception {
        String model = tiny();
        CliHarness.Run r = CliHarness.run("bench", "--model", model, "--no-torch", "--repeats", "3", "--warmup", "1",
                "--threads", "1", "-q");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(7, lines.size(), r.out());
        assertEquals(HEADER, Arrays.asList(lines.get(0).split(" {2,}")));
        assertTrue(lines.get(1).matches("-+( {2}-+){6}"), lines.get(1));
        assertTrue(lines.get(2).startsWith("java simd sweep (bits 2..8) "), lines.get(2));
        assertTrue(lines.get(3).startsWith("java scalar sweep (bits 2..8) "), lines.get(3));
        assertTrue(lines.get(4).startsWith("plain read (memory floor) "), lines.get(4));
        assertEquals(model + ": 2 layers, 18 values; medians of 3 runs after 1 warm-up runs", lines.get(5));
        assertTrue(lines.get(6).matches("1 thread\\(s\\): [0-9.]+x the scalar sweep's \\(SSE agrees to \\S+"
                + " relative\\), and takes [0-9.]+x the time of a plain read"), lines.get(6));
        assertEquals("", r.err(), "-q: nothing on stderr");
    }

    @Test
    void csvNumbersParseAndArePositive() throws Exception {
        CliHarness.Run r = CliHarness.run("bench", "--model", tiny(), "--no-torch", "--repeats", "3", "--warmup", "1",
                "--threads", "1", "--format", "csv", "-q");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(4, lines.size(), r.out());
        assertEquals(String.join(",", HEADER), lines.get(0));
        List<String> simd = Arrays.asList(lines.get(1).split(","));
        List<String> scalar = Arrays.asList(lines.get(2).split(","));
        List<String> read = Arrays.asList(lines.get(3).split(","));
        assertEquals(List.of("java simd sweep (bits 2..8)", "1"), simd.subList(0, 2));
        assertEquals(List.of("java scalar sweep (bits 2..8)", "1"), scalar.subList(0, 2));
        assertEquals(List.of("plain read (memory floor)", "1"), read.subList(0, 2));
        for (List<String> java : List.of(simd, scalar)) {
            for (String cell : java.subList(2, 7)) {
                assertTrue(Double.parseDouble(cell) > 0, java.toString());
            }
            double median = Double.parseDouble(java.get(2));
            double min = Double.parseDouble(java.get(3));
            assertTrue(min <= median, "min <= median: " + java);
        }
        assertEquals(1.0, Double.parseDouble(simd.get(6)), 0.0, "the SIMD sweep is the reference row");
        assertEquals("—", read.get(3), "the plain read's runs are summarised by their median only");
        assertEquals("—", read.get(5), "a plain read evaluates no bit-widths");
        for (String cell : List.of(read.get(2), read.get(4), read.get(6))) {
            assertTrue(Double.parseDouble(cell) > 0, lines.get(3));
        }
    }

    /** Without --threads: one block at 1 thread, one at all cores (just one block on a one-core machine). */
    @Test
    void timesAtOneThreadAndAtAllCores() throws Exception {
        CliHarness.Run r = CliHarness.run("bench", "--model", tiny(), "--no-torch", "--repeats", "1", "--warmup", "1",
                "--format", "csv", "-q");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        List<String> threads = r.out().lines().skip(1).map(l -> l.split(",")[1]).distinct().toList();
        int cores = Runtime.getRuntime().availableProcessors();
        assertEquals(cores == 1 ? List.of("1") : List.of("1", Integer.toString(cores)), threads, r.out());
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
