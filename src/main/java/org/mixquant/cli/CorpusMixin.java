package org.mixquant.cli;

import java.io.IOException;
import java.util.List;
import org.mixquant.data.FortuneCorpus;
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
