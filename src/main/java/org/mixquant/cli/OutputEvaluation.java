package org.mixquant.cli;

import java.io.IOException;
import java.util.List;
import org.mixquant.data.NamedArrays;
import org.mixquant.eval.OutputEvaluator;
import org.mixquant.eval.OutputFidelity;
import org.mixquant.eval.SizeReport;
import org.mixquant.methods.NearestRounding;
import org.mixquant.methods.QuantizedModel;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.quant.BitPlan;

/**
 * {@code evaluate MODEL.onnx --inputs FILE|DIR}: any ONNX model quantized by rounding to nearest and scored by the
 * SQNR (dB) and cosine of every float graph output against FP32 on the user's arrays ({@link OutputFidelity}), per
 * output and overall, as a table, CSV or JSON (the JSON has the text encoders' fields {@code model … size}, then
 * {@code outputs}, {@code inputs} and its own {@code seconds}).
 */
final class OutputEvaluation {
    static final List<String> HEADER = List.of("output", "values", "sqnr_db", "cosine");

    private OutputEvaluation() {
    }

    /**
     * The {@code evaluate --inputs ... --format json} document.
     *
     * @param model       the model source
     * @param plan        the plan's name
     * @param rule        the rule that made it
     * @param method      the quantizer (round to nearest, with the scheme)
     * @param scheme      {@code asymmetric} or {@code symmetric}
     * @param granularity {@code per-channel}, {@code per-tensor} or {@code per-group-G}
     * @param averageBits weight bits per quantized weight
     * @param storageBits weight bits plus scale and zero-point bits per quantized weight
     * @param size        what the quantized model weighs
     * @param outputs     overall and per-output SQNR (dB, {@code null} when identical to FP32) and cosine
     * @param inputs      the arrays the model ran on
     * @param seconds     wall times
     */
    record Output(String model, String plan, String rule, String method, String scheme, String granularity,
            double averageBits, double storageBits, EvaluateCommand.Size size, OutputFidelity outputs, Inputs inputs,
            Seconds seconds) {
    }

    /**
     * The inputs.
     *
     * @param source  the {@code .npz} file or {@code .npy} folder
     * @param arrays  one {@code "name dtype[shape]"} per array
     * @param samples samples along the first axis (1 when the arrays have no common first axis)
     */
    record Inputs(String source, List<String> arrays, int samples) {
    }

    /**
     * Wall times in seconds.
     *
     * @param quantize     quantizing the model with the plan
     * @param evaluate     running the quantized model and comparing
     * @param fp32Evaluate running the FP32 model
     */
    record Seconds(double quantize, double evaluate, double fp32Evaluate) {
    }

    /** Quantizes {@code model} with {@code plan} (nearest rounding), scores it on the arrays and prints the result. */
    static int run(BaseCommand cmd, OnnxModel model, BitPlan plan, ArrayInputsMixin arrays, OutputFormat format)
            throws IOException {
        arrays.load(cmd, false);
        OutputEvaluator ev = arrays.evaluator(cmd, model);
        QuantizedModel q = new NearestRounding().quantize(model, plan);
        long t0 = System.nanoTime();
        OutputFidelity f = ev.fidelity(q.model());
        double secs = (System.nanoTime() - t0) / 1e9;
        SizeReport size = SizeReport.of(model, plan);
        NamedArrays in = ev.inputs();
        if (format == OutputFormat.json) {
            cmd.printJson(new Output(model.source(), plan.name(), plan.rule(), q.method(), plan.scheme().cliName(),
                    plan.granularity().label(), size.averageBits(), size.storageBits(), EvaluateCommand.Size.of(size),
                    f, new Inputs(in.source(), in.arrays().values().stream().map(Object::toString).toList(),
                            ev.samples()), new Seconds(q.seconds(), secs, ev.fp32Seconds())));
            return ExitCodes.OK;
        }
        TextTable t = new TextTable(HEADER);
        for (OutputFidelity.PerOutput o : f.outputs()) {
            t.add(List.of(o.name(), Long.toString(o.values()), sqnr(o.sqnrDb()), Rows.fmt("%.6f", o.cosine())));
        }
        t.add(List.of("(all)", Long.toString(f.outputs().stream().mapToLong(OutputFidelity.PerOutput::values).sum()),
                sqnr(f.sqnrDb()), Rows.fmt("%.6f", f.cosine())));
        cmd.out().print(format == OutputFormat.csv ? t.csv() : t.render());
        if (format == OutputFormat.table) {
            cmd.out().println(BaseCommand.f("%s: %s, %s %s, %.3f avg bits (%.3f with scales), %.4f MB (FP32 %.4f MB)",
                    model.source(), plan.name(), q.method(), plan.granularity().label(), size.averageBits(),
                    size.storageBits(), size.totalMB(), size.fp32MB()));
            cmd.out().println("inputs: " + in.source() + " " + in.arrays().values() + "; SQNR = 10·log10(Σx²/Σ(x−x̂)²)"
                    + " against the FP32 outputs, (all) = every output concatenated");
        }
        cmd.out().flush();
        return ExitCodes.OK;
    }

    private static Object sqnr(Double db) {
        return db == null ? "inf" : Rows.fmt("%.2f", db);
    }
}
