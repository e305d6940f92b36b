package org.mixquant.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mixquant.eval.EvalRow;
import org.mixquant.eval.EmbeddingEvaluator;
import org.mixquant.eval.Frontier;
import org.mixquant.eval.MetricId;
import org.mixquant.methods.NearestRounding;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.cnn.CnnModel;
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

/** {@code mixquant frontier MODEL --cost qe,measured [--method nearest] [--budgets B,...]}. */
@Command(name = "frontier", description = "Size-vs-quality frontier: uniform bits and each cost's knapsack plan per"
        + " budget, scored on held-out data, with the additivity check of each cost.")
final class FrontierCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "MODEL", description = "minilm, resnet20-fashion or mobilenetv2-fashion")
    String model;

    @Option(names = "--cost", split = ",", defaultValue = "qe,measured", paramLabel = "COST",
            converter = SearchCommand.CostConverter.class,
            description = "Cost tables to compare: qe, measured, fisher (default: ${DEFAULT-VALUE}).")
    List<CostKind> costs;

    @Option(names = "--method", defaultValue = "nearest", paramLabel = "M",
            description = "Quantization method (only nearest for now; default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--budgets", split = ",", paramLabel = "B", converter = OptionValues.AvgBits.class,
            description = "Average-bits budgets (default: 2 to 8 in steps of 0.25).")
    List<Double> budgets;

    @Option(names = "--calibration", defaultValue = "0", paramLabel = "N", converter = OptionValues.NonNegative.class,
            description = "Calibration images or texts for the measured cost and the additivity check; 0 = default"
                    + " (512 training images; 256 fortunes from entry 512).")
    int calibration;

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

    @Override
    public Integer call() throws Exception {
        if (!method.equals("nearest")) {
            throw new ParameterException(spec.commandLine(), "--method " + method
                    + " is not supported by frontier yet (nearest)");
        }
        List<Double> bs = budgets == null ? MixQuant.frontierBudgets() : List.copyOf(budgets);
        checkOutputFile(plot, "--plot");
        checkDistinctOutputs(model, List.of("--plot"), plot);
        java.nio.file.Path plotFile = plot == null ? null : plot.toAbsolutePath();
        QuantizableModel m = loadRunnableModel(model, "frontier");
        Frontier.Scorer scorer;
        if (m instanceof CnnModel cnn) {
            scorer = Frontier.accuracy(cnn, images.evaluator(this));
        } else if (m instanceof OnnxModel onnx) {
            scorer = Frontier.fidelity(EmbeddingEvaluator.create(onnx, corpus.embedder(), corpus.texts(),
                    threads(), progress(), corpus.cacheDir(), this::warn));
        } else {
            throw new IllegalArgumentException("frontier needs a CNN or an ONNX text encoder, got " + model);
        }
        Frontier.Result r;
        List<CostTable> tables = new ArrayList<>();
        try (Distortion d = Sensitivity.distortion(m, threads(), calibration)) {
            for (CostKind k : costs) {
                CostTable t = Sensitivity.costTable(m, k, d, quant.scheme(), quant.granularity(), threads(),
                        progress(), this::info);
                info(f("%s cost table: %.1f s%s", t.name(), t.seconds(), t.provenance().containsKey("cachedIn")
                        ? " when computed, read from " + t.provenance().get("cachedIn") : ""));
                tables.add(t);
            }
            r = Frontier.run(m, tables, bs, new NearestRounding(), d, scorer, progress());
        }
        boolean cnn = m instanceof CnnModel;
        if (plotFile != null) {
            org.mixquant.notebook.Charts.savePng(org.mixquant.notebook.FrontierCharts.sizeVsQuality(r,
                    cnn ? MetricId.TOP1 : MetricId.MEAN_COSINE), plotFile);
            info("wrote " + plotFile);
        }
        if (format.format == OutputFormat.json) {
            printJson(Output.of(r, tables, bs));
            return ExitCodes.OK;
        }
        List<MetricId> metrics = cnn ? List.of(MetricId.TOP1) : List.of(MetricId.MEAN_COSINE, MetricId.TOP10_OVERLAP);
        List<String> header = new ArrayList<>(List.of("budget", "cost", "plan", "avg_bits", "size_MB"));
        metrics.forEach(id -> header.add(id.column()));
        header.addAll(List.of("predicted", "distortion", "bits_histogram"));
        TextTable tt = new TextTable(header);
        boolean csv = format.format == OutputFormat.csv;
        for (Frontier.Point p : r.points()) {
            List<Object> row = new ArrayList<>(List.of(f("%.2f", p.budget()), p.cost(), p.plan().name(),
                    f("%.4f", p.averageBits()), f("%.4f", p.sizeMB())));
            for (MetricId id : metrics) {
                row.add(f(cnn ? "%.2f" : "%.4f", id.toColumn(p.quality().get(id))));
            }
            row.add(Double.isNaN(p.predicted()) ? "" : csv ? Double.toString(p.predicted()) : sci(p.predicted()));
            row.add(csv ? Double.toString(p.distortion()) : sci(p.distortion()));
            row.add(EvalRow.histogram(p.plan()));
            tt.add(row);
        }
        out().print(csv ? tt.csv() : tt.render());
        if (!csv) {
            out().println(f("FP32 %s; distortion = %s on the calibration data; predicted = sum of single-layer"
                    + " costs", cnn ? f("top-1 %.2f%%", MetricId.TOP1.toColumn(r.fp32().get(MetricId.TOP1)))
                    : "mean cos 1",
                    r.metric()));
            for (Frontier.Additivity a : r.additivity()) {
                out().println(f("additivity of %s over %d distinct plans: Pearson %.3f, Spearman %.3f", a.cost(),
                        a.points(), a.pearson(), a.spearman()));
            }
            out().println(f("study time %.1f s", r.seconds()));
        }
        out().flush();
        return ExitCodes.OK;
    }

    /**
     * The {@code frontier --format json} document.
     *
     * @param model            the model source
     * @param method           the quantizer every plan is applied with
     * @param distortionMetric what {@code rows[].distortion} measures on the calibration data (e.g. KL of softmax)
     * @param fp32             the FP32 model's quality by metric, named by {@link MetricId#field()} and in its unit:
     *                         {@code top1} (a fraction) for the CNNs; {@code meanCosine} and {@code top10Overlap}
     *                         for text encoders
     * @param budgets          the average-bits budgets, in order
     * @param costs            the cost tables compared
     * @param rows             uniform rows and one row per cost and budget, by budget then cost
     * @param additivity       per cost: how well the sum of single-layer costs predicts the measured distortion
     * @param seconds          wall time of the whole study
     */
    record Output(String model, String method, String distortionMetric, Map<String, Double> fp32,
            List<Double> budgets, List<Cost> costs, List<Row> rows, List<Additivity> additivity, double seconds) {
        static Output of(Frontier.Result r, List<CostTable> tables, List<Double> budgets) {
            return new Output(r.model(), r.method(), r.metric(), fields(r.fp32()), List.copyOf(budgets),
                    tables.stream().map(t -> new Cost(t.name(), t.seconds(), t.provenance())).toList(),
                    r.points().stream().map(p -> new Row(p.budget(), p.cost(), p.plan().name(), p.averageBits(),
                            p.sizeMB(), fields(p.quality()), finite(p.predicted()), finite(p.distortion()),
                            EvalRow.histogram(p.plan()), p.plan().bits())).toList(),
                    r.additivity().stream().map(a -> new Additivity(a.cost(), a.points(), finite(a.pearson()),
                            finite(a.spearman()))).toList(), r.seconds());
        }
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
