package org.mixquant.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.mixquant.eval.EmbeddingEvaluator;
import org.mixquant.eval.EqualBits;
import org.mixquant.eval.EvalRow;
import org.mixquant.eval.MetricId;
import org.mixquant.eval.Study;
import org.mixquant.io.OutputFiles;
import org.mixquant.methods.GptqOptions;
import org.mixquant.methods.Methods;
import org.mixquant.methods.NearestRounding;
import org.mixquant.methods.OnnxTextCalibration;
import org.mixquant.methods.rounding.ReconstructionOptions;
import org.mixquant.model.Models;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.model.onnx.TextEmbedder;
import org.mixquant.notebook.Charts;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Bits;
import org.mixquant.search.CostKind;
import org.mixquant.search.CostTable;
import org.mixquant.search.ErrorTable;
import org.mixquant.search.MixQuant;
import org.mixquant.sensitivity.Distortion;
import org.mixquant.sensitivity.Sensitivity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mixquant report}: the main job. On MiniLM and each CNN: FP32, uniform plans, MixQuant plans (paper rule,
 * relative error, size budgets over weight error) and size-budget plans over the data-aware costs ({@code measured},
 * and {@code fisher} for the CNNs, on a small calibration set) side by side, compared at equal average bits; on
 * MiniLM also GPTQ at uniform 4 and 3 bits; written as a table, CSV, JSON, plan files and charts.
 */
@Command(name = "report", description = "The main job: MixQuant vs uniform quantization on all-MiniLM-L6-v2"
        + " (embedding fidelity) and the Fashion-MNIST CNNs (top-1 accuracy), with size-budget plans over weight error"
        + " and over measured layer sensitivity, printed and written (CSV, JSON, plans, PNG charts) to an output"
        + " folder.")
final class ReportCommand extends BaseCommand {
    @Option(names = {"-o", "--output"}, defaultValue = "out/main-job",
            description = "Output folder (default: ${DEFAULT-VALUE}); created if missing. The run's files replace"
                    + " files of the same names; nothing else in it is touched.")
    Path output;

    @Option(names = "--qem", split = ",", defaultValue = "20,300,1000", converter = OptionValues.Qem.class,
            description = "qem values of the paper rule (default: ${DEFAULT-VALUE}).")
    List<Double> qems;

    @Option(names = "--max-rel-error", split = ",", defaultValue = "0.02", converter = OptionValues.RelError.class,
            description = "Relative-error thresholds (default: ${DEFAULT-VALUE}).")
    List<Double> relErrors;

    @Option(names = "--avg-bits", split = ",", defaultValue = "4,3.5,3", converter = OptionValues.AvgBits.class,
            description = "Size budgets in average bits per weight (default: ${DEFAULT-VALUE}).")
    List<Double> budgets;

    @Option(names = "--uniform", split = ",", defaultValue = "8,6,5,4,3,2", converter = OptionValues.BitWidth.class,
            description = "Uniform bit-widths to compare with (default: ${DEFAULT-VALUE}).")
    List<Integer> uniform;

    @Option(names = "--cnn", split = ",", defaultValue = "resnet20-fashion,mobilenetv2-fashion",
            converter = OptionValues.CnnName.class,
            description = "Fashion-MNIST CNNs to add (empty: none; default: ${DEFAULT-VALUE}).")
    List<String> cnns;

    @Option(names = "--cnn-uniform", split = ",", defaultValue = "8,4,3,2", converter = OptionValues.BitWidth.class,
            description = "Uniform bit-widths for the CNNs (default: ${DEFAULT-VALUE}).")
    List<Integer> cnnUniform;

    /**
     * Calibration images of the CNNs' measured and fisher costs in the main job, unless {@code --calibration} says
     * otherwise: fewer than the library's 512, to keep the cost tables' share of the main job small (the whole job
     * took 39 min on 2 cores beside a test run; see the README).
     */
    static final int MAIN_JOB_IMAGES = 64;
    /**
     * Calibration sentences of MiniLM's measured cost in the main job, unless {@code --calibration} says otherwise:
     * fewer than the library's 256 (each sentence costs 36 layers × 7 bit-widths encoder runs).
     */
    static final int MAIN_JOB_TEXTS = 16;

