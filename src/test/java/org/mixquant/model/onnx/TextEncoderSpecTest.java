package org.mixquant.model.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.model.Models;
import org.mixquant.model.TinyBert;
import org.mixquant.model.TinyOnnx;

/** Tokenizer discovery, vocabulary checks and option overrides of {@link TextEncoderSpec}. */
class TextEncoderSpecTest {
    @TempDir
    Path dir;

    private static OnnxModel e5;

    /** e5-small-v2, loaded once (parsing its 133 MB takes seconds). */
    static synchronized OnnxModel e5() throws Exception {
        if (e5 == null) {
            e5 = Models.e5SmallV2();
        }
        return e5;
    }

    static byte[] minilmTokenizer() throws Exception {
        return Models.resourceBytes(Models.MINILM_TOKENIZER);
    }

    @Test
    void discoverFindsTokenizerJsonFirstThenTheModelNamedOne() throws Exception {
        Path model = Files.write(dir.resolve("enc.onnx"), new byte[] {1});
        assertEquals(Optional.empty(), TextEncoderSpec.discover(model));
        Path named = Files.write(dir.resolve("enc-tokenizer.json"), minilmTokenizer());
        assertEquals(Optional.of(named.toAbsolutePath()), TextEncoderSpec.discover(model));
        Path plain = Files.write(dir.resolve("tokenizer.json"), minilmTokenizer());
        assertEquals(Optional.of(plain.toAbsolutePath()), TextEncoderSpec.discover(model));
    }

    @Test
    void modelsLoadAttachesTheTokenizerBesideTheFile() throws Exception {
        Path model = Files.write(dir.resolve("bert.onnx"), TinyBert.bytes(1, TinyBert.MINILM_VOCAB, Map.of()));
        assertFalse(((OnnxModel) Models.load(model.toString())).textEncoder().isPresent());
        Path tok = Files.write(dir.resolve("tokenizer.json"), minilmTokenizer());
        OnnxModel m = (OnnxModel) Models.load(model.toString());
        assertEquals(TextEncoderSpec.ofFile(tok.toAbsolutePath()), m.textEncoder().orElseThrow());
        assertEquals(m.textEncoder(), m.withWeights(Map.of()).textEncoder(), "quantized versions keep it");
    }

    @Test
    void builtInEncodersCarryLangchain4jSettings() throws Exception {
        TextEncoderSpec e5 = e5().textEncoder().orElseThrow();
        assertEquals(TextEncoderSpec.Pooling.MEAN, e5.pooling());
        assertTrue(e5.normalize());
        assertEquals("", e5.prefix());
        assertTrue(Models.minilm().textEncoder().orElseThrow().isMinilm());
    }

    @Test
    void vocabularySizeCountsModelVocabAndAddedTokens() throws Exception {
        assertEquals(30522, TextEncoderSpec.vocabularySize(minilmTokenizer()));
        assertEquals(30522, TextEncoderSpec.vocabularySize(Models.resourceBytes(Models.E5_SMALL_V2_TOKENIZER)));
        String unigram = "{\"model\":{\"type\":\"Unigram\",\"vocab\":[[\"<unk>\",0.0],[\"a\",-1.0],[\"b\",-2.0]]},"
                + "\"added_tokens\":[{\"id\":7,\"content\":\"<x>\"}]}";
        assertEquals(8, TextEncoderSpec.vocabularySize(unigram.getBytes(StandardCharsets.UTF_8)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TextEncoderSpec.vocabularySize("{\"model\":{}}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("no model.vocab"), e.getMessage());
    }

    @Test
    void embeddingRowsComeFromTheGatherOnInputIds() throws Exception {
        assertEquals(TinyBert.V, TextEncoderSpec.embeddingRows(OnnxModel.fromBytes("t", TinyBert.bytes(1)).graph())
                .orElseThrow());
        assertEquals(30522, TextEncoderSpec.embeddingRows(e5().graph()).orElseThrow());
    }

    @Test
    void checkRejectsAGraphWithoutTextInputs() throws Exception {
        OnnxModel mlp = OnnxModel.fromBytes("mlp.onnx", TinyOnnx.mlp(TinyOnnx.values(12, 1), TinyOnnx.values(6, 2))
                .bytes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TextEncoderSpec.minilm().check(mlp.graph(), minilmTokenizer()));
        assertEquals("model mlp.onnx is not a text encoder: it needs graph inputs input_ids and attention_mask, it"
                + " has [x]", e.getMessage());
    }

    @Test
    void checkRejectsATokenizerLargerThanTheEmbeddingTable() throws Exception {
        OnnxModel tiny = OnnxModel.fromBytes("tiny.onnx", TinyBert.bytes(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TextEmbedder.forModel(tiny.withTextEncoder(TextEncoderSpec.minilm()), 128));
        assertTrue(e.getMessage().contains("its vocabulary has 30522 ids but the model's word-embedding table has 20"
                + " rows"), e.getMessage());
    }

    @Test
    void overridesReplaceOnlyWhatIsGiven() throws Exception {
        OnnxModel e5 = e5();
        assertEquals(e5, TextEncoderSpec.Overrides.none().applyTo(e5));
        OnnxModel q = new TextEncoderSpec.Overrides(null, TextEncoderSpec.Pooling.CLS, false, "query: ").applyTo(e5);
        assertEquals(TextEncoderSpec.e5SmallV2().withPooling(TextEncoderSpec.Pooling.CLS).withNormalize(false)
                .withPrefix("query: "), q.textEncoder().orElseThrow());
        assertEquals(TextEncoderSpec.e5SmallV2(), e5.textEncoder().orElseThrow(), "the loaded model is unchanged");
    }

    @Test
    void aMissingTokenizerFileIsNamed() throws Exception {
        Path missing = dir.resolve("nope.json");
        FileNotFoundException e = assertThrows(FileNotFoundException.class,
                () -> new TextEncoderSpec.Overrides(missing, null, null, null).applyTo(Models.minilm()));
        assertEquals("tokenizer file not found: " + missing, e.getMessage());
        FileNotFoundException e2 = assertThrows(FileNotFoundException.class,
                () -> TextEncoderSpec.ofFile(missing).tokenizerJson());
        assertEquals(e.getMessage(), e2.getMessage());
    }
}
