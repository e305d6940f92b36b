package org.mixquant.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
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
import java.util.function.Consumer;
import org.mixquant.io.TempFiles;
import org.mixquant.model.Layer;
import org.mixquant.model.QuantizableModel;
import org.mixquant.progress.Progress;
import org.mixquant.quant.Bits;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;
import org.mixquant.quant.SweepKernel;
import org.mixquant.search.ErrorTable;

/**
 * Speed of the all-bit-width error sweep (bits 2..8, asymmetric per-channel, {@link ErrorTable#compute}) over a
 * model's weights, in one run at each of several thread counts: the scalar Java kernel, the SIMD kernel
 * ({@link SweepKernel#VECTOR}, when the JVM has the module), PyTorch ({@code tools/bench/torch_sweep.py} with
 * {@code torch.set_num_threads} equal to the Java threads) and a plain read of every weight (the memory floor). Each
 * Java variant runs its warm-up runs, then its timed runs; the reported figure is the median. Timing only; never
 * asserted in tests.
 */
public final class SweepBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SweepBench() {
    }

    /**
     * The settings of a run.
     *
     * @param threadCounts thread counts to time at, each ≥ 1, in order
     * @param warmup       untimed runs of each Java variant before its timed runs
     * @param repeats      timed runs of each variant
     * @param python       Python with torch for the reference; null to skip it
     */
    public record Settings(List<Integer> threadCounts, int warmup, int repeats, String python) {
    }

    /**
     * Medians at one thread count (seconds), and how the variants agree.
     *
     * @param threads                 threads of every variant
     * @param scalarTimesS            every timed run of the scalar Java sweep, in order
     * @param simdTimesS              every timed run of the SIMD Java sweep; null without the Vector API module
     * @param plainReadTimesS         every timed run of the plain read
     * @param torchMedianS            PyTorch's median (its runs are timed in the Python process); null when skipped
     * @param torchVersion            its torch version; null when skipped
     * @param maxRelSseVsTorch        largest |SSE_torch − SSE_java| / SSE_java over layers and bits (Java: the fastest
     *                                kernel); null when skipped
     * @param maxRelSseSimdVsScalar   largest |SSE_simd − SSE_scalar| / SSE_scalar; null without SIMD
     */
    public record Row(int threads, double[] scalarTimesS, double[] simdTimesS, double[] plainReadTimesS,
            Double torchMedianS, String torchVersion, Double maxRelSseVsTorch, Double maxRelSseSimdVsScalar) {
        /** Median of the scalar sweep. */
        public double scalarMedianS() {
            return median(scalarTimesS);
        }

        /** Median of the SIMD sweep; null without it. */
        public Double simdMedianS() {
            return simdTimesS == null ? null : median(simdTimesS);
        }

        /** Median of the plain read. */
        public double plainReadMedianS() {
            return median(plainReadTimesS);
        }

        /** The Java sweep the toolkit uses by default: SIMD when available, else scalar. */
        public double javaMedianS() {
            return simdTimesS == null ? scalarMedianS() : simdMedianS();
        }
    }

    /**
     * Times every variant at each thread count of {@code s}.
     *
     * @param log told what is being timed (one line each)
     * @throws IOException when the PyTorch reference cannot run
     */
    public static List<Row> run(QuantizableModel m, Settings s, Consumer<String> log)
            throws IOException, InterruptedException {
        boolean simd = SweepKernel.VECTOR.available();
        Path weights = null;
        try {
            if (s.python() != null) {
                weights = Files.createTempFile("mixquant-bench", ".bin");
                TempFiles.register(weights);
                exportWeights(m, weights);
            }
            List<Row> rows = new ArrayList<>();
            for (int t : s.threadCounts()) {
                log.accept(String.format("%d thread(s): timing the scalar Java sweep (%d warm-up + %d timed runs)", t,
                        s.warmup(), s.repeats()));
                Timed scalar = sweep(m, t, SweepKernel.SCALAR, s);
                Timed vector = null;
                if (simd) {
                    log.accept(String.format("%d thread(s): timing the SIMD Java sweep", t));
                    vector = sweep(m, t, SweepKernel.VECTOR, s);
                } else {
                    log.accept("no SIMD sweep: start the JVM with --add-modules jdk.incubator.vector");
                }
                log.accept(String.format("%d thread(s): timing a plain read of the weights", t));
                double[] read = plainRead(m, t, s);
                ErrorTable java = vector != null ? vector.last : scalar.last;
                Double torchMedian = null;
                String torchVersion = null;
                Double vsTorch = null;
                if (weights != null) {
                    log.accept(String.format("%d thread(s): timing PyTorch (%s, 2 warm-up + %d timed runs)", t,
                            s.python(), s.repeats()));
                    JsonNode res = runTorch(s.python(), weights, t, s.repeats());
                    torchMedian = res.get("median_s").asDouble();
                    torchVersion = res.get("torch").asText();
                    double worst = 0;
                    for (int i = 0; i < java.size(); i++) {
                        for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                            worst = Math.max(worst, relDiff(res.get("sse").get(i).get(b - Bits.MIN).asDouble(),
                                    java.sse(i, b)));
                        }
                    }
                    vsTorch = worst;
                }
                Double simdVsScalar = null;
                if (vector != null) {
                    double worst = 0;
                    for (int i = 0; i < java.size(); i++) {
                        for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                            worst = Math.max(worst, relDiff(vector.last.sse(i, b), scalar.last.sse(i, b)));
                        }
                    }
                    simdVsScalar = worst;
                }
                rows.add(new Row(t, scalar.times, vector == null ? null : vector.times, read, torchMedian,
                        torchVersion, vsTorch, simdVsScalar));
            }
            return rows;
        } finally {
            if (weights != null) {
                Files.deleteIfExists(weights);
                TempFiles.release(weights);
            }
        }
    }

    /** |a − b| / |b| (0 when both are 0). */
    private static double relDiff(double a, double b) {
        return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
    }

    private record Timed(double[] times, ErrorTable last) {
    }

    private static Timed sweep(QuantizableModel m, int threads, SweepKernel kernel, Settings s) {
        ErrorTable last = null;
        for (int i = 0; i < s.warmup(); i++) {
            last = ErrorTable.compute(m, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, threads, kernel, Progress.NONE);
        }
        double[] times = new double[s.repeats()];
        for (int i = 0; i < s.repeats(); i++) {
            last = ErrorTable.compute(m, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, threads, kernel, Progress.NONE);
            times[i] = last.seconds();
        }
        return new Timed(times, last);
    }

    /** The median (mean of the two middle values for an even count). */
    public static double median(double[] v) {
        return org.mixquant.eval.Stats.median(v);
    }

    /** The smallest value (NaN for none). */
    public static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    /** The largest value (NaN for none). */
    public static double max(double[] v) {
        return Arrays.stream(v).max().orElse(Double.NaN);
    }

    /** Times of summing every weight once over {@code threads} threads (layers split across them). */
    private static double[] plainRead(QuantizableModel m, int threads, Settings s) throws InterruptedException {
        double[] read = new double[s.repeats()];
        double sink = 0;
        for (int i = 0; i < s.warmup() + s.repeats(); i++) {
            long t0 = System.nanoTime();
            sink += plainReadOnce(m, threads);
            if (i >= s.warmup()) {
                read[i - s.warmup()] = (System.nanoTime() - t0) / 1e9;
            }
        }
        if (Double.isNaN(sink)) { // keeps the sums live; weights are finite
            throw new IllegalStateException("a weight is NaN");
        }
        return read;
    }

    private static double plainReadOnce(QuantizableModel m, int threads) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Double>> fs = new ArrayList<>();
            for (Layer l : m.layers()) {
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
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("plain read failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Writes the weights in {@code tools/bench/torch_sweep.py}'s format (see there). */
    private static void exportWeights(QuantizableModel m, Path file) throws IOException {
        try (OutputStream raw = Files.newOutputStream(file);
             DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw, 1 << 20))) {
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

    private static JsonNode runTorch(String python, Path weights, int threads, int repeats)
            throws IOException, InterruptedException {
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
}
