package org.mixquant.eval;

import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.mixquant.methods.NearestRounding;
import org.mixquant.methods.Quantizer;
import org.mixquant.model.QuantizableModel;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Bits;
import org.mixquant.search.CostTable;
import org.mixquant.search.MixQuant;
import org.mixquant.progress.Progress;
import org.mixquant.sensitivity.Distortion;
import org.mixquant.sensitivity.PlanRefinement;

/**
 * The size–quality frontier study of one quantization method: for every budget, uniform bits (whole budgets only) and
 * each cost table's knapsack plan ({@link MixQuant#budget(CostTable, double, Map)}), quantized with that method
 * (nearest rounding, AdaRound, BRECQ, ...) and scored by a {@link Study.Subject} on held-out data (CNN: top-1 on the
 * test images; text encoder: mean cosine and top-10 overlap on the evaluation corpus). A method that fixes some layers'
 * bits ({@link Quantizer#fixedLayers}, e.g. BRECQ's first and last layers at 8 bits) has them fixed in every cost's
 * search too, at the budget of its own uniform plan, so its plans stay comparable at equal size
 * ({@link EqualSizeVerdict}).
 *
 * <p>Next to the quality, the additivity check: each applied plan's predicted cost (the sum of its single-layer costs)
 * and the measured distortion of the whole model under that plan on the calibration data, with their linear (Pearson)
 * and rank (Spearman) correlation over each cost's frontier. The check is about the cost tables, which are single-layer
 * costs under nearest rounding, so the distortion is always that of the plan rounded to nearest
 * ({@link #DISTORTION_METHOD}), whatever method the quality columns come from. A plan with the same bits as one already
 * scored is not quantized or scored again (the methods are deterministic for a given plan).
 */
public final class Frontier {
    /** The rounding the additivity check's distortion is measured with: nearest, as the cost tables are. */
    public static final String DISTORTION_METHOD = "nearest";
    /** The quality metrics a point reports, those of them its subject measures ({@link #qualityOf}). */
    static final List<MetricId> QUALITY = List.of(MetricId.TOP1, MetricId.MEAN_COSINE, MetricId.TOP10_OVERLAP,
            MetricId.OUTPUT_COSINE, MetricId.OUTPUT_SQNR);

    private Frontier() {
    }