    @Option(names = "--cost", split = ",", defaultValue = "qe,measured,fisher", paramLabel = "COST",
            converter = SearchCommand.CostConverter.class,
            description = "Cost tables whose --avg-bits plans are added: qe (always), measured (output distortion with"
                    + " one layer quantized, on calibration data; cached), fisher (CNNs only; skipped for MiniLM)"
                    + " (default: ${DEFAULT-VALUE}).")
    List<CostKind> costs;

    @Option(names = "--calibration", paramLabel = "N", converter = OptionValues.NonNegative.class,
            description = "Calibration images (CNNs) and texts (MiniLM) of the measured and fisher costs; default "
                    + MAIN_JOB_IMAGES + " training images and " + MAIN_JOB_TEXTS + " fortunes from entry 512 (a"
                    + " smaller set than the frontier command's, for time); 0 = the library's default (512 images,"
                    + " 256 fortunes).")
    Integer calibration;

    /** Per model source: one line naming each data-aware cost's calibration data and time, printed under its table. */
    private final java.util.Map<String, String> costNotes = new java.util.LinkedHashMap<>();

    @Option(names = "--gptq-bits", split = ",", defaultValue = "4,3", converter = OptionValues.BitWidthOrZero.class,
            description = "Uniform bit-widths of the GPTQ rows on MiniLM (natural order, block 128, 1%% dampening;"
                    + " 0 = none; default: ${DEFAULT-VALUE}).")
    List<Integer> gptqBits;

    @Option(names = "--gptq-calibration", defaultValue = "" + GPTQ_CALIBRATION, paramLabel = "N",
            converter = OptionValues.Calibration.class,
            description = "Calibration fortunes (from entry 512) of the GPTQ rows (default: ${DEFAULT-VALUE}).")
    int gptqCalibration;

    /** GPTQ's calibration sentences in the main job: about 5,000 token rows, of which 4,096 are kept. */
    static final int GPTQ_CALIBRATION = 128;

    @Mixin
    ImagesMixin images;

    @Mixin
    QuantMixin quant;

    @Mixin
    CorpusMixin corpus;

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        checkOutputFolder(output, "-o");
        for (String file : List.of("results.csv", "results.json", "error-table.csv", "error-curves.png",
                "qe-ratio-curves.png", "chosen-bits.png")) {
            checkOutputFile(output.resolve(file), "-o");
        }
        checkOutputFolder(output.resolve("plans"), "-o");
        for (String name : cnns) {
            if (!name.isBlank()) {
                checkOutputFolder(output.resolve(name.strip()), "-o");
            }
        }
        List<String> texts = corpus.texts();
        OnnxModel model = (OnnxModel) loadModel(Models.MINILM);
        ErrorTable table = ErrorTable.compute(model, quant.scheme(), quant.granularity(), threads(), progress());
        info(f("error sweep: %d layers × bits 2..8 in %.3f s", table.size(), table.seconds()));

        List<EvalRow> rows;
        List<BitPlan> mixed;
        try (TextEmbedder embedder = corpus.embedder()) {
            EmbeddingEvaluator ev = EmbeddingEvaluator.create(model, embedder, texts, threads(), progress(),
                    corpus.cacheDir(), this::warn);
            Study.Subject subject = Study.Subject.embeddings(model, table, ev);
            Study.Method nearest = Study.Method.of(new NearestRounding());
            Study study = Study.of(List.of(subject), List.of(nearest), recipes(uniform, model));
            mixed = mixedPlans(study, subject, nearest, uniform.size());
            rows = new ArrayList<>(study.run(progress()));
            rows.addAll(gptqRows(model, subject));
        }

        List<CnnSection> cnnSections = new ArrayList<>();
        for (String name : cnns) {
            if (!name.isBlank()) {
                cnnSections.add(cnnSection(name.strip()));
            }
        }

