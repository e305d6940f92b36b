package org.mixquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.model.TinyOnnx;

/**
 * {@code evaluate}/{@code compare} on an ONNX image classifier (a tiny generated CNN, 8×8 input): the output, and each
 * bad input as one line with exit 1 that names the problem, leaving the inputs as they were.
 */
class ImageDataMixinTest {
    @TempDir
    Path dir;

    Path cnn(int channels, int classes) throws Exception {
        return TinyOnnx.cnn(channels, classes).write(dir, "cnn" + channels + "x" + classes + ".onnx");
    }

    void failsOneLine(String[] args, String... fragments) throws Exception {
        var before = CliHarness.snapshot(dir);
        CliHarness.Run r = CliHarness.run(args);
        r.assertOneLineError(ExitCodes.FAILURE, fragments);
        assertEquals(before, CliHarness.snapshot(dir), "inputs unchanged, nothing written");
    }

    @Test
    void evaluateScoresTop1AndTop5AsJson() throws Exception {
        CliHarness.Run r = CliHarness.run("evaluate", cnn(1, 10).toString(), "--bits", "4", "--resize", "8",
                "--images", "40", "--format", "json", "-q");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(40, j.get("accuracy").get("images").asInt());
        double top1 = j.get("accuracy").get("top1").asDouble();
        double top5 = j.get("accuracy").get("top5").asDouble();
        assertTrue(top1 >= 0 && top1 <= top5 && top5 <= 1, r.out());
        assertEquals("fashion-mnist test[0:40]", j.get("accuracy").get("dataset").asText());
        assertEquals("uniform-4", j.get("plan").asText());
    }

    @Test
    void compareRunsNearestOnAnOnnxClassifier() throws Exception {
        CliHarness.Run r = CliHarness.run("compare", cnn(1, 10).toString(), "--bits", "8,4", "--no-avg-bits",
                "--methods", "nearest", "--resize", "8", "--images", "30", "--format", "csv", "-q");
        assertEquals(0, r.code(), r.err());
        assertEquals(4, r.out().strip().lines().count(), r.out()); // header, fp32, uniform-8, uniform-4
        assertTrue(r.out().contains("top1_%"), r.out());
    }

    @Test
    void imagesWithTheWrongChannelCount() throws Exception {
        failsOneLine(new String[] {"evaluate", cnn(3, 10).toString(), "--bits", "4", "--color", "gray", "--resize",
            "8", "--images", "5"}, "takes 3-channel images", "1 channel", "--color rgb");
    }

    @Test
    void labelsOutsideTheModelsClasses() throws Exception {
        failsOneLine(new String[] {"evaluate", cnn(1, 5).toString(), "--bits", "4", "--resize", "8", "--images",
            "20"}, "outputs 5 classes", "class index 9");
    }

    @Test
    void anEmptyImageFolder() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("images"));
        failsOneLine(new String[] {"evaluate", cnn(1, 10).toString(), "--bits", "4", "--image-dir",
            empty.toString()}, "has no class sub-folders");
        Files.createDirectories(empty.resolve("cat"));
        failsOneLine(new String[] {"compare", cnn(1, 10).toString(), "--bits", "4", "--methods", "nearest",
            "--image-dir", empty.toString()}, "holds no images");
    }

    @Test
    void aModelWhoseInputIsNot4dFloat() throws Exception {
        Path mlp = TinyOnnx.mlp(TinyOnnx.values(12, 1), TinyOnnx.values(6, 2)).write(dir, "mlp.onnx");
        failsOneLine(new String[] {"evaluate", mlp.toString(), "--bits", "4", "--resize", "8"},
                "input 'x' is float [1, 4], not a 4-D float NCHW image tensor");
    }

    @Test
    void compareRunsAdaRoundOnAnOnnxClassifierCalibratedOnTrainingImages() throws Exception {
        CliHarness.Run r = CliHarness.run("compare", cnn(1, 10).toString(), "--bits", "4", "--no-avg-bits",
                "--methods", "nearest,adaround", "--iterations", "20", "--calibration", "16", "--resize", "8",
                "--images", "30", "--format", "json", "-q");
        assertEquals(0, r.code(), r.err());
        JsonNode rows = new ObjectMapper().readTree(r.out()).get("rows");
        assertEquals(3, rows.size(), r.out()); // fp32, nearest uniform-4, adaround uniform-4
        assertEquals("adaround", rows.get(2).get("methodFamily").asText(), r.out());
        assertTrue(new ObjectMapper().readTree(r.out()).get("reconstruction").asText().contains("16 calibration"),
                r.out());
        assertTrue(r.err().isEmpty(), "no warning when calibrating on Fashion-MNIST training images: " + r.err());
    }

    @Test
    void adaRoundOnTheUsersImagesWarnsThatCalibrationOverlapsEvaluation() throws Exception {
        Path folder = dir.resolve("images");
        for (String cls : new String[] {"a", "b"}) {
            for (int i = 0; i < 3; i++) {
                java.awt.image.BufferedImage im = new java.awt.image.BufferedImage(8, 8,
                        java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
                im.getRaster().setSample(i, cls.equals("a") ? 1 : 6, 0, 40 * i + 50);
                Files.createDirectories(folder.resolve(cls));
                javax.imageio.ImageIO.write(im, "png", folder.resolve(cls + "/" + i + ".png").toFile());
            }
        }
        CliHarness.Run r = CliHarness.run("compare", cnn(1, 10).toString(), "--bits", "4", "--no-avg-bits",
                "--methods", "adaround", "--iterations", "5", "--calibration", "4", "--image-dir", folder.toString(),
                "--format", "csv", "-q");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("learned rounding calibrates on 4 of the images the model is scored on"),
                r.err());
    }

    @Test
    void frontierRunsAdaRoundOnAnOnnxClassifier() throws Exception {
        CliHarness.Run r = CliHarness.run("frontier", cnn(1, 10).toString(), "--cost", "qe", "--budgets", "4",
                "--method", "adaround", "--iterations", "5", "--calibration", "16", "--resize", "8", "--images", "20",
                "--format", "json", "-q");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("adaround", j.get("method").asText(), r.out());
        assertTrue(j.get("reconstruction").asText().contains("16 calibration"), r.out());
    }

    @Test
    void gptqIsNotOfferedForOnnxClassifiers() throws Exception {
        Path model = cnn(1, 10);
        var before = CliHarness.snapshot(dir);
        CliHarness.Run r = CliHarness.run("compare", model.toString(), "--bits", "4", "--methods",
                "nearest,gptq", "--resize", "8", "--images", "5");
        r.assertOneLineError(ExitCodes.USAGE, "--methods gptq", "support nearest and adaround");
        assertEquals(before, CliHarness.snapshot(dir), "inputs unchanged, nothing written");
    }
}
