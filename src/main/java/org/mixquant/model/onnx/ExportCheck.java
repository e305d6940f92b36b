package org.mixquant.model.onnx;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.mixquant.data.FortuneCorpus;
import org.mixquant.data.LabelledImages;

/**
 * Runs an {@link OnnxExport} and the fake-quantized {@link OnnxModel} it came from in ONNX Runtime on the same inputs
 * and reports the largest absolute difference of their outputs: the exported file must compute what the toolkit
 * evaluated. Inputs are chosen from the model's graph inputs: a sentence encoder (inputs {@code input_ids} and
 * {@code attention_mask}) embeds the first {@link #TEXTS} fortunes with the MiniLM tokenizer and the differences are
 * those of the unit-length sentence embeddings ({@link TextEmbedder}); a model whose graph inputs are all FLOAT with
 * fixed shapes (a dynamic first axis, the batch, is fed 1) gets {@link #SAMPLES} seeded uniform [-1, 1) samples and every FLOAT output is compared. Other models
 * are not checked ({@link #run} returns empty).
 *
 * @param inputs     what was fed, e.g. {@code 16 fortunes} or {@code 4 random samples}
 * @param values     how many output values were compared
 * @param maxAbsDiff largest |exported − fake-quantized| over them
 */
public record ExportCheck(String inputs, long values, double maxAbsDiff) {
    /** Fortunes embedded for a sentence encoder. */
    public static final int TEXTS = 16;
    /** Random samples for a model with fixed-shape FLOAT inputs. */
    public static final int SAMPLES = 4;