        // Each file is written atomically into the output folder (a failure leaves it as it was); nothing else in the
        // folder is touched.
        Path out = OutputFiles.createFolder(output);
        TextTable tt = Rows.evaluationTable(rows);
        OutputFiles.writeString(out.resolve("results.csv"), tt.csv());
        OutputFiles.writeString(out.resolve("results.json"), JSON.writeValueAsString(Results.of(table.model(), table,
                texts.size(), rows)) + "\n");
        OutputFiles.writeString(out.resolve("error-table.csv"), errorTableCsv(table));
        Path plans = OutputFiles.createFolder(out.resolve("plans"));
        for (BitPlan p : mixed) {
            p.write(plans.resolve(p.name().replaceAll("[^A-Za-z0-9.=_-]", "_") + ".json"));
        }
        Charts.savePng(Charts.errorCurves(table), out.resolve("error-curves.png"));
        Charts.savePng(Charts.ratioCurves(table), out.resolve("qe-ratio-curves.png"));
        List<BitPlan> shown = new ArrayList<>();
        for (BitPlan p : mixed) {
            if (!p.isUniform()) {
                shown.add(p);
            }
        }
        Charts.savePng(Charts.chosenBits(shown.isEmpty() ? mixed : shown), out.resolve("chosen-bits.png"));
        for (CnnSection c : cnnSections) {
            c.write(OutputFiles.createFolder(out.resolve(c.model)));
        }

