package org.mixquant.model.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import java.io.DataInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.mixquant.data.FortuneCorpus;
import org.mixquant.model.Models;

/**
 * Our FP32 e5-small-v2 embeddings against langchain4j 0.36.2's own {@code E5SmallV2EmbeddingModel} on the first 32
 * fortunes, from the golden file {@code tools/e5-oracle/E5Golden.java} writes (see tools/e5-oracle/README.md).
 */
class E5OracleTest {
    /** Same model file and tokenizer; only batching (padding) and float summation order differ. */
    static final double MIN_COSINE = 0.99999;
    static final Path GOLDEN = Path.of("src", "test", "resources", "golden", "e5", "e5-small-v2-fortunes32.bin.gz");

    @Test
    void fp32EmbeddingsMatchLangchain4jE5SmallV2() throws Exception {
        List<String> texts = new ArrayList<>();
        float[][] theirs;
        try (InputStream raw = Files.newInputStream(GOLDEN);
             DataInputStream in = new DataInputStream(new GZIPInputStream(raw))) {
            int n = in.readInt();
            int dim = in.readInt();
            theirs = new float[n][dim];
            for (int i = 0; i < n; i++) {
                texts.add(in.readUTF());
                for (int d = 0; d < dim; d++) {
                    theirs[i][d] = in.readFloat();
                }
            }
            assertEquals(-1, in.read(), "nothing after the last embedding");
        }
        assertEquals(FortuneCorpus.load(texts.size()), texts, "the golden was made on the same fortunes");
        OnnxModel e5 = Models.e5SmallV2();
        float[][] ours;
        // 512 tokens: langchain4j does not truncate texts this short (it splits texts over 510 tokens)
        try (TextEmbedder embedder = TextEmbedder.forModel(e5, 512);
             OnnxRunner r = e5.open(OrtEnvironment.getEnvironment(), 2)) {
            ours = embedder.embed(r.session(), texts, TextEmbedder.DEFAULT_BATCH, null);
        }
        double worst = 1;
        for (int i = 0; i < texts.size(); i++) {
            assertEquals(theirs[i].length, ours[i].length);
            double dot = 0;
            double n1 = 0;
            double n2 = 0;
            for (int d = 0; d < theirs[i].length; d++) {
                dot += (double) theirs[i][d] * ours[i][d];
                n1 += (double) theirs[i][d] * theirs[i][d];
                n2 += (double) ours[i][d] * ours[i][d];
            }
            double cos = dot / Math.sqrt(n1 * n2);
            worst = Math.min(worst, cos);
            assertTrue(cos >= MIN_COSINE, "text " + i + ": cosine " + cos);
            assertEquals(1.0, Math.sqrt(n2), 1e-5, "our embeddings are unit length");
        }
        System.out.println("e5-small-v2 vs langchain4j: worst cosine " + worst);
    }
}
