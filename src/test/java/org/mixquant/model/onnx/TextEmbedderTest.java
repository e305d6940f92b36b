package org.mixquant.model.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.onnx.OnnxRunner;
import org.mixquant.model.LayerKind;
import org.mixquant.model.TinyBert;
import org.mixquant.model.Models;
import org.mixquant.model.TinyOnnx;

/** Checks our tokenize → ONNX Runtime → mean-pool → normalise pipeline against langchain4j's own MiniLM model. */
class TextEmbedderTest {
    /** Same model and tokenizer; only padding (batch vs single) and float summation order differ. */
    static final double MIN_COSINE = 0.99999;

    static final List<String> SENTENCES = List.of(
            "The quick brown fox jumps over the lazy dog.",
            "Quantization maps real numbers onto a small set of integers.",
            "A journey of a thousand miles begins with a single step.",
            "It was the best of times, it was the worst of times.",
            "Hi!");

    static OnnxModel model;
    static TextEmbedder embedder;

    @BeforeAll
    static void load() throws Exception {
        model = Models.minilm();
        embedder = TextEmbedder.minilm(256);
    }

    @AfterAll
    static void close() {
        embedder.close();
    }

    @Test
    void matchesLangchain4jAllMiniLmL6V2() throws Exception {
        AllMiniLmL6V2EmbeddingModel reference = new AllMiniLmL6V2EmbeddingModel();
        float[][] ours;
        try (OnnxRunner r = model.open(OrtEnvironment.getEnvironment(), 2)) {
            ours = embedder.embed(r.session(), SENTENCES, 2, null);
        }
        for (int i = 0; i < SENTENCES.size(); i++) {
            float[] theirs = reference.embed(SENTENCES.get(i)).content().vector();
            assertEquals(theirs.length, ours[i].length);
            double dot = 0;
            double n1 = 0;
            double n2 = 0;
            for (int d = 0; d < theirs.length; d++) {
                dot += (double) theirs[d] * ours[i][d];
                n1 += (double) theirs[d] * theirs[d];
                n2 += (double) ours[i][d] * ours[i][d];
            }
            double cos = dot / Math.sqrt(n1 * n2);
            assertTrue(cos >= MIN_COSINE, "sentence " + i + ": cosine " + cos);
            assertEquals(1.0, Math.sqrt(n2), 1e-5, "our embeddings are unit length");
        }
    }

