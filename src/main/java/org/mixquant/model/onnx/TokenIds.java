package org.mixquant.model.onnx;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.mixquant.model.onnx.OnnxCapture;
import org.mixquant.model.onnx.TextEmbedder;
import org.mixquant.model.Models;

/**
 * Token ids of texts, tokenized exactly as {@link TextEmbedder} does (Hugging Face {@code tokenizer.json}, special
 * tokens added, no padding, truncated at {@code maxTokens}), for code that runs the encoder itself, such as
 * calibration capture ({@link OnnxCapture#captureTokens}).
 */
public final class TokenIds {
    private TokenIds() {
    }

    /**
     * The ids of every text with the MiniLM tokenizer from the langchain4j artifact.
     *
     * @param maxTokens longest sequence in tokens (including [CLS] and [SEP]), ≥ 2
     * @return one row per text, in input order; row lengths vary
     */
    public static long[][] minilm(List<String> texts, int maxTokens) throws IOException {
        return encode(Models.resourceBytes(Models.MINILM_TOKENIZER), texts, maxTokens);
    }

    /**
     * The ids of every text as {@code model}'s text encoder feeds them ({@link TextEmbedder#forModel}: its tokenizer
     * and prefix, MiniLM's when it has none), after the same checks.
     *
     * @param maxTokens longest sequence in tokens (including [CLS] and [SEP]), ≥ 2
     * @return one row per text, in input order; row lengths vary
     */
    public static long[][] forModel(OnnxModel model, List<String> texts, int maxTokens) throws IOException {
        try (TextEmbedder e = TextEmbedder.forModel(model, maxTokens)) {
            return e.tokenIds(texts);
        }
    }

    /**
     * The ids of every text with the tokenizer in {@code tokenizerJson} (a Hugging Face {@code tokenizer.json}).
     *
     * @throws IllegalArgumentException if {@code maxTokens < 2}
     */
    public static long[][] encode(byte[] tokenizerJson, List<String> texts, int maxTokens) throws IOException {
        try (HuggingFaceTokenizer tok = tokenizer(tokenizerJson, maxTokens)) {
            return encode(tok, texts);
        }
    }

    /**
     * The toolkit's one tokenizer configuration: special tokens added, no padding, truncation at {@code maxTokens}.
     * The caller closes it.
     *
     * @throws IllegalArgumentException if {@code maxTokens < 2}
     */
    static HuggingFaceTokenizer tokenizer(byte[] tokenizerJson, int maxTokens) throws IOException {
        if (maxTokens < 2) {
            throw new IllegalArgumentException("maxTokens must be ≥ 2, got " + maxTokens);
        }
        Map<String, String> opts = new HashMap<>();
        opts.put("padding", "false");
        opts.put("truncation", "true");
        opts.put("maxLength", Integer.toString(maxTokens));
        return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerJson), opts);
    }

    /** The ids of every text with an open tokenizer, one row per text in input order. */
    static long[][] encode(HuggingFaceTokenizer tok, List<String> texts) {
        long[][] ids = new long[texts.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tok.encode(texts.get(i)).getIds();
        }
        return ids;
    }

    /** Σ of the row lengths: the number of token rows the texts give. */
    public static int totalTokens(long[][] ids) {
        long n = 0;
        for (long[] row : ids) {
            n += row.length;
        }
        return Math.toIntExact(n);
    }
}
