package org.mixquant.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.mixquant.eval.EvalRow;
import org.mixquant.eval.EmbeddingEvaluator;
import org.mixquant.eval.Frontier;
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
        QuantizableModel m = loadModel(model);
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
                    cnn ? Frontier.TOP1 : Frontier.MEAN_COS), plotFile);
            info("wrote " + plotFile);
        }
        if (format.format == OutputFormat.json) {
            printJson(json(r, tables, bs));
            return ExitCodes.OK;
        }
        List<String> header = new ArrayList<>(List.of("budget", "cost", "plan", "avg_bits", "size_MB"));
        header.addAll(cnn ? List.of("top1_%") : List.of("mean_cos", "top10_overlap"));
        header.addAll(List.of("predicted", "distortion", "bits_histogram"));
        TextTable tt = new TextTable(header);
        boolean csv = format.format == OutputFormat.csv;
        for (Frontier.Point p : r.points()) {
            List<Object> row = new ArrayList<>(List.of(f("%.2f", p.budget()), p.cost(), p.plan().name(),
                    f("%.4f", p.averageBits()), f("%.4f", p.sizeMB())));
            if (cnn) {
                row.add(f("%.2f", 100 * p.quality().get(Frontier.TOP1)));
            } else {
                row.add(f("%.4f", p.quality().get(Frontier.MEAN_COS)));
                row.add(f("%.4f", p.quality().get(Frontier.TOP10)));
            }
            row.add(Double.isNaN(p.predicted()) ? "" : csv ? Double.toString(p.predicted()) : sci(p.predicted()));
            row.add(csv ? Double.toString(p.distortion()) : sci(p.distortion()));
            row.add(EvalRow.histogram(p.plan()));
            tt.add(row);
        }
        out().print(csv ? tt.csv() : tt.render());
        if (!csv) {
            out().println(f("FP32 %s; distortion = %s on the calibration data; predicted = sum of single-layer"
                    + " costs", cnn ? f("top-1 %.2f%%", 100 * r.fp32().get(Frontier.TOP1)) : "mean cos 1",
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

    static ObjectNode json(Frontier.Result r, List<CostTable> tables, List<Double> budgets) {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", r.model());
        root.put("method", r.method());
        root.put("distortionMetric", r.metric());
        ObjectNode fp = root.putObject("fp32");
        r.fp32().forEach(fp::put);
        ArrayNode bs = root.putArray("budgets");
        budgets.forEach(bs::add);
        ArrayNode cs = root.putArray("costs");
        for (CostTable t : tables) {
            ObjectNode c = cs.addObject();
            c.put("name", t.name());
            c.put("seconds", t.seconds());
            c.set("provenance", JSON.valueToTree(t.provenance()));
        }
        ArrayNode rows = root.putArray("rows");
        for (Frontier.Point p : r.points()) {
            ObjectNode o = rows.addObject();
            o.put("budget", p.budget());
            o.put("cost", p.cost());
            o.put("plan", p.plan().name());
            o.put("averageBits", p.averageBits());
            o.put("sizeMB", p.sizeMB());
            ObjectNode q = o.putObject("quality");
            p.quality().forEach(q::put);
            putNumber(o, "predicted", p.predicted());
            putNumber(o, "distortion", p.distortion());
            o.put("bitsHistogram", EvalRow.histogram(p.plan()));
            ObjectNode bits = o.putObject("bits");
            p.plan().bits().forEach(bits::put);
        }
        ArrayNode add = root.putArray("additivity");
        for (Frontier.Additivity a : r.additivity()) {
            ObjectNode o = add.addObject();
            o.put("cost", a.cost());
            o.put("points", a.points());
            putNumber(o, "pearson", a.pearson());
            putNumber(o, "spearman", a.spearman());
        }
        root.put("seconds", r.seconds());
        return root;
    }

    /** A number, or null when it is NaN (JSON has no NaN). */
    private static void putNumber(ObjectNode o, String field, double v) {
        if (Double.isFinite(v)) {
            o.put(field, v);
        } else {
            o.putNull(field);
        }
    }
}
