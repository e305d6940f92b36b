package org.mixquant.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.mixquant.cli.bench.AdaRoundBench;
import org.mixquant.cli.bench.AdaRoundReference;
import org.mixquant.cli.bench.SweepBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mixquant bench adaround}: learned-rounding iterations per second on one MiniLM layer, Java (DJL, libtorch)
 * against the PyTorch reference ({@code tools/adaround/reference.py}) on the same problem, in alternating rounds;
 * prints medians and their ratio ({@link AdaRoundBench}).
 */
@Command(name = "adaround", description = "Learned-rounding iterations per second on one MiniLM layer, Java vs the"
        + " PyTorch reference (tools/adaround/reference.py), alternating rounds; prints medians and the ratio.")
final class BenchAdaRoundCommand extends BaseCommand {
    /** The layer timed by default: MiniLM's first query projection (384 × 384). */
    static final String DEFAULT_LAYER = "/encoder/layer.0/attention/self/query/MatMul";

    /** Untimed warm-up steps per run and side, at most (fewer when {@code --iterations} is smaller). */
    static final int WARMUP = 100;

    @Option(names = "--layer", defaultValue = DEFAULT_LAYER,
            description = "The MiniLM layer (default: ${DEFAULT-VALUE}).")
    String layer;

    @Option(names = "--iterations", defaultValue = "500", converter = OptionValues.Steps.class,
            description = "Timed steps per run and side (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--rounds", defaultValue = "3", converter = OptionValues.Steps.class,
            description = "Alternating Java/PyTorch rounds; medians are reported (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--python", defaultValue = "/usr/bin/python3",
            description = "Python with torch for the reference (default: ${DEFAULT-VALUE}).")
    String python;

    @Mixin
    FormatMixin format;

    /**
     * The {@code bench adaround --format json} document.
     *
     * @param layer               the layer
     * @param shape               its weight shape, activation and calibration rows
     * @param iterations          timed steps per run and side
     * @param rounds              alternating Java/PyTorch rounds
     * @param threads             libtorch / PyTorch intra-op threads (1 unless {@code --threads})
     * @param javaItPerSecMedian  Java iterations per second, median over the rounds
     * @param torchItPerSecMedian PyTorch iterations per second, median over the rounds
     * @param torchVersion        the reference's torch version
     * @param ratioMedian         median of the per-round Java/PyTorch speed ratios (&gt; 1: Java is faster)
     * @param finalLossRelDiff    |Java − PyTorch| / PyTorch of the last step's loss, last round
     */
    record Output(String layer, String shape, int iterations, int rounds, int threads, double javaItPerSecMedian,
            double torchItPerSecMedian, String torchVersion, double ratioMedian, double finalLossRelDiff) {
    }

    @Override
    public Integer call() throws Exception {
        return run(this, layer, iterations, rounds, python, format.format);
    }

    /**
     * Fails at once, before minutes of Java work, when {@code python} is neither an executable file (a path) nor
     * found on {@code PATH} (a bare name).
     */
    static void checkPython(String python) throws IOException {
        boolean found = python.contains(File.separator) ? Files.isExecutable(Path.of(python))
                : Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                        .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, python)));
        if (!found) {
            throw new IOException("cannot run " + python + " for the PyTorch reference (install python3-torch with"
                    + " environment/install.sh, or give --python)");
        }
    }

    /** Runs the benchmark for {@code cmd} ({@code bench adaround}, or the deprecated {@code bench --adaround}). */
    static int run(BaseCommand cmd, String layer, int iterations, int rounds, String python, OutputFormat format)
            throws Exception {
        checkPython(python);
        AdaRoundReference.script();
        int threads = cmd.run.threadsGiven() ? cmd.threads() : 1;
        double[] java = new double[rounds];
        double[] torch = new double[rounds];
        double[] ratio = new double[rounds];
        AdaRoundBench.Result last = null;
        int warmup = Math.min(WARMUP, iterations);
        for (int i = 0; i < rounds; i++) {
            cmd.info(f("round %d/%d: %d warm-up + %d timed steps on %s, Java then PyTorch, %d thread(s)", i + 1,
                    rounds, warmup, iterations, layer, threads));
            last = AdaRoundBench.run(layer, iterations, warmup, threads, 4, 32, 64, 2048, python);
            java[i] = last.javaItPerSec();
            torch[i] = last.torchItPerSec();
            ratio[i] = last.ratio();
            cmd.info(last.toString());
        }
        double jm = SweepBench.median(java);
        double tm = SweepBench.median(torch);
        double rm = SweepBench.median(ratio);
        if (format == OutputFormat.json) {
            cmd.printJson(new Output(last.layer(), last.shape(), iterations, rounds, threads, jm, tm,
                    last.torchVersion(), rm, last.finalLossRelDiff()));
            return ExitCodes.OK;
        }
        TextTable t = new TextTable(List.of("variant", "threads", "median_it_per_s", "min_it_per_s",
                "max_it_per_s", "relative"));
        t.add(List.of("java (DJL, libtorch)", threads, TextTable.num("%.1f", jm),
                TextTable.num("%.1f", SweepBench.min(java)), TextTable.num("%.1f", SweepBench.max(java)),
                TextTable.num("%.2f", 1.0)));
        t.add(List.of("pytorch " + last.torchVersion(), threads, TextTable.num("%.1f", tm),
                TextTable.num("%.1f", SweepBench.min(torch)), TextTable.num("%.1f", SweepBench.max(torch)),
                TextTable.num("%.2f", tm / jm)));
        cmd.out().print(format == OutputFormat.csv ? t.csv() : t.render());
        if (format == OutputFormat.table) {
            cmd.out().println(f("%s (%s), int4, batch 32: median over %d alternating rounds of %d timed steps each;"
                    + " Java/PyTorch speed ratio %.2f (median of per-round ratios); final losses agree to %.1e"
                    + " relative", last.layer(), last.shape(), rounds, iterations, rm, last.finalLossRelDiff()));
        }
        cmd.out().flush();
        return ExitCodes.OK;
    }
}
