package org.mixquant.cli;

import java.util.Collection;
import org.mixquant.data.FashionMnist;
import org.mixquant.methods.GptqOptions;
import org.mixquant.methods.Methods;
import org.mixquant.methods.OnnxTextCalibration;
import org.mixquant.methods.rounding.ReconstructionOptions;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The learned-rounding settings (AdaRound, BRECQ) that every command running a method shares — {@code compare} and
 * {@code frontier} — declared once so they have one spelling, range and default: steps, calibration samples, batch,
 * λ, seed, BRECQ's Fisher weighting and first/last bits, and GPTQ's act-order, block size and dampening (GPTQ shares
 * {@code --calibration} and {@code --seed}).
 */
public final class ReconstructionMixin {
    /** Calibration sentences for learned rounding on text models when {@code --calibration} is not given. */
    static final int DEFAULT_TEXT_CALIBRATION = 256;

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--iterations", defaultValue = "500", converter = OptionValues.Steps.class,
            description = "Learned-rounding steps per layer/block, at most 1,000,000 (papers: 20000; default:"
                    + " ${DEFAULT-VALUE}, for speed).")
    int iterations;

    @Option(names = "--calibration", paramLabel = "N", converter = OptionValues.Calibration.class,
            description = "Calibration samples, at most 60,000: images for CNNs (learned rounding: default 1024, as"
                    + " the papers), sentences for text models (default 256). frontier also sizes its measured cost"
                    + " and additivity check with it (default there: 512 images, 256 sentences; --inputs: the first N"
                    + " calibration samples, default all).")
    Integer calibration;

    @Option(names = "--batch", defaultValue = "32", converter = OptionValues.Positive.class,
            description = "Mini-batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lambda", defaultValue = "0.01", converter = OptionValues.NonNegativeNumber.class,
            description = "Rounding regulariser weight (default: ${DEFAULT-VALUE}).")
    double lambda;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of learned rounding's calibration sampling and"
            + " mini-batches (default: ${DEFAULT-VALUE}; frontier's measured cost keeps its own fixed sample).")
    long seed;

    @Option(names = "--fisher", description = "BRECQ: weight the block loss by the Fisher diagonal.")
    boolean fisher;

    @Option(names = "--first-last-bits", defaultValue = "8", converter = OptionValues.BitWidthOrZero.class,
            description = "BRECQ: bits of the first and last layers, 0 = follow the plan (default: ${DEFAULT-VALUE}).")
    int firstLastBits;

    /**
     * The reconstruction options for a CNN ({@code cnn}) or a text model: calibration samples as given or the
     * default, threads as {@code --threads} gives them, else all cores for CNNs and 1 for text models (several
     * libtorch threads on shared cores wait for each other there).
     */
    ReconstructionOptions options(BaseCommand cmd, boolean cnn) {
        int samples = calibration != null ? calibration : cnn ? FashionMnist.DEFAULT_CALIBRATION
                : DEFAULT_TEXT_CALIBRATION;
        int threads = cmd.run.threadsGiven() || cnn ? cmd.threads() : 1;
        return ReconstructionOptions.builder().optIterations(iterations).optCalibrationSamples(samples)
                .optBatchSize(batch).optLambda(lambda).optSeed(seed).optThreads(threads).build();
    }

    @Option(names = "--act-order", description = "GPTQ: quantize columns in order of decreasing Hessian diagonal"
            + " (act-order; with groups, group scales are chosen up front: static groups).")
    boolean actOrder;

    @Option(names = "--gptq-block", defaultValue = "128", converter = OptionValues.Positive.class,
            description = "GPTQ: columns per lazy-batch block (default: ${DEFAULT-VALUE}, as the paper).")
    int gptqBlock;

    @Option(names = "--damp", defaultValue = "0.01", converter = OptionValues.Damp.class,
            description = "GPTQ: dampening added to the Hessian diagonal, as a fraction of its mean, in (0, 1]"
                    + " (default: ${DEFAULT-VALUE}, as the paper).")
    double damp;

    /** GPTQ's settings from {@code --act-order}, {@code --gptq-block}, {@code --damp} (no groups, one thread). */
    GptqOptions gptq() {
        return GptqOptions.defaults().withActOrder(actOrder).withBlockSize(gptqBlock).withDamp(damp);
    }

    /** BRECQ's and GPTQ's settings, with {@code cmd}'s log and progress. */
    Methods.Extras extras(BaseCommand cmd) {
        return new Methods.Extras(fisher, firstLastBits, gptq(), cmd::info, cmd::warn, cmd.progress());
    }

    /**
     * One line for tables and JSON: {@code options}' description (per layer or block on CNNs), and BRECQ's and
     * GPTQ's own settings when {@code methodIds} include them.
     */
    String describe(ReconstructionOptions options, boolean cnn, Collection<String> methodIds) {
        String described = cnn ? options.describe("layer (adaround) or block (brecq)", false) : options.describe();
        return described + (methodIds.contains("brecq") ? BaseCommand.f("; brecq: %sfirst/last layers %s",
                fisher ? "Fisher-weighted loss, " : "", firstLastBits == 0 ? "follow the plan"
                        : "at int" + firstLastBits) : "")
                + (methodIds.contains("gptq") ? "; gptq: " + gptq().describe() : "");
    }

    /**
     * Learned rounding on a text model calibrates on fortunes from {@link OnnxTextCalibration#FORTUNE_OFFSET}: an
     * evaluation corpus of more texts would overlap them, a usage error naming {@code --corpus-size}.
     */
    void requireDisjointCorpus(CorpusMixin corpus) {
        try {
            OnnxTextCalibration.requireDisjoint(corpus.corpusSize);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(mixee.commandLine(), "--corpus-size: " + e.getMessage());
        }
    }
}
