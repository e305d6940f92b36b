package org.mixquant.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mixquant.model.QuantizableModel;
import org.mixquant.search.ErrorTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mixquant qe MODEL}: the error table. */
@Command(name = "qe", description = "Quantization error of every layer at bit-widths 2..8 (one pass over the weights).")
final class QeCommand extends BaseCommand {
    enum Metric { mse, relative, ratio }

    @Parameters(index = "0", paramLabel = "MODEL", description = "minilm, resnet20-fashion, mobilenetv2-fashion or a path to an .onnx file")
    String model;

    @Mixin
    QuantMixin quant;

    @Mixin
    FormatMixin format;

    @Option(names = "--bits", defaultValue = "2-8", converter = BitsRange.Check.class,
            description = "Bit-widths to show: one (4), a range (2-8) or a list (3,4,8). Default: ${DEFAULT-VALUE}.")
    String bits;

    @Option(names = "--metric", defaultValue = "mse",
            description = "Table/CSV column values: mse (QE = mean squared error), relative (Σ(w-ŵ)²/Σw²) or"
                    + " ratio (QE(b)/QE(8)). JSON always has all three. Default: ${DEFAULT-VALUE}.")
    Metric metric;

    /**
     * The {@code qe --format json} document: every metric at every requested bit-width, whatever {@code --metric}.
     *
     * @param model       the model source
     * @param scheme      {@code asymmetric} or {@code symmetric}
     * @param granularity {@code per-channel}, {@code per-tensor} or {@code per-group-G}
     * @param bits        the bit-widths shown ({@code --bits}), ascending
     * @param seconds     wall time of the one sweep over the weights (all bit-widths 2..8)
     * @param layers      one entry per quantizable layer, in the model's order
     */
    record Output(String model, String scheme, String granularity, int[] bits, double seconds,
            List<LayerErrors> layers) {
        static Output of(ErrorTable t, int[] bs) {
            List<LayerErrors> layers = new ArrayList<>();
            for (int i = 0; i < t.size(); i++) {
                Map<Integer, Double> mse = new LinkedHashMap<>();
                Map<Integer, Double> rel = new LinkedHashMap<>();
                Map<Integer, Double> ratio = new LinkedHashMap<>();
                for (int b : bs) {
                    mse.put(b, t.mse(i, b));
                    rel.put(b, t.relative(i, b));
                    ratio.put(b, t.ratioTo8(i, b));
                }
                layers.add(new LayerErrors(t.layers().get(i), t.params(i), mse, rel, ratio));
            }
            return new Output(t.model(), t.scheme().cliName(), t.granularity().label(), bs.clone(), t.seconds(),
                    layers);
        }
    }

    /**
     * One layer's errors, each keyed by bit-width (JSON object keys {@code "2"}..{@code "8"}).
     *
     * @param name     the layer name
     * @param params   number of weights
     * @param mse      QE(b) = mean((w − ŵ)²), the mean squared weight error
     * @param relative Σ(w − ŵ)² / Σw²
     * @param ratioTo8 QE(b) / QE(8), the paper rule's quantity (1 at 8 bits; 1 at every width for a layer exact at
     *                 8 bits)
     */
    record LayerErrors(String name, long params, Map<Integer, Double> mse, Map<Integer, Double> relative,
            Map<Integer, Double> ratioTo8) {
    }

    @Override
    public Integer call() throws Exception {
        int[] bs = BitsRange.parse(bits);
        QuantizableModel m = loadModel(model);
        ErrorTable t = ErrorTable.compute(m, quant.scheme(), quant.granularity(), threads(), progress());
        info(f("error sweep over %d layers and bits 2..8: %.3f s", t.size(), t.seconds()));
        if (format.format == OutputFormat.json) {
            printJson(Output.of(t, bs));
            return ExitCodes.OK;
        }
        List<String> header = new ArrayList<>(List.of("layer", "params"));
        for (int b : bs) {
            header.add(metric + "@" + b);
        }
        TextTable tt = new TextTable(header);
        for (int i = 0; i < t.size(); i++) {
            List<Object> row = new ArrayList<>(List.of(t.layers().get(i), t.params(i)));
            for (int b : bs) {
                double v = switch (metric) {
                    case mse -> t.mse(i, b);
                    case relative -> t.relative(i, b);
                    case ratio -> t.ratioTo8(i, b);
                };
                row.add(format.format == OutputFormat.csv ? Double.toString(v) : sci(v));
            }
            tt.add(row);
        }
        out().print(format.format == OutputFormat.csv ? tt.csv() : tt.render());
        out().flush();
        return ExitCodes.OK;
    }
}
