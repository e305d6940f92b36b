package org.mixquant.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.data.FashionMnist;
import org.mixquant.methods.NearestRounding;
import org.mixquant.model.Layer;
import org.mixquant.model.cnn.CnnArch;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.cnn.CnnModels;
import org.mixquant.model.cnn.CnnRunner;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;

/**
 * The bundled CNNs exported as integer codes ({@code .npz}), loaded, dequantized and run by the PyTorch oracle
 * ({@code tools/cnn/torch_cnn.py}, Debian's {@code /usr/bin/python3} with python3-torch): its predictions must equal
 * the toolkit's fake-quantized model's on ≥ 99.9% of the test images.
 */
class CnnNpzExportTest {
    /** Test images scored by both. */
    static final int N = 1000;
    /** The bound: same predictions on at least 99.9% of the images (here at most 1 of 1000 differs). */
    static final double MIN_AGREEMENT = 0.999;
    /**
     * Both run the same float32 weights (dequantized bit for bit alike), but libtorch 2.7 (DJL) and torch 1.13 may
     * sum convolutions in different orders: CnnOracleTest's bound on logits.
     */
    static final double LOGIT_TOL = 1e-4;

    @TempDir
    Path tmp;

    /** Runs the oracle on the first {@link #N} test images of {@code weights}; returns N×10 logits. */
    float[] torchLogits(CnnArch arch, Path weights) throws Exception {
        Path script = Path.of("tools", "cnn", "torch_cnn.py").toAbsolutePath();
        Path out = tmp.resolve(arch.cliName() + ".f32");
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), "--arch", arch.cliName(), "--weights",
                weights.toString(), "--images", String.valueOf(N), "--out", out.toString(), "--threads", "2")
                .redirectErrorStream(true).start();
        byte[] log = p.getInputStream().readAllBytes();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("PyTorch oracle timed out");
        }
        String text = new String(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "PyTorch oracle failed: " + text);
        JsonNode summary = new ObjectMapper().readTree(text.strip().lines().reduce((a, b) -> b).orElseThrow());
        assertEquals("folded", summary.get("form").asText(), text);
        float[] logits = new float[N * 10];
        ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(logits);
        return logits;
    }

    static int[] argmax(float[] logits) {
        int[] out = new int[logits.length / 10];
        for (int i = 0; i < out.length; i++) {
            int best = 0;
            for (int k = 1; k < 10; k++) {
                if (logits[i * 10 + k] > logits[i * 10 + best]) {
                    best = k;
                }
            }
            out[i] = best;
        }
        return out;
    }

    void check(CnnArch arch, BitPlan plan) throws Exception {
        CnnModel m = CnnModels.load(arch.modelName());
        CnnNpzExport ex = CnnNpzExport.nearest(m, plan);
        CnnModel nearest = (CnnModel) new NearestRounding().quantize(m, plan).model();
        for (Layer l : nearest.layers()) {
            assertArrayEquals(l.weight().toArray(), ex.fakeQuant().layer(l.name()).weight().toArray(),
                    "the codes dequantize to evaluate's weights: " + l.name());
        }
        Path file = tmp.resolve(arch.cliName() + "-q.npz");
        ex.write(file);
        float[] torch = torchLogits(arch, file);
        FashionMnist test = FashionMnist.load(FashionMnist.Split.TEST);
        float[] x = new float[N * FashionMnist.PIXELS];
        test.normalizedInto(0, N, x, 0);
        float[] java;
        try (CnnRunner r = ex.fakeQuant().open()) {
            java = r.logits(x, N);
        }
        int[] pj = argmax(java);
        int[] pt = argmax(torch);
        int same = 0;
        int correctJ = 0;
        int correctT = 0;
        double maxDiff = 0;
        for (int i = 0; i < N; i++) {
            same += pj[i] == pt[i] ? 1 : 0;
            correctJ += pj[i] == test.label(i) ? 1 : 0;
            correctT += pt[i] == test.label(i) ? 1 : 0;
        }
        for (int i = 0; i < java.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(java[i] - torch[i]));
        }
        System.out.printf(Locale.ROOT, "[npz] %s %s %s: %d bytes; same predictions %d/%d; top-1 java %.4f torch %.4f;"
                + " max |logit diff| %.3g%n", arch.cliName(), plan.name(), plan.granularity().label(), Files.size(file),
                same, N, correctJ / (double) N, correctT / (double) N, maxDiff);
        assertTrue(same >= MIN_AGREEMENT * N, same + " of " + N + " predictions agree");
        assertTrue(maxDiff <= LOGIT_TOL, "max logit difference " + maxDiff);
    }

    @Test
    void resnet20AtFourBitsPerChannelScoresAsTheToolkit() throws Exception {
        CnnModel m = CnnModels.load(CnnArch.RESNET20.modelName());
        check(CnnArch.RESNET20, BitPlan.uniform(m.source(), m.layerNames(), 4, Scheme.ASYMMETRIC,
                Granularity.PER_CHANNEL));
    }

    /** Symmetric int8 codes with groups of 16 over in·kh·kw (ragged where 16 does not divide it) at 3 bits. */
    @Test
    void mobileNetV2PerGroupSymmetricScoresAsTheToolkit() throws Exception {
        CnnModel m = CnnModels.load(CnnArch.MOBILENETV2.modelName());
        check(CnnArch.MOBILENETV2, BitPlan.uniform(m.source(), m.layerNames(), 3, Scheme.SYMMETRIC,
                Granularity.perGroup(16)));
    }
}
