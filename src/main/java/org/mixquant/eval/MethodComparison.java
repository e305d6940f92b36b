package org.mixquant.eval;

import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mixquant.methods.Brecq;
import org.mixquant.methods.Quantizer;
import org.mixquant.model.Layer;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.quant.BitPlan;
import org.mixquant.search.ErrorTable;
import org.mixquant.search.MixQuant;

/**
 * Quantization methods × plans on one model, as {@link ComparisonRow}s: top-1 accuracy for the Fashion-MNIST CNNs
 * ({@link AccuracyComparison}), embedding fidelity for text models ({@link EmbeddingComparison}). The model is never
 * changed.
 */
public final class MethodComparison {
    private final String model;
    private final AccuracyComparison cnn;
    private final EmbeddingComparison text;

    private MethodComparison(String model, AccuracyComparison cnn, EmbeddingComparison text) {
        this.model = model;
        this.cnn = cnn;
        this.text = text;
    }

    /** Compares versions of a CNN on top-1 accuracy. */
    public static MethodComparison of(CnnModel fp32, AccuracyEvaluator evaluator) {
        return new MethodComparison(fp32.source(), new AccuracyComparison(fp32, evaluator), null);
    }

    /** Compares versions of a text model on embedding fidelity. */
    public static MethodComparison of(OnnxModel fp32, EmbeddingEvaluator evaluator) {
        return new MethodComparison(fp32.source(), null, new EmbeddingComparison(fp32, evaluator));
    }

    /** The metric's name: {@code top1_%} or {@code mean_cos}. */
    public String metric() {
        return cnn != null ? "top1_%" : "mean_cos";
    }

