package org.mixquant.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.mixquant.model.Layer;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.QuantizableModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code mixquant layers MODEL}: the quantizable layers of a model. */
@Command(name = "layers", description = "List the quantizable layers of MODEL (minilm or a path to an .onnx file).")
final class LayersCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "MODEL", description = "minilm, resnet20-fashion, mobilenetv2-fashion or a path to an .onnx file")
    String model;

    @Mixin
    FormatMixin format;

    @Override
    public Integer call() throws Exception {
        QuantizableModel m = loadModel(model);
        switch (format.format) {
            case json -> {
                ObjectNode root = JSON.createObjectNode();
                root.put("model", m.source());
                root.put("quantizableParams", m.quantizableParams());
                root.put("otherParams", m.otherParams());
                ArrayNode arr = root.putArray("layers");
                for (Layer l : m.layers()) {
                    ObjectNode o = arr.addObject();
                    o.put("name", l.name());
                    o.put("tensor", l.tensorName());
                    o.put("kind", l.kind().name().toLowerCase(java.util.Locale.ROOT));
                    ArrayNode shape = o.putArray("shape");
                    for (int d : l.weight().shape()) {
                        shape.add(d);
                    }
                    o.put("params", l.params());
                    o.put("channelAxis", l.channelAxis());
                    o.put("channels", l.weight().channels());
                }
                ArrayNode skipped = root.putArray("skippedWeights");
                if (m instanceof OnnxModel onnx) {
                    for (OnnxModel.SkippedWeight sw : onnx.skippedWeights()) {
                        ObjectNode o = skipped.addObject();
                        o.put("tensor", sw.initializer());
                        o.put("node", sw.node());
                        o.put("dataType", sw.dataType());
                        o.put("params", sw.params());
                        o.put("bytes", sw.bytes());
                    }
                }
                ArrayNode warnings = root.putArray("warnings");
                m.warnings().forEach(warnings::add);
                printJson(root);
            }
            case table, csv -> {
                TextTable t = new TextTable(List.of("#", "layer", "tensor", "kind", "shape", "params", "axis"));
                int i = 0;
                for (Layer l : m.layers()) {
                    t.add(List.of(i++, l.name(), l.tensorName(), l.kind().name().toLowerCase(java.util.Locale.ROOT),
                            l.weight().shapeString().replace(" ", ""), l.params(), l.channelAxis()));
                }
                if (format.format == OutputFormat.csv) {
                    out().print(t.csv());
                } else {
                    out().print(t.render());
                    out().println(f("%d layers, %,d quantizable weights, %,d other parameters (kept as stored)",
                            m.layers().size(), m.quantizableParams(), m.otherParams()));
                    if (m instanceof OnnxModel onnx) {
                        for (OnnxModel.SkippedWeight sw : onnx.skippedWeights()) {
                            out().println(f("skipped (not FP32, not quantized): %s %s, %,d values, %,d bytes, node %s",
                                    sw.initializer(), sw.dataType(), sw.params(), sw.bytes(), sw.node()));
                        }
                    }
                }
            }
        }
        out().flush();
        return ExitCodes.OK;
    }
}
