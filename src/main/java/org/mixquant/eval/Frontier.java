package org.mixquant.eval;

import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.mixquant.methods.QuantizedModel;
import org.mixquant.methods.Quantizer;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Bits;
import org.mixquant.search.CostTable;
import org.mixquant.search.MixQuant;
import org.mixquant.progress.Progress;
import org.mixquant.sensitivity.Distortion;

/**
 * The size–quality frontier study: for every budget, uniform bits (whole budgets only) and each cost table's
 * knapsack plan ({@link MixQuant#budget(CostTable, double, Map)}), quantized with one method and scored on held-out
 * data (CNN: top-1 on the test images; text encoder: mean cosine and top-10 overlap on the evaluation corpus), next
 * to the additivity check: each plan's predicted cost (the sum of its single-layer costs) and the measured distortion
 * of the whole quantized model on the calibration data, with their linear (Pearson) and rank (Spearman) correlation
 * over each cost's frontier. A plan with the same bits as one already scored is not scored again.
 */
public final class Frontier {
    private Frontier() {
    }

    /**
     * One scored plan.
     *
     * @param cost        {@code uniform} or the cost table's name
     * @param budget      the target average bits
     * @param plan        the plan as applied
     * @param averageBits average bits per quantized weight
     * @param sizeMB      model size (see {@link SizeReport})
     * @param quality     metric → value on held-out data, in the metric's unit ({@link MetricId#TOP1} as a
     *                    fraction, or {@link MetricId#MEAN_COSINE} and {@link MetricId#TOP10_OVERLAP})
     * @param predicted   Σ single-layer costs of the plan under its cost table (NaN for uniform rows)
     * @param distortion  measured distortion of the whole quantized model on the calibration data
     */
    public record Point(String cost, double budget, BitPlan plan, double averageBits, double sizeMB,
            Map<MetricId, Double> quality, double predicted, double distortion) {
        /** Freezes the quality map (iterated in {@link MetricId} order). */
        public Point {
            Objects.requireNonNull(plan, "plan");
            quality = frozen(quality);
        }
    }

    /**
     * How well a cost's prediction matches the measured distortion over its frontier.
     *
     * @param cost     cost name
     * @param points   distinct plans compared
     * @param pearson  linear correlation of predicted and measured (NaN with fewer than 2 distinct values)
     * @param spearman rank correlation (average ranks for ties)
     */
    public record Additivity(String cost, int points, double pearson, double spearman) {
    }

    /**
     * The study's result.
     *
     * @param model      model source
     * @param method     quantizer name
     * @param metric     what the distortion measures ({@link Distortion#metric()})
     * @param fp32       FP32 quality, by metric (the metrics of the points' quality)
     * @param points     uniform rows and cost rows, by budget then cost
     * @param additivity one entry per cost table
     * @param seconds    wall time of the whole study
     */
    public record Result(String model, String method, String metric, Map<MetricId, Double> fp32, List<Point> points,
            List<Additivity> additivity, double seconds) {
        /** Freezes the FP32 quality map (iterated in {@link MetricId} order). */
        public Result {
            fp32 = frozen(fp32);
        }
    }

    /** An unmodifiable copy of {@code quality} that iterates in {@link MetricId} order. */
    private static Map<MetricId, Double> frozen(Map<MetricId, Double> quality) {
        Map<MetricId, Double> m = new EnumMap<>(MetricId.class);
        m.putAll(quality);
        return Collections.unmodifiableMap(m);
    }

