package org.mixquant.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.model.Layer;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.onnx.TextEmbedder;
import org.mixquant.model.TinyBert;
import org.mixquant.progress.Progress;

/** Non-finite model outputs never become metrics (issue 13, "non-finite metrics"). */
class EmbeddingEvaluatorTest {
    /** 12 texts (top-10 overlap needs more than 10), exactly 3 of them with the word "the". */
    static final List<String> TEXTS = List.of("the cat sleeps", "dogs bark loudly", "a bird sings", "rain falls",
            "the sun rises", "wind blows", "fish swim", "trees grow tall", "snow melts", "the river flows",
            "stars shine", "bees hum");

    /** Unit-length float32 embeddings: the cosine of a vector with itself is 1 within float rounding. */
    static final double COS_TOL = 1e-6;

    static OnnxModel tinyEncoder(Map<String, java.util.function.Consumer<float[]>> edits) {
        return OnnxModel.fromBytes("tinybert", TinyBert.bytes(7, TinyBert.MINILM_VOCAB, edits));
    }

    /**
     * The disk cache's file name is a key of the model, tokenizer settings and texts; the name below was made by the
     * key code before it moved to {@code data.Texts}, so caches written by earlier runs are still found.
     */
    @Test
    void cacheFileNameIsTheKeyEarlierRunsWrote(@TempDir Path cache)
            throws Exception {
        try (TextEmbedder embedder = TextEmbedder.minilm(TextEmbedder.DEFAULT_MAX_TOKENS)) {
            EmbeddingEvaluator.create(tinyEncoder(Map.of()), embedder, TEXTS, 1, Progress.NONE, cache,
                    w -> { }).referenceEmbeddings();
        }
        try (Stream<Path> files = Files.list(cache.resolve("embeddings"))) {
            assertEquals(List.of("f373c3a5ee732d53821ac5defc168f9b7231f2502358740f3a8501d41de36105.bin"),
                    files.map(f -> f.getFileName().toString()).toList());
        }
    }

    @Test
    void nanInAWordEmbeddingRowIsReportedNotTurnedIntoAMetric() throws Exception {
        // the word-embedding matrix E is a Gather input, never quantized: only the texts with "the" see the NaN
        OnnxModel fp32 = tinyEncoder(Map.of("E", e -> e[TinyBert.MINILM_THE * TinyBert.H + 3] = Float.NaN));
        try (TextEmbedder embedder = TextEmbedder.minilm(TextEmbedder.DEFAULT_MAX_TOKENS)) {
            EmbeddingEvaluator ev = EmbeddingEvaluator.create(fp32, embedder, TEXTS, 1, Progress.NONE);
            IllegalStateException e = assertThrows(IllegalStateException.class, ev::referenceEmbeddings);
            assertEquals("the FP32 model's outputs contain NaN or infinite values for 3 of 12 texts (tinybert):"
                    + " check the model's non-quantized weights (embeddings, biases, normalisation)", e.getMessage());
            Study.Subject subject = Study.Subject.embeddings(fp32, null, ev);
            assertThrows(IllegalStateException.class, subject::fp32Row, "no FP32 row either");
        }
    }

    @Test
    void infinityInABiasIsReportedForEveryText() throws Exception {
        OnnxModel fp32 = tinyEncoder(Map.of("bo", b -> b[0] = Float.POSITIVE_INFINITY));
        try (TextEmbedder embedder = TextEmbedder.minilm(TextEmbedder.DEFAULT_MAX_TOKENS)) {
            EmbeddingEvaluator ev = EmbeddingEvaluator.create(fp32, embedder, TEXTS, 1, Progress.NONE);
            IllegalStateException e = assertThrows(IllegalStateException.class, ev::referenceEmbeddings);
            assertTrue(e.getMessage().contains("for 12 of 12 texts"), e.getMessage());
        }
    }

    @Test
    void nonFiniteQuantizedEmbeddingsAreReportedWithThePlan() throws Exception {
        OnnxModel fp32 = tinyEncoder(Map.of());
        Layer q = fp32.layers().get(0);
        float[] w = q.weight().toArray();
        w[0] = Float.NaN;
        OnnxModel broken = fp32.withWeights(Map.of(q.name(), q.weight().withData(w)));
        try (TextEmbedder embedder = TextEmbedder.minilm(TextEmbedder.DEFAULT_MAX_TOKENS)) {
            EmbeddingEvaluator ev = EmbeddingEvaluator.create(fp32, embedder, TEXTS, 1, Progress.NONE);
            assertEquals(1.0, ev.fidelity(fp32, "fp32 again").meanCosine(), COS_TOL, "finite FP32 evaluates");
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> ev.fidelity(broken, "plan uniform-4"));
            assertEquals("the quantized model (plan uniform-4) gives NaN or infinite outputs for 12 of 12 texts,"
                    + " where the FP32 model's are finite", e.getMessage());
        }
    }
}