    /** The FP32 row. */
    public ComparisonRow fp32() {
        if (cnn != null) {
            return row(cnn.fp32());
        }
        try {
            return row(text.fp32());
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Quantizes with {@code quantizer} under {@code plan} and evaluates.
     *
     * @param searchSeconds time of the search that made the plan (reported, not measured here)
     */
    public ComparisonRow evaluate(BitPlan plan, Quantizer quantizer, double searchSeconds) {
        if (cnn != null) {
            return row(cnn.evaluate(plan, quantizer, searchSeconds));
        }
        try {
            return row(text.evaluate(plan, quantizer, searchSeconds));
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ComparisonRow row(AccuracyEvaluation e) {
        double fp = 100 * cnn.fp32Accuracy().top1();
        return new ComparisonRow(model, e.method(), e.plan(), e.rule(), e.averageBits(), e.sizeMB(), metric(),
                100 * e.top1(), fp, Double.NaN, e.searchSeconds(), e.quantizeSeconds(), e.evalSeconds(),
                e.bitsHistogram());
    }

    private ComparisonRow row(Evaluation e) {
        return new ComparisonRow(model, e.method(), e.plan(), e.rule(), e.averageBits(), e.sizeMB(), metric(),
                e.meanCosine(), 1.0, e.top10Overlap(), e.searchSeconds(), e.quantizeSeconds(), e.evalSeconds(),
                e.bitsHistogram());
    }

    /**
     * The MixQuant size-budget plan that {@code quantizer} will apply at the same average bits as it applies to a
     * uniform plan of {@code avgBits}: {@link MixQuant#budget(ErrorTable, double)} in general; for BRECQ, which keeps
     * the first and last layers at {@link Brecq#firstLastBits()}, those two layers are fixed at that width in the
     * search and the budget is that of the uniform plan after the same replacement, so both plans end up with equal
     * average bits (name suffix {@code +fl8}).
     */
    public static BitPlan budgetPlan(Quantizer quantizer, QuantizableModel model, ErrorTable table, double avgBits) {
        if (!(quantizer instanceof Brecq b) || b.firstLastBits() == 0) {
            return MixQuant.budget(table, avgBits);
        }
        List<Layer> ls = model.layers();
        int fl = b.firstLastBits();
        Map<String, Integer> fixed = new LinkedHashMap<>();
        fixed.put(ls.get(0).name(), fl);
        fixed.put(ls.get(ls.size() - 1).name(), fl);
        long total = 0;
        long fixedParams = 0;
        for (Layer l : ls) {
            total += l.weight().size();
            if (fixed.containsKey(l.name())) {
                fixedParams += l.weight().size();
            }
        }
        double target = (fl * (double) fixedParams + avgBits * (total - fixedParams)) / total;
        BitPlan p = MixQuant.budget(table, target, Map.of(), fixed);
        return p.withName("budget=" + fmt(avgBits) + "+fl" + fl);
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.3g", v);
    }

    /** Average bits closer than this count as equal (a budget plan cannot always fill its budget exactly). */
    public static final double EQUAL_BITS = 0.01;

    /**
     * Each MixQuant row against the same method's uniform rows at the same average bits: the uniform row with equal
     * bits (within {@link #EQUAL_BITS}) if there is one, else the linear interpolation between the two uniform rows
     * that bracket it (marked as such), else nothing.
     *
     * @return one line per MixQuant row, e.g. {@code brecq budget=3 (3.00 b) 90.1 vs uniform-3 (3.00 b) 89.5: +0.6}
     */
    public static List<String> equalBits(List<ComparisonRow> rows) {
        List<String> out = new ArrayList<>();
        for (ComparisonRow m : rows) {
            if (!m.isMixQuant()) {
                continue;
            }
            ComparisonRow equal = null;
            ComparisonRow below = null;
            ComparisonRow above = null;
            for (ComparisonRow u : rows) {
                if (!u.rule().equals("uniform") || !u.method().equals(m.method())) {
                    continue;
                }
                double d = u.averageBits() - m.averageBits();
                if (Math.abs(d) < EQUAL_BITS) {
                    equal = u;
                } else if (d < 0 && (below == null || u.averageBits() > below.averageBits())) {
                    below = u;
                } else if (d > 0 && (above == null || u.averageBits() < above.averageBits())) {
                    above = u;
                }
            }
            String head = String.format(Locale.ROOT, "%s %s (%.3f b): %s %.4f", m.methodFamily(), m.plan(),
                    m.averageBits(), m.metric(), m.quality());
            if (equal != null) {
                boolean same = m.bitsHistogram().equals(equal.bitsHistogram()) && !m.bitsHistogram().contains(" ");
                out.add(String.format(Locale.ROOT, "%s vs %s (%.3f b) %.4f: %+.4f%s", head, equal.plan(),
                        equal.averageBits(), equal.quality(), m.quality() - equal.quality(),
                        same ? " (the search chose uniform bits: same plan)" : ""));
            } else if (below != null && above != null) {
                double t = (m.averageBits() - below.averageBits()) / (above.averageBits() - below.averageBits());
                double q = below.quality() + t * (above.quality() - below.quality());
                out.add(String.format(Locale.ROOT, "%s vs %.4f interpolated between %s and %s: %+.4f", head, q,
                        below.plan(), above.plan(), m.quality() - q));
            } else {
                out.add(head + ": no uniform " + m.methodFamily() + " row at or around these bits");
            }
        }
        return out;
    }

    /**
     * The paired differences {@code MixQuant − uniform} in quality for every MixQuant row that has a uniform row of
     * the same method at the same average bits (within {@link #EQUAL_BITS}) and is a different plan (a search that
     * chose uniform bits compares nothing). In row order.
     */
    public static List<Double> equalBitsDeltas(List<ComparisonRow> rows) {
        List<Double> d = new ArrayList<>();
        for (ComparisonRow m : rows) {
            if (!m.isMixQuant()) {
                continue;
            }
            for (ComparisonRow u : rows) {
                if (u.rule().equals("uniform") && u.method().equals(m.method())
                        && Math.abs(u.averageBits() - m.averageBits()) < EQUAL_BITS
                        && !u.bitsHistogram().equals(m.bitsHistogram())) {
                    d.add(m.quality() - u.quality());
                }
            }
        }
        return d;
    }
}
