package org.mixquant.eval;

import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import org.mixquant.methods.QuantizedModel;
import org.mixquant.methods.Quantizer;
import org.mixquant.model.Layer;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.progress.Progress;
import org.mixquant.quant.BitPlan;
import org.mixquant.search.CostTable;
import org.mixquant.search.ErrorTable;
import org.mixquant.search.MixQuant;

/**
 * A grid of evaluations, models × methods × plans → {@link EvalRow}s, that {@code mixquant report},
 * {@code mixquant compare} and the notebooks all run; they only choose what to print or plot. For each model the
 * rows are: the FP32 row, then for each method (in the order given) one row per plan recipe (in the order given).
 * Plans are made per model and method, so a size budget accounts for the layers a method fixes
 * ({@link Quantizer#fixedLayers}) and lands at the average bits of that method's uniform plan. Each plan is made
 * once per study and kept, so {@link #plans} and {@link #run} see the same plans. Models are never changed.
 */
public final class Study {
    private final List<Subject> subjects;
    private final List<Method> methods;
    private final List<PlanRecipe> plans;
    private final Map<List<Integer>, List<Made>> made = new java.util.HashMap<>();

    private Study(List<Subject> subjects, List<Method> methods, List<PlanRecipe> plans) {
        this.subjects = List.copyOf(subjects);
        this.methods = List.copyOf(methods);
        this.plans = List.copyOf(plans);
        if (this.subjects.isEmpty() || this.methods.isEmpty()) {
            throw new IllegalArgumentException("a study needs at least one model and one method");
        }
    }

    /** A study of {@code subjects} × {@code methods} × {@code plans} (no plans: the FP32 rows only). */
    public static Study of(List<Subject> subjects, List<Method> methods, List<PlanRecipe> plans) {
        return new Study(subjects, methods, plans);
    }

    /** The models. */
    public List<Subject> subjects() {
        return subjects;
    }

    /** Number of rows {@link #run} returns. */
    public int size() {
        return subjects.size() * (1 + methods.size() * plans.size());
    }

    /** {@link #run(Progress, Consumer)} without log lines. */
    public List<EvalRow> run(Progress progress) {
        return run(progress, line -> { });
    }

    /**
     * Evaluates every cell of the grid.
     *
     * @param progress receives {@code study} with rows done / {@link #size()} after each row
     * @param log      one line before and one after each quantized row (method, plan, bits, quality, time)
     * @throws IllegalStateException if ONNX Runtime fails
     */
    public List<EvalRow> run(Progress progress, Consumer<String> log) {
        List<EvalRow> rows = new ArrayList<>(size());
        int total = size();
        int quantized = total - subjects.size();
        int done = 0;
        int k = 0;
        for (Subject s : subjects) {
            rows.add(s.fp32Row());
            progress.update("study", ++done, total);
            for (Method m : methods) {
                for (Made p : plansOf(s, m)) {
                    k++;
                    log.accept(String.format(Locale.ROOT, "[%d/%d] %s, plan %s", k, quantized, m.id(),
                            p.plan().name()));
                    EvalRow r = s.evaluate(p.plan(), m, p.searchSeconds());
                    log.accept(String.format(Locale.ROOT, "[%d/%d] %s %s: %.3f avg bits, %s %.4f (%+.4f), %.1f s", k,
                            quantized, m.id(), r.plan(), r.averageBits(), r.primary().column(), r.quality(),
                            r.delta(), r.seconds().quantize()));
                    rows.add(r);
                    progress.update("study", ++done, total);
                }
            }
        }
        return rows;
    }

    /**
     * The plans {@link #run} hands {@code method} for {@code subject}, in recipe order, before the method changes
     * any bits. Each plan is made once per study (on first use), so a recipe's search, and any warning it logs,
     * runs once.
     *
     * @throws IllegalArgumentException if the subject or method is not part of this study
     */
    public List<BitPlan> plans(Subject subject, Method method) {
        return plansOf(subject, method).stream().map(Made::plan).toList();
    }

    private record Made(BitPlan plan, double searchSeconds) {
    }

