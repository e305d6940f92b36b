package org.mixquant.model.onnx;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.mixquant.model.onnx.NativeSessions;
import org.mixquant.model.Models;

/**
 * Sentence embeddings from a BERT-style ONNX encoder (inputs {@code input_ids}, {@code attention_mask} and, if the
 * graph has it, {@code token_type_ids}; first output {@code [batch, tokens, hidden]}): tokenize with a Hugging Face
 * {@code tokenizer.json}, run, mean-pool over the attention mask, L2-normalise — the sentence-transformers recipe of
 * all-MiniLM-L6-v2. Other encoders set the tokenizer, the pooling (mean or [CLS]), the normalisation and a text prefix
 * with a {@link TextEncoderSpec} ({@link #forModel}). An encoder whose first output is already pooled,
 * {@code [batch, hidden]}, gives its own sentence vector, which is only L2-normalised (if the spec normalises).
 *
 * <p>Texts are sorted by token count and run in batches padded to their longest text, so padding costs little; the
 * returned rows are in input order.
 */
public final class TextEmbedder implements AutoCloseable {
    /** Default longest input in tokens (including [CLS] and [SEP]); longer texts are truncated. */
    public static final int DEFAULT_MAX_TOKENS = 128;
    /** Default texts per ONNX Runtime call. */
    public static final int DEFAULT_BATCH = 32;
    /**
     * Padding allowance of length-bucketed batches ({@link #batches(java.util.Set, List, int, double)}): a batch pads
     * to at most 1.25 times its real tokens. On 16 MiniLM calibration fortunes (9..128 tokens) one batch of 32 padded
     * 647 tokens to 2,048; buckets pad them to 681.
     */
    public static final double BUCKET_PADDING = 0.25;

    private final HuggingFaceTokenizer tokenizer;
    private final int maxTokens;
    private final TextEncoderSpec.Pooling pooling;
    private final boolean normalize;
    private final String prefix;
    private final String settingsKey;

    private TextEmbedder(HuggingFaceTokenizer tokenizer, int maxTokens, TextEncoderSpec.Pooling pooling,
            boolean normalize, String prefix, String settingsKey) {
        this.tokenizer = tokenizer;
        this.maxTokens = maxTokens;
        this.pooling = pooling;
        this.normalize = normalize;
        this.prefix = prefix;
        this.settingsKey = settingsKey;
    }

    /** The MiniLM tokenizer from the langchain4j artifact, truncating at {@code maxTokens}. */
    public static TextEmbedder minilm(int maxTokens) throws IOException {
        return fromTokenizerJson(Models.resourceBytes(Models.MINILM_TOKENIZER), maxTokens);
    }

    /** A tokenizer from the bytes of a Hugging Face {@code tokenizer.json}. */
    public static TextEmbedder fromTokenizerJson(byte[] json, int maxTokens) throws IOException {
        return new TextEmbedder(TokenIds.tokenizer(json, maxTokens), maxTokens, TextEncoderSpec.Pooling.MEAN, true,
                "", "");
    }

    /** The embedder {@code spec} describes, truncating at {@code maxTokens} (its tokenizer is not checked). */
    public static TextEmbedder of(TextEncoderSpec spec, int maxTokens) throws IOException {
        return of(spec, spec.tokenizerJson(), maxTokens);
    }

    private static TextEmbedder of(TextEncoderSpec spec, byte[] json, int maxTokens) throws IOException {
        // MiniLM keeps the key it always had, so its cached FP32 embeddings stay valid
        String key = spec.isMinilm() ? "" : ";encoder=" + org.mixquant.data.Texts.sha256(spec.pooling() + ";"
                + spec.normalize() + ";" + spec.prefix(), List.of(new String(json,
                java.nio.charset.StandardCharsets.UTF_8)));
        return new TextEmbedder(TokenIds.tokenizer(json, maxTokens), maxTokens, spec.pooling(), spec.normalize(),
                spec.prefix(), key);
    }

    /**
     * The embedder of {@code model}'s {@link OnnxModel#textEncoder() text encoder settings}, or MiniLM's when it has
     * none, after checking that the tokenizer fits the model ({@link TextEncoderSpec#check}).
     *
     * @throws java.nio.file.NoSuchFileException if the tokenizer file does not exist
     * @throws IllegalArgumentException          if the model has no {@code input_ids} / {@code attention_mask}
     *                                           inputs or the tokenizer's vocabulary exceeds its embedding table
     */
    public static TextEmbedder forModel(OnnxModel model, int maxTokens) throws IOException {
        TextEncoderSpec spec = model.textEncoder().orElse(TextEncoderSpec.minilm());
        byte[] json = spec.tokenizerJson();
        spec.check(model.graph(), json);
        return of(spec, json, maxTokens);
    }

    /**
     * What besides the tokenizer's truncation sets the embeddings, for cache keys: {@code ""} for MiniLM's settings,
     * else a digest of the tokenizer, pooling, normalisation and prefix.
     */
    public String settingsKey() {
        return settingsKey;
    }

