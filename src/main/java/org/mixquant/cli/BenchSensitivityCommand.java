package org.mixquant.cli;

import java.util.List;
import org.mixquant.cli.bench.SensitivityBench;
import org.mixquant.model.QuantizableModel;
import org.mixquant.sensitivity.Distortion;
import org.mixquant.sensitivity.Sensitivity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mixquant bench sensitivity MODEL}: times the measured cost table ({@link SensitivityBench}), never its
 * cache; CNNs with the pass starting at the layer and, as the reference, at its unit.
 */
@Command(name = "sensitivity", description = "Time the measured cost table of MODEL (layers x 7 single-layer"
        + " passes over the default calibration data; computed, never read from the cache): wall and process CPU"
        + " seconds per path (CNNs: the pass starting at the layer, and at its unit as the reference), one"
        + " whole-model pass for scale, the load average, and how far each path's table is from the first's.")
final class BenchSensitivityCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "MODEL", description = "resnet20-fashion, mobilenetv2-fashion or minilm.")
    String model;

    @Option(names = "--runs", defaultValue = "1", converter = OptionValues.Steps.class,
            description = "Timed tables per path; the median is shown (default: ${DEFAULT-VALUE}: a cold run).")
    int runs;

    @Option(names = "--layers", defaultValue = "0", description = "Time only N layers (0: all; default:"
            + " ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--skip", defaultValue = "0", description = "Start at layer K, 0-based (default:"
            + " ${DEFAULT-VALUE}).")
    int skip;

    @Option(names = "--samples", defaultValue = "0", description = "Calibration images or texts (0: the default,"
            + " 512 images / 256 texts; default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--no-reference", description = "Skip the reference path (CNNs: unit start; MiniLM: batches of"
            + " 32 texts instead of length buckets).")
    boolean noReference;

    @Mixin
    FormatMixin format;

    /** The {@code bench sensitivity --format json} document: the result and the load average before and after. */
    record Output(SensitivityBench.Result result, double loadBefore, double loadAfter) {
    }

    @Override
    public Integer call() throws Exception {
        if (layers < 0 || samples < 0 || skip < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--layers, --skip and --samples must"
                    + " be ≥ 0");
        }
        double loadBefore = load();
        QuantizableModel m = loadModel(model);
        if (skip >= m.layers().size()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), f("--skip must be below the %d"
                    + " layers of %s, got %d", m.layers().size(), m.source(), skip));
        }
        long t0 = System.nanoTime();
        SensitivityBench.Result r;
        try (Distortion d = Sensitivity.distortion(m, threads(), samples)) {
            double setup = (System.nanoTime() - t0) / 1e9;
            info(f("measured table of %s: %s, %d thread(s), %d run(s) per path", m.source(), d.calibration(),
                    threads(), runs));
            r = SensitivityBench.run(m, d, setup, threads(), skip, layers, runs, !noReference, progress());
        }
        double loadAfter = load();
        if (format.format == OutputFormat.json) {
            printJson(new Output(r, loadBefore, loadAfter));
            return ExitCodes.OK;
        }
        TextTable t = new TextTable(List.of("model", "path", "layers", "passes", "wall_s", "cpu_s", "s_per_pass",
                "whole_passes", "max_rel_diff", "runs_wall_s"));
        for (SensitivityBench.PathRun p : r.paths()) {
            t.add(List.of(r.model(), p.path(), p.layers(), p.passes(), TextTable.num("%.1f", p.wallMedianS()),
                    TextTable.num("%.1f", p.cpuMedianS()), TextTable.num("%.3f", p.wallMedianS() / p.passes()),
                    TextTable.num("%.1f", p.passEquivalents()), TextTable.num("%.2g", p.maxRelDiff()),
                    SensitivityBench.times(p.wallS())));
        }
        StringBuilder phases = new StringBuilder();
        for (SensitivityBench.PathRun p : r.paths()) {
            if (!p.phases().isEmpty()) {
                phases.append(f("%n%s: ", p.path()));
                p.phases().forEach((k, v) -> phases.append(k.endsWith("_s") ? f("%s %.1f  ", k, v)
                        : f("%s %.0f  ", k, v)));
                phases.append(f("max abs diff %.2g", p.maxAbsDiff()));
            }
        }
        out().print(format.format == OutputFormat.csv ? t.csv() : t.render());
        if (format.format == OutputFormat.table) {
            out().println(f("%d samples, %d thread(s); setup (calibration data + FP32 reference) %.1f s; one"
                    + " whole-model pass %.2f s; wall_s/cpu_s: median table time (cpu = this process, all threads);"
                    + " whole_passes = wall_s / one whole-model pass; load average %.2f before, %.2f after (the"
                    + " machine may be shared); fake-quantizing the weights %.2f s of each table%s", r.samples(),
                    r.threads(), r.setupS(), r.fullPassS(), loadBefore, loadAfter, r.quantizeS(), phases));
        }
        out().flush();
        return ExitCodes.OK;
    }

    /** The 1-minute load average, or -1 where the system does not tell. */
    static double load() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
