package org.mixquant.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mixquant.eval.EmbeddingEvaluator;
import org.mixquant.eval.EqualSizeVerdict;
import org.mixquant.eval.EvalRow;
import org.mixquant.eval.Frontier;
import org.mixquant.eval.MetricId;
import org.mixquant.eval.Study;
import org.mixquant.methods.Methods;
import org.mixquant.methods.rounding.ReconstructionOptions;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.cnn.CnnModels;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.onnx.TextEmbedder;
import org.mixquant.search.CostKind;
import org.mixquant.search.CostTable;
import org.mixquant.search.MixQuant;
import org.mixquant.sensitivity.Distortion;
import org.mixquant.sensitivity.Sensitivity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code mixquant frontier MODEL --cost qe,measured [--method nearest|adaround|brecq] [--budgets B,...]}. */
@Command(name = "frontier", description = "Size-vs-quality frontier of one quantization method: uniform bits and each"
        + " cost's knapsack plan per budget, quantized with the method and scored on held-out data, with the additivity"
        + " check of each cost (plans rounded to nearest) and the best mixed plan against uniform at equal size.")
final class FrontierCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "MODEL", description = "minilm, resnet20-fashion, mobilenetv2-fashion or an"
            + " .onnx file (text encoder, image classifier, or any model with --inputs)")
    String model;

    @Option(names = "--cost", split = ",", defaultValue = "qe,measured", paramLabel = "COST",
            converter = SearchCommand.CostConverter.class,
            description = "Cost tables to compare: qe, measured, fisher (default: ${DEFAULT-VALUE}).")
    List<CostKind> costs;

    @Option(names = "--method", defaultValue = "nearest", paramLabel = "M",
            description = "Quantization method every plan is quantized with for the quality columns: nearest (alias"
                    + " asym), adaround, brecq (CNNs only), gptq; learned rounding takes --iterations, --calibration,"
                    + " --batch, --lambda, --seed, --fisher and --first-last-bits, gptq --calibration, --act-order,"
                    + " --gptq-block and --damp, as in compare (default: ${DEFAULT-VALUE})."
                    + " The additivity check always rounds to nearest.")
    String method;

    @Option(names = "--budgets", split = ",", paramLabel = "B", converter = OptionValues.AvgBits.class,
            description = "Average-bits budgets (default: 2 to 8 in steps of 0.25).")
    List<Double> budgets;

    @Option(names = "--refine", defaultValue = "0", paramLabel = "R", converter = OptionValues.NonNegative.class,
            description = "Also refine each cost's plan for up to R rounds on the calibration data (whole-plan"
                    + " distortions around the plan, nearest rounding; then bits left under the budget go to"
                    + " one-bit-up moves that lower the distortion), in a row COST+refine (default: 0, off).")
    int refine;

    @Mixin
    ReconstructionMixin reconstruction;

    @Mixin
    ImagesMixin images;

    @Option(names = "--plot", paramLabel = "FILE", description = "Also write the size-vs-quality chart (PNG).")
    java.nio.file.Path plot;

    @Mixin
    QuantMixin quant;

    @Mixin
    CorpusMixin corpus;

    @Mixin
    FormatMixin format;

    @Mixin
    ImageDataMixin imageData;

    @Mixin
    ArrayInputsMixin arrays;

    @Override
    public Integer call() throws Exception {
        String id = Methods.id(method).orElseThrow(() -> new ParameterException(spec.commandLine(), "--method: unknown method '"
                + method + "': expected " + String.join(", ", Methods.NAMES)));
        try {
            Methods.requireSupported(id, model);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--method: " + e.getMessage());
        }
        if ((id.equals("adaround") || id.equals("gptq")) && !CnnModels.isBuiltIn(model)) {
            reconstruction.requireDisjointCorpus(corpus);
        }
        MeasuredDistortion.requireFisherSupported(this, model, costs);
        arrays.validate(List.of(id));
        List<Double> bs = budgets == null ? MixQuant.frontierBudgets() : List.copyOf(budgets);
        checkOutputFile(plot, "--plot");
        checkDistinctOutputs(model, List.of("--plot"), plot);
        java.nio.file.Path plotFile = plot == null ? null : plot.toAbsolutePath();
        QuantizableModel loaded = loadRunnableModel(model, "frontier");
        org.mixquant.eval.OnnxClassifierEvaluator imageEval = loaded instanceof OnnxModel o
                && imageData.appliesTo(o, arrays) ? imageData.evaluator(this, o, images.images) : null;
        if (imageEval != null) {
            imageData.requireSupported("--method", List.of(id));
        }
        if (arrays.given()) {
            arrays.load(this, true); // calibration (measured cost, adaround) and held-out evaluation arrays
        }
        boolean text = loaded instanceof OnnxModel && imageEval == null && !arrays.given();
        QuantizableModel m = text ? corpus.withEncoder(this, loaded) : loaded;
        boolean cnn = m instanceof CnnModel;
        boolean classifier = cnn || imageEval != null;
        ReconstructionOptions options = reconstruction.options(this, classifier);
        String settings = id.equals("nearest") ? null : reconstruction.describe(options, classifier, List.of(id));
        org.mixquant.data.NamedArrays learnedOn = imageEval != null && id.equals("adaround")
                ? imageData.calibration(this, (OnnxModel) m, options.calibrationSamples(), options.seed(), true)
                : arrays.calibration();
        Study.Method studied = new Study.Method(id, Methods.create(id, m, options, reconstruction.extras(this),
                learnedOn));
        int calibration = reconstruction.calibration == null ? 0 : reconstruction.calibration;
        Frontier.Result r;
        List<CostTable> tables = new ArrayList<>();
        String calibrated;
        try (Distortion d = MeasuredDistortion.of(this, m, imageEval != null, imageData, arrays, calibration);
                TextEmbedder embedder = text ? corpus.embedder() : null) {
            calibrated = d.calibration();
            Study.Subject subject;
            if (m instanceof CnnModel c) {
                subject = Study.Subject.classifier(c, images.evaluator(this));
            } else if (imageEval != null) {
                subject = Study.Subject.classifier((OnnxModel) m, null, imageEval);
            } else if (arrays.given()) {
                subject = Study.Subject.outputs((OnnxModel) m, null, arrays.evaluator(this, (OnnxModel) m));
            } else if (m instanceof OnnxModel onnx) {
                subject = Study.Subject.embeddings(onnx, null, EmbeddingEvaluator.create(onnx, embedder,
                        corpus.texts(), threads(), progress(), corpus.cacheDir(), this::warn));
            } else {
                throw new IllegalArgumentException("frontier needs a CNN or an ONNX model (text encoder, image"
                        + " classifier or --inputs), got " + model);
            }
            for (CostKind k : costs) {
                CostTable t = Sensitivity.costTable(m, k, d, quant.scheme(), quant.granularity(), threads(),
                        progress(), this::info);
                info(f("%s cost table: %.1f s%s", t.name(), t.seconds(), t.provenance().containsKey("cachedIn")
                        ? " when computed, read from " + t.provenance().get("cachedIn") : ""));
                tables.add(t);
            }
            info(f("quality with %s%s; distortion (additivity check) with nearest rounding", id,
                    settings == null ? "" : " (" + settings + ")"));
            r = Frontier.run(subject, tables, bs, studied, d, refine, progress(), this::info);
        }
        EqualSizeVerdict.Result verdict = EqualSizeVerdict.of(r);
        List<MetricId> metrics = classifier ? List.of(MetricId.TOP1) : arrays.given()
                ? List.of(MetricId.OUTPUT_COSINE, MetricId.OUTPUT_SQNR) : List.of(MetricId.MEAN_COSINE,
                        MetricId.TOP10_OVERLAP);
        if (plotFile != null) {
            org.mixquant.notebook.Charts.savePng(org.mixquant.notebook.FrontierCharts.sizeVsQuality(r,
                    metrics.get(0)), plotFile);
            info("wrote " + plotFile);
        }
        if (format.format == OutputFormat.json) {
            printJson(Output.of(r, settings, calibrated, tables, bs, verdict));
            return ExitCodes.OK;
        }
        boolean csv = format.format == OutputFormat.csv;
        List<String> header = new ArrayList<>(csv ? List.of("method") : List.of());
        header.addAll(List.of("budget", "cost", "plan", "avg_bits", "size_MB"));
        metrics.forEach(mid -> header.add(mid.column()));
        header.addAll(List.of("predicted", "distortion", "bits_histogram"));
        TextTable tt = new TextTable(header);
        for (Frontier.Point p : r.points()) {
            List<Object> row = new ArrayList<>(csv ? List.of(r.method()) : List.of());
            row.addAll(List.of(f("%.2f", p.budget()), p.cost(), p.plan().name(), f("%.4f", p.averageBits()),
                    f("%.4f", p.sizeMB())));
            for (MetricId mid : metrics) {
                Double v = p.quality().get(mid); // absent: SQNR of outputs identical to FP32's
                row.add(v == null ? "inf" : f(mid == MetricId.TOP1 || mid == MetricId.OUTPUT_SQNR ? "%.2f"
                        : mid == MetricId.OUTPUT_COSINE ? "%.6f" : "%.4f", mid.toColumn(v)));
            }
            row.add(Double.isNaN(p.predicted()) ? "" : csv ? Double.toString(p.predicted()) : sci(p.predicted()));
            row.add(csv ? Double.toString(p.distortion()) : sci(p.distortion()));
            row.add(EvalRow.histogram(p.plan()));
            tt.add(row);
        }
        if (csv) {
            out().print(tt.csv());
            out().flush();
            return ExitCodes.OK;
        }
        out().println(f("%s frontier, quality columns quantized with %s%s", r.model(), r.method(),
                settings == null ? "" : " (" + settings + ")"));
        out().print(tt.render());
        out().println(f("FP32 %s; distortion = %s on %s, of each plan rounded to %s whatever the method (the"
                + " additivity check); predicted = sum of single-layer costs", classifier
                ? f("top-1 %.2f%%", MetricId.TOP1.toColumn(r.fp32().get(MetricId.TOP1))) : arrays.given()
                ? "output cos 1" : "mean cos 1", r.metric(), calibrated, Frontier.DISTORTION_METHOD));
        for (Frontier.Additivity a : r.additivity()) {
            out().println(f("additivity of %s over %d distinct plans: Pearson %.3f, Spearman %.3f", a.cost(),
                    a.points(), a.pearson(), a.spearman()));
        }
        out().println(f("best mixed plan vs uniform at equal size (%s, %s):", r.method(), verdict.metric().column()));
        for (String line : verdict.lines()) {
            for (String l : line.split("\\R")) {
                out().println("  " + l);
            }
        }
        out().println(f("study time %.1f s", r.seconds()));
        out().flush();
        return ExitCodes.OK;
    }

    /**
     * The {@code frontier --format json} document.
     *
     * @param model            the model source
     * @param method           the method every plan is quantized with for {@code rows[].quality}: {@code nearest},
     *                         {@code adaround} or {@code brecq}
     * @param reconstruction   the learned-rounding settings (steps, calibration samples, batch, λ, seed; BRECQ's);
     *                         null for nearest
     * @param distortionMethod the rounding of the additivity check's {@code rows[].distortion}: always
     *                         {@code nearest}, as the cost tables are single-layer costs under nearest rounding
     * @param distortionMetric what {@code rows[].distortion} measures on the calibration data (e.g. KL of softmax)
     * @param calibration      the calibration data of the measured cost and of {@code rows[].distortion} (source,
     *                         size, seed, content hash)
     * @param fp32             the FP32 model's quality by metric, named by {@link MetricId#field()} and in its unit:
     *                         {@code top1} (a fraction) for the CNNs and ONNX image classifiers; {@code meanCosine}
     *                         and {@code top10Overlap} for text encoders; {@code outputCosine} (and, for quantized
     *                         rows, {@code sqnrDb} in dB unless identical) for models scored on {@code --inputs}
     * @param budgets          the average-bits budgets, in order
     * @param costs            the cost tables compared
     * @param rows             uniform rows and one row per cost and budget, by budget then cost
     * @param additivity       per cost: how well the sum of single-layer costs predicts the measured distortion
     * @param equalSize        the best mixed plan against uniform at each budget with a uniform plan
     * @param seconds          wall time of the whole study
     */
    record Output(String model, String method, String reconstruction, String distortionMethod,
            String distortionMetric, String calibration, Map<String, Double> fp32, List<Double> budgets,
            List<Cost> costs, List<Row> rows, List<Additivity> additivity, EqualSize equalSize, double seconds) {
        static Output of(Frontier.Result r, String reconstruction, String calibration, List<CostTable> tables,
                List<Double> budgets, EqualSizeVerdict.Result verdict) {
            return new Output(r.model(), r.method(), reconstruction, Frontier.DISTORTION_METHOD, r.metric(),
                    calibration, fields(r.fp32()), List.copyOf(budgets),
                    tables.stream().map(t -> new Cost(t.name(), t.seconds(), t.provenance())).toList(),
                    r.points().stream().map(p -> new Row(p.budget(), p.cost(), p.plan().name(), p.averageBits(),
                            p.sizeMB(), fields(p.quality()), finite(p.predicted()), finite(p.distortion()),
                            EvalRow.histogram(p.plan()), p.plan().bits())).toList(),
                    r.additivity().stream().map(a -> new Additivity(a.cost(), a.points(), finite(a.pearson()),
                            finite(a.spearman()))).toList(), EqualSize.of(verdict), r.seconds());
        }
    }

    /**
     * The best mixed plan against uniform at equal size ({@link EqualSizeVerdict}).
     *
     * @param metric     the metric compared, by its JSON name ({@code top1} or {@code meanCosine})
     * @param claim      what the verdict tests: the mixed plan does not lose at any budget
     * @param verdict    {@code AGREES} (no loss where compared), {@code DISAGREES} (a loss) or {@code INCONCLUSIVE}
     *                   (nothing to compare)
     * @param mixedLoses true when the best mixed plan is worse than uniform at some budget
     * @param comparisons one per budget with a uniform plan
     */
    record EqualSize(String metric, String claim, String verdict, boolean mixedLoses, List<Comparison> comparisons) {
        static EqualSize of(EqualSizeVerdict.Result v) {
            return new EqualSize(v.metric().field(), EqualSizeVerdict.CLAIM, v.verdict().name(),
                    v.mixedLosesAnywhere(), v.budgets().stream().map(b -> new Comparison(b.budget(),
                            b.uniform().plan().name(), b.uniform().averageBits(),
                            b.uniform().quality().get(v.metric()), b.compared() ? b.best().cost() : null,
                            b.compared() ? b.best().plan().name() : null,
                            b.compared() ? b.best().averageBits() : null,
                            b.compared() ? b.best().quality().get(v.metric()) : null,
                            b.compared() ? b.best().quality().get(v.metric()) - b.uniform().quality().get(v.metric())
                                    : null, b.samePlan(), b.mixedLoses())).toList());
        }
    }

    /**
     * One budget with a uniform plan: the uniform row and the best cost row at equal average bits (within
     * {@link org.mixquant.eval.EqualBits#TOLERANCE} below it). Qualities are in the metric's JSON unit ({@code top1} a
     * fraction).
     *
     * @param budget         the budget (whole bits)
     * @param uniformPlan    the uniform plan as applied
     * @param uniformBits    its average bits
     * @param uniformQuality its quality
     * @param bestCost       the cost whose plan is best at equal size; null when no cost plan is at equal size
     * @param bestPlan       that plan's name; null as bestCost
     * @param bestBits       its average bits; null as bestCost
     * @param bestQuality    its quality; null as bestCost
     * @param delta          bestQuality − uniformQuality (negative when mixed loses); null as bestCost
     * @param samePlan       true when the best plan has exactly the uniform plan's bits
     * @param mixedLoses     true when delta is negative
     */
    record Comparison(double budget, String uniformPlan, double uniformBits, double uniformQuality, String bestCost,
            String bestPlan, Double bestBits, Double bestQuality, Double delta, boolean samePlan,
            boolean mixedLoses) {
    }

    /**
     * One cost table.
     *
     * @param name       {@code qe}, {@code measured} or {@code fisher}
     * @param seconds    the time it took when computed
     * @param provenance how it was made (metric, calibration set, seed; {@code cachedIn} when read from the cache)
     */
    record Cost(String name, double seconds, Map<String, Object> provenance) {
    }

    /**
     * One plan on the frontier.
     *
     * @param budget        the average-bits budget
     * @param cost          the cost table the knapsack minimised, or {@code uniform}
     * @param plan          the plan's name
     * @param averageBits   the plan's average bits per weight (at most the budget)
     * @param sizeMB        the quantized model's size, MB (10^6 bytes)
     * @param quality       quality on the held-out data by metric (named and in units as {@code fp32})
     * @param predicted     Σ single-layer costs of the plan; null for uniform rows
     * @param distortion    the measured distortion of the whole quantized model on the calibration data
     * @param bitsHistogram {@code bits:layers} pairs, e.g. {@code 3:15 4:21}
     * @param bits          layer name → bits
     */
    record Row(double budget, String cost, String plan, double averageBits, double sizeMB,
            Map<String, Double> quality, Double predicted, Double distortion, String bitsHistogram,
            Map<String, Integer> bits) {
    }

    /**
     * The additivity check of one cost.
     *
     * @param cost     the cost's name
     * @param points   distinct plans compared
     * @param pearson  linear correlation of predicted and measured distortion; null with fewer than 2 distinct values
     * @param spearman rank correlation (average ranks for ties); null when undefined
     */
    record Additivity(String cost, int points, Double pearson, Double spearman) {
    }

    /** {@code quality} keyed by each metric's JSON name ({@link MetricId#field()}), in {@link MetricId} order. */
    private static Map<String, Double> fields(Map<MetricId, Double> quality) {
        Map<String, Double> m = new LinkedHashMap<>();
        quality.forEach((id, v) -> m.put(id.field(), v));
        return m;
    }

    /** The number, or null when it is NaN or infinite (JSON has neither). */
    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
