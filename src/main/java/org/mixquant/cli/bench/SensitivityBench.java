package org.mixquant.cli.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mixquant.eval.Stats;
import org.mixquant.model.Layer;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.onnx.LayerProbe;
import org.mixquant.progress.Progress;
import org.mixquant.quant.Bits;
import org.mixquant.quant.FakeQuant;
import org.mixquant.quant.QuantSpec;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;
import org.mixquant.search.CostTable;
import org.mixquant.sensitivity.ClassifierKl;
import org.mixquant.sensitivity.Distortion;
import org.mixquant.sensitivity.EmbeddingCosine;
import org.mixquant.sensitivity.MeasuredCost;

/**
 * Times the {@code measured} cost table ({@link MeasuredCost#compute}, never its disk cache) of a model with its
 * default distortion: one row per single-layer path (CNNs: the pass starting at the layer, and at its unit as the
 * reference; ONNX text encoders: the graph suffix of {@code LayerProbe}), with wall time and process CPU time (the
 * machine is shared: CPU time says how much work was done, wall time how long it took), the time of one whole-model
 * pass over the same calibration data, and how far each path's table is from the first path's. Timing only; never
 * asserted in tests.
 */
public final class SensitivityBench {
    private SensitivityBench() {
    }

    /**
     * One path's measurement.
     *
     * @param path         {@code layer} or {@code unit} (CNNs), {@code suffix} (ONNX)
     * @param layers       layers in the table (consecutive, in model order)
     * @param passes       single-layer passes (layers × 7)
     * @param runs         timed tables
     * @param wallMedianS  median wall time of one table, seconds
     * @param cpuMedianS   median process CPU time of one table (all threads, JIT and GC included), seconds
     * @param wallS        every run's wall time, in order
     * @param passEquivalents wallMedianS / the whole-model pass time: the table's cost in whole passes
     * @param maxRelDiff   max over cells of |cost − first path's cost| / first path's cost (0 for the first path)
     * @param maxAbsDiff   max over cells of |cost − first path's cost|
     * @param phases       where the last run's time went, wall seconds of the measuring thread by phase (ONNX paths:
     *                     {@code capture_s}, {@code build_s}, {@code create_s}, {@code run_s}, {@code output_s}, and
     *                     the counts {@code captures}, {@code sessions}, {@code runs}; empty for CNNs)
     */
    public record PathRun(String path, int layers, int passes, int runs, double wallMedianS, double cpuMedianS,
            double[] wallS, double passEquivalents, double maxRelDiff, double maxAbsDiff,
            Map<String, Double> phases) {
    }

    /**
     * The measurement of one model.
     *
     * @param model        the model source
     * @param samples      calibration images or texts
     * @param threads      intra-op threads
     * @param setupS       creating the distortion (loads the calibration data, runs the FP32 reference once)
     * @param fullPassS    one whole-model pass over the calibration data (FP32), median of 3 (CNNs) or 1
     * @param quantizeS    fake-quantizing the timed layers' weights at the 7 bit-widths once (part of every path's
     *                     table time)
     * @param paths        one row per path, the default path first
     */
    public record Result(String model, int samples, int threads, double setupS, double fullPassS, double quantizeS,
            List<PathRun> paths) {
    }

    /**
     * The paths timed for {@code d}, default first: CNNs the layer and unit starts; text encoders the graph suffix
     * with length-bucketed batches ({@code suffix}) and with batches of 32 ({@code suffix-batch32}).
     */
    static List<String> paths(Distortion d, boolean reference) {
        if (d instanceof ClassifierKl) {
            return reference ? List.of("layer", "unit") : List.of("layer");
        }
        if (d instanceof EmbeddingCosine) {
            return reference ? List.of("suffix", "suffix-batch32") : List.of("suffix");
        }
        return List.of("whole");
    }

