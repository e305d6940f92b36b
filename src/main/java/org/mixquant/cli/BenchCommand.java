package org.mixquant.cli;

import java.util.List;
import org.mixquant.cli.bench.SweepBench;
import org.mixquant.model.QuantizableModel;
import org.mixquant.quant.Bits;
import org.mixquant.quant.SweepKernel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mixquant bench}: times the all-bit-width error sweep over a model's weights, scalar and SIMD kernels, against
 * PyTorch (same machine, same threads, same run) and against a plain read of the weights (the memory floor), at 1
 * thread and at all cores (or at {@code --threads} only); the timing is {@link SweepBench}'s. Prints medians and
 * ratios.
 * {@code mixquant bench adaround} ({@link BenchAdaRoundCommand}) times learned rounding instead.
 */
@Command(name = "bench", description = "Benchmark the error sweep (bits 2..8, asymmetric per-channel; scalar and"
        + " SIMD kernels) against PyTorch and a plain read of the weights, at 1 thread and at all cores unless"
        + " --threads is given; prints medians and ratios. 'bench adaround' times learned rounding instead,"
        + " 'bench sensitivity' the measured cost table.",
        subcommands = {BenchAdaRoundCommand.class, BenchStreamCommand.class, BenchSensitivityCommand.class,
            BenchGptqCommand.class})
final class BenchCommand extends BaseCommand {
    @Option(names = "--model", defaultValue = "minilm", description = "Model (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--repeats", defaultValue = "15", converter = OptionValues.Steps.class,
            description = "Timed repeats (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--warmup", defaultValue = "5", converter = OptionValues.WarmupSteps.class,
            description = "Untimed warm-up runs (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--python", defaultValue = "/usr/bin/python3",
            description = "Python with torch for the reference (default: ${DEFAULT-VALUE}).")
    String python;

    @Option(names = "--no-torch", description = "Skip the PyTorch reference.")
    boolean noTorch;

    /** The options {@code bench --adaround} took before {@code bench adaround} existed; hidden, kept for scripts. */
    @Mixin
    LegacyAdaRound legacy;

    @Mixin
    FormatMixin format;

    /** {@code --adaround} and its options on {@code bench} itself: deprecated spellings of {@code bench adaround}. */
    static final class LegacyAdaRound {
        @Option(names = "--adaround", hidden = true, description = "Deprecated: use 'bench adaround'.")
        boolean adaround;

        @Option(names = "--layer", hidden = true, defaultValue = BenchAdaRoundCommand.DEFAULT_LAYER)
        String layer;

        @Option(names = "--iterations", hidden = true, defaultValue = "500", converter = OptionValues.Steps.class)
        int iterations;

        @Option(names = "--rounds", hidden = true, defaultValue = "3", converter = OptionValues.Steps.class)
        int rounds;
    }

    /**
     * The {@code bench --format json} document (times in seconds, medians over the timed runs).
     *
     * @param model      the model source
     * @param layers     quantizable layers swept
     * @param values     weights swept (each at bits 2..8)
     * @param repeats    timed runs of each variant
     * @param warmup     untimed runs of each Java variant before its timed runs
     * @param simdLanes  floats per vector of the SIMD sweep on this machine; null without the Vector API module
     * @param rows       one per thread count (1, then the cores, unless {@code --threads} fixes one)
     */
    record Output(String model, int layers, long values, int repeats, int warmup, Integer simdLanes,
            List<ThreadsRow> rows) {
    }

    /**
     * The variants at one thread count.
     *
     * @param threads                     threads of the Java sweeps, the plain read and PyTorch
     * @param scalarSweepMedianS          the scalar Java sweep (bits 2..8, asymmetric per-channel)
     * @param simdSweepMedianS            the SIMD Java sweep (the default where available); null without the module
     * @param torchSweepMedianS           the PyTorch sweep ({@code tools/bench/torch_sweep.py}); null with
     *                                    {@code --no-torch}
     * @param plainReadMedianS            summing every weight once (the memory floor)
     * @param torchVersion                its torch version; null with {@code --no-torch}
     * @param simdSpeedupVsTorch          torchSweepMedianS / simdSweepMedianS; null without either
     * @param scalarSpeedupVsTorch        torchSweepMedianS / scalarSweepMedianS; null with {@code --no-torch}
     * @param simdSpeedupVsScalar         scalarSweepMedianS / simdSweepMedianS; null without SIMD
     * @param simdOverPlainRead           simdSweepMedianS / plainReadMedianS (the gap to the memory floor); null
     *                                    without SIMD
     * @param maxRelativeSseDifference    largest |SSE_torch − SSE_java| / SSE_java over layers and bits (Java: SIMD
     *                                    where available); null with {@code --no-torch}
     * @param maxRelativeSseSimdVsScalar  largest |SSE_simd − SSE_scalar| / SSE_scalar; null without SIMD
     * @param scalarSweepTimesS           every timed run of the scalar sweep, in order
     * @param simdSweepTimesS             every timed run of the SIMD sweep, in order; null without SIMD
     */
    record ThreadsRow(int threads, double scalarSweepMedianS, Double simdSweepMedianS, Double torchSweepMedianS,
            double plainReadMedianS, String torchVersion, Double simdSpeedupVsTorch, Double scalarSpeedupVsTorch,
            Double simdSpeedupVsScalar, Double simdOverPlainRead, Double maxRelativeSseDifference,
            Double maxRelativeSseSimdVsScalar, double[] scalarSweepTimesS, double[] simdSweepTimesS) {
        static ThreadsRow of(SweepBench.Row r) {
            Double simd = r.simdMedianS();
            Double torch = r.torchMedianS();
            double scalar = r.scalarMedianS();
            return new ThreadsRow(r.threads(), scalar, simd, torch, r.plainReadMedianS(), r.torchVersion(),
                    simd == null || torch == null ? null : torch / simd, torch == null ? null : torch / scalar,
                    simd == null ? null : scalar / simd, simd == null ? null : simd / r.plainReadMedianS(),
                    r.maxRelSseVsTorch(), r.maxRelSseSimdVsScalar(), r.scalarTimesS(), r.simdTimesS());
        }
    }

