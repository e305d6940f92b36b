package org.mixquant.model.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.mixquant.model.cnn.CnnArch;

/**
 * The bundled CNNs exported to ONNX by the PyTorch oracle ({@code tools/cnn/torch_cnn.py --export-onnx}, Debian's
 * {@code python3-torch} and {@code python3-onnx} run by {@code /usr/bin/python3}), for tests of the generic
 * image-classifier path. The files are generated, never checked in: written once per test JVM into
 * {@code target/onnx-cnn/} (a stale file from an earlier run is replaced, so a changed script or weight file is
 * always picked up).
 */
public final class OnnxCnnExport {
    private static final Path DIR = Path.of("target", "onnx-cnn");
    private static final java.util.Map<CnnArch, Path> DONE = new java.util.EnumMap<>(CnnArch.class);

    private OnnxCnnExport() {
    }

    /** The ONNX file of {@code arch} (BatchNorm form of {@code datasets/<model>.mqw}, exported this JVM). */
    public static synchronized Path onnx(CnnArch arch) throws IOException, InterruptedException {
        Path done = DONE.get(arch);
        if (done != null) {
            return done;
        }
        Path script = Path.of("tools", "cnn", "torch_cnn.py").toAbsolutePath();
        Path weights = Path.of("datasets", arch.modelName() + ".mqw").toAbsolutePath();
        assertTrue(Files.isRegularFile(script) && Files.isRegularFile(weights),
                "run the tests from the repository root: " + script + ", " + weights);
        Files.createDirectories(DIR);
        Path out = DIR.resolve(arch.modelName() + ".onnx").toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/python3", script.toString(), "--arch", arch.cliName(),
                "--weights", weights.toString(), "--export-onnx", out.toString(), "--threads", "1");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        byte[] log = p.getInputStream().readAllBytes();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("ONNX export timed out");
        }
        if (p.exitValue() != 0) {
            fail("ONNX export failed (needs Debian python3-torch and python3-onnx): "
                    + new String(log, StandardCharsets.UTF_8));
        }
        DONE.put(arch, out);
        return out;
    }
}
