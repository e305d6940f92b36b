package org.mixquant.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mixquant.data.NamedArrays;
import org.mixquant.eval.AccuracyEvaluator;
import org.mixquant.eval.EmbeddingEvaluator;
import org.mixquant.eval.EqualBits;
import org.mixquant.eval.EvalRow;
import org.mixquant.eval.MetricId;
import org.mixquant.eval.OnnxClassifierEvaluator;
import org.mixquant.eval.SizeReport;
import org.mixquant.eval.Study;
import org.mixquant.io.OutputFiles;
import org.mixquant.methods.Methods;
import org.mixquant.methods.Quantizer;
import org.mixquant.methods.rounding.ReconstructionOptions;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.onnx.TextEmbedder;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.notebook.Charts;
import org.mixquant.quant.Bits;
import org.mixquant.search.ErrorTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code mixquant compare MODEL --methods nearest,adaround,brecq,gptq --bits 4,3,2 [--qem X ...]}. */
@Command(name = "compare", description = "Quantization methods × plans side by side: vanilla asymmetric rounding,"
        + " AdaRound, BRECQ and GPTQ, each at uniform bits and with MixQuant plans (by default at the same average bits as"
        + " the uniform ones), with average bits, size, accuracy or fidelity and time.")
final class CompareCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "MODEL",
            description = "resnet20-fashion, mobilenetv2-fashion, minilm or a path to an .onnx file")
    String model;

    @Option(names = "--methods", split = ",", paramLabel = "M",
            description = "Methods: nearest (alias asym), adaround, brecq, gptq (default: all four on the CNNs,"
                    + " nearest and adaround on ONNX models; brecq is CNN-only).")
    List<String> methods;

    @Option(names = "--bits", split = ",", defaultValue = "4,3,2", paramLabel = "B",
            converter = OptionValues.BitWidth.class,
            description = "Uniform bit-widths (default: ${DEFAULT-VALUE}).")
    List<Integer> bits;

    @Option(names = "--avg-bits", split = ",", paramLabel = "B", converter = OptionValues.AvgBits.class,
            description = "MixQuant plans at these average bits (budget rule). Default: the --bits values above 2"
                    + " (at 2 bits the budget can only be uniform), so every uniform plan has a MixQuant plan of equal"
                    + " size next to it.")
    List<Double> avgBits;

    @Option(names = "--no-avg-bits", description = "No budget-rule MixQuant plans.")
    boolean noAvgBits;

    @Option(names = "--qem", split = ",", paramLabel = "X", converter = OptionValues.Qem.class,
            description = "MixQuant plans with the paper's qem rule.")
    List<Double> qems = new ArrayList<>();

    @Option(names = "--max-rel-error", split = ",", paramLabel = "T", converter = OptionValues.RelError.class,
            description = "MixQuant plans with the relative-error rule.")
    List<Double> relErrors = new ArrayList<>();

    @Mixin
    ReconstructionMixin reconstruction;

    @Mixin
    ImagesMixin images;

    @Mixin
    ImageDataMixin imageData;

    @Option(names = "--csv", paramLabel = "FILE", description = "Also write the rows as CSV.")
    Path csv;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the rows and settings as JSON.")
    Path json;

    @Option(names = "--plot", paramLabel = "FILE", description = "Write the size-vs-quality plot (PNG).")
    Path plot;

    @Mixin
    QuantMixin quant;

    @Mixin
    CorpusMixin corpus;

    @Mixin
    FormatMixin format;

    @Mixin
    ArrayInputsMixin arrays;

    static final List<String> HEADER = List.of("method", "plan", "rule", "avg_bits", "storage_bits", "size_MB", "metric", "value",
            "delta", "search_s", "quantize_s", "eval_s", "bits_histogram");

    @Override
    public Integer call() throws Exception {
        validate();
        long start = System.nanoTime();
        QuantizableModel m = corpus.withEncoder(this, loadRunnableModel(model, "compare"));
        boolean isCnn = m instanceof CnnModel;
        OnnxClassifierEvaluator imageEval = m instanceof OnnxModel o && imageData.appliesTo(o, arrays)
                ? imageData.evaluator(this, o, images.images) : null; // any ONNX image classifier
        if (!isCnn && !(m instanceof OnnxModel)) {
            throw new IllegalArgumentException("compare supports the Fashion-MNIST CNNs and ONNX text models");
        }
        List<String> names = methods == null || methods.isEmpty()
                ? (isCnn ? Methods.NAMES : List.of("nearest", "adaround")) : methods;
        List<String> ids = names.stream().map(n -> Methods.id(n).orElseThrow()).toList(); // validate() checked
        arrays.validate(ids);
        if (imageEval != null) {
            imageData.requireSupported("--methods", ids);
        } else if (!isCnn && !arrays.given() && (ids.contains("adaround") || ids.contains("gptq"))) {
            reconstruction.requireDisjointCorpus(corpus);
        } else if (arrays.given()) {
            arrays.load(this, ids.contains("adaround"));
        }
        boolean onImages = isCnn || imageEval != null; // calibrates on images (default 1,024, as the papers)
        ReconstructionOptions options = reconstruction.options(this, onImages);
        Methods.Extras extras = reconstruction.extras(this);
        NamedArrays calibration = imageEval != null && ids.contains("adaround")
                ? imageData.calibration(this, (OnnxModel) m, options.calibrationSamples(), options.seed(), true)
                : arrays.calibration();
        List<Study.Method> studied = new ArrayList<>();
        for (String id : ids) {
            // Under its id, whatever the spelling given: asym → nearest.
            studied.add(new Study.Method(id, Methods.create(id, m, options, extras, calibration)));
        }

        ErrorTable table = ErrorTable.compute(m, quant.scheme(), quant.granularity(), threads(), progress());
        List<Double> budgets = noAvgBits ? List.of() : avgBits != null ? avgBits
                : bits.stream().filter(b -> b > Bits.MIN).map(Integer::doubleValue).toList();
        List<Study.PlanRecipe> recipes = new ArrayList<>();
        for (int b : bits) {
            recipes.add(Study.PlanRecipe.uniform(b));
        }
        for (double b : budgets) {
            recipes.add(Study.PlanRecipe.budget(b));
        }
        for (double x : qems) {
            recipes.add(Study.PlanRecipe.qem(x));
        }
        for (double t : relErrors) {
            recipes.add(Study.PlanRecipe.search(tb -> relErrorPlan(tb, t)));
        }
        String settings = reconstruction.describe(options, onImages, ids);
        info(f("%d methods × %d plans; reconstruction: %s", studied.size(), recipes.size(), settings));

        List<EvalRow> rows;
        String evaluatedOn;
        if (m instanceof CnnModel cnn) {
            corpus.warnIgnoredFor(this, model);
            AccuracyEvaluator ev = images.evaluator(this);
            evaluatedOn = f("top-1 on %s Fashion-MNIST test images", ImagesMixin.describe(ev.images()));
            rows = Study.of(List.of(Study.Subject.classifier(cnn, table, ev)), studied, recipes)
                    .run(progress(), this::info);
        } else if (arrays.given()) {
            evaluatedOn = arrays.describe(options.calibrationSamples());
            rows = Study.of(List.of(Study.Subject.outputs((OnnxModel) m, table, arrays.evaluator(this, (OnnxModel) m))),
                    studied, recipes).run(progress(), this::info);
        } else if (imageEval != null) {
            evaluatedOn = OnnxImageEvaluation.describe(imageEval);
            rows = Study.of(List.of(Study.Subject.classifier((OnnxModel) m, table, imageEval)), studied, recipes)
                    .run(progress(), this::info);
        } else {
            OnnxModel onnx = (OnnxModel) m;
            images.warnIgnoredFor(this, model);
            List<String> texts = corpus.texts();
            evaluatedOn = f("mean cosine to FP32 embeddings over the %s (max %d tokens); calibration"
                    + " sentences are fortunes %d.. (disjoint)", corpus.describe(texts.size()), corpus.maxTokens,
                    org.mixquant.methods.OnnxTextCalibration.FORTUNE_OFFSET);
            try (TextEmbedder embedder = corpus.embedder()) {
                EmbeddingEvaluator ev = EmbeddingEvaluator.create(onnx, embedder, texts, threads(), progress(),
                    corpus.cacheDir(), this::warn);
                rows = Study.of(List.of(Study.Subject.embeddings(onnx, table, ev)), studied, recipes)
                        .run(progress(), this::info);
            }
        }
        List<String> equal = EqualBits.lines(rows);

        if (csv != null) {
            OutputFiles.writeString(csv, table(rows).csv());
        }
        if (json != null) {
            OutputFiles.writeString(json, JSON.writeValueAsString(json(m, rows, equal, settings, evaluatedOn))
                    + "\n");
        }
        if (plot != null) {
            savePlot(m.source(), rows, plot);
        }
        switch (format.format) {
            case json -> printJson(json(m, rows, equal, settings, evaluatedOn));
            case csv -> out().print(table(rows).csv());
            default -> {
                out().print(table(rows).render());
                out().println();
                out().println("model: " + m.source() + "; " + evaluatedOn);
                out().println("reconstruction (adaround, brecq, gptq): " + settings);
                out().println("MixQuant vs uniform at equal average bits (same method):");
                for (String line : equal) {
                    out().println("  " + line);
                }
                if (arrays.given()) {
                    ArrayInputsMixin.sqnrLines(rows).forEach(out()::println);
                }
                out().println(SizeReport.whatIsCounted());
                out().println(f("total %.1f s", (System.nanoTime() - start) / 1e9));
            }
        }
        out().flush();
        return ExitCodes.OK;
    }

    /** The checks that span more than one option value (each value's own range is checked when parsed). */
    private void validate() {
        checkOutputFile(csv, "--csv");
        checkOutputFile(json, "--json");
        checkOutputFile(plot, "--plot");
        checkDistinctOutputs(model, List.of("--csv", "--json", "--plot"), csv, json, plot);
        if (methods != null && methods.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--methods names no method: expected some of "
                    + String.join(", ", Methods.NAMES));
        }
        requireNoRepeats("--methods", methods == null ? List.of()
                : methods.stream().map(n -> Methods.id(n).orElse(n.strip().toLowerCase(Locale.ROOT))).toList());
        requireNoRepeats("--bits", bits);
        requireNoRepeats("--avg-bits", avgBits);
        requireNoRepeats("--qem", qems);
        requireNoRepeats("--max-rel-error", relErrors);
        if (methods != null) {
            for (String n : methods) {
                if (Methods.id(n).isEmpty()) {
                    throw new ParameterException(spec.commandLine(), "unknown method '" + n + "': expected "
                            + String.join(", ", Methods.NAMES));
                }
                try {
                    Methods.requireSupported(n, model);
                } catch (IllegalArgumentException e) {
                    throw new ParameterException(spec.commandLine(), "--methods: " + e.getMessage());
                }
            }
        }
    }

    /** A value given twice in a list option would run (and print) the same rows twice: a usage error. */
    private void requireNoRepeats(String option, List<?> values) {
        if (values == null) {
            return;
        }
        java.util.Set<Object> seen = new java.util.HashSet<>();
        for (Object v : values) {
            if (!seen.add(v)) {
                throw new ParameterException(spec.commandLine(), option + " gives " + v + " twice");
            }
        }
    }

    /** The size-vs-quality plot of the rows, one colour per method id. */
    private static void savePlot(String model, List<EvalRow> rows, Path file) throws java.io.IOException {
        Charts.savePng(Charts.methodComparison(model, rows), file);
    }

    static TextTable table(List<EvalRow> rows) {
        TextTable t = new TextTable(HEADER);
        for (EvalRow r : rows) {
            t.add(List.of(r.methodId(), r.plan(), r.rule(), Rows.fmt("%.3f", r.averageBits()),
                    Rows.fmt("%.3f", r.storageBits()), Rows.fmt("%.3f", r.sizeMB()), r.primary().column(), Rows.fmt("%.4f", r.quality()),
                    Rows.fmt("%+.4f", r.delta()), Rows.fmt("%.3f", r.seconds().search()),
                    Rows.fmt("%.1f", r.seconds().quantize()), Rows.fmt("%.1f", r.seconds().evaluate()),
                    r.bitsHistogram()));
        }
        return t;
    }

    private static Output json(QuantizableModel m, List<EvalRow> rows, List<String> equal, String settings,
            String evaluatedOn) {
        return new Output(m.source(), evaluatedOn, settings, rows.stream().map(Row::of).toList(), equal);
    }

    /**
     * The {@code compare --format json} document, also written by {@code --json FILE}.
     *
     * @param model          the model source
     * @param evaluation     what the quality was measured on (test images, or texts and their calibration split)
     * @param reconstruction the learned-rounding settings (steps, calibration samples, batch, λ, seed; BRECQ's)
     * @param rows           FP32, then per method its uniform and MixQuant plans
     * @param equalBits      one line per MixQuant row against the same method's uniform row at equal average bits,
     *                       as printed below the table
     */
    record Output(String model, String evaluation, String reconstruction, List<Row> rows, List<String> equalBits) {
    }

    /**
     * One method × plan, with the quality as the table shows it.
     *
     * @param model           model name
     * @param method          what the quantizer did, e.g. {@code adaround-asymmetric} ({@code none} for FP32)
     * @param plan            the plan as applied (BRECQ may keep first/last layers at 8 bits: {@code +fl8})
     * @param rule            {@code fp32}, {@code uniform}, {@code qem}, {@code max-rel-error} or {@code avg-bits}
     * @param averageBits     Σ bits·params / Σ params of the applied plan over the quantized layers (32 for FP32)
     * @param storageBits     weight bits plus scale and zero-point bits per quantized weight (32 for FP32)
     * @param sizeMB          the whole model, MB (10^6 bytes)
     * @param metric          the column {@code quality} is in: {@code top1_%} (CNNs) or {@code mean_cos} (text models)
     * @param quality         top-1 in percent, or mean cosine to the FP32 embeddings
     * @param fp32Quality     the FP32 model's {@code quality}
     * @param secondary       text models: mean top-10 neighbour overlap with FP32 (0..1); models scored on
     *                        {@code --inputs}: output SQNR in dB (null for FP32 and identical outputs); null for CNNs
     * @param searchSeconds   the bit-width search that made the plan (0 for uniform plans and FP32)
     * @param quantizeSeconds quantization, reconstruction included
     * @param evalSeconds     evaluation
     * @param bitsHistogram   layers per bit-width, e.g. {@code 3:20 8:2}
     * @param methodFamily    the method's id: {@code fp32}, {@code nearest}, {@code adaround} or {@code brecq}
     * @param delta           quality − fp32Quality (negative when worse)
     */
    record Row(String model, String method, String plan, String rule, double averageBits, double storageBits,
            double sizeMB, String metric, double quality, double fp32Quality, Double secondary, double searchSeconds,
            double quantizeSeconds, double evalSeconds, String bitsHistogram, String methodFamily, double delta) {
        static Row of(EvalRow r) {
            return new Row(r.model(), r.method(), r.plan(), r.rule(), r.averageBits(), r.storageBits(), r.sizeMB(),
                    r.primary().column(), r.quality(), r.quality() - r.delta(),
                    r.metrics().getOrDefault(MetricId.TOP10_OVERLAP, r.metrics().get(MetricId.OUTPUT_SQNR)),
                    r.seconds().search(), r.seconds().quantize(),
                    r.seconds().evaluate(), r.bitsHistogram(), r.methodId(), r.delta());
        }
    }
}
