package org.mixquant.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import org.mixquant.data.CalibrationSplit;
import org.mixquant.data.NamedArrays;
import org.mixquant.eval.EvalRow;
import org.mixquant.eval.MetricId;
import org.mixquant.eval.OutputEvaluator;
import org.mixquant.model.onnx.OnnxFeeds;
import org.mixquant.model.onnx.OnnxModel;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --inputs FILE|DIR} (any ONNX model scored on output fidelity to FP32 on the user's arrays: an {@code .npz} or
 * a folder of {@code <input>.npy}) and {@code --calibration-inputs FILE|DIR} (learned rounding's calibration arrays;
 * without it the inputs are split, see {@link CalibrationSplit}).
 */
public final class ArrayInputsMixin {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--inputs", paramLabel = "FILE|DIR", description = "Score any ONNX model on these inputs: an .npz"
            + " (or a folder of <input>.npy files) with one array per graph input; output SQNR (dB) and cosine to"
            + " FP32.")
    Path inputs;

    @Option(names = "--calibration-inputs", paramLabel = "FILE|DIR", description = "With --inputs: learned"
            + " rounding's and the measured cost's calibration arrays (default: the first half of the --inputs"
            + " samples; the second half is scored).")
    Path calibrationInputs;

    private CalibrationSplit split;
    private NamedArrays evaluation;

    /** True when {@code --inputs} was given. */
    boolean given() {
        return inputs != null;
    }

    /**
     * Usage checks before any work: {@code --calibration-inputs} needs {@code --inputs}; {@code gptq} does not run on
     * array-calibrated models.
     */
    void validate(Collection<String> methodIds) {
        if (calibrationInputs != null && inputs == null) {
            throw new ParameterException(mixee.commandLine(), "--calibration-inputs needs --inputs");
        }
        if (inputs != null && methodIds.contains("gptq")) {
            throw new ParameterException(mixee.commandLine(), "--methods: gptq on a model scored on --inputs is not"
                    + " supported yet; use nearest or adaround");
        }
    }

    /**
     * Reads the arrays; with {@code learned} (a method needs calibration) splits them into calibration and evaluation
     * ({@link CalibrationSplit}), warning on {@code cmd} when the user gave the same file for both.
     */
    void load(BaseCommand cmd, boolean learned) throws IOException {
        NamedArrays in = NamedArrays.load(inputs);
        if (!learned) {
            if (calibrationInputs != null) {
                cmd.warn("--calibration-inputs is only used by learned rounding (adaround); ignored");
            }
            evaluation = in;
            return;
        }
        boolean same = calibrationInputs != null && org.mixquant.io.OutputFiles.identity(calibrationInputs)
                .equals(org.mixquant.io.OutputFiles.identity(inputs));
        NamedArrays cal = calibrationInputs == null ? null : same ? in : NamedArrays.load(calibrationInputs);
        split = CalibrationSplit.of(in, cal, same);
        if (split.sameData()) {
            cmd.warn(split.description());
        }
        evaluation = split.evaluation();
    }

    /** The calibration arrays ({@code null} unless {@link #load} split them). */
    NamedArrays calibration() {
        return split == null ? null : split.calibration();
    }

    /** The FP32 run on the evaluation arrays; warns about arrays that feed no graph input. */
    OutputEvaluator evaluator(BaseCommand cmd, OnnxModel model) {
        OutputEvaluator ev = OutputEvaluator.create(model, evaluation, cmd.threads());
        List<String> unused = OnnxFeeds.unused(model, evaluation);
        if (!unused.isEmpty()) {
            cmd.warn(evaluation.source() + ": arrays " + unused + " feed no graph input of " + model.source()
                    + "; ignored");
        }
        return ev;
    }

    /**
     * One line: what was scored on, and what calibrated (learned rounding uses at most {@code calibrationSamples} of
     * the calibration samples, the first ones).
     */
    String describe(int calibrationSamples) {
        String scored = "output cosine and SQNR to FP32 on " + evaluation.source();
        if (split == null) {
            return scored;
        }
        long n = split.calibration().samples();
        return scored + "; " + split.description() + (n > calibrationSamples ? BaseCommand.f(" (learned rounding"
                + " calibrates on the first %d of them, --calibration)", calibrationSamples) : "");
    }

    /**
     * A heading, then one line per quantized row with its overall output SQNR in dB ({@code compare}'s table has no
     * column for it).
     */
    static List<String> sqnrLines(List<EvalRow> rows) {
        List<String> out = new java.util.ArrayList<>();
        out.add("output SQNR to FP32 (all outputs), dB:");
        rows.stream().filter(r -> !r.isFp32()).forEach(r -> out.add(BaseCommand.f("  %s %s: %s", r.methodId(),
                r.plan(), r.metrics().containsKey(MetricId.OUTPUT_SQNR)
                        ? BaseCommand.f("%.2f", r.metric(MetricId.OUTPUT_SQNR)) : "inf (identical)")));
        return out;
    }
}
