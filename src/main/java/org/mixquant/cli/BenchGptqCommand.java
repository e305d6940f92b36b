package org.mixquant.cli;

import java.util.Arrays;
import java.util.List;
import org.mixquant.cli.bench.GptqBench;
import org.mixquant.cli.bench.SensitivityBench;
import org.mixquant.methods.GptqOptions;
import org.mixquant.methods.OnnxTextCalibration;
import org.mixquant.methods.rounding.ReconstructionOptions;
import org.mixquant.model.Models;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.onnx.TextEmbedder;
import org.mixquant.model.onnx.TokenIds;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mixquant bench gptq}: GPTQ on all of MiniLM's layers with the staged capture (default) and the whole-model
 * capture, alternating ({@link GptqBench}); medians of total, capture and GPTQ time, and the weights that differ.
 */
@Command(name = "gptq", description = "Time GPTQ on all 36 MiniLM layers (uniform bits, asymmetric per channel):"
        + " capturing each block's inputs from the previous block's output (staged, the default) and with a run of"
        + " the whole model per block (whole), alternating; median total, capture and GPTQ seconds per path, and the"
        + " quantized weights that differ between paths (0 expected).")
final class BenchGptqCommand extends BaseCommand {
    @Option(names = "--bits", defaultValue = "4", description = "Uniform bit-width 2..8 (default: ${DEFAULT-VALUE}).")
    int bits;

    @Option(names = "--runs", defaultValue = "1", converter = OptionValues.Steps.class,
            description = "Rounds (each quantizes once per path); medians are shown (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--calibration", defaultValue = "256", converter = OptionValues.Steps.class,
            description = "Calibration fortunes (default: ${DEFAULT-VALUE}, as compare).")
    int calibration;

    @Option(names = "--paths", defaultValue = "staged,whole", split = ",",
            description = "Capture paths in the order timed: staged, whole (default: ${DEFAULT-VALUE}).")
    List<String> paths;

    @Mixin
    FormatMixin format;

    /** The {@code bench gptq --format json} document: the result and the load average before and after. */
    record Output(GptqBench.Result result, double loadBefore, double loadAfter) {
    }

    @Override
    public Integer call() throws Exception {
        if (bits < 2 || bits > 8) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--bits must be in 2..8, got " + bits);
        }
        for (String p : paths) {
            if (!p.equals("staged") && !p.equals("whole")) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--paths takes staged and/or"
                        + " whole, got '" + p + "'");
            }
        }
        double loadBefore = BenchSensitivityCommand.load();
        int threads = run.threadsGiven() ? threads() : 1;
        OnnxModel m = Models.minilm();
        ReconstructionOptions o = ReconstructionOptions.builder().optCalibrationSamples(calibration)
                .optThreads(threads).build();
        OnnxTextCalibration cal = OnnxTextCalibration.create(m, TokenIds.minilm(
                OnnxTextCalibration.fortuneTexts(calibration), TextEmbedder.DEFAULT_MAX_TOKENS), o);
        info(f("gptq on %s: %s, int%d, %d thread(s), %d round(s) of %s", m.source(), cal, bits, threads, runs,
                paths));
        GptqBench.Result r = GptqBench.run(m, cal, GptqOptions.defaults().withThreads(threads), bits, runs, paths,
                this::info);
        double loadAfter = BenchSensitivityCommand.load();
        if (format.format == OutputFormat.json) {
            printJson(new Output(r, loadBefore, loadAfter));
            return ExitCodes.OK;
        }
        TextTable t = new TextTable(List.of("model", "path", "layers", "bits", "texts", "rows", "threads",
                "total_s", "capture_s", "gptq_s", "differing_weights", "runs_total_s"));
        for (GptqBench.PathRun p : r.paths()) {
            t.add(List.of(r.model(), p.path(), r.layers(), r.bits(), r.samples(), r.rows(), r.threads(),
                    TextTable.num("%.1f", p.totalMedianS()), TextTable.num("%.1f", p.captureMedianS()),
                    TextTable.num("%.1f", p.gptqMedianS()), p.differing(), SensitivityBench.times(p.totalS())));
        }
        out().print(format.format == OutputFormat.csv ? t.csv() : t.render());
        if (format.format == OutputFormat.table) {
            out().println(f("medians over %d round(s), wall seconds; differing_weights: quantized weights not"
                    + " bit-equal to the first path's first run; load average %.2f before, %.2f after (the machine"
                    + " may be shared)", runs, loadBefore, loadAfter));
        }
        out().flush();
        return ExitCodes.OK;
    }
}
