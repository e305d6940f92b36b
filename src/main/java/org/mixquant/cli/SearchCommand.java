package org.mixquant.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mixquant.eval.SizeReport;
import org.mixquant.model.QuantizableModel;
import org.mixquant.quant.BitPlan;
import org.mixquant.quant.Bits;
import org.mixquant.search.CostKind;
import org.mixquant.search.CostTable;
import org.mixquant.search.ErrorTable;
import org.mixquant.search.MixQuant;
import org.mixquant.sensitivity.Distortion;
import org.mixquant.sensitivity.PlanRefinement;
import org.mixquant.sensitivity.Sensitivity;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code mixquant search MODEL (--qem X | --max-rel-error T | --avg-bits B)}. */
@Command(name = "search", description = "Choose bits per layer with a MixQuant rule and show why.")
final class SearchCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "MODEL", description = "minilm, resnet20-fashion, mobilenetv2-fashion or a path to an .onnx file")
    String model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Rule rule;

    static final class Rule {
        @Option(names = "--qem", paramLabel = "X", converter = OptionValues.Qem.class,
                description = "Paper rule: smallest b with QE(b) <= X * QE(8) (X >= 1).")
        Double qem;

        @Option(names = "--max-rel-error", paramLabel = "T", converter = OptionValues.RelError.class,
                description = "Smallest b with sum (w-w^)^2 / sum w^2 <= T (0 < T <= 1).")
        Double maxRelError;

        @Option(names = "--avg-bits", paramLabel = "B", converter = OptionValues.AvgBits.class,
                description = "Size budget: average B bits per weight (2..8), minimising summed squared error.")
        Double avgBits;
    }

    @Option(names = "--cost", defaultValue = "qe", converter = CostConverter.class, paramLabel = "COST",
            description = "What --avg-bits minimises: qe (weight error, data-free), measured (output distortion with"
                    + " one layer quantized, on calibration data) or fisher (default: ${DEFAULT-VALUE}).")
    CostKind cost = CostKind.QE;

    @Option(names = "--calibration", defaultValue = "0", paramLabel = "N",
            description = "Calibration images (CNNs, default 512 training images) or texts (MiniLM, default 256"
                    + " fortunes from entry 512) for --cost measured; ONNX image classifiers: a seeded sample of N"
                    + " (default 512) Fashion-MNIST training images or of the --image-dir/--idx-images images;"
                    + " --inputs: the first N calibration samples (default all); 0 = default.")
    int calibration;

    @Option(names = "--refine", defaultValue = "0", paramLabel = "R", converter = OptionValues.NonNegative.class,
            description = "With --avg-bits: refine the plan for up to R rounds on the calibration data, from"
                    + " whole-plan distortions around it, then spend bits left under the budget on one-bit-up moves"
                    + " that lower the distortion (default: 0, off).")
    int refine;

    @Mixin
    ImageDataMixin imageData;

    @Mixin
    ArrayInputsMixin arrays;

    @Mixin
    QuantMixin quant;

    @Mixin
    FormatMixin format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Also write the plan as JSON to FILE.")
    Path output;

    /**
     * The {@code search --format json} document.
     *
     * @param plan          the plan, exactly as {@code -o} writes it ({@link BitPlan}'s file format)
     * @param summary       its size and the search's times
     * @param modelRatioTo8 the step²/12 noise model's QE(b)/QE(8) = ((2^8 − 1)/(2^b − 1))², by bit-width
     * @param layers        each layer's chosen bits and errors, in the model's order
     */
    record Output(JsonNode plan, Summary summary, Map<Integer, Double> modelRatioTo8, List<LayerChoice> layers) {
        static Output of(BitPlan plan, String cost, String calibration, SizeReport size, ErrorTable t,
                double searchSecs)
                throws JsonProcessingException {
            Map<Integer, Double> model = new LinkedHashMap<>();
            for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                model.put(b, t.modelRatioTo8(b));
            }
            List<LayerChoice> layers = new ArrayList<>();
            for (int i = 0; i < t.size(); i++) {
                String name = t.layers().get(i);
                int b = plan.bitsOf(name);
                Map<Integer, Double> r = new LinkedHashMap<>();
                for (int bb = Bits.MIN; bb <= Bits.MAX; bb++) {
                    r.put(bb, t.ratioTo8(i, bb));
                }
                layers.add(new LayerChoice(name, t.params(i), b, t.mse(i, b), t.relative(i, b), r));
            }
            return new Output(JSON.readTree(plan.toJson()), new Summary(cost, calibration, size.averageBits(),
                    size.averageBitsWithQParams(), size.totalMB(), size.fp32MB(), plan.histogram(), t.seconds(),
                    searchSecs), model, layers);
        }
    }

    /**
     * The plan's size and the search's times.
     *
     * @param cost                   what {@code --avg-bits} minimised ({@code qe}, {@code measured}, {@code fisher});
     *                               null for the qem and relative-error rules
     * @param calibration            the data a data-aware cost was measured on (source, size, seed, content hash);
     *                               null for qe and the other rules
     * @param averageBits            weight bits per quantized weight
     * @param averageBitsWithQParams the same with the scales (float32) and zero-points (8 bits) counted
     * @param sizeMB                 the quantized model's size, MB (10^6 bytes; what is counted: {@link SizeReport})
     * @param fp32MB                 the FP32 model's size, MB
     * @param histogram              bit-width → number of layers
     * @param sweepSeconds           the error sweep's wall time
     * @param searchSeconds          sweep + rule (with a data-aware cost: + the cost table)
     */
    record Summary(String cost, String calibration, double averageBits, double averageBitsWithQParams, double sizeMB,
            double fp32MB, Map<Integer, Integer> histogram, double sweepSeconds, double searchSeconds) {
    }

    /**
     * One layer's choice.
     *
     * @param name     the layer name
     * @param params   number of weights
     * @param bits     the bits the plan gives it
     * @param mse      QE at those bits (mean squared weight error)
     * @param relative Σ(w − ŵ)² / Σw² at those bits
     * @param ratioTo8 QE(b) / QE(8) for every b in 2..8
     */
    record LayerChoice(String name, long params, int bits, double mse, double relative,
            Map<Integer, Double> ratioTo8) {
    }

    @Override
    public Integer call() throws Exception {
        checkOutputFile(output, "-o");
        checkDistinctOutputs(model, List.of("-o"), output);
        if (cost != CostKind.QE && rule.avgBits == null) {
            throw new ParameterException(spec.commandLine(), "--cost " + cost.cliName() + " needs --avg-bits (the"
                    + " qem and"
                    + " relative-error rules read the weight error)");
        }
        MeasuredDistortion.requireFisherSupported(this, model, List.of(cost));
        if (refine > 0 && rule.avgBits == null) {
            throw new ParameterException(spec.commandLine(), "--refine needs --avg-bits (it refines a size-budget"
                    + " plan)");
        }
        QuantizableModel m = loadModel(model);
        ErrorTable t = ErrorTable.compute(m, quant.scheme(), quant.granularity(), threads(), progress());
        long t0 = System.nanoTime();
        BitPlan plan;
        String calibrated = null;
        PlanRefinement.Result refined = null;
        if (rule.qem != null) {
            plan = MixQuant.qem(t, rule.qem);
        } else if (rule.maxRelError != null) {
            plan = relErrorPlan(t, rule.maxRelError);
        } else if (cost == CostKind.QE && refine == 0) {
            plan = MixQuant.budget(t, rule.avgBits);
        } else {
            // a data-aware cost or a refinement: both measure on the calibration data
            try (Distortion d = MeasuredDistortion.of(this, m, m instanceof org.mixquant.model.onnx.OnnxModel o
                    && imageData.appliesTo(o, arrays), imageData, arrays, calibration)) {
                if (cost == CostKind.QE) {
                    plan = MixQuant.budget(t, rule.avgBits);
                } else {
                    CostTable ct = Sensitivity.costTable(m, cost, d, quant.scheme(), quant.granularity(), threads(),
                            progress(), this::info);
                    info(f("%s cost table: %s on %s, %.1f s", ct.name(), ct.provenance().get("metric"),
                            ct.provenance().get("calibration"), ct.seconds()));
                    plan = MixQuant.budget(ct, rule.avgBits);
                }
                calibrated = d.calibration();
                refined = refine == 0 ? null : PlanRefinement.refine(m, plan, d, refine, progress(), this::info);
                plan = refined == null ? plan : refined.plan();
            }
        }
        double ruleSecs = (System.nanoTime() - t0) / 1e9;
        double searchSecs = t.seconds() + ruleSecs;
        if (output != null) {
            plan.write(output);
            info("wrote plan to " + output);
        }
        SizeReport size = SizeReport.of(m, plan);
        if (format.format == OutputFormat.json) {
            printJson(Output.of(plan, rule.avgBits == null ? null : cost.cliName(), calibrated, size, t,
                    searchSecs));
            return ExitCodes.OK;
        }
        List<String> header = new ArrayList<>(List.of("layer", "params", "bits", "mse", "rel.err"));
        for (int b = Bits.MAX - 1; b >= Bits.MIN; b--) {
            header.add("QE" + b + "/QE8");
        }
        TextTable tt = new TextTable(header);
        boolean csv = format.format == OutputFormat.csv;
        for (int i = 0; i < t.size(); i++) {
            String name = t.layers().get(i);
            int b = plan.bitsOf(name);
            List<Object> row = new ArrayList<>(List.of(name, t.params(i), b,
                    csv ? Double.toString(t.mse(i, b)) : sci(t.mse(i, b)),
                    csv ? Double.toString(t.relative(i, b)) : sci(t.relative(i, b))));
            for (int bb = Bits.MAX - 1; bb >= Bits.MIN; bb--) {
                row.add(csv ? Double.toString(t.ratioTo8(i, bb)) : f("%.4g", t.ratioTo8(i, bb)));
            }
            tt.add(row);
        }
        if (csv) {
            out().print(tt.csv());
            out().flush();
            return ExitCodes.OK;
        }
        List<Object> modelRow = new ArrayList<>(List.of("(step²/12 model)", "", "", "", ""));
        for (int bb = Bits.MAX - 1; bb >= Bits.MIN; bb--) {
            modelRow.add(f("%.4g", t.modelRatioTo8(bb)));
        }
        tt.add(modelRow);
        out().print(tt.render());
        out().println(f("plan %s: average %.3f bits/weight (%.3f with scales and zero-points), %.2f MB vs %.2f MB"
                + " FP32; layers per bit-width %s", plan.name(), size.averageBits(), size.averageBitsWithQParams(),
                size.totalMB(), size.fp32MB(), histogramText(plan.histogram())));
        if (calibrated != null) {
            out().println(f("%s cost measured on %s", cost.cliName(), calibrated));
        }
        out().println(f("search time %.3f s (error sweep %.3f s + rule %.4f s)", searchSecs, t.seconds(), ruleSecs));
        if (refined != null) {
            refined.rounds().forEach(round -> out().println(round.line()));
            Map<?, ?> how = (Map<?, ?>) refined.plan().params().get("refine");
            out().println(f("%s; D = %s, on %s, each plan rounded to nearest", refined.summary(), how.get("metric"),
                    how.get("calibration")));
        }
        out().println("note: with min-max scales QE(b)/QE(8) follows the step²/12 model for most layers, so the qem"
                + " rule gives nearly uniform bits; --avg-bits and --max-rel-error separate layers.");
        out().flush();
        return ExitCodes.OK;
    }

    /** Parses {@code --cost}. */
    static final class CostConverter implements picocli.CommandLine.ITypeConverter<CostKind> {
        @Override
        public CostKind convert(String value) {
            return CostKind.parse(value);
        }
    }

    static String histogramText(Map<Integer, Integer> h) {
        StringBuilder sb = new StringBuilder();
        h.forEach((b, c) -> sb.append(sb.length() == 0 ? "" : ", ").append(c).append("×int").append(b));
        return sb.toString();
    }
}
