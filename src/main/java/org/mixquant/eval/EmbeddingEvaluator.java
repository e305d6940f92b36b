package org.mixquant.eval;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.mixquant.data.Texts;
import org.mixquant.io.OutputFiles;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.onnx.OnnxRunner;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.onnx.TextEmbedder;
import org.mixquant.progress.Progress;

/**
 * Embedding fidelity of quantized versions of one sentence-embedding ONNX model over a fixed corpus. The FP32
 * embeddings are computed once and cached on disk under {@link #cacheDir()} keyed by the SHA-256 of the model file,
 * the texts and the tokenizer settings, so repeated runs skip them. The cache is only an optimisation: when it
 * cannot be read or written (no home folder, a file where the folder should be, no permission) the evaluator tells
 * its warning listener in one line and goes on without it.
 */
public final class EmbeddingEvaluator {
    private final OnnxModel reference;
    private final TextEmbedder embedder;
    private final List<String> texts;
    private final int threads;
    private final Progress progress;
    private final Path cacheDir;
    private final Consumer<String> warnings;
    private float[][] referenceEmbeddings;

    private EmbeddingEvaluator(OnnxModel reference, TextEmbedder embedder, List<String> texts, int threads,
            Progress progress, Path cacheDir, Consumer<String> warnings) {
        this.reference = reference;
        this.embedder = embedder;
        this.texts = List.copyOf(texts);
        this.threads = threads;
        this.progress = progress;
        this.cacheDir = cacheDir;
        this.warnings = warnings;
    }

    /**
     * An evaluator for {@code reference} (the FP32 model) over {@code texts}.
     *
     * @param threads  ONNX Runtime intra-op threads
     * @param progress told about embedding progress
     */
    public static EmbeddingEvaluator create(OnnxModel reference, TextEmbedder embedder, List<String> texts,
            int threads, Progress progress) {
        return create(reference, embedder, texts, threads, progress, cacheDir().orElse(null),
                msg -> System.err.println("[mixquant] warning: " + msg));
    }

    /**
     * Like {@link #create(OnnxModel, TextEmbedder, List, int, Progress)} with the cache folder and the warning
     * listener given.
     *
     * @param cacheDir folder of the FP32 embedding cache ({@code null}: no disk cache)
     * @param warnings told, in one line each, when the cache cannot be used (the evaluation goes on)
     */
    public static EmbeddingEvaluator create(OnnxModel reference, TextEmbedder embedder, List<String> texts,
            int threads, Progress progress, Path cacheDir, Consumer<String> warnings) {
        if (texts.size() <= Fidelity.K) {
            throw new IllegalArgumentException("the corpus needs more than " + Fidelity.K + " texts, got "
                    + texts.size());
        }
        if (!reference.overrides().isEmpty()) {
            throw new IllegalArgumentException("the reference model must be the unmodified FP32 model");
        }
        return new EmbeddingEvaluator(reference, embedder, texts, threads, progress, cacheDir, warnings);
    }

    /** Texts of the corpus. */
    public List<String> texts() {
        return texts;
    }

