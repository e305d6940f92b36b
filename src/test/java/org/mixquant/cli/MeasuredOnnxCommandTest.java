package org.mixquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.data.NpzFiles;
import org.mixquant.model.TinyOnnx;

/**
 * {@code search --cost measured} and {@code frontier} on ONNX models that are neither the bundled CNNs nor text
 * encoders: a tiny ONNX image classifier (KL of softmax on Fashion-MNIST training images, top-1 on test images) and a
 * tiny CNN scored on {@code --inputs} arrays (normalised output error on the calibration half, output cosine and SQNR
 * on the held-out half).
 */
class MeasuredOnnxCommandTest {
    @TempDir
    Path dir;

    Path classifier() throws Exception {
        return TinyOnnx.cnn(1, 10).write(dir, "cnn.onnx");
    }

    Path conv() throws Exception {
        return TinyOnnx.convNet(11).write(dir, "conv.onnx");
    }

    Path inputs(int n) throws Exception {
        return NpzFiles.npz(dir.resolve("x.npz"), NpzFiles.random("x", 4, n, 1, 6, 6));
    }

    static JsonNode json(CliHarness.Run r) throws Exception {
        assertEquals(ExitCodes.OK, r.code(), r.err());
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void searchMeasuredOnAnOnnxClassifierCalibratesOnTrainingImages() throws Exception {
        JsonNode root = json(CliHarness.run("search", classifier().toString(), "--avg-bits", "3", "--cost",
                "measured", "--resize", "8", "--calibration", "32", "--format", "json", "-q"));
        CommandJsonTest.assertShape(SearchCommand.Output.class, root);
        assertEquals("measured", root.get("summary").get("cost").asText());
        assertTrue(root.get("summary").get("calibration").asText().startsWith("fashion-mnist train sample n=32"
                + " seed=0"), root.get("summary").toString());
        assertTrue(root.get("summary").get("averageBits").asDouble() <= 3.0);
    }

    @Test
    void frontierOnAnOnnxClassifierScoresTop1AndSaysWhatCalibrated() throws Exception {
        CliHarness.Run r = CliHarness.run("frontier", classifier().toString(), "--cost", "qe,measured", "--budgets",
                "3", "--resize", "8", "--images", "40", "--calibration", "32", "--format", "json");
        JsonNode root = json(r);
        CommandJsonTest.assertShape(FrontierCommand.Output.class, root);
        assertFalse(r.err().contains("tokenizer"), "no tokenizer talk for an image classifier: " + r.err());
        assertTrue(root.get("calibration").asText().startsWith("fashion-mnist train sample n=32 seed=0"),
                root.get("calibration").asText());
        assertEquals(3, root.get("rows").size(), "uniform, qe, measured");
        for (JsonNode row : root.get("rows")) {
            double top1 = row.get("quality").get("top1").asDouble();
            assertTrue(top1 >= 0 && top1 <= 1, row.toString());
            assertTrue(row.get("distortion").asDouble() >= 0, row.toString());
        }
        assertEquals("top1", root.get("equalSize").get("metric").asText());
        CliHarness.Run t = CliHarness.run("frontier", classifier().toString(), "--cost", "measured", "--budgets",
                "3", "--resize", "8", "--images", "40", "--calibration", "32", "-q");
        assertEquals(ExitCodes.OK, t.code(), t.err());
        assertTrue(t.out().contains("top1_%") && t.out().contains("on fashion-mnist train sample n=32"), t.out());
    }

    /** MiniLM's tokenizer is mentioned only when texts are embedded: not for an image classifier or --inputs. */
    @Test
    void noTokenizerTalkForModelsThatEmbedNoText() throws Exception {
        CliHarness.Run c = CliHarness.run("compare", classifier().toString(), "--bits", "4", "--no-avg-bits",
                "--resize", "8", "--images", "10");
        assertEquals(ExitCodes.OK, c.code(), c.err());
        assertFalse(c.err().contains("tokenizer"), c.err());
        CliHarness.Run e = CliHarness.run("evaluate", conv().toString(), "--bits", "4", "--inputs",
                inputs(4).toString());
        assertEquals(ExitCodes.OK, e.code(), e.err());
        assertFalse(e.err().contains("tokenizer"), e.err());
    }

    @Test
    void searchAndFrontierOnInputsCalibrateOnTheFirstHalfAndScoreTheSecond() throws Exception {
        Path in = inputs(16);
        JsonNode s = json(CliHarness.run("search", conv().toString(), "--avg-bits", "3", "--cost", "measured",
                "--inputs", in.toString(), "--format", "json", "-q"));
        CommandJsonTest.assertShape(SearchCommand.Output.class, s);
        assertTrue(s.get("summary").get("calibration").asText().contains("[samples 0..7] n=8 sha256="),
                s.get("summary").toString());
        JsonNode f = json(CliHarness.run("frontier", conv().toString(), "--cost", "qe,measured", "--budgets", "3",
                "--inputs", in.toString(), "--format", "json", "-q"));
        CommandJsonTest.assertShape(FrontierCommand.Output.class, f);
        assertEquals(s.get("summary").get("calibration").asText(), f.get("calibration").asText(),
                "search and frontier measure on the same arrays");
        assertEquals(1.0, f.get("fp32").get("outputCosine").asDouble(), 0.0);
        assertEquals("outputCosine", f.get("equalSize").get("metric").asText());
        JsonNode measured = f.get("rows").get(2);
        assertEquals("measured", measured.get("cost").asText());
        assertEquals(s.get("plan").get("bits"), new ObjectMapper().valueToTree(measured.get("bits")),
                "the plan search made is the one frontier scores");
        double sqnr = measured.get("quality").get("sqnrDb").asDouble();
        assertTrue(sqnr > 0 && sqnr < 60, measured.toString());
        // the distortion is 10^(-SQNR/10) on the calibration half; the SQNR is on the held-out half: same scale
        double d = measured.get("distortion").asDouble();
        assertTrue(d > 0 && Math.abs(10 * Math.log10(1 / d) - sqnr) < 10, d + " vs " + sqnr + " dB");
    }

    @Test
    void frontierWithAdaroundOnInputs() throws Exception {
        JsonNode f = json(CliHarness.run("frontier", conv().toString(), "--cost", "measured", "--budgets", "3",
                "--method", "adaround", "--iterations", "5", "--inputs", inputs(16).toString(), "--format", "json",
                "-q"));
        assertEquals("adaround", f.get("method").asText());
        assertEquals(2, f.get("rows").size(), f.toString());
        assertTrue(f.get("rows").get(1).get("quality").get("outputCosine").asDouble() > 0.5, f.toString());
    }

    @Test
    void fisherOnAnOnnxModelIsAOneLineUsageError() throws Exception {
        CliHarness.Run s = CliHarness.run("search", classifier().toString(), "--avg-bits", "3", "--cost", "fisher");
        s.assertOneLineError(ExitCodes.USAGE, "--cost fisher", "gradients", "resnet20-fashion");
        CliHarness.Run f = CliHarness.run("frontier", conv().toString(), "--cost", "qe,fisher", "--inputs",
                inputs(4).toString());
        f.assertOneLineError(ExitCodes.USAGE, "--cost fisher", "DJL autograd");
    }

    @Test
    void anOnnxModelWithNoCalibrationDataIsAOneLineErrorNamingInputs() throws Exception {
        Path mlp = TinyOnnx.mlpNet(3).write(dir, "mlp.onnx");
        CliHarness.Run r = CliHarness.run("search", mlp.toString(), "--avg-bits", "3", "--cost", "measured");
        r.assertOneLineError(ExitCodes.FAILURE, "data-aware costs need calibration data", "--inputs FILE.npz");
    }
}
