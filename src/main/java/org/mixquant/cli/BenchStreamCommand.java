package org.mixquant.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.mixquant.cli.bench.StreamBench;
import org.mixquant.model.QuantizableModel;
import org.mixquant.notebook.Charts;
import org.mixquant.notebook.ScalingCharts;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mixquant bench stream}: the error sweep over models read layer by layer ({@link StreamBench}): a model file
 * with external data, or synthetic transformers written with external data at run time; sweep time, weights per
 * second, peak RSS and heap, and optionally the scaling chart. {@code bench --model FILE} on a model with external
 * data prints the same.
 */
@Command(name = "stream", description = "Time the error sweep over a model read layer by layer (external data):"
        + " --model FILE, or --synthetic-params 1e7,1e8,1e9 to write synthetic transformers (4 bytes per weight, in a"
        + " temporary folder deleted afterwards unless --keep); prints sweep time, weights/s, peak RSS and heap.")
final class BenchStreamCommand extends BaseCommand {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--model", description = "An .onnx file (with external data or not).")
        String model;

        @Option(names = "--synthetic-params", split = ",", converter = Params.class,
                description = "Quantizable weights of each synthetic transformer, e.g. 1e7,1e8,1e9 (ascending).")
        List<Double> params;
    }

    /** A synthetic model's size: 10³..10¹¹ weights (4 bytes each on disk). */
    static final class Params implements ITypeConverter<Double> {
        @Override
        public Double convert(String s) {
            double v = OptionValues.number(s);
            if (v < 1e3 || v > 1e11) {
                throw new OptionValues.Invalid("must be between 1e3 and 1e11 weights, got " + s);
            }
            return v;
        }
    }

    @Option(names = "--keep", description = "Write the synthetic models into DIR/synthetic-N (kept) instead of a"
            + " temporary folder.")
    Path keep;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the synthetic weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--runs", defaultValue = "3", converter = OptionValues.Steps.class,
            description = "Timed sweeps per model (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--warmup", defaultValue = "1", converter = OptionValues.WarmupSteps.class,
            description = "Untimed sweeps per model first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--plot", description = "Write the sweep time against weights (log-log, with the linear law) as a"
            + " PNG.")
    Path plot;

    @Mixin
    FormatMixin format;

    /**
     * The {@code bench stream --format json} document.
     *
     * @param threads   sweep threads
     * @param warmup    untimed sweeps per model
     * @param synthetic each synthetic model written and swept, in the order given (empty with {@code --model})
     * @param model     the measurement of {@code --model} (null with {@code --synthetic-params})
     */
    record Output(int threads, int warmup, List<StreamBench.SyntheticRun> synthetic, StreamBench.Result model) {
    }

    @Override
    public Integer call() throws Exception {
        checkOutputFile(plot, "--plot");
        checkOutputFolder(keep, "--keep");
        if (source.model != null) {
            if (keep != null || plot != null) {
                warn("--keep and --plot apply to --synthetic-params only; ignored");
            }
            return report(this, loadModel(source.model), threads(), warmup, runs, format.format);
        }
        for (int i = 1; i < source.params.size(); i++) {
            if (source.params.get(i) <= source.params.get(i - 1)) {
                // ascending, so each size's peak RSS (a high-water mark of the process) is its own
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--synthetic-params must be"
                        + " ascending, got " + source.params);
            }
        }
        List<StreamBench.SyntheticRun> done = new ArrayList<>();
        for (double p : source.params) {
            Path dir = keep == null ? null : keep.resolve("synthetic-" + (long) p);
            info(f("synthetic transformer of %.3g weights: writing %s, then %d + %d sweeps", p,
                    dir == null ? "to a temporary folder" : "to " + dir, warmup, runs));
            done.add(StreamBench.synthetic(p, seed, dir, threads(), warmup, runs, progress()));
        }
        if (plot != null) {
            long[] n = done.stream().mapToLong(r -> r.sweep().values()).toArray();
            double[] t = done.stream().mapToDouble(r -> r.sweep().sweepMedianS()).toArray();
            Charts.savePng(ScalingCharts.sweepTime(f("error sweep (bits 2..8) of synthetic transformers, %d threads",
                    threads()), n, t), plot);
            info("wrote " + plot);
        }
        if (format.format == OutputFormat.json) {
            printJson(new Output(threads(), warmup, done, null));
            return ExitCodes.OK;
        }
        TextTable table = header(List.of("params", "d", "blocks", "data_GB", "write_s"));
        for (StreamBench.SyntheticRun r : done) {
            table.add(row(List.of(TextTable.num("%.3g", r.params()), r.d(), r.blocks(),
                    TextTable.num("%.2f", r.dataBytes() / 1e9), TextTable.num("%.1f", r.writeS())), r.sweep()));
        }
        print(this, format.format, table, warmup, done.stream().map(StreamBench.SyntheticRun::sweep).toList());
        return ExitCodes.OK;
    }

    /** Measures {@code m} and prints it: what {@code bench --model FILE} does for a model with external data. */
    static int report(BaseCommand cmd, QuantizableModel m, int threads, int warmup, int runs, OutputFormat format)
            throws Exception {
        cmd.info(f("streamed sweep of %s: %d + %d sweeps, %d threads", m.source(), warmup, runs, threads));
        StreamBench.Result r = StreamBench.run(m, threads, warmup, runs, cmd.progress());
        if (format == OutputFormat.json) {
            cmd.printJson(new Output(threads, warmup, List.of(), r));
            return ExitCodes.OK;
        }
        TextTable table = header(List.of("model"));
        table.add(row(List.of(m.source()), r));
        print(cmd, format, table, warmup, List.of(r));
        return ExitCodes.OK;
    }

    private static TextTable header(List<String> first) {
        List<String> h = new ArrayList<>(first);
        h.addAll(List.of("layers", "weights", "largest_layer", "sweep_s", "weights_per_s", "peak_rss_MB",
                "heap_peak_MB", "max_heap_MB"));
        return new TextTable(h);
    }

    private static List<Object> row(List<Object> first, StreamBench.Result r) {
        List<Object> row = new ArrayList<>(first);
        row.addAll(List.of(r.layers(), r.values(), r.largestLayerValues(), TextTable.num("%.3f", r.sweepMedianS()),
                TextTable.num("%.3g", r.weightsPerS()),
                r.peakRssMB() == null ? "—" : TextTable.num("%.0f", r.peakRssMB()),
                TextTable.num("%.0f", r.heapPeakMB()), TextTable.num("%.0f", r.maxHeapMB())));
        return row;
    }

    private static void print(BaseCommand cmd, OutputFormat format, TextTable table, int warmup,
            List<StreamBench.Result> rs) {
        cmd.out().print(format == OutputFormat.csv ? table.csv() : table.render());
        if (format == OutputFormat.table && !rs.isEmpty()) {
            StreamBench.Result r = rs.get(0);
            cmd.out().println(f("sweep_s: median of %d sweeps after %d warm-up; peak RSS = VmHWM over the timed sweeps%s;"
                    + " heap peak = Σ heap pools' peak use (garbage included)", r.runs(), warmup, r.peakRssReset() ? ""
                    : " (could not be reset: the process's peak since start)"));
        }
        cmd.out().flush();
    }
}