    private synchronized List<Made> plansOf(Subject s, Method m) {
        int si = subjects.indexOf(s);
        int mi = methods.indexOf(m);
        if (si < 0 || mi < 0) {
            throw new IllegalArgumentException("not part of this study: " + s.name() + " × " + m.id());
        }
        return made.computeIfAbsent(List.of(si, mi), k -> make(s, m));
    }

    private List<Made> make(Subject s, Method m) {
        List<Made> out = new ArrayList<>(plans.size());
        for (PlanRecipe r : plans) {
            long t0 = System.nanoTime();
            BitPlan p = r.make(s.model(), s.table, m.quantizer());
            double rule = (System.nanoTime() - t0) / 1e9;
            out.add(new Made(p, r.isSearch() ? s.table().seconds() + rule : 0));
        }
        return out;
    }

    /**
     * A quantization method under an id.
     *
     * @param id        id in rows and tables (e.g. a name of {@link org.mixquant.methods.Methods#NAMES})
     * @param quantizer the method
     */
    public record Method(String id, Quantizer quantizer) {
        /** Rejects nulls. */
        public Method {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(quantizer, "quantizer");
        }

        /** {@code quantizer} under its own {@link Quantizer#name()}. */
        public static Method of(Quantizer quantizer) {
            return new Method(quantizer.name(), quantizer);
        }
    }

    /**
     * How to make one plan for a model and method. The search time of a row is the error sweep's
     * ({@link ErrorTable#seconds()}) plus the recipe's own, for recipes that {@link #isSearch() search}.
     */
    public interface PlanRecipe {
        /**
         * The plan for {@code model}, whose error table is {@code table} (null for a subject made without one), to be
         * applied by {@code quantizer}.
         */
        BitPlan make(QuantizableModel model, ErrorTable table, Quantizer quantizer);

        /** True when the plan comes from a MixQuant search (its row reports a search time). */
        default boolean isSearch() {
            return true;
        }

        /** Every layer at {@code bits}, with the error table's scheme and granularity; no search. */
        static PlanRecipe uniform(int bits) {
            return new PlanRecipe() {
                @Override
                public BitPlan make(QuantizableModel model, ErrorTable table, Quantizer quantizer) {
                    if (table == null) {
                        throw new IllegalStateException("uniform plans take the error table's scheme and granularity;"
                                + " " + model.source() + " has none");
                    }
                    return BitPlan.uniform(model.source(), model.layerNames(), bits, table.scheme(),
                            table.granularity());
                }

                @Override
                public boolean isSearch() {
                    return false;
                }
            };
        }

        /** The paper rule, {@link MixQuant#qem}. */
        static PlanRecipe qem(double qem) {
            return search(t -> MixQuant.qem(t, qem));
        }

        /** The relative-error rule, {@link MixQuant#maxRelativeError}. */
        static PlanRecipe maxRelativeError(double threshold) {
            return search(t -> MixQuant.maxRelativeError(t, threshold));
        }

        /** Any search over the error table, e.g. a rule that also logs a warning. */
        static PlanRecipe search(Function<ErrorTable, BitPlan> rule) {
            return (model, table, quantizer) -> {
                if (table == null) {
                    throw new IllegalStateException("a MixQuant search needs an error table; " + model.source()
                            + " has none");
                }
                return rule.apply(table);
            };
        }

        /** One given plan (no search). */
        static PlanRecipe fixed(BitPlan plan) {
            return new PlanRecipe() {
                @Override
                public BitPlan make(QuantizableModel model, ErrorTable table, Quantizer quantizer) {
                    return plan;
                }

                @Override
                public boolean isSearch() {
                    return false;
                }
            };
        }

        /**
         * The size budget {@link MixQuant#budget} at {@code avgBits}, made so that the plan {@code quantizer} applies
         * has the average bits its uniform plan of {@code avgBits} would have. For a quantizer that fixes no layer
         * this is {@code MixQuant.budget(table, avgBits)}. Otherwise the fixed layers are fixed in the search too, and
         * the budget is that of the uniform plan after the same replacement: (Σ fixed bits·params + avgBits · other
         * params) / all params. The name then ends in {@code +fl<b>} when all fixed layers have b bits (as BRECQ
         * names its plans with first/last layers at b bits), else {@code +fixed}.
         */
        static PlanRecipe budget(double avgBits) {
            return (model, table, quantizer) -> {
                if (table == null) {
                    throw new IllegalStateException("a size budget needs an error table; " + model.source()
                            + " has none");
                }
                return budgetPlan(model, table, quantizer, avgBits);
            };
        }