    /**
     * Times the measured table of {@code layers} layers of {@code fp32} after the first {@code skip} (all the rest
     * when ≤ 0) {@code runs} times per path.
     *
     * @param distortion made once for all runs (its creation is timed as {@code setupS} by the caller's factory)
     * @param reference  CNNs: also time the unit-start path
     */
    public static Result run(QuantizableModel fp32, Distortion distortion, double setupS, int threads, int skip,
            int layers, int runs, boolean reference, Progress progress) {
        List<Layer> all = fp32.layers();
        if (skip < 0 || skip >= all.size()) {
            throw new IllegalArgumentException("can skip 0.." + (all.size() - 1) + " layers, not " + skip);
        }
        List<Layer> chosen = all.subList(skip, layers <= 0 ? all.size() : Math.min(all.size(), skip + layers));
        double[] pass = new double[distortion instanceof ClassifierKl ? 3 : 1];
        for (int i = 0; i < pass.length; i++) {
            long t = System.nanoTime();
            distortion.measure(fp32);
            pass[i] = (System.nanoTime() - t) / 1e9;
        }
        double fullPass = Stats.median(pass);
        long q0 = System.nanoTime();
        for (Layer l : chosen) {
            for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                FakeQuant.apply(l.weight(), new QuantSpec(b, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL));
            }
        }
        double quantize = (System.nanoTime() - q0) / 1e9;
        List<PathRun> out = new ArrayList<>();
        CostTable first = null;
        for (String path : paths(distortion, reference)) {
            if (distortion instanceof ClassifierKl kl) {
                kl.start(path.equals("unit") ? ClassifierKl.Start.UNIT : ClassifierKl.Start.LAYER);
            }
            if (distortion instanceof EmbeddingCosine ec) {
                ec.batching(path.equals("suffix-batch32") ? EmbeddingCosine.Batching.FIXED
                        : EmbeddingCosine.Batching.BUCKETED);
            }
            double[] wall = new double[runs];
            double[] cpu = new double[runs];
            CostTable t = null;
            Map<String, Double> phases = Map.of();
            for (int r = 0; r < runs; r++) {
                distortion.close(); // each run starts from nothing kept, as a fresh table does
                long c0 = processCpuNanos();
                long t0 = System.nanoTime();
                t = MeasuredCost.compute(fp32, chosen, distortion, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL,
                        progress);
                wall[r] = (System.nanoTime() - t0) / 1e9;
                cpu[r] = (processCpuNanos() - c0) / 1e9;
                phases = phases(distortion);
            }
            double diff = first == null ? 0 : maxRelDiff(first, t);
            double abs = first == null ? 0 : maxAbsDiff(first, t);
            if (first == null) {
                first = t;
            }
            double wallMedian = Stats.median(wall);
            out.add(new PathRun(path, chosen.size(), chosen.size() * Bits.COUNT, runs, wallMedian,
                    Stats.median(cpu), wall, wallMedian / fullPass, diff, abs, phases));
        }
        if (distortion instanceof ClassifierKl kl) {
            kl.start(ClassifierKl.Start.LAYER);
        }
        if (distortion instanceof EmbeddingCosine ec) {
            ec.batching(EmbeddingCosine.Batching.BUCKETED);
        }
        return new Result(fp32.source(), distortion.samples(), threads, setupS, fullPass, quantize, out);
    }

    /** The phases of {@code d}'s last table ({@link PathRun#phases}). */
    static Map<String, Double> phases(Distortion d) {
        if (!(d instanceof EmbeddingCosine ec) || ec.timings() == null) {
            return Map.of();
        }
        LayerProbe.Timings t = ec.timings();
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("capture_s", t.captureS());
        m.put("build_s", t.buildS());
        m.put("create_s", t.createS());
        m.put("run_s", t.runS());
        m.put("output_s", t.outputS());
        m.put("captures", (double) t.captures());
        m.put("sessions", (double) t.sessions());
        m.put("runs", (double) t.runs());
        return m;
    }

    static double maxAbsDiff(CostTable a, CostTable b) {
        double m = 0;
        for (int i = 0; i < a.size(); i++) {
            for (int bits = Bits.MIN; bits <= Bits.MAX; bits++) {
                m = Math.max(m, Math.abs(a.cost(i, bits) - b.cost(i, bits)));
            }
        }
        return m;
    }

    static double maxRelDiff(CostTable a, CostTable b) {
        double m = 0;
        for (int i = 0; i < a.size(); i++) {
            for (int bits = Bits.MIN; bits <= Bits.MAX; bits++) {
                double x = a.cost(i, bits);
                double y = b.cost(i, bits);
                if (x != y) {
                    m = Math.max(m, Math.abs(x - y) / Math.max(Math.abs(x), Double.MIN_NORMAL));
                }
            }
        }
        return m;
    }

    /** CPU time of this process (all threads), nanoseconds; -1 where the JVM cannot tell. */
    static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** {@code wall} as text, e.g. {@code [12.3, 12.9]}, for notes. */
    public static String times(double[] wall) {
        return Arrays.toString(Arrays.stream(wall).map(v -> Math.round(v * 10) / 10.0).toArray());
    }
}
