package org.mixquant.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
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

    @Override
    public Integer call() throws Exception {
        int[] bs = BitsRange.parse(bits);
        QuantizableModel m = loadModel(model);
        ErrorTable t = ErrorTable.compute(m, quant.scheme(), quant.granularity(), threads(), progress());
        info(f("error sweep over %d layers and bits 2..8: %.3f s", t.size(), t.seconds()));
        if (format.format == OutputFormat.json) {
            ObjectNode root = JSON.createObjectNode();
            root.put("model", t.model());
            root.put("scheme", t.scheme().cliName());
            root.put("granularity", t.granularity().cliName());
            ArrayNode ba = root.putArray("bits");
            for (int b : bs) {
                ba.add(b);
            }
            root.put("seconds", t.seconds());
            ArrayNode layers = root.putArray("layers");
            for (int i = 0; i < t.size(); i++) {
                ObjectNode o = layers.addObject();
                o.put("name", t.layers().get(i));
                o.put("params", t.params(i));
                ObjectNode mse = o.putObject("mse");
                ObjectNode rel = o.putObject("relative");
                ObjectNode ratio = o.putObject("ratioTo8");
                for (int b : bs) {
                    mse.put(Integer.toString(b), t.mse(i, b));
                    rel.put(Integer.toString(b), t.relative(i, b));
                    ratio.put(Integer.toString(b), t.ratioTo8(i, b));
                }
            }
            printJson(root);
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