        /**
         * The size budget at {@code avgBits} over a cost table ({@code measured}, {@code fisher}, ...), as
         * {@link #budget(double)} does over the error table: the table of {@code costs} whose
         * {@link CostTable#model()} is the subject's model source is used, so one recipe serves a study of several
         * models; the plan is named {@code budget=B-COST}. The subject's error table is not needed.
         *
         * @throws IllegalArgumentException when the plan is made for a model that no table of {@code costs} is for
         */
        static PlanRecipe budget(double avgBits, List<CostTable> costs) {
            List<CostTable> tables = List.copyOf(costs);
            return (model, table, quantizer) -> {
                for (CostTable t : tables) {
                    if (t.model().equals(model.source())) {
                        return budgetPlan(model, t, quantizer, avgBits);
                    }
                }
                throw new IllegalArgumentException("no cost table for " + model.source() + " among "
                        + tables.stream().map(t -> t.model() + " (" + t.name() + ")").toList());
            };
        }
    }

    static BitPlan budgetPlan(QuantizableModel model, ErrorTable table, Quantizer quantizer, double avgBits) {
        Map<String, Integer> fixed = new LinkedHashMap<>(quantizer.fixedLayers(model));
        if (fixed.isEmpty()) {
            return MixQuant.budget(table, avgBits);
        }
        return MixQuant.budget(table, fixedBudget(model, fixed, avgBits), Map.of(), fixed)
                .withName("budget=" + fmt(avgBits) + fixedSuffix(fixed));
    }

    /**
     * {@link PlanRecipe#budget}'s rule over any cost table: the knapsack plan of {@code table} at {@code avgBits} with
     * {@code quantizer}'s fixed layers fixed in the search too, at the average bits of that quantizer's uniform plan of
     * {@code avgBits}; named {@code budget=B-COST}, then {@code +fl<b>} or {@code +fixed} as there.
     */
    static BitPlan budgetPlan(QuantizableModel model, CostTable table, Quantizer quantizer, double avgBits) {
        Map<String, Integer> fixed = new LinkedHashMap<>(quantizer.fixedLayers(model));
        if (fixed.isEmpty()) {
            return MixQuant.budget(table, avgBits, Map.of());
        }
        return MixQuant.budget(table, fixedBudget(model, fixed, avgBits), fixed)
                .withName("budget=" + fmt(avgBits) + "-" + table.name() + fixedSuffix(fixed));
    }

    /** (Σ fixed bits·params + avgBits · other params) / all params: the uniform plan's average bits after fixing. */
    private static double fixedBudget(QuantizableModel model, Map<String, Integer> fixed, double avgBits) {
        double fixedBits = 0;
        long total = 0;
        long fixedParams = 0;
        for (Layer l : model.layers()) {
            total += l.params();
            Integer b = fixed.get(l.name());
            if (b != null) {
                fixedParams += l.params();
                fixedBits += (double) b * l.params();
            }
        }
        return (fixedBits + avgBits * (total - fixedParams)) / total;
    }

    /** {@code +fl<b>} when all fixed layers have b bits (as BRECQ names its plans), else {@code +fixed}. */
    private static String fixedSuffix(Map<String, Integer> fixed) {
        long widths = fixed.values().stream().distinct().count();
        return widths == 1 ? "+fl" + fixed.values().iterator().next() : "+fixed";
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.3g", v);
    }

    /**
     * A model in a study: its FP32 form, its error table (whose scheme and granularity uniform plans use), and how a
     * quantized version is scored: top-1 accuracy for a classifier ({@link MetricId#TOP1}, {@link MetricId#TOP1_DROP}),
     * embedding fidelity for a text encoder ({@link MetricId#MEAN_COSINE}, {@link MetricId#MIN_COSINE},
     * {@link MetricId#TOP10_OVERLAP}), output fidelity for any ONNX model on given inputs
     * ({@link MetricId#OUTPUT_COSINE}, {@link MetricId#OUTPUT_SQNR}). The FP32 reference is measured once, on first use.
     */
    public static final class Subject {
        private final QuantizableModel model;
        private final ErrorTable table;
        private final ClassifierEvaluator accuracy;
        private final EmbeddingEvaluator embeddings;
        private OutputEvaluator outputs;
        private EvalRow fp32;
        private Accuracy fp32Accuracy;