    /**
     * Token ids of {@code texts} as {@link #embed} feeds them (prefix added, special tokens, truncated at
     * {@link #maxTokens()}), one row per text, for code that runs the encoder itself (calibration capture).
     */
    public long[][] tokenIds(List<String> texts) {
        return TokenIds.encode(tokenizer, prefixed(texts));
    }

    private List<String> prefixed(List<String> texts) {
        return prefix.isEmpty() ? texts : texts.stream().map(t -> prefix + t).toList();
    }

    /** Longest input in tokens. */
    public int maxTokens() {
        return maxTokens;
    }

    /**
     * Embeds {@code texts} with an open session; row i is the unit-length embedding of text i.
     *
     * @param afterBatch told the number of texts done after each batch (for progress), may be null
     */
    public float[][] embed(OrtSession session, List<String> texts, int batchSize, IntConsumer afterBatch)
            throws OrtException {
        float[][] out = new float[texts.size()][];
        try (Batches batches = batches(session.getInputNames(), texts, batchSize)) {
            for (int b = 0; b < batches.count(); b++) {
                Map<String, OnnxTensor> feeds = batches.feeds(b);
                try (OrtSession.Result r = NativeSessions.GLOBAL.call(() -> session.run(feeds))) {
                    batches.pool(b, r.get(0), out);
                }
                if (afterBatch != null) {
                    afterBatch.accept(batches.end(b));
                }
            }
        }
        return out;
    }

    /**
     * {@code texts} tokenized, sorted by token count and cut into batches padded to their longest text, as ONNX
     * Runtime inputs of a model with inputs {@code inputNames}; {@link Batches#pool} turns a batch's first output
     * into embeddings. Close the result to release the input tensors.
     *
     * @throws IllegalArgumentException for no texts, a batch size below 1, or a model without {@code input_ids} and
     *                                  {@code attention_mask} inputs
     */
    public Batches batches(java.util.Set<String> inputNames, List<String> texts, int batchSize) throws OrtException {
        return batches(inputNames, texts, batchSize, Double.POSITIVE_INFINITY);
    }

