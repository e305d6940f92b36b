package org.mixquant.cli.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.mixquant.eval.Stats;
import org.mixquant.methods.Gptq;
import org.mixquant.methods.GptqOptions;
import org.mixquant.methods.OnnxTextCalibration;
import org.mixquant.model.Layer;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;

/**
 * Times GPTQ on every layer of an ONNX text model (MiniLM) with each way of capturing the calibration inputs:
 * {@code staged} (the default: each block's inputs from the previous block's kept output,
 * {@link org.mixquant.methods.CalibrationCapture#forwardOrder}) and {@code whole} (a run of the whole model per
 * block, as before), alternating, one at a time in one JVM; per path the median total, capture and GPTQ (Hessians
 * and solves) seconds, and how many quantized weights differ from the first path's (0 expected: the captures are
 * equal bit for bit). Timing only; never asserted in tests.
 */
public final class GptqBench {
    private GptqBench() {
    }

    /**
     * One path's measurement.
     *
     * @param path          {@code staged} or {@code whole}
     * @param totalS        every run's wall time of the whole quantization, seconds, in order
     * @param captureS      the part of each run spent capturing inputs
     * @param totalMedianS  median of {@code totalS}
     * @param captureMedianS median of {@code captureS}
     * @param gptqMedianS   median of total − capture (Hessians, GPTQ, loss reports)
     * @param differing     quantized weights (over all layers and runs) not bit-equal to the first path's first run
     */
    public record PathRun(String path, double[] totalS, double[] captureS, double totalMedianS, double captureMedianS,
            double gptqMedianS, long differing) {
    }

    /**
     * The measurement.
     *
     * @param model   model source
     * @param layers  layers quantized
     * @param weights weights quantized
     * @param bits    uniform bit-width
     * @param samples calibration texts
     * @param rows    calibration rows per Hessian
     * @param threads ONNX Runtime and GPTQ threads
     * @param paths   one row per path, in the order timed
     */
    public record Result(String model, int layers, long weights, int bits, int samples, int rows, int threads,
            List<PathRun> paths) {
    }

    /**
     * Runs {@code runs} rounds; each round quantizes the model once per path (in the order of {@code paths}).
     *
     * @param paths {@code staged} and/or {@code whole}
     * @throws IllegalArgumentException for an unknown path, no paths, or fewer than one run
     */
    public static Result run(OnnxModel model, OnnxTextCalibration calibration, GptqOptions gptq, int bits, int runs,
            List<String> paths, Consumer<String> log) {
        if (runs < 1 || paths.isEmpty()) {
            throw new IllegalArgumentException("need at least one run and one path");
        }
        for (String p : paths) {
            if (!p.equals("staged") && !p.equals("whole")) {
                throw new IllegalArgumentException("unknown capture path '" + p + "': expected staged or whole");
            }
        }
        BitPlan plan = BitPlan.uniform(model.source(), model.layerNames(), bits, Scheme.ASYMMETRIC,
                Granularity.PER_CHANNEL);
        int n = paths.size();
        double[][] total = new double[n][runs];
        double[][] capture = new double[n][runs];
        long[] differing = new long[n];
        List<float[]> reference = null;
        for (int r = 0; r < runs; r++) {
            for (int p = 0; p < n; p++) {
                Gptq q = Gptq.create(calibration, gptq).withWholeModelCapture(paths.get(p).equals("whole"));
                Gptq.Report rep = q.run(model, plan);
                double secs = rep.quantized().seconds();
                double layerSecs = 0;
                for (Gptq.LayerReport l : rep.layers()) {
                    layerSecs += l.seconds();
                }
                total[p][r] = secs;
                capture[p][r] = secs - layerSecs;
                List<float[]> w = weights(rep.quantized().model());
                if (reference == null) {
                    reference = w;
                } else {
                    differing[p] += differing(reference, w);
                }
                log.accept(String.format(java.util.Locale.ROOT, "gptq bench round %d, %s: %.1f s (capture %.1f s)",
                        r + 1, paths.get(p), secs, capture[p][r]));
            }
        }
        List<PathRun> out = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            double[] g = new double[runs];
            for (int r = 0; r < runs; r++) {
                g[r] = total[p][r] - capture[p][r];
            }
            out.add(new PathRun(paths.get(p), total[p], capture[p], Stats.median(total[p]),
                    Stats.median(capture[p]), Stats.median(g), differing[p]));
        }
        return new Result(model.source(), model.layers().size(), model.quantizableParams(), bits,
                calibration.samples(), calibration.rows(), gptq.threads(), List.copyOf(out));
    }

    private static List<float[]> weights(QuantizableModel m) {
        List<float[]> w = new ArrayList<>();
        for (Layer l : m.layers()) {
            w.add(l.weight().toArray());
        }
        return w;
    }

    /** Values of {@code b} whose bits differ from {@code a}'s (same layers, same sizes). */
    static long differing(List<float[]> a, List<float[]> b) {
        long d = 0;
        for (int i = 0; i < a.size(); i++) {
            float[] x = a.get(i);
            float[] y = b.get(i);
            for (int j = 0; j < x.length; j++) {
                if (Float.floatToRawIntBits(x[j]) != Float.floatToRawIntBits(y[j])) {
                    d++;
                }
            }
        }
        return d;
    }
}
