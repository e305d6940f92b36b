package org.mixquant.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.mixquant.data.Texts;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.onnx.TextEncoderSpec;
import picocli.CommandLine.Option;

/**
 * A user's own sentence encoder: {@code --tokenizer}, {@code --pooling}, {@code --[no-]normalize}, {@code --prefix}
 * (applied over the model's own settings with {@link TextEncoderSpec.Overrides}) and {@code --texts}, the evaluation
 * corpus. Part of {@link CorpusMixin}.
 */
public final class TextEncoderMixin {
    /** The option names, for warnings when they do not apply. */
    static final List<String> NAMES = List.of("--tokenizer", "--pooling", "--normalize", "--prefix", "--texts");

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "Text models: the Hugging Face tokenizer.json"
            + " (default: the built-in model's own, else tokenizer.json or NAME-tokenizer.json beside the .onnx file,"
            + " else MiniLM's).")
    Path tokenizer;

    @Option(names = "--pooling", paramLabel = "mean|cls", description = "Text models: token vectors to sentence"
            + " vector, mean over the attention mask or the first ([CLS]) token (default: mean).")
    TextEncoderSpec.Pooling pooling;

    @Option(names = "--normalize", negatable = true, description = "Text models: L2-normalise sentence vectors"
            + " (default: on).")
    Boolean normalize;

    @Option(names = "--prefix", paramLabel = "TEXT", description = "Text models: put TEXT before every text, e.g."
            + " 'query: ' for e5 (default: none).")
    String prefix;

    @Option(names = "--texts", paramLabel = "FILE", description = "Text models: evaluate on the texts of FILE, one"
            + " per line, instead of the fortunes (--corpus-size N takes its first N).")
    Path texts;

    /** The model with these settings applied, when it is an ONNX model; the settings' model is remembered. */
    OnnxModel applyTo(OnnxModel model) throws IOException {
        return new TextEncoderSpec.Overrides(tokenizer, pooling, normalize, prefix).applyTo(model);
    }

    /** The texts of {@code --texts}: all, or the first {@code n} when {@code n > 0}. */
    List<String> texts(int n) throws IOException {
        List<String> all = Texts.readLines(texts);
        if (n > 0 && all.size() < n) {
            throw new IllegalArgumentException("--texts " + texts + " holds " + all.size() + " texts, fewer than"
                    + " --corpus-size " + n);
        }
        return n > 0 ? all.subList(0, n) : all;
    }
}
