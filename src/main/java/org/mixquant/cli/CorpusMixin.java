package org.mixquant.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.mixquant.data.FortuneCorpus;
import org.mixquant.eval.EmbeddingEvaluator;
import org.mixquant.model.onnx.TextEmbedder;
import picocli.CommandLine.Model.CommandSpec;
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

    @Option(names = "--cache-dir", paramLabel = "DIR", hidden = true,
            description = "Folder of the FP32 embedding cache (default: $MIXQUANT_CACHE_DIR or ~/.cache/mixquant).")
    Path cacheDir;

    /** The FP32 embedding cache folder: {@code --cache-dir}, else the default ({@code null}: none). */
    Path cacheDir() {
        return cacheDir != null ? cacheDir : EmbeddingEvaluator.cacheDir().orElse(null);
    }

    List<String> texts() throws IOException {
        return FortuneCorpus.load(corpusSize);
    }

    TextEmbedder embedder() throws IOException {
        return TextEmbedder.minilm(maxTokens);
    }

    /** Warns on {@code cmd}'s stderr when a corpus option was given for {@code model}, which is not a text model. */
    void warnIgnoredFor(BaseCommand cmd, String model) {
        for (String name : List.of("--corpus-size", "--max-tokens")) {
            if (mixee.commandLine().getParseResult().hasMatchedOption(name)) {
                cmd.warn(name + " applies to text models only; ignored for " + model);
            }
        }
    }
}
