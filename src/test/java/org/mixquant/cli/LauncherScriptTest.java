package org.mixquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.quant.SweepKernel;

/**
 * The {@code mixquant} launcher script starts the JVM with the Vector API (so the SIMD sweep runs) and keeps the JVM's
 * "WARNING: Using incubator modules" line off stderr, while every other stderr byte, stdout and the exit code pass
 * through unchanged. The script runs from a temporary folder holding a copy of it and a small {@code
 * target/mixquant.jar} whose main is {@link Probe} (no sources there, so the script does not try to build).
 */
class LauncherScriptTest {
    static final String WARNING = "WARNING: Using incubator modules: jdk.incubator.vector";

    @Test
    void vectorModuleOnAndIncubatorWarningOffStderr(@TempDir Path root) throws Exception {
        Path script = root.resolve("mixquant");
        Files.copy(Path.of("mixquant"), script);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        writeProbeJar(root.resolve("target/mixquant.jar"));

        Process p = new ProcessBuilder(script.toString(), "7").start();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "launcher finished");
        String stderr = new String(err.get(60, TimeUnit.SECONDS), StandardCharsets.UTF_8);

        assertEquals(7, p.exitValue(), "exit code passed through; stderr: " + stderr);
        assertEquals("kernel=" + SweepKernel.VECTOR + "\nstdout line\n", out, "stdout; stderr: " + stderr);
        assertFalse(stderr.contains("incubator"), "no incubator warning on stderr: " + stderr);
        assertEquals("err line\n50%\r100%", stderr, "other stderr output unchanged (no newline added)");
    }

    /** The probe JVM: says which sweep kernel it would use, writes to both streams, exits with args[0]. */
    static final class Probe {
        public static void main(String[] args) {
            System.out.println("kernel=" + SweepKernel.preferred());
            System.out.println("stdout line");
            System.out.flush();
            System.err.print("err line\n50%\r100%");
            System.err.flush();
            System.exit(Integer.parseInt(args[0]));
        }
    }

    private static byte[] readAll(java.io.InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A runnable jar with {@link Probe} and the one toolkit class it uses. */
    private static void writeProbeJar(Path jar) throws IOException {
        Files.createDirectories(jar.getParent());
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().put(Attributes.Name.MAIN_CLASS, Probe.class.getName());
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(os, mf)) {
            for (Class<?> c : new Class<?>[] {Probe.class, SweepKernel.class}) {
                String entry = c.getName().replace('.', '/') + ".class";
                Path dir = Path.of(c == Probe.class ? "target/test-classes" : "target/classes");
                j.putNextEntry(new JarEntry(entry));
                j.write(Files.readAllBytes(dir.resolve(entry)));
                j.closeEntry();
            }
        }
    }
}
