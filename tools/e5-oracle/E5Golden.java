import dev.langchain4j.model.embedding.onnx.e5smallv2.E5SmallV2EmbeddingModel;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.mixquant.data.FortuneCorpus;

/**
 * Writes the e5-small-v2 oracle: the first {@value #TEXTS} fortunes embedded by langchain4j 0.36.2's own
 * {@code E5SmallV2EmbeddingModel} (mean pooling, L2-normalised, no prefix). Run with the classpath of this folder's
 * pom.xml followed by the toolkit's target/classes (for FortuneCorpus only); see README.md.
 *
 * <p>File format ({@code DataOutputStream}, big-endian, gzip): int n, int dim, then n times (UTF text, dim floats).
 */
public final class E5Golden {
    static final int TEXTS = 32;
    static final Path OUT = Path.of("src", "test", "resources", "golden", "e5", "e5-small-v2-fortunes32.bin.gz");

    public static void main(String[] args) throws IOException {
        List<String> texts = FortuneCorpus.load(TEXTS);
        E5SmallV2EmbeddingModel model = new E5SmallV2EmbeddingModel();
        Files.createDirectories(OUT.getParent());
        Path tmp = Files.createTempFile(OUT.getParent(), "e5", ".tmp");
        int dim = -1;
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(tmp)))) {
            for (int i = 0; i < texts.size(); i++) {
                float[] v = model.embed(texts.get(i)).content().vector();
                if (i == 0) {
                    dim = v.length;
                    out.writeInt(texts.size());
                    out.writeInt(dim);
                }
                out.writeUTF(texts.get(i));
                for (float x : v) {
                    out.writeFloat(x);
                }
            }
        }
        Files.move(tmp, OUT, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.println("wrote " + OUT + ": " + texts.size() + " texts × " + dim);
    }
}
