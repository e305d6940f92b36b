package org.mixquant.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The per-cell timeout of {@code tools/notebooks/run-notebooks.sh} (issue 13, "load"): fixed by
 * {@code MIXQUANT_NB_TIMEOUT} or {@code --timeout}, otherwise scaled by the CPU slowdown measured when it runs, never
 * below the old 600 s. Runs only the script's {@code --show-timeout}, not a notebook.
 */
class RunNotebooksScriptTest {
    /** The slowdown is printed to 2 decimals, so 900 × slowdown recomputed from it is off by up to 4.5 s. */
    static final double PRINTED_SLOWDOWN_TOL = 5;

    record Result(int code, String out) {
    }

    static Result show(String envTimeout, String... extra) throws IOException, InterruptedException {
        String basedir = System.getProperty("basedir");
        Path root = Path.of(basedir != null && !basedir.isEmpty() ? basedir : "").toAbsolutePath();
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("bash",
                root.resolve("tools/notebooks/run-notebooks.sh").toString(), "--show-timeout"));
        cmd.addAll(java.util.List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("MIXQUANT_NB_TIMEOUT");
        if (envTimeout != null) {
            pb.environment().put("MIXQUANT_NB_TIMEOUT", envTimeout);
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the timeout is measured in well under a minute");
        return new Result(p.exitValue(), out);
    }

    @Test
    void measuredTimeoutIsAtLeastTheOld600SecondsAndScalesWithTheSlowdown() throws Exception {
        Result r = show(null);
        assertEquals(0, r.code(), r.out());
        String[] parts = r.out().split(" ", 2);
        int secs = Integer.parseInt(parts[0]);
        assertTrue(secs >= 600 && secs <= 3600, r.out());
        assertTrue(parts[1].matches("\\(slowdown \\d+\\.\\d\\d\\)"), r.out());
        double slowdown = Double.parseDouble(parts[1].replaceAll("[^0-9.]", ""));
        assertEquals(Math.min(3600, Math.max(600, Math.round(900 * slowdown))), secs, PRINTED_SLOWDOWN_TOL,
                "max(600, 900 × slowdown), at most 3600: " + r.out());
    }

    @Test
    void environmentAndOptionFixTheTimeout() throws Exception {
        assertEquals(new Result(0, "777 (fixed)"), show("777"));
        assertEquals(new Result(0, "650 (fixed)"), show("777", "--timeout", "650"));
        Result bad = show("abc");
        assertEquals(2, bad.code(), bad.out());
        assertTrue(bad.out().contains("MIXQUANT_NB_TIMEOUT") && bad.out().contains("'abc'"), bad.out());
    }
}