    /**
     * Where FP32 embeddings are cached by default: {@code $MIXQUANT_CACHE_DIR} or {@code ~/.cache/mixquant}; empty
     * when neither names a usable absolute path (e.g. a user without a home folder), so nothing is ever cached in the
     * working folder by accident.
     */
    public static Optional<Path> cacheDir() {
        try {
            String env = System.getenv("MIXQUANT_CACHE_DIR");
            if (env != null && !env.isBlank()) {
                return Optional.of(Path.of(env));
            }
            String home = System.getProperty("user.home");
            if (home == null || home.isBlank() || !Path.of(home).isAbsolute()) {
                return Optional.empty();
            }
            return Optional.of(Path.of(home, ".cache", "mixquant"));
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }

    /**
     * FP32 embeddings of the corpus (computed once, then from memory or the disk cache).
     *
     * @throws IllegalStateException if some are not finite (a NaN or infinity in a weight that is never quantized:
     *                               the message counts the texts); such embeddings are never cached
     */
    public synchronized float[][] referenceEmbeddings() throws OrtException, IOException {
        if (referenceEmbeddings != null) {
            return referenceEmbeddings;
        }
        Path file = cacheDir == null ? null : cacheDir.resolve("embeddings").resolve(cacheKey() + ".bin");
        float[][] e = null;
        if (file != null && Files.isRegularFile(file)) {
            try {
                e = readMatrix(file, texts.size());
            } catch (IOException | RuntimeException ex) {
                // a corrupt or stale cache entry: computed again below and replaced
                warnings.accept("ignoring the cached FP32 embeddings " + file + " (" + ex.getMessage()
                        + "); computing them again");
            }
        }
        boolean cached = e != null;
        if (!cached) {
            e = embed(reference, "FP32 embeddings");
        }
        NonFiniteOutputs.requireFp32(reference.source(), NonFiniteOutputs.rows(e), texts.size(), "texts");
        referenceEmbeddings = e;
        if (!cached) {
            if (file == null) {
                warnings.accept("no cache folder for FP32 embeddings (MIXQUANT_CACHE_DIR is unset and there is no"
                        + " home folder); going on without the cache");
            } else {
                try {
                    writeMatrix(file, e);
                } catch (IOException ex) {
                    warnings.accept("FP32 embeddings not cached in '" + cacheDir + "' (" + ex.getMessage()
                            + "); going on without the cache");
                }
            }
        }
        return referenceEmbeddings;
    }

    /** Embeddings of the corpus under {@code model} (must be this evaluator's model with replaced weights). */
    public float[][] embed(QuantizableModel model, String task) throws OrtException {
        if (!(model instanceof OnnxModel onnx)) {
            throw new IllegalArgumentException("embedding fidelity needs an ONNX model, got " + model.source());
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxRunner runner = onnx.open(env, threads)) {
            int n = texts.size();
            return embedder.embed(runner.session(), texts, TextEmbedder.DEFAULT_BATCH,
                    done -> progress.update(task, done, n));
        }
    }

    /**
     * Fidelity of {@code quantized} against the FP32 embeddings.
     *
     * @throws IllegalStateException if the FP32 or the quantized embeddings are not all finite (the message says
     *                               which and for how many texts), so no NaN metric is ever made
     */
    public Fidelity fidelity(QuantizableModel quantized, String task) throws OrtException, IOException {
        float[][] ref = referenceEmbeddings();
        float[][] other = embed(quantized, task);
        NonFiniteOutputs.requireQuantized(task, NonFiniteOutputs.rows(other), texts.size(), "texts");
        return Fidelity.compare(ref, other);
    }

    /** SHA-256 of the model's fingerprint, the tokenizer settings and the texts (the layout of earlier keys). */
    private String cacheKey() {
        return Texts.sha256(reference.fingerprint() + "maxTokens=" + embedder.maxTokens() + ";n=" + texts.size()
                + ";v2" + embedder.settingsKey(), texts);
    }

    /**
     * Reads a cache file written by {@link #writeMatrix}: rows, columns, the floats and a CRC-32 of all of them, and
     * nothing after it, so a damaged entry (a flipped byte, a truncated or extended file) is never used.
     */
    static float[][] readMatrix(Path file, int expectedRows) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
             java.util.zip.CheckedInputStream checked = new java.util.zip.CheckedInputStream(
                     new java.io.BufferedInputStream(raw), new java.util.zip.CRC32());
             DataInputStream in = new DataInputStream(checked)) {
            int rows = in.readInt();
            int cols = in.readInt();
            if (rows != expectedRows || cols < 1 || cols > 1 << 16) {
                throw new IOException("cache file " + file + " has an unexpected shape " + rows + "x" + cols);
            }
            float[][] m = new float[rows][cols];
            for (float[] row : m) {
                for (int j = 0; j < cols; j++) {
                    row[j] = in.readFloat();
                }
            }
            long crc = checked.getChecksum().getValue();
            if (in.readLong() != crc || in.read() != -1) {
                throw new IOException("checksum mismatch: the file is damaged");
            }
            return m;
        } catch (java.io.EOFException e) {
            throw new IOException("the file is truncated", e);
        }
    }

    /** Writes a cache file: rows, columns, the floats (big-endian) and a CRC-32 of all of them. */
    static void writeMatrix(Path file, float[][] m) throws IOException {
        OutputFiles.write(file, raw -> {
            java.util.zip.CheckedOutputStream checked = new java.util.zip.CheckedOutputStream(raw,
                    new java.util.zip.CRC32());
            DataOutputStream out = new DataOutputStream(checked);
            out.writeInt(m.length);
            out.writeInt(m[0].length);
            for (float[] row : m) {
                for (float v : row) {
                    out.writeFloat(v);
                }
            }
            out.flush();
            new DataOutputStream(raw).writeLong(checked.getChecksum().getValue());
        });
    }
}