    /**
     * Compares {@code export} with {@code fakeQuant} (the same model with the fake-quantized weights the export holds
     * as integers), or returns empty when the model's inputs are of neither supported kind.
     *
     * @param threads intra-op threads of each session (≥ 1)
     * @throws IOException if the fortunes or the tokenizer cannot be read
     */
    public static Optional<ExportCheck> run(OnnxModel fakeQuant, OnnxExport export, int threads)
            throws IOException, OrtException {
        OnnxGraph g = fakeQuant.graph();
        List<OnnxMl.ValueInfoProto> inputs = g.proto().getGraph().getInputList().stream()
                .filter(v -> g.initializer(v.getName()).isEmpty()).toList();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        boolean text = inputs.stream().anyMatch(v -> v.getName().equals("input_ids"))
                && inputs.stream().anyMatch(v -> v.getName().equals("attention_mask"));
        if (text) {
            List<String> texts = FortuneCorpus.load(TEXTS);
            try (TextEmbedder embedder = TextEmbedder.forModel(fakeQuant, TextEmbedder.DEFAULT_MAX_TOKENS);
                    OnnxRunner a = fakeQuant.open(env, threads); OnnxRunner b = export.open(env, threads)) {
                float[][] ea = embedder.embed(a.session(), texts, TextEmbedder.DEFAULT_BATCH, null);
                float[][] eb = embedder.embed(b.session(), texts, TextEmbedder.DEFAULT_BATCH, null);
                return Optional.of(compared(texts.size() + " fortunes (sentence embeddings)", ea, eb));
            }
        }
        for (OnnxMl.ValueInfoProto v : inputs) {
            if (fixedFloatShape(v) == null) {
                return Optional.empty();
            }
        }
        Random r = new Random(42);
        double max = 0;
        long n = 0;
        try (OnnxRunner a = fakeQuant.open(env, threads); OnnxRunner b = export.open(env, threads)) {
            for (int s = 0; s < SAMPLES; s++) {
                Map<String, OnnxTensor> feed = new HashMap<>();
                try {
                    for (OnnxMl.ValueInfoProto v : inputs) {
                        long[] shape = fixedFloatShape(v);
                        long count = 1;
                        for (long d : shape) {
                            count *= d;
                        }
                        float[] x = new float[Math.toIntExact(count)];
                        for (int i = 0; i < x.length; i++) {
                            x[i] = r.nextFloat() * 2 - 1;
                        }
                        feed.put(v.getName(), OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape));
                    }
                    try (OrtSession.Result ra = NativeSessions.GLOBAL.call(() -> a.session().run(feed));
                            OrtSession.Result rb = NativeSessions.GLOBAL.call(() -> b.session().run(feed))) {
                        for (int o = 0; o < ra.size(); o++) {
                            float[] fa = floats(ra.get(o));
                            float[] fb = floats(rb.get(o));
                            if (fa != null && fb != null) {
                                max = Math.max(max, maxAbsDiff(fa, fb));
                                n += fa.length;
                            }
                        }
                    }
                } finally {
                    feed.values().forEach(OnnxTensor::close);
                }
            }
        }
        return Optional.of(new ExportCheck(SAMPLES + " random samples (uniform [-1, 1), seed 42)", n, max));
    }

    /**
     * Reads back an exported file ({@link OnnxExport#write}) and compares its sentence embeddings of {@code texts}
     * with {@code fakeQuant}'s, both embedded with {@code fakeQuant}'s own text encoder settings
     * ({@link TextEmbedder#forModel}): the file on disk must compute what the toolkit evaluated.
     *
     * @param threads intra-op threads of each session (≥ 1)
     * @throws IOException              if the file or the tokenizer cannot be read
     * @throws IllegalArgumentException if {@code fakeQuant} is not a text encoder or {@code texts} is empty
     */
    public static ExportCheck ofFileOnTexts(OnnxModel fakeQuant, Path file, List<String> texts, int threads)
            throws IOException, OrtException {
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("no texts to compare the exported file on");
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (TextEmbedder embedder = TextEmbedder.forModel(fakeQuant, TextEmbedder.DEFAULT_MAX_TOKENS);
                OnnxRunner a = fakeQuant.open(env, threads); OnnxRunner b = OnnxExport.openFile(file, env, threads)) {
            float[][] ea = embedder.embed(a.session(), texts, TextEmbedder.DEFAULT_BATCH, null);
            float[][] eb = embedder.embed(b.session(), texts, TextEmbedder.DEFAULT_BATCH, null);
            return compared(texts.size() + " texts (sentence embeddings)", ea, eb);
        }
    }

    /**
     * Reads back an exported image classifier ({@link OnnxExport#write}) and compares its first output (logits) on
     * {@code images} with {@code fakeQuant}'s ({@link ImageClassifier#logits}).
     *
     * @param threads intra-op threads of each session (≥ 1)
     * @throws IOException              if the file cannot be read
     * @throws IllegalArgumentException if {@code fakeQuant} is not an image classifier or the images do not fit it
     */
    public static ExportCheck ofFileOnImages(OnnxModel fakeQuant, Path file, LabelledImages images, int threads)
            throws IOException, OrtException {
        ImageClassifier.Signature sig = ImageClassifier.signature(fakeQuant);
        sig.requireFits(images);
        int batch = 250;
        float[][] la = ImageClassifier.logits(fakeQuant, images, batch, threads, null);
        float[][] lb;
        try (OnnxRunner b = OnnxExport.openFile(file, OrtEnvironment.getEnvironment(), threads)) {
            lb = ImageClassifier.logits(b, sig, file.toString(), images, batch, null);
        }
        return compared(images.size() + " images (first output)", la, lb);
    }

    /** The check of two equally long lists of output rows. */
    private static ExportCheck compared(String inputs, float[][] a, float[][] b) {
        double max = 0;
        long n = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, maxAbsDiff(a[i], b[i]));
            n += a[i].length;
        }
        return new ExportCheck(inputs, n, max);
    }

    /** The shape of a FLOAT input with only fixed dimensions, else null. */
    private static long[] fixedFloatShape(OnnxMl.ValueInfoProto v) {
        if (!v.getType().hasTensorType()) {
            return null;
        }
        OnnxMl.TypeProto.Tensor t = v.getType().getTensorType();
        if (t.getElemType() != OnnxMl.TensorProto.DataType.FLOAT.getNumber() || !t.hasShape()) {
            return null;
        }
        long[] shape = new long[t.getShape().getDimCount()];
        for (int d = 0; d < shape.length; d++) {
            OnnxMl.TensorShapeProto.Dimension dim = t.getShape().getDim(d);
            if (!dim.hasDimValue() || dim.getDimValue() < 1) {
                if (d == 0 && shape.length > 1) {
                    shape[d] = 1; // a dynamic batch axis (an exported classifier's): one sample per run
                    continue;
                }
                return null;
            }
            shape[d] = dim.getDimValue();
        }
        return shape;
    }

    /** The values of a FLOAT tensor output, flattened, or null for anything else. */
    private static float[] floats(OnnxValue v) {
        if (!(v instanceof OnnxTensor t) || t.getInfo().type != ai.onnxruntime.OnnxJavaType.FLOAT) {
            return null;
        }
        FloatBuffer fb = t.getFloatBuffer();
        float[] out = new float[fb.remaining()];
        fb.get(out);
        return out;
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            return Double.POSITIVE_INFINITY;
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - b[i]);
            if (!(d <= m)) {
                m = d;
            }
        }
        return m;
    }
}
