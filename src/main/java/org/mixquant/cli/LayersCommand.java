package org.mixquant.cli;

import java.util.List;
import java.util.Locale;
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

    /**
     * The {@code layers --format json} document.
     *
     * @param model             the model source as loaded (a bundled name or the file path)
     * @param quantizableParams weights in the quantizable layers (the sum of {@code layers[].params})
     * @param otherParams       parameters kept as stored (biases, norms, embeddings, skipped weights)
     * @param layers            the quantizable layers, in the model's order
     * @param skippedWeights    weight-like initializers that are not FP32 and stay unquantized (ONNX only; else empty)
     * @param warnings          what the loader warned about (e.g. renamed layers)
     */
    record Output(String model, long quantizableParams, long otherParams, List<LayerInfo> layers,
            List<Skipped> skippedWeights, List<String> warnings) {
        static Output of(QuantizableModel m) {
            List<Skipped> skipped = m instanceof OnnxModel onnx ? onnx.skippedWeights().stream()
                    .map(sw -> new Skipped(sw.initializer(), sw.node(), sw.dataType(), sw.params(), sw.bytes()))
                    .toList() : List.of();
            return new Output(m.source(), m.quantizableParams(), m.otherParams(), m.layers().stream()
                    .map(l -> new LayerInfo(l.name(), l.tensorName(), l.kind().name().toLowerCase(Locale.ROOT),
                            l.shape(), l.params(), l.channelAxis(), l.channels()))
                    .toList(), skipped, List.copyOf(m.warnings()));
        }
    }

    /**
     * One quantizable layer.
     *
     * @param name        the layer name (ONNX: the consuming node's name, e.g. {@code /encoder/layer.0/.../MatMul})
     * @param tensor      the weight tensor's name in the model file
     * @param kind        {@code matmul}, {@code gemm}, {@code conv}, ... (lower case)
     * @param shape       the weight's shape as stored
     * @param params      number of weights
     * @param channelAxis the output-channel axis per-channel scales run along
     * @param channels    the number of output channels (the length of that axis)
     */
    record LayerInfo(String name, String tensor, String kind, int[] shape, long params, int channelAxis,
            int channels) {
    }

    /**
     * A weight the toolkit leaves as stored because it is not FP32.
     *
     * @param tensor   the initializer's name
     * @param node     the node that consumes it
     * @param dataType its ONNX data type, e.g. {@code FLOAT16}
     * @param params   number of values
     * @param bytes    its size in the file, in bytes
     */
    record Skipped(String tensor, String node, String dataType, long params, long bytes) {
    }

    @Override
    public Integer call() throws Exception {
        QuantizableModel m = loadModel(model);
        switch (format.format) {
            case json -> printJson(Output.of(m));
            case table, csv -> {
                TextTable t = new TextTable(List.of("#", "layer", "tensor", "kind", "shape", "params", "axis"));
                int i = 0;
                for (Layer l : m.layers()) {
                    t.add(List.of(i++, l.name(), l.tensorName(), l.kind().name().toLowerCase(java.util.Locale.ROOT),
                            l.shapeString().replace(" ", ""), l.params(), l.channelAxis()));
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
