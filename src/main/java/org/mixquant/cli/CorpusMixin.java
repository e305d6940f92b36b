package org.mixquant.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.mixquant.data.FortuneCorpus;
import org.mixquant.eval.EmbeddingEvaluator;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.onnx.TextEmbedder;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Corpus options for embedding fidelity. Their values are checked when the command line is parsed
 * ({@link OptionValues.CorpusSize}, {@link OptionValues.MaxTokens}).
 */
public final class CorpusMixin {
    /** Fewest texts: top-10 neighbour overlap needs each text to have 10 others. */
    static final int MIN_CORPUS = 11;
    /**
     * Fewest tokens per text: [CLS] and [SEP] take two, and with only a few words left every text embeds alike, so
     * fidelity numbers mean little below this.
     */
    static final int MIN_TOKENS = 16;
    /** Most tokens per text: BERT-style encoders such as MiniLM have 512 position embeddings. */
    static final int MAX_TOKENS = 512;

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--corpus-size", defaultValue = "512", converter = OptionValues.CorpusSize.class,
            description = "Texts of the fortunes corpus to embed, " + MIN_CORPUS + " up to the texts the fortune"
                    + " files hold (default: ${DEFAULT-VALUE}). Text models only.")
    int corpusSize;

    @Option(names = "--max-tokens", defaultValue = "128", converter = OptionValues.MaxTokens.class,
            description = "Longest text in tokens, " + MIN_TOKENS + ".." + MAX_TOKENS + "; longer ones are truncated"
                    + " (default: ${DEFAULT-VALUE}). Text models only.")
    int maxTokens;

    @Mixin
    TextEncoderMixin encoder;

    /** The ONNX model {@link #withEncoder} set up, or null. */
    private OnnxModel textModel;
    /** Says MiniLM's tokenizer is used, once, when {@link #embedder()} first embeds with it (text models only). */
    private Runnable tokenizerNote;

    @Option(names = "--cache-dir", paramLabel = "DIR", hidden = true,
            description = "Folder of the FP32 embedding cache (default: $MIXQUANT_CACHE_DIR or ~/.cache/mixquant).")
    Path cacheDir;

    /** The FP32 embedding cache folder: {@code --cache-dir}, else the default ({@code null}: none). */
    Path cacheDir() {
        return cacheDir != null ? cacheDir : EmbeddingEvaluator.cacheDir().orElse(null);
    }

    List<String> texts() throws IOException {
        if (encoder.texts != null) {
            return encoder.texts(mixee.commandLine().getParseResult().hasMatchedOption("--corpus-size") ? corpusSize : 0);
        }
        return FortuneCorpus.load(corpusSize);
    }

    /** {@code first N fortunes} or {@code N texts of FILE}, for result footers. */
    String describe(int n) {
        return encoder.texts != null ? n + " texts of " + encoder.texts : "first " + n + " fortunes";
    }

    /** Where {@link #texts()} come from: {@code fortunes} or the {@code --texts} file. */
    String source() {
        return encoder.texts != null ? encoder.texts.toString() : "fortunes";
    }

    TextEmbedder embedder() throws IOException {
        if (tokenizerNote != null) {
            tokenizerNote.run();
            tokenizerNote = null;
        }
        return textModel != null ? TextEmbedder.forModel(textModel, maxTokens) : TextEmbedder.minilm(maxTokens);
    }

    /**
     * {@code m} with the {@code --tokenizer/--pooling/--normalize/--prefix} settings applied when it is an ONNX
     * model (remembered: {@link #embedder()} then embeds with them); {@link #embedder()} says so when it falls back to
     * MiniLM's tokenizer (only then: an image classifier or a model on {@code --inputs} embeds no text).
     */
    QuantizableModel withEncoder(BaseCommand cmd, QuantizableModel m) throws IOException {
        if (!(m instanceof OnnxModel onnx)) {
            return m;
        }
        textModel = encoder.applyTo(onnx);
        if (onnx.textEncoder().isEmpty() && encoder.tokenizer == null) {
            // info, not a warning: -q keeps it quiet (the vocabulary check still refuses a tokenizer that does not fit)
            tokenizerNote = () -> cmd.info("no tokenizer for " + m.source() + " (no tokenizer.json beside it, no"
                    + " --tokenizer): using MiniLM's");
        }
        return textModel;
    }

    /** Warns on {@code cmd}'s stderr when a corpus option was given for {@code model}, which is not a text model. */
    void warnIgnoredFor(BaseCommand cmd, String model) {
        for (String name : java.util.stream.Stream.concat(java.util.stream.Stream.of("--corpus-size",
                "--max-tokens"), TextEncoderMixin.NAMES.stream()).toList()) {
            if (mixee.commandLine().getParseResult().hasMatchedOption(name)) {
                cmd.warn(name + " applies to text models only; ignored for " + model);
            }
        }
    }
}