        out().print(Rows.evaluationTable(rows).render());
        out().println();
        out().println(f("model: all-MiniLM-L6-v2 (%d quantized MatMul layers, %,d weights; %,d other parameters kept"
                + " FP32); %s %s min-max scales, round to nearest even", table.size(), table.totalParams(),
                model.otherParams(), quant.scheme().cliName(), quant.granularity().label()));
        printCostNote(model.source());
        out().println(f("fidelity: cosine to FP32 embeddings and top-10 neighbour overlap over the first %d fortunes"
                + " (max %d tokens)", texts.size(), corpus.maxTokens));
        out().println(equalBitsComparison(rows, p -> f("mean cos %.5f vs %.5f, top-10 overlap %.4f vs %.4f",
                p.mixQuant().metric(MetricId.MEAN_COSINE), p.uniform().metric(MetricId.MEAN_COSINE),
                p.mixQuant().metric(MetricId.TOP10_OVERLAP), p.uniform().metric(MetricId.TOP10_OVERLAP)),
                " (the search chose uniform bits: same plan)"));
        for (CnnSection c : cnnSections) {
            out().println();
            out().print(CnnEvaluation.table(c.rows).render());
            out().println();
            out().println(f("model: %s (%d conv/linear layers, %,d weights, BN folded; %,d biases kept FP32);"
                    + " top-1 on %s Fashion-MNIST test images", c.model, c.table.size(), c.table.totalParams(),
                    c.otherParams, c.rows.get(0).samples() == 10_000 ? "all 10,000" : "the first "
                    + c.rows.get(0).samples()));
            printCostNote(c.table.model());
            out().println(equalBitsComparison(c.rows, p -> f("top-1 %.2f%% vs %.2f%%",
                    MetricId.TOP1.toColumn(p.mixQuant().metric(MetricId.TOP1)),
                    MetricId.TOP1.toColumn(p.uniform().metric(MetricId.TOP1))), " (same plan)"));
        }
        out().println(f("wrote %s: results.csv, results.json, error-table.csv, plans/, error-curves.png,"
                + " qe-ratio-curves.png, chosen-bits.png%s (total %.1f s)", output,
                cnnSections.isEmpty() ? "" : ", and the same per CNN in "
                        + String.join("/, ", cnnSections.stream().map(c -> c.model).toList()) + "/",
                (System.nanoTime() - start) / 1e9));
        out().flush();
        return ExitCodes.OK;
    }

    /**
     * GPTQ at the uniform {@code --gptq-bits} (the plan's scheme and granularity), without the FP32 row; none when
     * they are 0. Calibration: {@code --gptq-calibration} fortunes from {@link OnnxTextCalibration#FORTUNE_OFFSET},
     * disjoint from the evaluated corpus.
     */
    private List<EvalRow> gptqRows(OnnxModel model, Study.Subject subject) throws Exception {
        List<Integer> bits = gptqBits.stream().filter(b -> b > 0).distinct().toList();
        if (bits.isEmpty()) {
            return List.of();
        }
        OnnxTextCalibration.requireDisjoint(corpus.corpusSize);
        ReconstructionOptions o = ReconstructionOptions.builder().optCalibrationSamples(gptqCalibration)
                .optThreads(threads()).build();
        Methods.Extras extras = new Methods.Extras(false, 0, GptqOptions.defaults(), this::info, this::warnOnce,
                progress());
        Study.Method gptq = new Study.Method("gptq", Methods.create("gptq", model, o, extras));
        List<EvalRow> r = Study.of(List.of(subject), List.of(gptq), bits.stream().map(Study.PlanRecipe::uniform)
                .toList()).run(progress());
        return r.subList(1, r.size());
    }

    /** The MixQuant recipes of every model, in row order: qem, relative error, size budget. */
    private List<Study.PlanRecipe> mixedRecipes() {
        List<Study.PlanRecipe> r = new ArrayList<>();
        for (double q : qems) {
            r.add(Study.PlanRecipe.qem(q));
        }
        for (double t : relErrors) {
            r.add(Study.PlanRecipe.search(table -> relErrorPlan(table, t)));
        }
        for (double b : budgets) {
            r.add(Study.PlanRecipe.budget(b));
        }
        return r;
    }

    /**
     * Uniform plans at {@code bits}, then {@link #mixedRecipes()}, then a size-budget plan per budget over each
     * data-aware cost in {@code --cost} (its table computed here, or read from the cache).
     */
    private List<Study.PlanRecipe> recipes(List<Integer> bits, QuantizableModel model) throws Exception {
        List<Study.PlanRecipe> r = new ArrayList<>();
        for (int b : bits) {
            r.add(Study.PlanRecipe.uniform(b));
        }
        r.addAll(mixedRecipes());
        boolean cnn = model instanceof CnnModel;
        List<CostKind> aware = costs.stream().filter(c -> c != CostKind.QE && (cnn || c != CostKind.FISHER))
                .distinct().toList();
        if (aware.isEmpty()) {
            return r;
        }
        int samples = calibration != null ? calibration : cnn ? MAIN_JOB_IMAGES : MAIN_JOB_TEXTS;
        List<String> notes = new ArrayList<>();
        try (Distortion d = Sensitivity.distortion(model, threads(), samples)) {
            for (CostKind kind : aware) {
                CostTable t = Sensitivity.costTable(model, kind, d, quant.scheme(), quant.granularity(), threads(),
                        progress(), this::warn);
                boolean cached = t.provenance().containsKey("cachedIn");
                info(f("%s cost table of %s: %.1f s%s (%s)", kind.cliName(), model.source(), t.seconds(),
                        cached ? " when computed, read from the cache" : "", d.calibration()));
                notes.add(f("%s (%.0f s%s)", kind == CostKind.MEASURED ? "measured = " + d.metric() : "fisher = Σ F·(w"
                        + " − ŵ)² (empirical Fisher diagonal)", t.seconds(), cached ? ", cached" : ""));
                for (double b : budgets) {
                    r.add(Study.PlanRecipe.search(ignored -> MixQuant.budget(t, b)));
                }
            }
            costNotes.put(model.source(), f("rows budget=B-%s: %s; on %d calibration %s (%s), disjoint from the"
                    + " evaluation data", String.join("/-", aware.stream().map(CostKind::cliName).toList()),
                    String.join("; ", notes), d.samples(), cnn ? "images" : "sentences", d.calibration()));
        }
        return r;
    }

    /** Prints the {@link #costNotes} line of {@code model}, if it has data-aware costs. */
    private void printCostNote(String model) {
        String note = costNotes.get(model);
        if (note != null) {
            out().println(note);
        }
    }

    /** The MixQuant plans of the study (those after the {@code uniformCount} uniform ones), written to plans/. */
    private static List<BitPlan> mixedPlans(Study study, Study.Subject s, Study.Method m, int uniformCount) {
        List<BitPlan> all = study.plans(s, m);
        return all.subList(uniformCount, all.size());
    }

    /**
     * "at equal average bits:" then one line per {@link EqualBits#pairsByUniform pair} (grouped by uniform plan, so
     * the plans of every cost at one size are listed together): the MixQuant plan, its average bits,
     * the uniform plan, and {@code values} of the pair, with {@code samePlan} appended when the search chose uniform
     * bits.
     */
    static String equalBitsComparison(List<EvalRow> rows, java.util.function.Function<EqualBits.Pair, String> values,
            String samePlan) {
        StringBuilder sb = new StringBuilder("at equal average bits:");
        List<EqualBits.Pair> pairs = EqualBits.pairsByUniform(rows);
        for (EqualBits.Pair p : pairs) {
            sb.append(f("%n  %s (%.4f bits) vs %s: %s%s", p.mixQuant().plan(), p.mixQuant().averageBits(),
                    p.uniform().plan(), values.apply(p), p.samePlan() ? samePlan : ""));
        }
        if (pairs.isEmpty()) {
            sb.append(" no MixQuant plan has the average bits of a uniform plan");
        }
        return sb.toString();
    }

    /** One CNN's plans and accuracy rows. */
    private static final class CnnSection {
        final String model;
        final ErrorTable table;
        final long otherParams;
        final List<BitPlan> plans;
        final List<EvalRow> rows;

        CnnSection(String model, ErrorTable table, long otherParams, List<BitPlan> plans, List<EvalRow> rows) {
            this.model = model;
            this.table = table;
            this.otherParams = otherParams;
            this.plans = plans;
            this.rows = rows;
        }

        void write(Path dir) throws java.io.IOException {
            OutputFiles.writeString(dir.resolve("results.csv"), CnnEvaluation.table(rows).csv());
            OutputFiles.writeString(dir.resolve("results.json"),
                    JSON.writeValueAsString(Results.of(model, table, null, rows)) + "\n");
            OutputFiles.writeString(dir.resolve("error-table.csv"), errorTableCsv(table));
            Path plansDir = OutputFiles.createFolder(dir.resolve("plans"));
            List<BitPlan> shown = new ArrayList<>();
            for (BitPlan p : plans) {
                p.write(plansDir.resolve(p.name().replaceAll("[^A-Za-z0-9.=_-]", "_") + ".json"));
                if (!p.isUniform()) {
                    shown.add(p);
                }
            }
            Charts.savePng(Charts.errorCurves(table), dir.resolve("error-curves.png"));
            Charts.savePng(Charts.chosenBits(shown.isEmpty() ? plans : shown), dir.resolve("chosen-bits.png"));
        }
    }

    private CnnSection cnnSection(String name) throws Exception {
        QuantizableModel loaded = loadModel(name);
        if (!(loaded instanceof CnnModel model)) {
            throw new IllegalArgumentException("--cnn expects a Fashion-MNIST CNN (resnet20-fashion,"
                    + " mobilenetv2-fashion), got '" + name + "'");
        }
        ErrorTable table = ErrorTable.compute(model, quant.scheme(), quant.granularity(), threads(), progress());
        Study.Subject subject = Study.Subject.classifier(model, table, images.evaluator(this));
        Study.Method nearest = Study.Method.of(new NearestRounding());
        Study study = Study.of(List.of(subject), List.of(nearest), recipes(cnnUniform, model));
        List<BitPlan> mixed = mixedPlans(study, subject, nearest, cnnUniform.size());
        List<EvalRow> rows = study.run(progress());
        return new CnnSection(name, table, model.otherParams(), mixed, rows);
    }

    /**
     * {@code results.json}, MiniLM's in the output folder and each CNN's in its subfolder.
     *
     * @param model        the model's name, e.g. {@code minilm}, {@code resnet20-fashion}
     * @param scheme       {@code asymmetric} or {@code symmetric}
     * @param granularity  {@code per-channel}, {@code per-tensor} or {@code per-group-G}
     * @param corpusSize   MiniLM: the texts evaluated ({@code --corpus-size}); absent from a CNN's file
     * @param sweepSeconds the error sweep over all layers and bits 2..8
     * @param rows         FP32, the uniform plans, then the MixQuant plans (qem, relative error, budgets)
     */
    record Results(String model, String scheme, String granularity,
            @JsonInclude(JsonInclude.Include.NON_NULL) Integer corpusSize, double sweepSeconds, List<Rows.Row> rows) {
        static Results of(String model, ErrorTable table, Integer corpusSize, List<EvalRow> rows) {
            return new Results(model, table.scheme().cliName(), table.granularity().label(), corpusSize,
                    table.seconds(), rows.stream().map(Rows.Row::of).toList());
        }
    }

    private static String errorTableCsv(ErrorTable t) {
        List<String> header = new ArrayList<>(List.of("layer", "params"));
        for (int b = Bits.MIN; b <= Bits.MAX; b++) {
            header.add("mse_" + b);
        }
        for (int b = Bits.MIN; b <= Bits.MAX; b++) {
            header.add("relative_" + b);
        }
        TextTable tt = new TextTable(header);
        for (int i = 0; i < t.size(); i++) {
            List<Object> row = new ArrayList<>(List.of(t.layers().get(i), t.params(i)));
            for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                row.add(Double.toString(t.mse(i, b)));
            }
            for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                row.add(Double.toString(t.relative(i, b)));
            }
            tt.add(row);
        }
        return tt.csv();
    }
}
