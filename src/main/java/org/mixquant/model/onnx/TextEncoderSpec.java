package org.mixquant.model.onnx;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How a sentence encoder turns texts into embeddings: which Hugging Face {@code tokenizer.json}, how token vectors
 * are pooled ({@link Pooling#MEAN} over the attention mask, or the first token's vector, {@link Pooling#CLS}),
 * whether the pooled vector is L2-normalised, and a prefix put before every text (e5 models are trained with
 * {@code "query: "} / {@code "passage: "}). An {@link OnnxModel} carries one ({@link OnnxModel#textEncoder()}):
 * the built-in models their own, an {@code .onnx} file the {@code tokenizer.json} found beside it
 * ({@link #discover}).
 *
 * @param tokenizer a file path, or {@code classpath:/name.json} for a jar resource
 * @param pooling   how token vectors become one sentence vector
 * @param normalize divide the pooled vector by its L2 norm
 * @param prefix    put before every text before tokenizing ({@code ""}: none)
 */
public record TextEncoderSpec(String tokenizer, Pooling pooling, boolean normalize, String prefix) {
    /** Marks a tokenizer that is a classpath resource. */
    public static final String CLASSPATH = "classpath:";

    /** How the encoder's token vectors {@code [tokens, hidden]} become one sentence vector. */
    public enum Pooling {
        /** Mean over the tokens whose attention mask is 1 (sentence-transformers' mean pooling). */
        MEAN,
        /** The first token's vector ([CLS]). */
        CLS;

        /** The command-line spelling, {@code mean} or {@code cls}. */
        public String cliName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Settings a user gives for an encoder, each {@code null} when not given, applied over a model's own
     * ({@link #applyTo}).
     *
     * @param tokenizer a {@code tokenizer.json}
     * @param pooling   mean or [CLS]
     * @param normalize L2-normalise or not
     * @param prefix    put before every text
     */
    public record Overrides(Path tokenizer, Pooling pooling, Boolean normalize, String prefix) {
        /** None given. */
        public static Overrides none() {
            return new Overrides(null, null, null, null);
        }

        /** True when nothing is given. */
        public boolean isEmpty() {
            return tokenizer == null && pooling == null && normalize == null && prefix == null;
        }

        /**
         * {@code model} with its text encoder settings (its own, else MiniLM's) replaced by those given here.
         *
         * @throws java.io.FileNotFoundException if the tokenizer given is not a file
         */
        public OnnxModel applyTo(OnnxModel model) throws IOException {
            if (isEmpty()) {
                return model;
            }
            if (tokenizer != null && !Files.isRegularFile(tokenizer)) {
                throw new java.io.FileNotFoundException("tokenizer file not found: " + tokenizer);
            }
            TextEncoderSpec s = model.textEncoder().orElse(minilm());
            if (tokenizer != null) {
                s = s.withTokenizer(tokenizer);
            }
            if (pooling != null) {
                s = s.withPooling(pooling);
            }
            if (normalize != null) {
                s = s.withNormalize(normalize);
            }
            if (prefix != null) {
                s = s.withPrefix(prefix);
            }
            return model.withTextEncoder(s);
        }
    }

    /** Rejects nulls and a blank tokenizer. */
    public TextEncoderSpec {
        Objects.requireNonNull(tokenizer, "tokenizer");
        Objects.requireNonNull(pooling, "pooling");
        Objects.requireNonNull(prefix, "prefix");
        if (tokenizer.isBlank()) {
            throw new IllegalArgumentException("tokenizer must name a file or a classpath resource");
        }
    }

    /**
     * all-MiniLM-L6-v2 as sentence-transformers and langchain4j use it: its tokenizer, mean pooling, L2-normalised,
     * no prefix.
     */
    public static TextEncoderSpec minilm() {
        return new TextEncoderSpec(CLASSPATH + org.mixquant.model.Models.MINILM_TOKENIZER, Pooling.MEAN, true, "");
    }

    /**
     * e5-small-v2 as langchain4j 0.36.2's {@code E5SmallV2EmbeddingModel} runs it: its tokenizer, mean pooling,
     * L2-normalised, no prefix (langchain4j adds none; e5's authors recommend {@code "query: "} or
     * {@code "passage: "}, see {@link #withPrefix}).
     */
    public static TextEncoderSpec e5SmallV2() {
        return new TextEncoderSpec(CLASSPATH + org.mixquant.model.Models.E5_SMALL_V2_TOKENIZER, Pooling.MEAN, true, "");
    }

    /** The tokenizer in {@code file} with mean pooling, L2-normalised, no prefix. */
    public static TextEncoderSpec ofFile(Path file) {
        return new TextEncoderSpec(file.toString(), Pooling.MEAN, true, "");
    }

    /**
     * The tokenizer beside an {@code .onnx} file: {@code tokenizer.json} in its folder, else
     * {@code <name>-tokenizer.json} (langchain4j's naming, e.g. {@code e5-small-v2.onnx} and
     * {@code e5-small-v2-tokenizer.json}); empty when neither exists.
     */
    public static Optional<Path> discover(Path modelFile) {
        Path dir = modelFile.toAbsolutePath().getParent();
        if (dir == null) {
            return Optional.empty();
        }
        Path plain = dir.resolve("tokenizer.json");
        if (Files.isRegularFile(plain)) {
            return Optional.of(plain);
        }
        String name = modelFile.getFileName().toString();
        String stem = name.toLowerCase(Locale.ROOT).endsWith(".onnx") ? name.substring(0, name.length() - 5) : name;
        Path named = dir.resolve(stem + "-tokenizer.json");
        return Files.isRegularFile(named) ? Optional.of(named) : Optional.empty();
    }

    /** This spec with the tokenizer in {@code file}. */
    public TextEncoderSpec withTokenizer(Path file) {
        return new TextEncoderSpec(file.toString(), pooling, normalize, prefix);
    }

    /** This spec with {@code p} pooling. */
    public TextEncoderSpec withPooling(Pooling p) {
        return new TextEncoderSpec(tokenizer, p, normalize, prefix);
    }

    /** This spec with normalisation on or off. */
    public TextEncoderSpec withNormalize(boolean on) {
        return new TextEncoderSpec(tokenizer, pooling, on, prefix);
    }

    /** This spec with {@code text} put before every text. */
    public TextEncoderSpec withPrefix(String text) {
        return new TextEncoderSpec(tokenizer, pooling, normalize, text);
    }

    /** True for exactly MiniLM's settings ({@link #minilm()}). */
    public boolean isMinilm() {
        return equals(minilm());
    }

    /** One line for messages: tokenizer, pooling, normalisation and prefix. */
    public String describe() {
        return "tokenizer " + tokenizer + ", " + pooling.cliName() + " pooling, "
                + (normalize ? "L2-normalised" : "not normalised")
                + (prefix.isEmpty() ? ", no prefix" : ", prefix '" + prefix + "'");
    }

    /**
     * The bytes of the tokenizer file or resource.
     *
     * @throws java.io.FileNotFoundException if the file or resource does not exist (the message names it)
     */
    public byte[] tokenizerJson() throws IOException {
        if (tokenizer.startsWith(CLASSPATH)) {
            String res = tokenizer.substring(CLASSPATH.length());
            try (InputStream in = TextEncoderSpec.class.getResourceAsStream(res)) {
                if (in == null) {
                    throw new java.io.FileNotFoundException("tokenizer resource " + res + " not found on the classpath"
                            + " (is its Maven artifact missing?)");
                }
                return in.readAllBytes();
            }
        }
        Path p = Path.of(tokenizer);
        if (!Files.isRegularFile(p)) {
            throw new java.io.FileNotFoundException("tokenizer file not found: " + tokenizer);
        }
        return Files.readAllBytes(p);
    }

    /**
     * Checks that a model with graph {@code graph} can be run with this tokenizer: it has inputs {@code input_ids} and
     * {@code attention_mask}, and every id the tokenizer can produce ({@link #vocabularySize}) has a row in the
     * model's word-embedding table ({@link #embeddingRows}; skipped when the graph has no recognisable table).
     *
     * @throws IllegalArgumentException naming what does not match
     */
    public void check(OnnxGraph graph, byte[] tokenizerJson) {
        if (!graph.inputs().contains("input_ids") || !graph.inputs().contains("attention_mask")) {
            throw new IllegalArgumentException("model " + graph.source() + " is not a text encoder: it needs graph"
                    + " inputs input_ids and attention_mask, it has " + graph.inputs());
        }
        OptionalLong rows = embeddingRows(graph);
        long vocab = vocabularySize(tokenizerJson);
        if (rows.isPresent() && vocab > rows.getAsLong()) {
            throw new IllegalArgumentException("tokenizer " + tokenizer + " does not match model " + graph.source()
                    + ": its vocabulary has " + vocab + " ids but the model's word-embedding table has "
                    + rows.getAsLong() + " rows");
        }
    }

    /**
     * Rows of the word-embedding table: the first dimension of the 2-D initializer that a {@code Gather} node looks
     * up with {@code input_ids} (directly or through a {@code Cast}); empty when no such node exists.
     */
    public static OptionalLong embeddingRows(OnnxGraph graph) {
        for (OnnxMl.NodeProto n : graph.nodes()) {
            if (!n.getOpType().equals("Gather") || n.getInputCount() < 2 || !fromInputIds(graph, n.getInput(1))) {
                continue;
            }
            Optional<OnnxMl.TensorProto> table = graph.initializer(n.getInput(0));
            if (table.isPresent() && table.get().getDimsCount() == 2) {
                return OptionalLong.of(table.get().getDims(0));
            }
        }
        return OptionalLong.empty();
    }

    private static boolean fromInputIds(OnnxGraph graph, String tensor) {
        if (tensor.equals("input_ids")) {
            return true;
        }
        Optional<OnnxMl.NodeProto> p = graph.producer(tensor);
        return p.isPresent() && p.get().getOpType().equals("Cast") && p.get().getInputCount() == 1
                && p.get().getInput(0).equals("input_ids");
    }

    /**
     * Number of ids a Hugging Face {@code tokenizer.json} can produce: 1 + the largest id in its model's vocabulary
     * ({@code model.vocab}, an object of token → id (WordPiece, BPE) or a list of [token, score] pairs (Unigram))
     * and its {@code added_tokens}.
     *
     * @throws IllegalArgumentException if it is not JSON or has no vocabulary
     */
    public static long vocabularySize(byte[] tokenizerJson) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(tokenizerJson);
        } catch (IOException e) {
            throw new IllegalArgumentException("tokenizer is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        JsonNode vocab = root == null ? null : root.path("model").get("vocab");
        long max = -1;
        if (vocab != null && vocab.isObject()) {
            for (Iterator<JsonNode> it = vocab.elements(); it.hasNext(); ) {
                max = Math.max(max, it.next().asLong(-1));
            }
        } else if (vocab != null && vocab.isArray()) {
            max = vocab.size() - 1L;
        } else {
            throw new IllegalArgumentException("tokenizer has no model.vocab: not a Hugging Face tokenizer.json");
        }
        for (JsonNode t : root.path("added_tokens")) {
            max = Math.max(max, t.path("id").asLong(-1));
        }
        return max + 1;
    }
}
