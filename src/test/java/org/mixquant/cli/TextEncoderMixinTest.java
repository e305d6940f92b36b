package org.mixquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.cli.CliHarness.Run;
import org.mixquant.data.FortuneCorpus;
import org.mixquant.model.Models;
import org.mixquant.model.TinyBert;
import org.mixquant.model.TinyOnnx;

/** A user's own sentence encoder on the command line: e5-small-v2, {@code --texts}, and the bad inputs. */
class TextEncoderMixinTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Runs the command, checks its one-line error, no stdout, and that nothing under {@code dir} changed. */
    private void assertFails(String[] args, String... fragments) throws Exception {
        Map<String, String> before = CliHarness.snapshot(dir);
        Run r = CliHarness.run(args);
        r.assertOneLineError(ExitCodes.FAILURE, fragments);
        assertEquals("", r.out(), "no partial output");
        assertEquals(before, CliHarness.snapshot(dir), "the run changed files under " + dir);
    }

    private Path bert(String name) throws Exception {
        return Files.write(dir.resolve(name), TinyBert.bytes(1, TinyBert.MINILM_VOCAB, Map.of()));
    }

    @Test
    void evaluateE5SmallV2AtEightBits() throws Exception {
        Run r = CliHarness.run("evaluate", Models.E5_SMALL_V2, "--bits", "8", "--corpus-size", "32", "--format",
                "json", "--cache-dir", dir.resolve("cache").toString(), "-q");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        JsonNode root = JSON.readTree(r.out());
        assertEquals("e5-small-v2", root.get("model").asText());
        assertEquals("fortunes", root.get("corpus").get("source").asText());
        assertEquals(32, root.get("corpus").get("size").asInt());
        // measured 0.99990 (README): int8 per channel leaves e5-small-v2's embeddings almost unchanged
        double cos = root.get("fidelity").get("meanCosine").asDouble();
        assertTrue(cos > 0.999 && cos < 1.0, "mean cosine " + cos);
    }

    @Test
    void textsFileIsTheCorpus() throws Exception {
        Path model = bert("bert.onnx");
        Path texts = Files.write(dir.resolve("texts.txt"), (String.join("\n", FortuneCorpus.load(14)) + "\n\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Run r = CliHarness.run("evaluate", model.toString(), "--bits", "4", "--texts", texts.toString(),
                "--prefix", "passage: ", "--pooling", "cls", "--format", "json", "--cache-dir",
                dir.resolve("cache").toString());
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.err().contains("no tokenizer for " + model + " (no tokenizer.json beside it, no --tokenizer):"
                + " using MiniLM's"), r.err());
        JsonNode corpus = JSON.readTree(r.out()).get("corpus");
        assertEquals(texts.toString(), corpus.get("source").asText());
        assertEquals(14, corpus.get("size").asInt(), "blank lines are skipped");
        Run first12 = CliHarness.run("evaluate", model.toString(), "--bits", "4", "--texts", texts.toString(),
                "--corpus-size", "12", "--format", "json", "-q", "--cache-dir", dir.resolve("cache").toString());
        assertEquals(ExitCodes.OK, first12.code(), first12.err());
        assertEquals(12, JSON.readTree(first12.out()).get("corpus").get("size").asInt());
    }

    @Test
    void aMissingTokenizerFileIsAnError() throws Exception {
        Path model = bert("bert.onnx");
        assertFails(new String[] {"evaluate", model.toString(), "--bits", "8", "--tokenizer",
                dir.resolve("missing.json").toString()}, "tokenizer file not found: " + dir.resolve("missing.json"));
    }

    @Test
    void anEmptyTextsFileIsAnError() throws Exception {
        Path model = bert("bert.onnx");
        Path empty = Files.write(dir.resolve("empty.txt"), "\n  \n".getBytes());
        assertFails(new String[] {"evaluate", model.toString(), "--bits", "8", "--texts", empty.toString()},
                "text file " + empty + " holds no text");
        assertFails(new String[] {"evaluate", model.toString(), "--bits", "8", "--texts",
                dir.resolve("none.txt").toString()}, "text file not found: " + dir.resolve("none.txt"));
    }

    @Test
    void aGraphWithoutTextInputsIsAnError() throws Exception {
        Path mlp = TinyOnnx.mlp(TinyOnnx.values(12, 1), TinyOnnx.values(6, 2)).write(dir, "mlp.onnx");
        assertFails(new String[] {"evaluate", mlp.toString(), "--bits", "8", "--tokenizer",
                writeMiniLmTokenizer("tok.json").toString()}, "not a text encoder", "input_ids and attention_mask",
                "[x]");
    }

    @Test
    void aTokenizerLargerThanTheEmbeddingTableIsAnError() throws Exception {
        Path model = Files.write(dir.resolve("small.onnx"), TinyBert.bytes(1));
        writeMiniLmTokenizer("small-tokenizer.json");
        for (String[] args : List.of(new String[] {"evaluate", model.toString(), "--bits", "8"},
                new String[] {"compare", model.toString(), "--bits", "8", "--methods", "nearest"})) {
            assertFails(args, "does not match model", "30522 ids", "word-embedding table has 20 rows");
        }
    }

    private Path writeMiniLmTokenizer(String name) throws Exception {
        return Files.write(dir.resolve(name), Models.resourceBytes(Models.MINILM_TOKENIZER));
    }
}