        private Subject(QuantizableModel model, ErrorTable table, ClassifierEvaluator accuracy,
                EmbeddingEvaluator embeddings) {
            this.model = Objects.requireNonNull(model, "model");
            this.table = table;
            this.accuracy = accuracy;
            this.embeddings = embeddings;
            if (table != null && !table.layers().equals(model.layerNames())) {
                throw new IllegalArgumentException("the error table's layers are not " + model.source() + "'s");
            }
        }

        /**
         * A Fashion-MNIST CNN scored on top-1 accuracy.
         *
         * @param table its error table (see {@link #classifier(CnnModel, AccuracyEvaluator)} for none)
         * @throws IllegalArgumentException if {@code model} carries modified weights (it must be the FP32 reference)
         */
        public static Subject classifier(CnnModel model, ErrorTable table, AccuracyEvaluator evaluator) {
            if (model.isModified()) {
                throw new IllegalArgumentException("the reference must be the unmodified FP32 model");
            }
            return new Subject(model, table, Objects.requireNonNull(evaluator, "evaluator"), null);
        }

        /**
         * A Fashion-MNIST CNN scored on top-1 accuracy, without an error table: only {@link PlanRecipe#fixed} plans
         * can be made for it.
         */
        public static Subject classifier(CnnModel model, AccuracyEvaluator evaluator) {
            return classifier(model, null, evaluator);
        }

        /**
         * Any ONNX image classifier scored on top-1 and top-5 accuracy ({@link MetricId#TOP5}) on labelled images.
         *
         * @param table its error table; null when only {@link PlanRecipe#fixed} plans will be made
         * @throws IllegalArgumentException if {@code model} carries replaced weights, or is not an image classifier
         *                                  the evaluator's images fit
         */
        public static Subject classifier(OnnxModel model, ErrorTable table, OnnxClassifierEvaluator evaluator) {
            if (!model.overrides().isEmpty()) {
                throw new IllegalArgumentException("the reference must be the unmodified FP32 model");
            }
            evaluator.requireFits(model);
            return new Subject(model, table, evaluator, null);
        }

        /**
         * An ONNX text encoder scored on embedding fidelity to its FP32 embeddings.
         *
         * @param table its error table; null when only {@link PlanRecipe#fixed} plans will be made
         */
        public static Subject embeddings(OnnxModel model, ErrorTable table, EmbeddingEvaluator evaluator) {
            return new Subject(model, table, null, Objects.requireNonNull(evaluator, "evaluator"));
        }

        /**
         * Any ONNX model scored on output fidelity to FP32 ({@link MetricId#OUTPUT_COSINE},
         * {@link MetricId#OUTPUT_SQNR}) on given inputs ({@link OutputEvaluator}).
         *
         * @param table its error table; null when only {@link PlanRecipe#fixed} plans will be made
         */
        public static Subject outputs(OnnxModel model, ErrorTable table, OutputEvaluator evaluator) {
            Subject s = new Subject(model, table, null, null);
            s.outputs = Objects.requireNonNull(evaluator, "evaluator");
            return s;
        }

        /** The FP32 model. */
        public QuantizableModel model() {
            return model;
        }

        /**
         * Its error table.
         *
         * @throws IllegalStateException if it was made without one
         */
        public ErrorTable table() {
            if (table == null) {
                throw new IllegalStateException(name() + " has no error table: only fixed plans can be made for it");
            }
            return table;
        }

        /** The model's name in rows ({@link QuantizableModel#source()}). */
        public String name() {
            return model.source();
        }

