package org.mixquant.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 */
@Command(name = "bench", description = "Benchmark the error sweep (bits 2..8, asymmetric per-channel) against"
        + " PyTorch and a plain read of the weights; prints medians and ratios.")
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

    @Option(names = "--adaround", description = "Instead of the sweep: learned-rounding iterations per second on"
            + " one MiniLM layer, Java vs the PyTorch reference (tools/adaround/reference.py), alternating runs.")
    boolean adaround;

    @Option(names = "--layer", defaultValue = "/encoder/layer.0/attention/self/query/MatMul",
            description = "--adaround: the layer (default: ${DEFAULT-VALUE}).")
    String layer;

    @Option(names = "--iterations", defaultValue = "500", converter = OptionValues.Steps.class,
            description = "--adaround: timed steps per run and side (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--rounds", defaultValue = "3", converter = OptionValues.Steps.class,
            description = "--adaround: alternating Java/PyTorch rounds; medians are reported (default:"
                    + " ${DEFAULT-VALUE}).")
    int rounds;

    @Mixin
    FormatMixin format;

    @Override
    public Integer call() throws Exception {
        if (adaround) {
            return adaroundBench();
        }
        int threads = threads();
        QuantizableModel m = loadModel(model);
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
        double maxRelDiff = Double.NaN;
        if (!noTorch) {
            info(f("timing PyTorch (%s, %d threads, %d warm-up + %d timed runs)", python, threads, 2, repeats));
            Path weights = Files.createTempFile("mixquant-bench", ".bin");
            TempFiles.register(weights);
            try {
                exportWeights(m, weights);
                JsonNode res = runTorch(weights, threads);
                torchMedian = res.get("median_s").asDouble();
                torchVersion = res.get("torch").asText();
                maxRelDiff = 0;
                JsonNode sse = res.get("sse");
                for (int i = 0; i < last.size(); i++) {
                    for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                        double t = sse.get(i).get(b - Bits.MIN).asDouble();
                        double j = last.sse(i, b);
                        maxRelDiff = Math.max(maxRelDiff, Math.abs(t - j) / Math.max(Math.abs(j), 1e-300));
                    }
                }
            } finally {
                Files.deleteIfExists(weights);
                TempFiles.release(weights);
            }
        }
        double jMed = median(java);
        double rMed = median(read);
        if (format.format == OutputFormat.json) {
            ObjectNode root = JSON.createObjectNode();
            root.put("model", m.source());
            root.put("layers", m.layers().size());
            root.put("values", n);
            root.put("threads", threads);
            root.put("repeats", repeats);
            root.put("javaSweepMedianS", jMed);
            root.put("plainReadMedianS", rMed);
            if (torchMedian != null) {
                root.put("torchSweepMedianS", torchMedian);
                root.put("torchVersion", torchVersion);
                root.put("speedupVsTorch", torchMedian / jMed);
                root.put("maxRelativeSseDifference", maxRelDiff);
            }
            root.put("sweepOverPlainRead", jMed / rMed);
            ArrayNode a = root.putArray("javaSweepTimesS");
            for (double v : java) {
                a.add(v);
            }
            printJson(root);
            return ExitCodes.OK;
        }
        TextTable t = new TextTable(List.of("variant", "threads", "median_ms", "min_ms", "values_per_s",
                "bit_evals_per_s", "relative"));
        t.add(List.of("java sweep (bits 2..8)", threads, f("%.2f", jMed * 1e3), f("%.2f", min(java) * 1e3),
                f("%.3g", n / jMed), f("%.3g", n * Bits.COUNT / jMed), "1.00"));
        if (torchMedian != null) {
            t.add(List.of("pytorch " + torchVersion + " sweep", threads, f("%.2f", torchMedian * 1e3), "—",
                    f("%.3g", n / torchMedian), f("%.3g", n * Bits.COUNT / torchMedian),
                    f("%.2f", torchMedian / jMed)));
        }
        t.add(List.of("plain read (memory floor)", threads, f("%.3f", rMed * 1e3), f("%.3f", min(read) * 1e3),
                f("%.3g", n / rMed), "—", f("%.3f", rMed / jMed)));
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

    /** Learned-rounding speed, Java vs PyTorch, {@code rounds} times in one run; medians and their ratio. */
    private int adaroundBench() throws Exception {
        int threads = run.threadsGiven() ? threads() : 1;
        double[] java = new double[rounds];
        double[] torch = new double[rounds];
        double[] ratio = new double[rounds];
        org.mixquant.cli.bench.AdaRoundBench.Result last = null;
        for (int i = 0; i < rounds; i++) {
            info(f("round %d/%d: %d warm-up + %d timed steps on %s, Java then PyTorch, %d thread(s)", i + 1, rounds,
                    Math.min(100, iterations), iterations, layer, threads));
            last = org.mixquant.cli.bench.AdaRoundBench.run(layer, iterations, Math.min(100, iterations), threads, 4,
                    32, 64, 2048, python);
            java[i] = last.javaItPerSec();
            torch[i] = last.torchItPerSec();
            ratio[i] = last.ratio();
            info(last.toString());
        }
        double jm = median(java);
        double tm = median(torch);
        double rm = median(ratio);
        if (format.format == OutputFormat.json) {
            ObjectNode root = JSON.createObjectNode();
            root.put("layer", last.layer());
            root.put("shape", last.shape());
            root.put("iterations", iterations);
            root.put("rounds", rounds);
            root.put("threads", threads);
            root.put("javaItPerSecMedian", jm);
            root.put("torchItPerSecMedian", tm);
            root.put("torchVersion", last.torchVersion());
            root.put("ratioMedian", rm);
            root.put("finalLossRelDiff", last.finalLossRelDiff());
            printJson(root);
            return ExitCodes.OK;
        }
        TextTable t = new TextTable(List.of("variant", "threads", "median_it_per_s", "min_it_per_s",
                "max_it_per_s", "relative"));
        t.add(List.of("java (DJL, libtorch)", threads, f("%.1f", jm), f("%.1f", min(java)), f("%.1f", max(java)),
                "1.00"));
        t.add(List.of("pytorch " + last.torchVersion(), threads, f("%.1f", tm), f("%.1f", min(torch)),
                f("%.1f", max(torch)), f("%.2f", tm / jm)));
        out().print(format.format == OutputFormat.csv ? t.csv() : t.render());
        if (format.format == OutputFormat.table) {
            out().println(f("%s (%s), int4, batch 32: median over %d alternating rounds of %d timed steps each;"
                    + " Java/PyTorch speed ratio %.2f (median of per-round ratios); final losses agree to %.1e"
                    + " relative", last.layer(), last.shape(), rounds, iterations, rm, last.finalLossRelDiff()));
        }
        out().flush();
        return ExitCodes.OK;
    }

    private static double max(double[] v) {
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

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }
}