    @Override
    public Integer call() throws Exception {
        if (legacy.adaround) {
            warn("'bench --adaround' is deprecated; use 'bench adaround' (same options)");
            return BenchAdaRoundCommand.run(this, legacy.layer, legacy.iterations, legacy.rounds, python,
                    format.format);
        }
        for (String o : List.of("--layer", "--iterations", "--rounds")) {
            if (spec.commandLine().getParseResult().hasMatchedOption(o)) {
                warn(o + " applies to 'bench adaround' only; ignored by the sweep");
            }
        }
        List<Integer> threadCounts = run.threadsGiven() ? List.of(threads()) : List.of(1, threads()).stream()
                .distinct().toList();
        QuantizableModel m = loadModel(model);
        if (m instanceof org.mixquant.model.onnx.OnnxModel onnx && onnx.hasExternalData()) {
            return BenchStreamCommand.report(this, m, threads(), warmup, repeats, format.format);
        }
        List<ThreadsRow> rows = SweepBench.run(m, new SweepBench.Settings(threadCounts, warmup, repeats,
                noTorch ? null : python), this::info).stream().map(ThreadsRow::of).toList();
        Output o = new Output(m.source(), m.layers().size(), m.quantizableParams(), repeats, warmup,
                SweepKernel.VECTOR.available() ? SweepKernel.VECTOR.lanes() : null, rows);
        if (format.format == OutputFormat.json) {
            printJson(o);
            return ExitCodes.OK;
        }
        printTable(o);
        return ExitCodes.OK;
    }

    /** The table (or CSV): one line per variant and thread count; {@code relative} is time over the SIMD time. */
    private void printTable(Output o) {
        long n = o.values();
        TextTable t = new TextTable(List.of("variant", "threads", "median_ms", "min_ms", "values_per_s",
                "bit_evals_per_s", "relative"));
        for (ThreadsRow r : o.rows()) {
            double ref = r.simdSweepMedianS() != null ? r.simdSweepMedianS() : r.scalarSweepMedianS();
            if (r.simdSweepMedianS() != null) {
                t.add(sweepRow("java simd sweep (bits 2..8)", r.threads(), r.simdSweepTimesS(), n, ref));
            }
            t.add(sweepRow("java scalar sweep (bits 2..8)", r.threads(), r.scalarSweepTimesS(), n, ref));
            if (r.torchSweepMedianS() != null) {
                double tm = r.torchSweepMedianS();
                t.add(List.of("pytorch " + r.torchVersion() + " sweep", r.threads(), TextTable.num("%.2f", tm * 1e3),
                        "—", TextTable.num("%.3g", n / tm), TextTable.num("%.3g", n * Bits.COUNT / tm),
                        TextTable.num("%.2f", tm / ref)));
            }
            double rm = r.plainReadMedianS();
            t.add(List.of("plain read (memory floor)", r.threads(), TextTable.num("%.3f", rm * 1e3), "—",
                    TextTable.num("%.3g", n / rm), "—", TextTable.num("%.3f", rm / ref)));
        }
        out().print(format.format == OutputFormat.csv ? t.csv() : t.render());
        if (format.format == OutputFormat.table) {
            out().println(f("%s: %d layers, %,d values; medians of %d runs after %d warm-up runs", o.model(),
                    o.layers(), n, o.repeats(), o.warmup()));
            for (ThreadsRow r : o.rows()) {
                out().println(summary(r));
            }
        }
        out().flush();
    }

    private static List<Object> sweepRow(String name, int threads, double[] times, long n, double ref) {
        double med = SweepBench.median(times);
        return List.of(name, threads, TextTable.num("%.2f", med * 1e3), TextTable.num("%.2f", SweepBench.min(times)
                * 1e3), TextTable.num("%.3g", n / med), TextTable.num("%.3g", n * Bits.COUNT / med),
                TextTable.num("%.2f", med / ref));
    }

    /** One line of ratios for a thread count. */
    private static String summary(ThreadsRow r) {
        StringBuilder b = new StringBuilder(f("%d thread(s): ", r.threads()));
        if (r.simdSweepMedianS() == null) {
            b.append("no SIMD sweep (start java with --add-modules jdk.incubator.vector); ");
            if (r.scalarSpeedupVsTorch() != null) {
                b.append(f("scalar sweep is %.2fx PyTorch's speed (target >= 3x); ", r.scalarSpeedupVsTorch()));
            }
            return b.append(f("scalar sweep takes %.1fx the time of a plain read",
                    r.scalarSweepMedianS() / r.plainReadMedianS())).toString();
        }
        if (r.simdSpeedupVsTorch() != null) {
            b.append(f("SIMD sweep is %.2fx PyTorch's speed (target >= 3x; SSE agrees to %.1e relative), ",
                    r.simdSpeedupVsTorch(), r.maxRelativeSseDifference()));
        }
        return b.append(f("%.2fx the scalar sweep's (SSE agrees to %.1e relative), and takes %.1fx the time of a"
                + " plain read", r.simdSpeedupVsScalar(), r.maxRelativeSseSimdVsScalar(), r.simdOverPlainRead()))
                .toString();
    }
}
