package org.mixquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.model.cnn.CnnArch;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.cnn.CnnModels;
import org.mixquant.model.cnn.ModelCard;
import picocli.CommandLine;

/** {@code mixquant train} on a few hundred images (the real recipe takes tens of minutes and is not tested). */
class TrainCommandTest {
    @TempDir
    Path tmp;

    static int run(StringWriter out, StringWriter err, String... args) {
        PrintWriter o = new PrintWriter(out, true);
        PrintWriter e = new PrintWriter(err, true);
        CommandLine cl = MixQuantCli.create(o, e);
        if (!cl.getSubcommands().containsKey("train")) {
            cl.addSubcommand("train", new TrainCommand());
            cl.setOut(o);
            cl.setErr(e);
        }
        return cl.execute(args);
    }

    @Test
    void writesWeightsChecksumAndCard() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = run(out, err, "train", "--arch", "resnet20", "--epochs", "1", "--seed", "3", "--train-limit",
                "256", "--test-limit", "500", "--threads", "2", "--out", tmp.toString());
        assertEquals(ExitCodes.OK, code, err.toString());
        Path w = tmp.resolve("resnet20-fashion.mqw");
        assertTrue(Files.isRegularFile(w) && Files.isRegularFile(tmp.resolve("resnet20-fashion.mqw.sha256")));
        ModelCard card = ModelCard.read(tmp.resolve("resnet20-fashion.json"));
        assertEquals("resnet20", card.architecture());
        assertEquals(1, card.epochs());
        assertEquals(3, card.seed());
        assertEquals(1, card.epochSeconds().size());
        assertTrue(card.command().startsWith("./mixquant train --arch resnet20 --epochs 1 --seed 3"), card.command());
        assertTrue(card.fp32TestAccuracy() >= 0 && card.fp32TestAccuracy() <= 1, "" + card.fp32TestAccuracy());
        assertEquals(500, ((Number) card.recipe().get("testImages")).intValue());
        CnnModel m = CnnModels.load(CnnArch.RESNET20, w);
        assertEquals(22, m.layers().size());
        assertTrue(out.toString().contains("\"fp32TestAccuracy\""), out.toString());
        assertTrue(err.toString().contains("epoch 1/1"), err.toString());
    }

    @Test
    void unknownArchitectureIsAUsageError() {
        StringWriter err = new StringWriter();
        int code = run(new StringWriter(), err, "train", "--arch", "vgg", "--out", tmp.toString());
        assertEquals(ExitCodes.USAGE, code);
        assertTrue(err.toString().contains("resnet20 or mobilenetv2"), err.toString());
    }

    @Test
    void missingDataSaysHowToInstall() {
        StringWriter err = new StringWriter();
        int code = run(new StringWriter(), err, "train", "--arch", "resnet20", "--data", tmp.toString(), "--out",
                tmp.toString());
        assertEquals(ExitCodes.FAILURE, code);
        assertTrue(err.toString().contains("dataset-fashion-mnist"), err.toString());
    }
}
