package org.mixquant.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every notebook in {@code notebooks/} headless with the {@code mixquant-java} Jupyter kernel, through
 * {@code tools/notebooks/run-notebooks.sh}, one test per notebook. A notebook fails if any cell errs (compile error,
 * exception, bad magic), prints a Java stack trace, times out or kills the kernel; the test then fails with the
 * script's report.
 *
 * <p>This is an integration test (maven-failsafe, {@code mvn verify}): the notebooks load
 * {@code target/mixquant.jar} and {@code target/lib/}, which exist only after the {@code package} phase. It needs
 * Debian's Jupyter and the kernelspec that {@code environment/install.sh} installs (the script installs the
 * kernelspec itself when it is missing). Executed notebooks go to {@code target/notebooks/}; the committed ones
 * are not touched.
 */
class NotebooksIT {
    /**
     * Whole-notebook limit, a guard against hangs the script's per-cell timeout misses. The per-cell timeout grows
     * with the load the script measures (up to 3600 s, see {@code tools/notebooks/run-notebooks.sh}), so this limit
     * is set well above it.
     */
    private static final long NOTEBOOK_TIMEOUT_MINUTES = 120;

    private static Path projectDir() {
        String basedir = System.getProperty("basedir");
        return Path.of(basedir != null && !basedir.isEmpty() ? basedir : "").toAbsolutePath();
    }

    @TestFactory
    Stream<DynamicTest> everyNotebookRunsWithoutErrors() throws IOException {
        Path root = projectDir();
        Path script = root.resolve("tools/notebooks/run-notebooks.sh");
        assertTrue(Files.isRegularFile(script), "missing " + script);
        List<Path> notebooks;
        try (Stream<Path> files = Files.list(root.resolve("notebooks"))) {
            notebooks = files.filter(p -> p.getFileName().toString().endsWith(".ipynb")).sorted().toList();
        }
        assertFalse(notebooks.isEmpty(), "no notebooks in " + root.resolve("notebooks"));
        return notebooks.stream().map(nb -> DynamicTest.dynamicTest(nb.getFileName().toString(),
                () -> run(root, script, nb)));
    }

    private static void run(Path root, Path script, Path notebook) throws IOException, InterruptedException {
        Path logDir = Files.createDirectories(root.resolve("target/notebooks"));
        String name = notebook.getFileName().toString().replaceFirst("\\.ipynb$", "");
        File log = logDir.resolve(name + ".it.txt").toFile();
        Process p = new ProcessBuilder("bash", script.toString(), notebook.toString())
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log)
                .start();
        boolean done = p.waitFor(NOTEBOOK_TIMEOUT_MINUTES, TimeUnit.MINUTES);
        if (!done) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String out = Files.readString(log.toPath(), StandardCharsets.UTF_8);
        System.out.print(out);
        if (!done) {
            fail(notebook + " did not finish in " + NOTEBOOK_TIMEOUT_MINUTES + " minutes:\n" + out);
        }
        int rc = p.exitValue();
        assertEquals(0, rc, () -> "tools/notebooks/run-notebooks.sh " + notebook.getFileName() + " exited with "
                + rc + ":\n" + out);
    }
}
