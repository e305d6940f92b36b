package org.mixquant.model.cnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mixquant.data.FashionMnist;
import org.mixquant.model.Layer;
import org.mixquant.quant.FakeQuant;
import org.mixquant.quant.QuantSpec;
import org.mixquant.tensor.WeightTensor;

/**
 * The Java CNNs against an independent PyTorch implementation ({@code tools/cnn/torch_cnn.py}, Debian's
 * {@code python3-torch} 1.13 run by {@code /usr/bin/python3}), and the BN-folded network against the BatchNorm one.
 */
class CnnOracleTest {
    /** Test images compared with PyTorch. */
    static final int N = 300;
    /**
     * Java (libtorch 2.7.1 via DJL) and Python (torch 1.13) run the same float32 operations, but their convolution
     * kernels may sum in different orders; over 20 layers that moves logits of size ≤ ~30 by a few 1e-6. The issue's
     * bound is 1e-4.
     */
    static final double ORACLE_TOL = 1e-4;
    /**
     * Folding changes where the BatchNorm scale is rounded ({@code (W·s)∗x} instead of {@code s·(W∗x)}): each
     * layer's output moves by about one float32 ulp relative (6e-8), and the error grows through the ~20 layers.
     * Measured max differences are ~1e-5 on logits up to ~30; 1e-4 leaves a safety factor of 10 yet would still
     * catch a wrong bias or scale, which moves logits by O(1).
     */
    static final double FOLD_TOL = 1e-4;

    @TempDir
    Path tmp;

    static Path script() {
        Path p = Path.of("tools", "cnn", "torch_cnn.py").toAbsolutePath();
        assertTrue(Files.isRegularFile(p), "oracle script " + p + " (run the tests from the repository root)");
        return p;
    }

    /** Runs the PyTorch oracle on the first {@link #N} test images; returns N×10 logits. */
    float[] torchLogits(CnnArch arch, CnnWeights weights, String expectForm) throws Exception {
        Path w = tmp.resolve(arch.cliName() + "-" + expectForm + ".mqw");
        weights.write(w);
        Path out = tmp.resolve(arch.cliName() + "-" + expectForm + ".f32");
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/python3", script().toString(), "--arch", arch.cliName(),
                "--weights", w.toString(), "--images", String.valueOf(N), "--out", out.toString(), "--threads", "2");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        byte[] log = p.getInputStream().readAllBytes();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("PyTorch oracle timed out");
        }
        String text = new String(log, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            fail("PyTorch oracle failed (needs Debian python3-torch): " + text);
        }
        JsonNode summary = new ObjectMapper().readTree(text.strip().lines().reduce((a, b) -> b).orElseThrow());
        assertEquals(expectForm, summary.get("form").asText());
        assertEquals(N, summary.get("images").asInt());
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        float[] logits = new float[N * 10];
        b.asFloatBuffer().get(logits);
        return logits;
    }

    static float[] images(int n) throws IOException {
        FashionMnist test = FashionMnist.load(FashionMnist.Split.TEST);
        float[] x = new float[n * FashionMnist.PIXELS];
        test.normalizedInto(0, n, x, 0);
        return x;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    @ParameterizedTest
    @EnumSource(CnnArch.class)
    void batchNormNetworkMatchesPyTorch(CnnArch arch) throws Exception {
        CnnModel m = CnnModels.load(arch.modelName());
        float[] java;
        try (CnnRunner r = m.openUnfolded()) {
            java = r.logits(images(N), N);
        }
        float[] torch = torchLogits(arch, m.unfolded(), "batchnorm");
        double d = maxAbsDiff(java, torch);
        System.out.printf(Locale.ROOT, "[oracle] %s BatchNorm form: max |java - torch| = %.3g over %d logits"
                + " (max |logit| %.1f)%n", arch.cliName(), d, java.length, maxAbs(torch));
        assertTrue(d <= ORACLE_TOL, arch + ": max abs difference " + d + " > " + ORACLE_TOL);
    }

    @ParameterizedTest
    @EnumSource(CnnArch.class)
    void quantizedFoldedNetworkMatchesPyTorch(CnnArch arch) throws Exception {
        CnnModel m = CnnModels.load(arch.modelName());
        Map<String, WeightTensor> q = new LinkedHashMap<>();
        for (Layer l : m.layers()) {
            q.put(l.name(), FakeQuant.apply(l.weight(), QuantSpec.asymmetric(4)));
        }
        CnnModel q4 = m.withWeights(q);
        float[] java;
        try (CnnRunner r = q4.open()) {
            java = r.logits(images(N), N);
        }
        float[] torch = torchLogits(arch, q4.folded(), "folded");
        double d = maxAbsDiff(java, torch);
        System.out.printf(Locale.ROOT, "[oracle] %s folded, int4 weights: max |java - torch| = %.3g%n",
                arch.cliName(), d);
        assertTrue(d <= ORACLE_TOL, arch + ": max abs difference " + d + " > " + ORACLE_TOL);
    }

    @ParameterizedTest
    @EnumSource(CnnArch.class)
    void foldedNetworkMatchesBatchNormNetwork(CnnArch arch) throws Exception {
        CnnModel m = CnnModels.load(arch.modelName());
        int n = 1000;
        float[] x = images(n);
        float[] folded;
        float[] unfolded;
        try (CnnRunner r = m.open()) {
            folded = r.logits(x, n);
        }
        try (CnnRunner r = m.openUnfolded()) {
            unfolded = r.logits(x, n);
        }
        double d = maxAbsDiff(folded, unfolded);
        System.out.printf(Locale.ROOT, "[fold] %s: max |folded - unfolded| = %.3g over %d images (max |logit| %.1f)%n",
                arch.cliName(), d, n, maxAbs(unfolded));
        assertTrue(d <= FOLD_TOL, arch + ": max abs difference " + d + " > " + FOLD_TOL);
    }
}
