package org.mixquant.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.mixquant.io.TempFiles;
import org.mixquant.model.Layer;
import org.mixquant.model.QuantizableModel;
import org.mixquant.quant.Bits;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;
import org.mixquant.search.ErrorTable;
import org.mixquant.progress.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mixquant bench}: times the all-bit-width error sweep over a model's weights against PyTorch (same machine,
 * same threads, same run) and against a plain read of the weights (the memory floor). Prints medians.
 * {@code mixquant bench adaround} ({@link BenchAdaRoundCommand}) times learned rounding instead.
 */
@Command(name = "bench", description = "Benchmark the error sweep (bits 2..8, asymmetric per-channel) against"
        + " PyTorch and a plain read of the weights; prints medians and ratios. 'bench adaround' times learned"
        + " rounding instead.", subcommands = {BenchAdaRoundCommand.class, BenchStreamCommand.class})
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
     * @param model                    the model source
     * @param layers                   quantizable layers swept
     * @param values                   weights swept (each at bits 2..8)
     * @param threads                  threads of the Java sweep, the plain read and PyTorch
     * @param repeats                  timed runs of each variant
     * @param javaSweepMedianS         the Java sweep (bits 2..8, asymmetric per-channel)
     * @param plainReadMedianS         summing every weight once (the memory floor)
     * @param torchSweepMedianS        the PyTorch sweep ({@code tools/bench/torch_sweep.py}); null with
     *                                 {@code --no-torch}
     * @param torchVersion             its torch version; null with {@code --no-torch}
     * @param speedupVsTorch           torchSweepMedianS / javaSweepMedianS; null with {@code --no-torch}
     * @param maxRelativeSseDifference largest |SSE_torch − SSE_java| / SSE_java over layers and bits; null with
     *                                 {@code --no-torch}
     * @param sweepOverPlainRead       javaSweepMedianS / plainReadMedianS
     * @param javaSweepTimesS          every timed run of the Java sweep, in order
     */
    record Output(String model, int layers, long values, int threads, int repeats, double javaSweepMedianS,
            double plainReadMedianS, Double torchSweepMedianS, String torchVersion, Double speedupVsTorch,
            Double maxRelativeSseDifference, double sweepOverPlainRead, double[] javaSweepTimesS) {
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
        int threads = threads();
        QuantizableModel m = loadModel(model);
        if (m instanceof org.mixquant.model.onnx.OnnxModel onnx && onnx.hasExternalData()) {
            return BenchStreamCommand.report(this, m, threads, warmup, repeats, format.format);
        }
        long n = m.quantizableParams();
        info(f("timing the Java sweep: %d warm-up + %d timed runs, %d threads", warmup, repeats, threads));
        ErrorTable last = null;
        for (int i = 0; i < warmup; i++) {
            last = ErrorTable.compute(m, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, threads, Progress.NONE);
        }
        double[] java = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            last = ErrorTable.compute(m, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, threads, Progress.NONE);
            java[i] = last.seconds();
        }
        info("timing a plain read of the weights");
        double[] read = new double[repeats];
        double sink = 0;
        for (int i = 0; i < warmup + repeats; i++) {
            long t0 = System.nanoTime();
            sink += plainRead(m, threads);
            if (i >= warmup) {
                read[i - warmup] = (System.nanoTime() - t0) / 1e9;
            }
        }
        Double torchMedian = null;
        String torchVersion = null;
        Double maxRelDiff = null;
        if (!noTorch) {
            info(f("timing PyTorch (%s, %d threads, %d warm-up + %d timed runs)", python, threads, 2, repeats));
            Path weights = Files.createTempFile("mixquant-bench", ".bin");
            TempFiles.register(weights);
            try {
                exportWeights(m, weights);
                JsonNode res = runTorch(weights, threads);
                torchMedian = res.get("median_s").asDouble();
                torchVersion = res.get("torch").asText();
                double worst = 0;
                JsonNode sse = res.get("sse");
                for (int i = 0; i < last.size(); i++) {
                    for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                        double t = sse.get(i).get(b - Bits.MIN).asDouble();
                        double j = last.sse(i, b);
                        worst = Math.max(worst, Math.abs(t - j) / Math.max(Math.abs(j), 1e-300));
                    }
                }
                maxRelDiff = worst;
            } finally {
                Files.deleteIfExists(weights);
                TempFiles.release(weights);
            }
        }
        double jMed = median(java);
        double rMed = median(read);
        if (format.format == OutputFormat.json) {
            printJson(new Output(m.source(), m.layers().size(), n, threads, repeats, jMed, rMed, torchMedian,
                    torchVersion, torchMedian == null ? null : torchMedian / jMed, maxRelDiff, jMed / rMed, java));
            return ExitCodes.OK;
        }
        TextTable t = new TextTable(List.of("variant", "threads", "median_ms", "min_ms", "values_per_s",
                "bit_evals_per_s", "relative"));
        t.add(List.of("java sweep (bits 2..8)", threads, TextTable.num("%.2f", jMed * 1e3),
                TextTable.num("%.2f", min(java) * 1e3), TextTable.num("%.3g", n / jMed),
                TextTable.num("%.3g", n * Bits.COUNT / jMed), TextTable.num("%.2f", 1.0)));
        if (torchMedian != null) {
            t.add(List.of("pytorch " + torchVersion + " sweep", threads, TextTable.num("%.2f", torchMedian * 1e3),
                    "—", TextTable.num("%.3g", n / torchMedian), TextTable.num("%.3g", n * Bits.COUNT / torchMedian),
                    TextTable.num("%.2f", torchMedian / jMed)));
        }
        t.add(List.of("plain read (memory floor)", threads, TextTable.num("%.3f", rMed * 1e3),
                TextTable.num("%.3f", min(read) * 1e3), TextTable.num("%.3g", n / rMed), "—",
                TextTable.num("%.3f", rMed / jMed)));
        out().print(format.format == OutputFormat.csv ? t.csv() : t.render());
        if (format.format == OutputFormat.table) {
            out().println(f("%s: %d layers, %,d values; medians of %d runs after %d warm-up runs", m.source(),
                    m.layers().size(), n, repeats, warmup));
            if (torchMedian != null) {
                out().println(f("java sweep is %.2fx faster than PyTorch at %d threads (target >= 3x); per-layer"
                        + " SSE agrees to %.1e relative", torchMedian / jMed, threads, maxRelDiff));
            }
            out().println(f("java sweep takes %.1fx the time of a plain read of the weights (checksum %.3f)",
                    jMed / rMed, sink / (warmup + repeats)));
        }
        out().flush();
        return ExitCodes.OK;
    }

    /** The largest value. */
    static double max(double[] v) {
        double m = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            m = Math.max(m, x);
        }
        return m;
    }

    private static double plainRead(QuantizableModel m, int threads) throws Exception {
        List<Layer> ls = m.layers();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Double>> fs = new ArrayList<>();
            for (Layer l : ls) {
                fs.add(pool.submit(() -> {
                    float[] x = l.weight().unsafeData();
                    float s0 = 0;
                    float s1 = 0;
                    float s2 = 0;
                    float s3 = 0;
                    int i = 0;
                    for (; i + 3 < x.length; i += 4) {
                        s0 += x[i];
                        s1 += x[i + 1];
                        s2 += x[i + 2];
                        s3 += x[i + 3];
                    }
                    for (; i < x.length; i++) {
                        s0 += x[i];
                    }
                    return (double) (s0 + s1 + s2 + s3);
                }));
            }
            double s = 0;
            for (Future<Double> f : fs) {
                s += f.get();
            }
            return s;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void exportWeights(QuantizableModel m, Path file) throws IOException {
        try (OutputStream raw = Files.newOutputStream(file);
             DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(raw, 1 << 20))) {
            ByteBuffer b4 = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            writeInt(out, b4, m.layers().size());
            for (Layer l : m.layers()) {
                int[] shape = l.weight().shape();
                writeInt(out, b4, shape.length);
                for (int d : shape) {
                    writeInt(out, b4, d);
                }
                writeInt(out, b4, l.channelAxis());
                float[] x = l.weight().unsafeData();
                ByteBuffer bb = ByteBuffer.allocate(x.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                bb.asFloatBuffer().put(x);
                out.write(bb.array());
            }
        }
    }

    private static void writeInt(DataOutputStream out, ByteBuffer b4, int v) throws IOException {
        b4.clear();
        b4.putInt(v);
        out.write(b4.array());
    }

    private JsonNode runTorch(Path weights, int threads) throws IOException, InterruptedException {
        Path script = Path.of("tools/bench/torch_sweep.py");
        if (!Files.isRegularFile(script)) {
            throw new IOException("PyTorch reference script " + script.toAbsolutePath() + " not found; run bench from"
                    + " the repository root or pass --no-torch");
        }
        ProcessBuilder pb = new ProcessBuilder(python, script.toString(), weights.toString(), "--threads",
                Integer.toString(threads), "--repeats", Integer.toString(repeats));
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IOException("cannot run " + python + " for the PyTorch reference (install python3-torch with"
                    + " environment/install.sh, or pass --no-torch)");
        }
        byte[] stdout = p.getInputStream().readAllBytes();
        int code = p.waitFor();
        if (code != 0) {
            throw new IOException("the PyTorch reference failed with exit code " + code);
        }
        return JSON.readTree(new String(stdout, StandardCharsets.UTF_8));
    }

    /** The median (mean of the two middle values for an even count). */
    static double median(double[] v) {
        return org.mixquant.eval.Stats.median(v);
    }

    /** The smallest value (NaN for none). */
    static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }
}
