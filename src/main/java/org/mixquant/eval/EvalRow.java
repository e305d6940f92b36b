package org.mixquant.eval;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.mixquant.quant.BitPlan;

/**
 * One evaluation: a model quantized by a method under a plan (or the FP32 model), its size, what it measured (by
 * {@link MetricId}) and how long each step took. The one row type of {@code eval}: {@link Study} makes them, the
 * command line prints them, the notebooks tabulate and plot them.
 *
 * @param model         model name, e.g. {@code resnet20-fashion}
 * @param methodId      the method's id ({@link org.mixquant.methods.Quantizer#name()} or the id it was created
 *                      by, as in {@link org.mixquant.methods.Methods#NAMES}); {@link #FP32} for the FP32 model
 * @param method        what the quantizer reports it did, e.g. {@code nearest-asymmetric} ({@code none} for FP32)
 * @param plan          name of the plan actually applied (a method may change bits, e.g. BRECQ's {@code +fl8})
 * @param rule          rule that made the plan: {@code fp32}, {@code uniform}, {@code qem}, {@code budget}, ...
 * @param averageBits   Σ bits·params / Σ params of the applied plan over quantizable layers (32 for FP32): weight
 *                      bits per weight
 * @param storageBits   weight bits plus scale and zero-point bits per quantized weight
 *                      ({@link SizeReport#storageBits()}; 32 for FP32; NaN when not known, e.g. read from an older
 *                      table)
 * @param sizeMB        whole model in MB, 1 MB = 10^6 bytes ({@link SizeReport#totalMB()})
 * @param bitsHistogram layers per bit-width of the applied plan, e.g. {@code 3:12 8:2} ({@code fp32} for FP32)
 * @param metrics       measured values by id, each in its id's unit (an unmodifiable copy is kept)
 * @param samples       images or texts evaluated
 * @param seconds       wall times of the steps
 */
public record EvalRow(String model, String methodId, String method, String plan, String rule, double averageBits,
        double storageBits, double sizeMB, String bitsHistogram, Map<MetricId, Double> metrics, int samples,
        Timings seconds) {

    /** Method id, plan, rule and histogram of the FP32 row. */
    public static final String FP32 = "fp32";
    /** Rule of uniform plans ({@link BitPlan#uniform}). */
    public static final String UNIFORM = "uniform";

    /**
     * Wall times, in seconds.
     *
     * @param search   the bit-width search that made the plan: error sweep plus rule (0 for uniform plans and FP32)
     * @param quantize quantization (reconstruction included; 0 for FP32)
     * @param evaluate evaluation (for FP32: computing the reference outputs)
     */
    public record Timings(double search, double quantize, double evaluate) {
    }

    /** Rejects nulls and keeps an unmodifiable copy of the metrics. */
    public EvalRow {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(methodId, "methodId");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(bitsHistogram, "bitsHistogram");
        Objects.requireNonNull(seconds, "seconds");
        Map<MetricId, Double> m = new EnumMap<>(MetricId.class);
        m.putAll(metrics); // rejects null keys
        metrics = Collections.unmodifiableMap(m);
    }

    /** A row whose storage bits are not known (NaN), as rows were before storage bits were recorded. */
    public EvalRow(String model, String methodId, String method, String plan, String rule, double averageBits,
            double sizeMB, String bitsHistogram, Map<MetricId, Double> metrics, int samples, Timings seconds) {
        this(model, methodId, method, plan, rule, averageBits, Double.NaN, sizeMB, bitsHistogram, metrics, samples,
                seconds);
    }

    /** The value of {@code id}, NaN if this row did not measure it. */
    public double metric(MetricId id) {
        Double v = metrics.get(id);
        return v == null ? Double.NaN : v;
    }

    /** True for the FP32 reference row. */
    public boolean isFp32() {
        return rule.equals(FP32);
    }

    /** True for a uniform plan. */
    public boolean isUniform() {
        return rule.equals(UNIFORM);
    }

    /** True for a plan made by a MixQuant rule (neither FP32 nor uniform). */
    public boolean isMixQuant() {
        return !isFp32() && !isUniform();
    }

    /**
     * The metric comparisons rank rows by: {@link MetricId#TOP1} when measured (classifiers), else
     * {@link MetricId#OUTPUT_COSINE} when measured (any ONNX model on given inputs), else
     * {@link MetricId#MEAN_COSINE} (embedding models).
     */
    public MetricId primary() {
        return metrics.containsKey(MetricId.TOP1) ? MetricId.TOP1
                : metrics.containsKey(MetricId.OUTPUT_COSINE) ? MetricId.OUTPUT_COSINE : MetricId.MEAN_COSINE;
    }

    /** The {@link #primary()} metric in its column's unit (top-1 in percent, cosine as is). */
    public double quality() {
        MetricId p = primary();
        return p.toColumn(metric(p));
    }

    /**
     * {@link #quality()} minus the FP32 model's, negative when worse: minus {@link MetricId#TOP1_DROP} (points) for
     * classifiers, mean cosine − 1 for embedding models (FP32's embeddings have cosine 1 to themselves).
     */
    public double delta() {
        return primary() == MetricId.TOP1 ? -metric(MetricId.TOP1_DROP) : metric(primary()) - 1;
    }

    /** Layers per bit-width of {@code plan} as text, in ascending bits, e.g. {@code 3:12 4:24}. */
    public static String histogram(BitPlan plan) {
        return plan.histogram().entrySet().stream().map(e -> e.getKey() + ":" + e.getValue())
                .collect(Collectors.joining(" "));
    }
}
