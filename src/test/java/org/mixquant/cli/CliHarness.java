package org.mixquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The one in-process harness for bad-input tests of the command line: runs {@code mixquant} with captured writers,
 * and snapshots a folder so a test can assert that nothing outside the run's own outputs changed.
 */
public final class CliHarness {
    private CliHarness() {
    }

    /** Exit code, stdout and stderr of one in-process run. */
    public record Run(int code, String out, String err) {
        /** stderr split into lines (empty list for no output). */
        public List<String> errLines() {
            return err.isEmpty() ? List.of() : Arrays.asList(err.split("\n"));
        }

        /**
         * Asserts the run failed with {@code code} and printed exactly one stderr line for it that contains every
         * fragment (case-sensitive); progress lines ({@code [mixquant] ...}) and picocli's "(see ... --help)" hint
         * are allowed besides it, a stack trace is not.
         */
        public void assertOneLineError(int expectedCode, String... fragments) {
            assertEquals(expectedCode, code, () -> "exit code; stderr:\n" + err + "\nstdout:\n" + out);
            List<String> msgs = errLines().stream()
                    .filter(l -> l.startsWith("mixquant: "))
                    .toList();
            assertEquals(1, msgs.size(), () -> "exactly one 'mixquant: ' line expected; stderr:\n" + err);
            assertTrue(errLines().stream().noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception in thread")),
                    () -> "no stack trace expected; stderr:\n" + err);
            for (String f : fragments) {
                assertTrue(msgs.get(0).contains(f), () -> "message should contain '" + f + "': " + msgs.get(0));
            }
        }
    }

    /** Runs {@code mixquant args...} in this JVM. */
    public static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = MixQuantCli.create(new PrintWriter(out), new PrintWriter(err)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /**
     * Every regular file and folder under {@code root} (relative path → SHA-256 of the content, or {@code "dir"} /
     * {@code "link"}), without following links. Compare two snapshots to prove a run touched nothing.
     */
    public static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return m;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    m.put(rel, "link");
                } else if (Files.isDirectory(p)) {
                    m.put(rel, "dir");
                } else {
                    m.put(rel, sha256(Files.readAllBytes(p)));
                }
            }
        }
        return m;
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