    /**
     * Runs the study.
     *
     * @param costs      cost tables of {@code fp32}, e.g. qe and measured
     * @param budgets    average bits in [2, 8]
     * @param quantizer  the method every plan is quantized with
     * @param distortion the distortion of whole plans on calibration data (the additivity check)
     * @param scorer     held-out quality
     * @param progress   told after each plan
     */
    public static Result run(QuantizableModel fp32, List<CostTable> costs, List<Double> budgets, Quantizer quantizer,
            Distortion distortion, Scorer scorer, Progress progress) throws IOException, OrtException {
        if (costs.isEmpty() || budgets.isEmpty()) {
            throw new IllegalArgumentException("the frontier needs at least one cost table and one budget");
        }
        long t0 = System.nanoTime();
        List<Point> points = new ArrayList<>();
        Map<Map<String, Integer>, double[]> seen = new LinkedHashMap<>();
        Map<Map<String, Integer>, Map<MetricId, Double>> seenQuality = new LinkedHashMap<>();
        int total = budgets.size() * (costs.size() + 1);
        int done = 0;
        for (double b : budgets) {
            List<BitPlan> plans = new ArrayList<>();
            List<String> names = new ArrayList<>();
            List<CostTable> tables = new ArrayList<>();
            if (whole(b)) {
                plans.add(BitPlan.uniform(fp32.source(), fp32.layerNames(), (int) b, costs.get(0).scheme(),
                        costs.get(0).granularity()));
                names.add("uniform");
                tables.add(null);
            }
            for (CostTable t : costs) {
                plans.add(MixQuant.budget(t, b, Map.of()));
                names.add(t.name());
                tables.add(t);
            }
            for (int k = 0; k < plans.size(); k++) {
                BitPlan plan = plans.get(k);
                QuantizedModel q = quantizer.quantize(fp32, plan);
                BitPlan applied = q.plan();
                double[] dist = seen.get(applied.bits());
                Map<MetricId, Double> quality = seenQuality.get(applied.bits());
                if (dist == null) {
                    dist = new double[] {distortion.measure(q.model())};
                    quality = scorer.score(q.model());
                    seen.put(applied.bits(), dist);
                    seenQuality.put(applied.bits(), quality);
                }
                SizeReport s = SizeReport.of(fp32, applied);
                CostTable t = tables.get(k);
                points.add(new Point(names.get(k), b, applied, s.averageBits(), s.totalMB(), quality,
                        t == null ? Double.NaN : t.predicted(applied), dist[0]));
                progress.update("frontier (" + names.get(k) + " @ " + b + " bits)", ++done, total);
            }
        }
        List<Additivity> add = new ArrayList<>();
        for (CostTable t : costs) {
            Map<Map<String, Integer>, double[]> distinct = new LinkedHashMap<>();
            for (Point p : points) {
                if (p.cost().equals(t.name())) {
                    distinct.put(p.plan().bits(), new double[] {p.predicted(), p.distortion()});
                }
            }
            double[] x = new double[distinct.size()];
            double[] y = new double[distinct.size()];
            int i = 0;
            for (double[] v : distinct.values()) {
                x[i] = v[0];
                y[i++] = v[1];
            }
            add.add(new Additivity(t.name(), x.length, pearson(x, y), spearman(x, y)));
        }
        return new Result(fp32.source(), quantizer.name(), distortion.metric(), scorer.fp32(), List.copyOf(points),
                List.copyOf(add), (System.nanoTime() - t0) / 1e9);
    }

    /** Held-out quality of a quantized model, by metric, each in its {@link MetricId}'s unit. */
    public interface Scorer {
        /** Quality of {@code quantized}. */
        Map<MetricId, Double> score(QuantizableModel quantized) throws IOException, OrtException;

        /** Quality of the FP32 model, with the same metrics as {@link #score}. */
        Map<MetricId, Double> fp32() throws IOException, OrtException;
    }

    /** Top-1 on {@code evaluator}'s images (a fraction in [0, 1]). */
    public static Scorer accuracy(CnnModel fp32, AccuracyEvaluator evaluator) {
        Study.Subject subject = Study.Subject.classifier(fp32, evaluator); // measures FP32 once
        return new Scorer() {
            @Override
            public Map<MetricId, Double> score(QuantizableModel q) {
                return Map.of(MetricId.TOP1, evaluator.evaluate(q).top1());
            }

            @Override
            public Map<MetricId, Double> fp32() {
                return Map.of(MetricId.TOP1, subject.fp32Row().metric(MetricId.TOP1));
            }
        };
    }

    /** Mean cosine and top-10 overlap to the FP32 embeddings of {@code evaluator}'s corpus. */
    public static Scorer fidelity(EmbeddingEvaluator evaluator) {
        return new Scorer() {
            @Override
            public Map<MetricId, Double> score(QuantizableModel q) throws IOException, OrtException {
                Fidelity f = evaluator.fidelity(q, "evaluation corpus");
                return Map.of(MetricId.MEAN_COSINE, f.meanCosine(), MetricId.TOP10_OVERLAP, f.top10Overlap());
            }

            @Override
            public Map<MetricId, Double> fp32() {
                return Map.of(MetricId.MEAN_COSINE, 1.0, MetricId.TOP10_OVERLAP, 1.0);
            }
        };
    }

    /** Pearson correlation; NaN when either side is constant or has fewer than 2 values. */
    static double pearson(double[] x, double[] y) {
        int n = x.length;
        if (n < 2) {
            return Double.NaN;
        }
        double mx = Arrays.stream(x).average().orElse(0);
        double my = Arrays.stream(y).average().orElse(0);
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
    }

    /** Spearman correlation: Pearson of average ranks. */
    static double spearman(double[] x, double[] y) {
        return pearson(ranks(x), ranks(y));
    }

    static double[] ranks(double[] v) {
        int n = v.length;
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> Double.compare(v[a], v[b]));
        double[] r = new double[n];
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && v[idx[j + 1]] == v[idx[i]]) {
                j++;
            }
            double avg = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                r[idx[k]] = avg;
            }
            i = j + 1;
        }
        return r;
    }

    /** Whether {@code b} is a whole number of bits in 2..8 (budgets where a uniform plan exists). */
    static boolean whole(double b) {
        return b == Math.rint(b) && b >= Bits.MIN && b <= Bits.MAX;
    }
}