        /** The FP32 row (measured on first use; for a text encoder its time is that of embedding the corpus). */
        public synchronized EvalRow fp32Row() {
            if (fp32 != null) {
                return fp32;
            }
            SizeReport s = SizeReport.fp32(model);
            Map<MetricId, Double> m = new EnumMap<>(MetricId.class);
            int samples;
            double secs;
            if (accuracy != null) {
                fp32Accuracy = accuracy.evaluate(model);
                m.put(MetricId.TOP1, fp32Accuracy.top1());
                putTop5(m, fp32Accuracy);
                m.put(MetricId.TOP1_DROP, 0.0);
                samples = fp32Accuracy.total();
                secs = fp32Accuracy.seconds();
            } else if (outputs != null) {
                m.put(MetricId.OUTPUT_COSINE, 1.0);
                samples = outputs.samples();
                secs = outputs.fp32Seconds();
            } else {
                long t0 = System.nanoTime();
                try {
                    embeddings.referenceEmbeddings();
                } catch (OrtException e) {
                    throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                secs = (System.nanoTime() - t0) / 1e9;
                m.put(MetricId.MEAN_COSINE, 1.0);
                m.put(MetricId.MIN_COSINE, 1.0);
                m.put(MetricId.TOP10_OVERLAP, 1.0);
                samples = embeddings.texts().size();
            }
            fp32 = new EvalRow(name(), EvalRow.FP32, "none", EvalRow.FP32, EvalRow.FP32, 32, 32, s.totalMB(),
                    EvalRow.FP32, m, samples, new EvalRow.Timings(0, 0, secs));
            return fp32;
        }

        /**
         * Quantizes with {@code method} under {@code plan} and scores the result.
         *
         * @param searchSeconds time of the search that made the plan (reported, not measured here)
         */
        public EvalRow evaluate(BitPlan plan, Method method, double searchSeconds) {
            return apply(plan, method, searchSeconds).row();
        }

        /**
         * {@link #evaluate}, also handing back the plan the method applied (a method may change some layers' bits,
         * e.g. BRECQ's first and last layers at 8 bits).
         */
        public Applied apply(BitPlan plan, Method method, double searchSeconds) {
            fp32Row();
            QuantizedModel q = method.quantizer().quantize(model, plan);
            BitPlan applied = q.plan(); // a method may change some layers' bits (e.g. fixed first/last layers)
            SizeReport s = SizeReport.of(model, applied);
            Map<MetricId, Double> m = new EnumMap<>(MetricId.class);
            int samples;
            double secs;
            if (accuracy != null) {
                Accuracy a = accuracy.evaluate(q.model());
                m.put(MetricId.TOP1, a.top1());
                putTop5(m, a);
                m.put(MetricId.TOP1_DROP, 100 * (fp32Accuracy.top1() - a.top1()));
                samples = a.total();
                secs = a.seconds();
            } else if (outputs != null) {
                long t0 = System.nanoTime();
                OutputFidelity f = outputs.fidelity(q.model());
                secs = (System.nanoTime() - t0) / 1e9;
                m.put(MetricId.OUTPUT_COSINE, f.cosine());
                if (f.sqnrDb() != null) {
                    m.put(MetricId.OUTPUT_SQNR, f.sqnrDb());
                }
                samples = outputs.samples();
            } else {
                long t0 = System.nanoTime();
                Fidelity f;
                try {
                    f = embeddings.fidelity(q.model(), "embedding corpus (" + applied.name() + ")");
                } catch (OrtException e) {
                    throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                secs = (System.nanoTime() - t0) / 1e9;
                m.put(MetricId.MEAN_COSINE, f.meanCosine());
                m.put(MetricId.MIN_COSINE, f.minCosine());
                m.put(MetricId.TOP10_OVERLAP, f.top10Overlap());
                samples = embeddings.texts().size();
            }
            return new Applied(applied, new EvalRow(name(), method.id(), q.method(), applied.name(), applied.rule(),
                    s.averageBits(), s.storageBits(), s.totalMB(), EvalRow.histogram(applied), m, samples,
                    new EvalRow.Timings(searchSeconds, q.seconds(), secs)));
        }

        /** Top-5 into {@code m} when {@code a} measured it. */
        private static void putTop5(Map<MetricId, Double> m, Accuracy a) {
            if (!Double.isNaN(a.top5())) {
                m.put(MetricId.TOP5, a.top5());
            }
        }

        /**
         * A plan as a method applied it, and its row.
         *
         * @param plan the plan applied
         * @param row  its evaluation
         */
        public record Applied(BitPlan plan, EvalRow row) {
        }
    }
}