    @Test
    void prefixIsTheSameAsPrependingTheText() throws Exception {
        List<String> prefixed = SENTENCES.stream().map(t -> "query: " + t).toList();
        try (TextEmbedder withPrefix = TextEmbedder.of(TextEncoderSpec.minilm().withPrefix("query: "), 256);
             OnnxRunner r = model.open(OrtEnvironment.getEnvironment(), 1)) {
            float[][] a = withPrefix.embed(r.session(), SENTENCES, 2, null);
            float[][] b = embedder.embed(r.session(), prefixed, 2, null);
            float[][] plain = embedder.embed(r.session(), SENTENCES, 2, null);
            for (int i = 0; i < SENTENCES.size(); i++) {
                // same ids in the same batches: ONNX Runtime gives the same floats
                org.junit.jupiter.api.Assertions.assertArrayEquals(b[i], a[i]);
                assertTrue(cosine(a[i], plain[i]) < 0.9999, "the prefix changes the embedding");
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(withPrefix.tokenIds(SENTENCES),
                    embedder.tokenIds(prefixed));
        }
    }

    @Test
    void clsPoolingTakesTheFirstTokenVectorAndNormalizeIsOptional() throws Exception {
        TextEncoderSpec cls = TextEncoderSpec.minilm().withPooling(TextEncoderSpec.Pooling.CLS).withNormalize(false);
        try (TextEmbedder raw = TextEmbedder.of(cls, 256);
             TextEmbedder unit = TextEmbedder.of(cls.withNormalize(true), 256);
             TextEmbedder meanRaw = TextEmbedder.of(TextEncoderSpec.minilm().withNormalize(false), 256);
             OnnxRunner r = model.open(OrtEnvironment.getEnvironment(), 1)) {
            long[][] ids = raw.tokenIds(SENTENCES);
            float[][] first = raw.embed(r.session(), SENTENCES, 1, null);
            float[][] normalized = unit.embed(r.session(), SENTENCES, 1, null);
            float[][] mean = meanRaw.embed(r.session(), SENTENCES, 1, null);
            float[][] meanUnit = embedder.embed(r.session(), SENTENCES, 1, null);
            for (int i = 0; i < SENTENCES.size(); i++) {
                long[] shape = {1, ids[i].length};
                java.util.Map<String, ai.onnxruntime.OnnxTensor> feeds = new java.util.HashMap<>();
                OrtEnvironment env = OrtEnvironment.getEnvironment();
                long[] mask = new long[ids[i].length];
                java.util.Arrays.fill(mask, 1);
                feeds.put("input_ids", ai.onnxruntime.OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(ids[i]),
                        shape));
                feeds.put("attention_mask", ai.onnxruntime.OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(mask),
                        shape));
                feeds.put("token_type_ids", ai.onnxruntime.OnnxTensor.createTensor(env,
                        java.nio.LongBuffer.wrap(new long[ids[i].length]), shape));
                float[] token0;
                try (ai.onnxruntime.OrtSession.Result res = r.session().run(feeds)) {
                    token0 = ((float[][][]) res.get(0).getValue())[0][0];
                } finally {
                    feeds.values().forEach(ai.onnxruntime.OnnxTensor::close);
                }
                // one text per batch, no padding: the same ONNX Runtime call, so the same floats
                org.junit.jupiter.api.Assertions.assertArrayEquals(token0, first[i]);
                double norm = Math.sqrt(dot(first[i], first[i]));
                assertTrue(Math.abs(norm - 1) > 0.01, "not normalised: norm " + norm);
                for (int d = 0; d < token0.length; d++) {
                    // float32 division vs the double sum of squares: a few ulps
                    assertEquals(token0[d] / norm, normalized[i][d], 1e-6);
                }
                double meanNorm = Math.sqrt(dot(mean[i], mean[i]));
                for (int d = 0; d < token0.length; d++) {
                    assertEquals(mean[i][d] / meanNorm, meanUnit[i][d], 1e-6);
                }
            }
        }
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int d = 0; d < a.length; d++) {
            s += (double) a[d] * b[d];
        }
        return s;
    }

    static double cosine(float[] a, float[] b) {
        return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
    }

    @Test
    void batchingAndOrderDoNotChangeEmbeddings() throws Exception {
        try (OnnxRunner r = model.open(OrtEnvironment.getEnvironment(), 1)) {
            float[][] batched = embedder.embed(r.session(), SENTENCES, 5, null);
            float[][] single = embedder.embed(r.session(), SENTENCES, 1, null);
            for (int i = 0; i < SENTENCES.size(); i++) {
                for (int d = 0; d < batched[i].length; d++) {
                    // Padding changes ORT's reduction lengths, not the masked result beyond float noise.
                    assertEquals(single[i][d], batched[i][d], 1e-5);
                }
            }
        }
    }

    @Test
    void rejectsEmptyInputAndNonBertModels() throws Exception {
        try (OnnxRunner r = model.open(OrtEnvironment.getEnvironment(), 1)) {
            assertThrows(IllegalArgumentException.class, () -> embedder.embed(r.session(), List.of(), 4, null));
        }
        OnnxModel mlp = OnnxModel.fromBytes("mlp", TinyOnnx.mlp(TinyOnnx.values(12, 1), TinyOnnx.values(6, 2))
                .bytes());
        try (OnnxRunner r = mlp.open(OrtEnvironment.getEnvironment(), 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> embedder.embed(r.session(), List.of("x"), 4, null));
            assertTrue(e.getMessage().contains("input_ids"), e.getMessage());
        }
    }

    /** A word-level tokenizer over TinyBert's vocabulary: "[UNK]" = 0, "w1" .. "w19" = 1 .. 19, no special tokens. */
    static byte[] tinyTokenizer() {
        StringBuilder vocab = new StringBuilder("\"[UNK]\": 0");
        for (int i = 1; i < TinyBert.V; i++) {
            vocab.append(", \"w").append(i).append("\": ").append(i);
        }
        return ("{\"version\": \"1.0\", \"truncation\": null, \"padding\": null, \"added_tokens\": [],"
                + " \"normalizer\": null, \"pre_tokenizer\": {\"type\": \"Whitespace\"}, \"post_processor\": null,"
                + " \"decoder\": null, \"model\": {\"type\": \"WordLevel\", \"vocab\": {" + vocab + "},"
                + " \"unk_token\": \"[UNK]\"}}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** TinyBert with its token vectors averaged inside the graph: output {@code pooled [batch, H]}. */
    static byte[] tinyBertPooled() throws Exception {
        ai.onnx.proto.OnnxMl.ModelProto m = ai.onnx.proto.OnnxMl.ModelProto.parseFrom(TinyBert.bytes(3));
        ai.onnx.proto.OnnxMl.GraphProto.Builder g = m.getGraph().toBuilder();
        g.addNode(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("ReduceMean").setName("pool")
                .addInput("last_hidden_state").addOutput("pooled")
                .addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("axes")
                        .setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INTS).addInts(1))
                .addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("keepdims")
                        .setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INT).setI(0)));
        g.clearOutput().addOutput(ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder().setName("pooled")
                .setType(ai.onnx.proto.OnnxMl.TypeProto.newBuilder().setTensorType(
                        ai.onnx.proto.OnnxMl.TypeProto.Tensor.newBuilder()
                                .setElemType(ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT.getNumber()))));
        return m.toBuilder().setGraph(g).build().toByteArray();
    }

    @Test
    void pooledEncoderOutputIsTheSentenceEmbedding() throws Exception {
        // one text per batch, so no padding: the graph's mean over tokens equals our masked mean pooling
        List<String> texts = List.of("w1 w5 w7", "w3 w3 w9 w12 w2", "w18");
        OnnxModel tokens = OnnxModel.fromBytes("tinybert", TinyBert.bytes(3));
        OnnxModel pooled = OnnxModel.fromBytes("tinybert-pooled", tinyBertPooled());
        try (TextEmbedder tiny = TextEmbedder.fromTokenizerJson(tinyTokenizer(), 16);
                OnnxRunner rt = tokens.open(OrtEnvironment.getEnvironment(), 1);
                OnnxRunner rp = pooled.open(OrtEnvironment.getEnvironment(), 1)) {
            float[][] expected = tiny.embed(rt.session(), texts, 1, null);
            float[][] got = tiny.embed(rp.session(), texts, 1, null);
            for (int i = 0; i < texts.size(); i++) {
                for (int d = 0; d < TinyBert.H; d++) {
                    // ORT's ReduceMean and our double sum differ by float rounding only
                    assertEquals(expected[i][d], got[i][d], 1e-6, "text " + i + " dim " + d);
                }
            }
        }
    }

    @Test
    void minilmHasThe36MatMulLayersOfDesignMd() {
        assertEquals(36, model.layers().size());
        assertEquals(10_616_832L, model.quantizableParams());
        assertEquals("/encoder/layer.0/attention/self/query/MatMul", model.layers().get(0).name());
        assertTrue(model.layers().stream().allMatch(l -> l.kind() == LayerKind.MATMUL && l.channelAxis() == 1));
    }
}