    /**
     * Like {@link #batches(java.util.Set, List, int)}, but a batch also ends before a text that would make it pad to
     * more than {@code 1 + maxPadding} times its real tokens (texts sorted by token count; each batch is padded to its
     * longest text): few long texts then no longer pad many short ones to their length. With
     * {@code maxPadding = ∞} batches are cut by {@code batchSize} alone. A text's embedding does not depend on the
     * batch it is in, up to float summation order.
     *
     * @param maxPadding padded tokens / real tokens − 1 allowed per batch, ≥ 0 (e.g. {@link #BUCKET_PADDING})
     */
    public Batches batches(java.util.Set<String> inputNames, List<String> texts, int batchSize, double maxPadding)
            throws OrtException {
        if (!(maxPadding >= 0)) {
            throw new IllegalArgumentException("padding allowance must be ≥ 0, got " + maxPadding);
        }
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("no texts to embed");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be ≥ 1, got " + batchSize);
        }
        if (!inputNames.contains("input_ids") || !inputNames.contains("attention_mask")) {
            throw new IllegalArgumentException("embedding needs a BERT-style model with inputs input_ids and"
                    + " attention_mask; this model has inputs " + inputNames);
        }
        int n = texts.size();
        long[][] ids = tokenIds(texts);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingInt((Integer i) -> ids[i].length).thenComparingInt(i -> i));
        boolean hasTypeIds = inputNames.contains("token_type_ids");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Batches batches = new Batches(n, pooling, normalize);
        try {
            for (int start = 0; start < n; ) {
                int end = start + 1;
                long real = ids[order.get(start)].length;
                while (end < n && end - start < batchSize) {
                    int next = ids[order.get(end)].length;
                    if ((double) (end - start + 1) * next > (1 + maxPadding) * (real + next)) {
                        break;
                    }
                    real += next;
                    end++;
                }
                int b = end - start;
                int len = 0;
                for (int j = start; j < end; j++) {
                    len = Math.max(len, ids[order.get(j)].length);
                }
                long[] idBuf = new long[b * len];
                long[] maskBuf = new long[b * len];
                int[] rows = new int[b];
                for (int j = 0; j < b; j++) {
                    rows[j] = order.get(start + j);
                    long[] row = ids[rows[j]];
                    System.arraycopy(row, 0, idBuf, j * len, row.length);
                    for (int t = 0; t < row.length; t++) {
                        maskBuf[j * len + t] = 1;
                    }
                }
                long[] shape = {b, len};
                Map<String, OnnxTensor> inputs = new HashMap<>();
                batches.add(rows, maskBuf, len, end, inputs);
                inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(idBuf), shape));
                inputs.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(maskBuf), shape));
                if (hasTypeIds) {
                    inputs.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[b * len]),
                            shape));
                }
                start = end;
            }
        } catch (OrtException | RuntimeException e) {
            batches.close();
            throw e;
        }
        return batches;
    }

    /** Tokenized texts in length-sorted batches, as ONNX Runtime input tensors (owned: close to release). */
    public static final class Batches implements AutoCloseable {
        private final int texts;
        private final List<int[]> rows = new ArrayList<>();
        private final List<long[]> masks = new ArrayList<>();
        private final List<Integer> lengths = new ArrayList<>();
        private final List<Integer> ends = new ArrayList<>();
        private final List<Map<String, OnnxTensor>> feeds = new ArrayList<>();
        private final TextEncoderSpec.Pooling pooling;
        private final boolean normalize;

        private Batches(int texts, TextEncoderSpec.Pooling pooling, boolean normalize) {
            this.texts = texts;
            this.pooling = pooling;
            this.normalize = normalize;
        }

        private void add(int[] r, long[] mask, int len, int end, Map<String, OnnxTensor> f) {
            rows.add(r);
            masks.add(mask);
            lengths.add(len);
            ends.add(end);
            feeds.add(f);
        }

        /** Number of batches. */
        public int count() {
            return feeds.size();
        }

        /** Number of texts. */
        public int texts() {
            return texts;
        }

        /** The input tensors of batch {@code b}, by graph input name. */
        public Map<String, OnnxTensor> feeds(int b) {
            return java.util.Collections.unmodifiableMap(feeds.get(b));
        }

        /** The input tensors of every batch. */
        public List<Map<String, OnnxTensor>> allFeeds() {
            return feeds.stream().map(java.util.Collections::unmodifiableMap).toList();
        }

        /** Texts done after batch {@code b} (for progress). */
        int end(int b) {
            return ends.get(b);
        }

        /**
         * Writes the embeddings of batch {@code b} from the model's first output, {@code [batch, tokens, hidden]}
         * (mean-pooled over the attention mask, or the first token's vector for [CLS] pooling) or
         * {@code [batch, hidden]} (already pooled), L2-normalised unless the spec says not to, into {@code out}'s
         * rows of those texts (input order).
         */
        public void pool(int b, OnnxValue firstOutput, float[][] out) throws OrtException {
            int[] r = rows.get(b);
            Object value = firstOutput.getValue();
            if (value instanceof float[][][] hidden && hidden.length == r.length) {
                for (int j = 0; j < r.length; j++) {
                    out[r[j]] = pooling == TextEncoderSpec.Pooling.CLS
                            ? (normalize ? normalize(hidden[j][0]) : hidden[j][0].clone())
                            : meanPool(hidden[j], masks.get(b), j * lengths.get(b), normalize);
                }
            } else if (value instanceof float[][] pooled && pooled.length == r.length) {
                for (int j = 0; j < r.length; j++) {
                    out[r[j]] = normalize ? normalize(pooled[j]) : pooled[j].clone();
                }
            } else {
                throw new IllegalArgumentException("embedding needs the model's first output to be float [batch,"
                        + " tokens, hidden] (token vectors, mean-pooled here) or [batch, hidden] (already pooled);"
                        + " it is " + firstOutput.getInfo());
            }
        }

        @Override
        public void close() {
            for (Map<String, OnnxTensor> f : feeds) {
                f.values().forEach(OnnxTensor::close);
            }
            feeds.clear();
        }
    }

    /** Mean of the token vectors where the mask is 1, divided by its L2 norm if {@code normalize}. */
    static float[] meanPool(float[][] tokens, long[] mask, int maskOff, boolean normalize) {
        int h = tokens[0].length;
        double[] sum = new double[h];
        int count = 0;
        for (int t = 0; t < tokens.length; t++) {
            if (mask[maskOff + t] == 0) {
                continue;
            }
            count++;
            for (int d = 0; d < h; d++) {
                sum[d] += tokens[t][d];
            }
        }
        for (int d = 0; d < h; d++) {
            sum[d] /= Math.max(count, 1);
        }
        if (!normalize) {
            float[] out = new float[h];
            for (int d = 0; d < h; d++) {
                out[d] = (float) sum[d];
            }
            return out;
        }
        return unit(sum);
    }

    /** A pooled sentence vector divided by its L2 norm. */
    static float[] normalize(float[] pooled) {
        double[] v = new double[pooled.length];
        for (int d = 0; d < v.length; d++) {
            v[d] = pooled[d];
        }
        return unit(v);
    }

    /** {@code v / max(‖v‖₂, 1e-12)} in float32. */
    private static float[] unit(double[] v) {
        double norm = 0;
        for (double x : v) {
            norm += x * x;
        }
        norm = Math.max(Math.sqrt(norm), 1e-12);
        float[] out = new float[v.length];
        for (int d = 0; d < v.length; d++) {
            out[d] = (float) (v[d] / norm);
        }
        return out;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
