package org.mixquant.cli;

import java.io.IOException;
import org.mixquant.data.FashionMnist;
import org.mixquant.eval.AccuracyEvaluator;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code --images}: how many Fashion-MNIST test images the CNNs are scored on. */
public final class ImagesMixin {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--images", paramLabel = "N", defaultValue = "0", converter = OptionValues.NonNegative.class,
            description = "CNNs and ONNX image classifiers: the first N test images, 0 = all (default: ${DEFAULT-VALUE}).")
    int images;

    /**
     * The test images to score on; warns once on {@code cmd}'s stderr when {@code --images} asks for more than
     * exist (report scores several CNNs on them).
     */
    FashionMnist testImages(BaseCommand cmd) throws IOException {
        FashionMnist test = FashionMnist.load(FashionMnist.Split.TEST);
        if (images > test.size()) {
            cmd.warnOnce(BaseCommand.f("--images %d is more than the %,d Fashion-MNIST test images; using all %,d",
                    images, test.size(), test.size()));
        }
        return images > 0 ? test.head(images) : test;
    }

    /** An evaluator over {@link #testImages} with {@code cmd}'s threads and progress. */
    AccuracyEvaluator evaluator(BaseCommand cmd) throws IOException {
        return AccuracyEvaluator.create(testImages(cmd), AccuracyEvaluator.DEFAULT_BATCH, cmd.threads(),
                cmd.progress());
    }

    /** "all 10,000" or "the first N": which test images {@code test} is, for result footers. */
    static String describe(FashionMnist test) {
        return test.size() == 10_000 ? "all 10,000" : "the first " + test.size();
    }

    /** Warns on {@code cmd}'s stderr when {@code --images} was given for {@code model}, which is not a CNN. */
    void warnIgnoredFor(BaseCommand cmd, String model) {
        if (mixee.commandLine().getParseResult().hasMatchedOption("--images")) {
            cmd.warn("--images applies to the Fashion-MNIST CNNs only; ignored for " + model);
        }
    }
}
