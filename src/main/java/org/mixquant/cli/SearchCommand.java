package org.mixquant.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
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
                    + " fortunes from entry 512) for --cost measured; 0 = default.")
    int calibration;

    @Mixin
    QuantMixin quant;

    @Mixin
    FormatMixin format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Also write the plan as JSON to FILE.")
    Path output;

    @Override
    public Integer call() throws Exception {
        checkOutputFile(output, "-o");
        checkDistinctOutputs(model, List.of("-o"), output);
        if (cost != CostKind.QE && rule.avgBits == null) {
            throw new ParameterException(spec.commandLine(), "--cost " + cost.cliName() + " needs --avg-bits (the"
                    + " qem and"
                    + " relative-error rules read the weight error)");
        }
        QuantizableModel m = loadModel(model);
        ErrorTable t = ErrorTable.compute(m, quant.scheme(), quant.granularity(), threads(), progress());
        long t0 = System.nanoTime();
        BitPlan plan;
        if (rule.qem != null) {
            plan = MixQuant.qem(t, rule.qem);
        } else if (rule.maxRelError != null) {
            plan = relErrorPlan(t, rule.maxRelError);
        } else if (cost == CostKind.QE) {
            plan = MixQuant.budget(t, rule.avgBits);
        } else {
            try (Distortion d = cost == CostKind.MEASURED ? Sensitivity.distortion(m, threads(), calibration)
                    : null) {
                CostTable ct = Sensitivity.costTable(m, cost, d, quant.scheme(), quant.granularity(), threads(),
                        progress(), this::info);
                info(f("%s cost table: %s on %s, %.1f s", ct.name(), ct.provenance().get("metric"),
                        ct.provenance().get("calibration"), ct.seconds()));
                plan = MixQuant.budget(ct, rule.avgBits);
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
            ObjectNode root = JSON.createObjectNode();
            root.set("plan", JSON.readTree(plan.toJson()));
            ObjectNode s = root.putObject("summary");
            s.put("cost", rule.avgBits == null ? null : cost.cliName());
            s.put("averageBits", size.averageBits());
            s.put("averageBitsWithQParams", size.averageBitsWithQParams());
            s.put("sizeMB", size.totalMB());
            s.put("fp32MB", size.fp32MB());
            ObjectNode h = s.putObject("histogram");
            plan.histogram().forEach((b, c) -> h.put(Integer.toString(b), c));
            s.put("sweepSeconds", t.seconds());
            s.put("searchSeconds", searchSecs);
            ObjectNode mr = root.putObject("modelRatioTo8");
            for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                mr.put(Integer.toString(b), t.modelRatioTo8(b));
            }
            ArrayNode layers = root.putArray("layers");
            for (int i = 0; i < t.size(); i++) {
                String name = t.layers().get(i);
                int b = plan.bitsOf(name);
                ObjectNode o = layers.addObject();
                o.put("name", name);
                o.put("params", t.params(i));
                o.put("bits", b);
                o.put("mse", t.mse(i, b));
                o.put("relative", t.relative(i, b));
                ObjectNode r = o.putObject("ratioTo8");
                for (int bb = Bits.MIN; bb <= Bits.MAX; bb++) {
                    r.put(Integer.toString(bb), t.ratioTo8(i, bb));
                }
            }
            printJson(root);
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
        out().println(f("search time %.3f s (error sweep %.3f s + rule %.4f s)", searchSecs, t.seconds(), ruleSecs));
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
