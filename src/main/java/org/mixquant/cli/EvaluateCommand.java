package org.mixquant.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.mixquant.eval.EmbeddingEvaluator;
import org.mixquant.eval.EvalRow;
import org.mixquant.eval.MetricId;
import org.mixquant.eval.Study;
import org.mixquant.eval.SizeReport;
import org.mixquant.methods.NearestRounding;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.onnx.TextEmbedder;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.quant.BitPlan;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mixquant evaluate MODEL (--plan FILE | --bits B)}. */
@Command(name = "evaluate", description = "Quantize MODEL with a plan or uniform bits and measure size and"
        + " quality against FP32: embedding fidelity (MiniLM) or top-1 accuracy on Fashion-MNIST (CNNs).")
final class EvaluateCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "MODEL", description = "minilm, resnet20-fashion, mobilenetv2-fashion or a path to an .onnx file")
    String model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Which which;

    static final class Which {
        @Option(names = "--plan", paramLabel = "FILE", description = "A bit plan JSON file (from 'search -o').")
        Path plan;

        @Option(names = "--bits", paramLabel = "B", converter = OptionValues.BitWidth.class,
                description = "Uniform bits 2..8 for every layer.")
        Integer bits;
    }

    @Mixin
    QuantMixin quant;

    @Mixin
    CorpusMixin corpus;

    @Mixin
    ImagesMixin images;

    @Mixin
    FormatMixin format;

    @Override
    public Integer call() throws Exception {
        BitPlan fromFile = null;
        if (which.plan != null) {
            try {
                fromFile = BitPlan.read(which.plan);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new IOException("cannot read plan file '" + which.plan + "': no such file");
            }
            quant.checkAgreesWith(fromFile, which.plan, spec.commandLine());
        }
        QuantizableModel m = loadModel(model);
        BitPlan plan = fromFile != null ? fromFile.validateFor(m.source(), m.layerNames())
                : BitPlan.uniform(m.source(), m.layerNames(), which.bits, quant.scheme(), quant.granularity());
        if (m instanceof CnnModel cnn) {
            corpus.warnIgnoredFor(this, model);
            return CnnEvaluation.run(this, cnn, plan, new NearestRounding(), format.format, images.testImages(this));
        }
        if (!(m instanceof OnnxModel onnx)) {
            throw new IllegalArgumentException("evaluate supports ONNX embedding models and the Fashion-MNIST CNNs");
        }
        images.warnIgnoredFor(this, model);
        List<String> texts = corpus.texts();
        List<EvalRow> rows;
        try (TextEmbedder embedder = corpus.embedder()) {
            EmbeddingEvaluator ev = EmbeddingEvaluator.create(onnx, embedder, texts, threads(), progress(),
                    corpus.cacheDir(), this::warn);
            rows = Study.of(List.of(Study.Subject.embeddings(onnx, null, ev)),
                    List.of(Study.Method.of(new NearestRounding())), List.of(Study.PlanRecipe.fixed(plan)))
                    .run(progress());
        }
        EvalRow row = rows.get(1);
        SizeReport size = SizeReport.of(m, plan);
        if (format.format == OutputFormat.json) {
            ObjectNode root = Rows.evaluationHeader(m.source(), plan, row.method(), size);
            ObjectNode fid = root.putObject("fidelity");
            fid.put("meanCosine", row.metric(MetricId.MEAN_COSINE));
            fid.put("minCosine", row.metric(MetricId.MIN_COSINE));
            fid.put("top10Overlap", row.metric(MetricId.TOP10_OVERLAP));
            ObjectNode c = root.putObject("corpus");
            c.put("source", "fortunes");
            c.put("size", texts.size());
            c.put("maxTokens", corpus.maxTokens);
            ObjectNode secs = root.putObject("seconds");
            secs.put("quantize", row.seconds().quantize());
            secs.put("evaluate", row.seconds().evaluate());
            printJson(root);
            return ExitCodes.OK;
        }
        TextTable t = Rows.evaluationTable(rows);
        out().print(format.format == OutputFormat.csv ? t.csv() : t.render());
        if (format.format == OutputFormat.table) {
            out().println(f("corpus: first %d fortunes, at most %d tokens each", texts.size(), corpus.maxTokens));
            out().println(SizeReport.whatIsCounted());
        }
        out().flush();
        return ExitCodes.OK;
    }
}
