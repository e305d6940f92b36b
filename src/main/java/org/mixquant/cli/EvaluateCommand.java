package org.mixquant.cli;

import ai.onnxruntime.OrtException;
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
    PlanChoice which;

    @Mixin
    QuantMixin quant;

    @Mixin
    CorpusMixin corpus;

    @Mixin
    ImagesMixin images;

    @Mixin
    ImageDataMixin imageData;

    @Mixin
    FormatMixin format;

    @Mixin
    ArrayInputsMixin arrays;

    /**
     * The {@code evaluate --format json} document of a text encoder (MiniLM or an ONNX file). The Fashion-MNIST CNNs
     * print {@link CnnEvaluation}'s document instead.
     *
     * @param model       the model source
     * @param plan        the plan's name, e.g. {@code uniform-4} or {@code budget=3.5}
     * @param rule        the rule that made it ({@code uniform}, {@code qem}, {@code max-rel-error}, {@code avg-bits})
     * @param method      the quantizer (round to nearest, with the scheme)
     * @param scheme      {@code asymmetric} or {@code symmetric}
     * @param granularity {@code per-channel}, {@code per-tensor} or {@code per-group-G}
     * @param averageBits weight bits per quantized weight
     * @param storageBits weight bits plus scale and zero-point bits per quantized weight
     * @param size        what the quantized model weighs
     * @param fidelity    embeddings of the quantized model against FP32 on the corpus
     * @param corpus      the texts embedded
     * @param seconds     wall times
     */
    record Output(String model, String plan, String rule, String method, String scheme, String granularity,
            double averageBits, double storageBits, Size size, Fidelity fidelity, Corpus corpus, Seconds seconds) {
    }

    /**
     * Size accounting (MB = 10^6 bytes).
     *
     * @param quantizedParams        weights in the quantized layers
     * @param otherParams            parameters kept as stored (not quantized)
     * @param weightBits             Σ bitsᵢ·paramsᵢ over the quantized layers
     * @param qparamBits             bits of their scales (float32; per-group FP16) and zero-points (8 bits; per-group
     *                               the layer's bits; asymmetric only)
     * @param averageBitsWithQParams (weightBits + qparamBits) / quantizedParams
     * @param quantizedLayersMB      the quantized layers with their qparams
     * @param otherMB                the rest, as stored
     * @param totalMB                quantizedLayersMB + otherMB
     * @param fp32MB                 the whole model in FP32
     * @param counted                one sentence saying what is counted ({@link SizeReport#whatIsCounted()})
     */
    record Size(long quantizedParams, long otherParams, long weightBits, long qparamBits,
            double averageBitsWithQParams, double quantizedLayersMB, double otherMB, double totalMB, double fp32MB,
            String counted) {
        static Size of(SizeReport s) {
            return new Size(s.quantizedParams(), s.otherParams(), s.weightBits(), s.qparamBits(),
                    s.averageBitsWithQParams(), s.quantizedLayersMB(), s.otherMB(), s.totalMB(), s.fp32MB(),
                    SizeReport.whatIsCounted());
        }
    }

    /**
     * Embedding fidelity, quantized against FP32.
     *
     * @param meanCosine   mean cosine similarity of the two embeddings of each text
     * @param minCosine    the smallest of those cosines
     * @param top10Overlap mean overlap of each text's 10 nearest neighbours (fraction, 0..1)
     */
    record Fidelity(double meanCosine, double minCosine, double top10Overlap) {
    }

    /**
     * The evaluation texts.
     *
     * @param source    where they come from ({@code fortunes})
     * @param size      how many
     * @param maxTokens tokens per text at most ({@code --max-tokens})
     */
    record Corpus(String source, int size, int maxTokens) {
    }

    /**
     * Wall times in seconds.
     *
     * @param quantize quantizing the model with the plan
     * @param evaluate embedding the corpus with the quantized model and comparing
     */
    record Seconds(double quantize, double evaluate) {
    }

    @Override
    public Integer call() throws Exception {
        BitPlan fromFile = which.readFile(quant, spec.commandLine());
        QuantizableModel m = corpus.withEncoder(this, loadRunnableModel(model, "evaluate"));
        BitPlan plan = which.forModel(fromFile, m, quant);
        if (m instanceof CnnModel cnn) {
            corpus.warnIgnoredFor(this, model);
            return CnnEvaluation.run(this, cnn, plan, new NearestRounding(), format.format, images.testImages(this));
        }
        if (!(m instanceof OnnxModel onnx)) {
            throw new IllegalArgumentException("evaluate supports ONNX embedding models and the Fashion-MNIST CNNs");
        }
        if (imageData.appliesTo(onnx, arrays)) { // any ONNX image classifier: top-1/top-5 on labelled images
            return OnnxImageEvaluation.run(this, onnx, plan, new NearestRounding(), format.format,
                    imageData.evaluator(this, onnx, images.images));
        }
        images.warnIgnoredFor(this, model);
        if (arrays.given()) {
            return OutputEvaluation.run(this, onnx, plan, arrays, format.format);
        }
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
            printJson(new Output(m.source(), plan.name(), plan.rule(), row.method(), plan.scheme().cliName(),
                    plan.granularity().label(), size.averageBits(), size.storageBits(), Size.of(size),
                    new Fidelity(row.metric(MetricId.MEAN_COSINE), row.metric(MetricId.MIN_COSINE),
                            row.metric(MetricId.TOP10_OVERLAP)),
                    new Corpus(corpus.source(), texts.size(), corpus.maxTokens),
                    new Seconds(row.seconds().quantize(), row.seconds().evaluate())));
            return ExitCodes.OK;
        }
        TextTable t = Rows.evaluationTable(rows);
        out().print(format.format == OutputFormat.csv ? t.csv() : t.render());
        if (format.format == OutputFormat.table) {
            out().println(f("corpus: %s, at most %d tokens each", corpus.describe(texts.size()), corpus.maxTokens));
            out().println(SizeReport.whatIsCounted());
        }
        out().flush();
        return ExitCodes.OK;
    }
}
