package org.mixquant.cli.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.mixquant.eval.Stats;
import org.mixquant.io.TempFiles;
import org.mixquant.model.Layer;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.onnx.SyntheticTransformer;
import org.mixquant.progress.Progress;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;
import org.mixquant.search.ErrorTable;

/**
 * The error sweep over a model read layer by layer (an ONNX model with external data, e.g. a
 * {@link SyntheticTransformer}): sweep time, weights per second, the process's peak resident set (VmHWM in
 * {@code /proc/self/status}) and the JVM's heap peak, to show that memory stays bounded by the largest layer, not the
 * model. Timing only; never asserted in tests.
 */
public final class StreamBench {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private StreamBench() {
    }

    /**
     * One model's measurement.
     *
     * @param model              the model source
     * @param layers             quantizable layers
     * @param values             quantizable weights swept (each at bits 2..8)
     * @param largestLayerValues weights of the largest layer (its values are the heap a streamed sweep needs)
     * @param threads            sweep threads
     * @param runs               timed sweeps (after {@code warmup} untimed ones)
     * @param sweepMedianS       median wall time of one sweep, seconds, reading the weights included
     * @param weightsPerS        values / sweepMedianS
     * @param sweepTimesS        every timed sweep, in order
     * @param peakRssMB          VmHWM (10⁶ bytes) during the sweeps, or null where /proc is missing; includes the
     *                           JVM itself and mapped file pages while they are mapped
     * @param peakRssReset       whether the peak was reset before the sweeps (else it is the process's peak since
     *                           start)
     * @param heapPeakMB         Σ over heap pools of their peak use during the sweeps, 10⁶ bytes (an upper bound of
     *                           the heap in use at any moment, garbage not yet collected included)
     * @param maxHeapMB          the heap limit (-Xmx), 10⁶ bytes
     */
    public record Result(String model, int layers, long values, long largestLayerValues, int threads, int runs,
            double sweepMedianS, double weightsPerS, double[] sweepTimesS, Double peakRssMB, boolean peakRssReset,
            double heapPeakMB, double maxHeapMB) {
    }

    /**
     * A synthetic model written, loaded and swept.
     *
     * @param params      the parameter count asked for (quantizable weights)
     * @param d           model width
     * @param blocks      transformer blocks
     * @param dataBytes   bytes of its external data file
     * @param writeS      seconds to write it
     * @param kept        the folder it was kept in, or null when it was written to a temporary folder and deleted
     * @param sweep       the measurement
     */
    public record SyntheticRun(double params, int d, int blocks, long dataBytes, double writeS, String kept,
            Result sweep) {
    }

    /**
     * Sweeps {@code model} {@code warmup} times untimed, then {@code runs} times timed (asymmetric per-channel, bits
     * 2..8), measuring peak RSS and heap over the timed runs.
     */
    public static Result run(QuantizableModel model, int threads, int warmup, int runs, Progress progress) {
        if (runs < 1 || warmup < 0) {
            throw new IllegalArgumentException("need runs ≥ 1 and warmup ≥ 0, got " + runs + ", " + warmup);
        }
        for (int i = 0; i < warmup; i++) {
            ErrorTable.compute(model, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, threads, progress);
        }
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        System.gc();
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        boolean reset = resetPeakRss();
        double[] times = new double[runs];
        for (int i = 0; i < runs; i++) {
            times[i] = ErrorTable.compute(model, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, threads, progress)
                    .seconds();
        }
        OptionalLong rss = peakRssBytes();
        long heapPeak = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        double median = Stats.median(times);
        long largest = model.layers().stream().mapToLong(Layer::params).max().orElse(0);
        long n = model.quantizableParams();
        return new Result(model.source(), model.layers().size(), n, largest, threads, runs, median, n / median, times,
                rss.isPresent() ? rss.getAsLong() / 1e6 : null, reset, heapPeak / 1e6,
                Runtime.getRuntime().maxMemory() / 1e6);
    }

    /**
     * Writes the synthetic transformer of about {@code params} quantizable weights with external data into
     * {@code keep} (created if missing; existing model files are never overwritten) or, when {@code keep} is null, a
     * new temporary folder that is deleted afterwards, then loads it and {@link #run sweeps} it.
     */
    public static SyntheticRun synthetic(double params, long seed, Path keep, int threads, int warmup, int runs,
            Progress progress) throws IOException {
        SyntheticTransformer spec = SyntheticTransformer.forParams(params, seed);
        Path dir = keep;
        if (dir == null) {
            dir = Files.createTempDirectory("mixquant-synthetic");
            TempFiles.register(dir);
        }
        try {
            long t0 = System.nanoTime();
            Path file = spec.write(dir, true, progress);
            double writeS = (System.nanoTime() - t0) / 1e9;
            Result r = run(OnnxModel.load(file), threads, warmup, runs, progress);
            return new SyntheticRun(params, spec.d(), spec.blocks(),
                    Files.size(dir.resolve(SyntheticTransformer.DATA_FILE)), writeS,
                    keep == null ? null : keep.toString(), r);
        } finally {
            if (keep == null) {
                TempFiles.delete(dir);
            }
        }
    }

    /** VmHWM (peak resident set) of this process in bytes, empty where {@code /proc/self/status} is missing. */
    public static OptionalLong peakRssBytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmHWM:")) {
                    String[] f = line.substring(6).trim().split("\\s+");
                    return OptionalLong.of(Long.parseLong(f[0]) * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or /proc not mounted
        }
        return OptionalLong.empty();
    }

    /** Resets VmHWM to the current RSS (Linux ≥ 4.0: "5" to clear_refs); false where that is not allowed. */
    static boolean resetPeakRss() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