    /**
     * One scored plan.
     *
     * @param cost        {@code uniform} or the cost table's name
     * @param budget      the target average bits
     * @param plan        the plan as the method applied it
     * @param averageBits average bits per quantized weight
     * @param sizeMB      model size (see {@link SizeReport})
     * @param quality     metric → value on held-out data of the model the method quantized, in the metric's unit
     *                    ({@link MetricId#TOP1} as a fraction; or {@link MetricId#MEAN_COSINE} and
     *                    {@link MetricId#TOP10_OVERLAP}; or {@link MetricId#OUTPUT_COSINE} and
     *                    {@link MetricId#OUTPUT_SQNR}, absent when the outputs equal FP32's)
     * @param predicted   Σ single-layer costs of the plan under its cost table (NaN for uniform rows)
     * @param distortion  measured distortion of the whole model, the plan rounded to nearest, on the calibration data
     */
    public record Point(String cost, double budget, BitPlan plan, double averageBits, double sizeMB,
            Map<MetricId, Double> quality, double predicted, double distortion) {
        /** Freezes the quality map (iterated in {@link MetricId} order). */
        public Point {
            Objects.requireNonNull(plan, "plan");
            quality = frozen(quality);
        }

        /** True for a uniform plan's row. */
        public boolean isUniform() {
            return cost.equals(EvalRow.UNIFORM);
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
     * @param method     the method's id ({@link Study.Method#id()}), which the quality comes from
     * @param metric     what the distortion measures ({@link Distortion#metric()}), always with nearest rounding
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
     * @param subject    the FP32 model and how it is scored (its error table is not used; plans come from
     *                   {@code costs})
     * @param costs      cost tables of the model, e.g. qe and measured
     * @param budgets    average bits in [2, 8]
     * @param method     the method every plan is quantized with for the quality columns
     * @param distortion the distortion of whole plans, rounded to nearest, on calibration data (the additivity check)
     * @param progress   told after each plan ({@code frontier}, plans done / plans)
     * @param log        one line before each plan is quantized and one after it is scored (method, plan, average
     *                   bits, quality, time): learned rounding takes minutes per plan
     * @throws IllegalStateException if ONNX Runtime fails
     */
    public static Result run(Study.Subject subject, List<CostTable> costs, List<Double> budgets, Study.Method method,
            Distortion distortion, Progress progress, Consumer<String> log) throws IOException, OrtException {
        return run(subject, costs, budgets, method, distortion, 0, progress, log);
    }

    /**
     * {@link #run(Study.Subject, List, List, Study.Method, Distortion, Progress, Consumer)} with, for every cost and
     * budget, the cost's plan also refined on the calibration data for up to {@code refineRounds} rounds
     * ({@link PlanRefinement}, nearest rounding whatever the method; its budget and fixed layers are the plan's), in a
     * row of its own right after the cost's, labelled {@code COST+refine}. Its average bits never exceed the cost plan's
     * budget, so it is compared at equal size like any cost row — when it is within {@link EqualBits#TOLERANCE} of the
     * uniform plan: a refinement may leave bits unused where that lowers the distortion; it takes no part in the
     * additivity check. 0 rounds: no refined rows.
     */
    public static Result run(Study.Subject subject, List<CostTable> costs, List<Double> budgets, Study.Method method,
            Distortion distortion, int refineRounds, Progress progress, Consumer<String> log) throws IOException,
            OrtException {
        if (costs.isEmpty() || budgets.isEmpty()) {
            throw new IllegalArgumentException("the frontier needs at least one cost table and one budget");
        }
        if (refineRounds < 0) {
            throw new IllegalArgumentException("refinement rounds must be ≥ 0, got " + refineRounds);
        }
        long t0 = System.nanoTime();
        QuantizableModel fp32 = subject.model();
        Quantizer nearest = new NearestRounding();
        List<Point> points = new ArrayList<>();
        Map<Map<String, Integer>, Scored> seen = new LinkedHashMap<>();
        int total = 0;
        for (double b : budgets) {
            total += costs.size() * (refineRounds > 0 ? 2 : 1) + (whole(b) ? 1 : 0);
        }
        int done = 0;
        for (double b : budgets) {
            List<BitPlan> plans = new ArrayList<>();
            List<CostTable> tables = new ArrayList<>();
            if (whole(b)) {
                plans.add(BitPlan.uniform(fp32.source(), fp32.layerNames(), (int) b, costs.get(0).scheme(),
                        costs.get(0).granularity()));
                tables.add(null);
            }
            for (CostTable t : costs) {
                BitPlan plan = Study.budgetPlan(fp32, t, method.quantizer(), b);
                plans.add(plan);
                tables.add(t);
                if (refineRounds > 0) {
                    log.accept("refining " + plan.name() + " (" + refineRounds + " rounds at most)");
                    PlanRefinement.Result refined = PlanRefinement.refine(fp32, plan, distortion, refineRounds,
                            progress, log);
                    log.accept(refined.summary());
                    plans.add(refined.plan());
                    tables.add(t);
                }
            }
            for (int k = 0; k < plans.size(); k++) {
                BitPlan plan = plans.get(k);
                CostTable t = tables.get(k);
                String cost = t == null ? EvalRow.UNIFORM : t.name() + (plan.name().endsWith(PlanRefinement.SUFFIX)
                        ? PlanRefinement.SUFFIX : "");
                String where = String.format(Locale.ROOT, "[%d/%d] %s, plan %s", done + 1, total, method.id(),
                        plan.name());
                Scored sc = seen.get(plan.bits());
                BitPlan applied;
                if (sc == null) {
                    log.accept(where);
                    Study.Subject.Applied a = subject.apply(plan, method, 0);
                    double d = distortion.measure(nearest.quantize(fp32, a.plan()).model());
                    sc = new Scored(plan, a.plan(), qualityOf(a.row()), d);
                    seen.put(plan.bits(), sc);
                    applied = a.plan();
                    log.accept(String.format(Locale.ROOT, "%s: %.4f avg bits, %s %.4f, quantized in %.1f s,"
                            + " distortion (nearest) %.4g", where, a.row().averageBits(), a.row().primary().column(),
                            a.row().quality(), a.row().seconds().quantize(), d));
                } else {
                    applied = sc.renamed(plan);
                    log.accept(where + ": the bits of " + sc.requested().name() + ", scored already");
                }
                SizeReport s = SizeReport.of(fp32, applied);
                points.add(new Point(cost, b, applied, s.averageBits(), s.totalMB(), sc.quality(),
                        t == null ? Double.NaN : t.predicted(applied), sc.distortion()));
                progress.update("frontier (" + cost + " @ " + b + " bits)", ++done, total);
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
        return new Result(fp32.source(), method.id(), distortion.metric(), qualityOf(subject.fp32Row()),
                List.copyOf(points), List.copyOf(add), (System.nanoTime() - t0) / 1e9);
    }

    /**
     * A plan already quantized and scored.
     *
     * @param requested the plan handed to the method
     * @param applied   the plan it applied
     */
    private record Scored(BitPlan requested, BitPlan applied, Map<MetricId, Double> quality, double distortion) {
        /**
         * The plan the method applies for {@code plan}, which has the bits of {@link #requested}: the applied bits
         * under {@code plan}'s name, rule and parameters, with the suffix the method added to the name (e.g. BRECQ's
         * {@code +fl8}).
         */
        BitPlan renamed(BitPlan plan) {
            String suffix = applied.name().startsWith(requested.name())
                    ? applied.name().substring(requested.name().length()) : "";
            return new BitPlan(plan.name() + suffix, plan.model(), plan.scheme(), plan.granularity(), plan.rule(),
                    plan.params(), plan.provenance(), applied.bits());
        }
    }

    /** The {@link #QUALITY} metrics {@code row} measured. */
    static Map<MetricId, Double> qualityOf(EvalRow row) {
        Map<MetricId, Double> q = new EnumMap<>(MetricId.class);
        for (MetricId id : QUALITY) {
            if (row.metrics().containsKey(id)) {
                q.put(id, row.metric(id));
            }
        }
        return q;
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
