package org.mixquant.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.mixquant.data.FortuneCorpus;
import org.mixquant.eval.EmbeddingEvaluator;
import org.mixquant.model.TextEmbedder;
import picocli.CommandLine.Option;

/** Corpus options for embedding fidelity. */
public final class CorpusMixin {
    @Option(names = "--corpus-size", defaultValue = "512",
            description = "Texts of the fortunes corpus to embed (default: ${DEFAULT-VALUE}).")
    int corpusSize;

    @Option(names = "--max-tokens", defaultValue = "128",
            description = "Longest text in tokens; longer ones are truncated (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--cache-dir", paramLabel = "DIR", hidden = true,
            description = "Folder of the FP32 embedding cache (default: $MIXQUANT_CACHE_DIR or ~/.cache/mixquant).")
    Path cacheDir;

    /** The FP32 embedding cache folder: {@code --cache-dir}, else the default ({@code null}: none). */
    Path cacheDir() {
        return cacheDir != null ? cacheDir : EmbeddingEvaluator.cacheDir().orElse(null);
    }

    List<String> texts() throws IOException {
        if (corpusSize <= 10) {
            throw new IllegalArgumentException("--corpus-size must be > 10 (top-10 neighbour overlap), got "
                    + corpusSize);
        }
        return FortuneCorpus.load(corpusSize);
    }

    TextEmbedder embedder() throws IOException {
        return TextEmbedder.minilm(maxTokens);
    }
}
