package org.mixquant.model.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.io.RandomAccessFile;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.model.Layer;
import org.mixquant.model.LayerKind;
import org.mixquant.progress.Progress;
import org.mixquant.quant.Bits;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;
import org.mixquant.search.ErrorTable;

/**
 * The synthetic transformer, and loading a model with external data: the same model written with external data and
 * with embedded weights loads to the same layers, values and error table.
 */
class SyntheticTransformerTest {
    /** d 128, 4 blocks, 512 embedding rows: 786,432 quantizable weights, 3.4 MB of data. */
    static final SyntheticTransformer SMALL = new SyntheticTransformer(128, 4, 512, 7);

    @TempDir
    Path dir;

    @Test
    void externalDataLoadsLayerByLayerAndEqualsTheEmbeddedModel() throws Exception {
        OnnxModel ext = OnnxModel.load(SMALL.write(dir.resolve("ext"), true, Progress.NONE));
        OnnxModel emb = OnnxModel.load(SMALL.write(dir.resolve("emb"), false, Progress.NONE));
        assertTrue(Files.size(dir.resolve("ext/model.onnx")) < 10_000, "the weights are not in the .onnx file");
        assertEquals(SMALL.bytes(), Files.size(dir.resolve("ext/" + SyntheticTransformer.DATA_FILE)));
        assertTrue(ext.hasExternalData());
        assertFalse(emb.hasExternalData());
        assertEquals(emb.layerNames(), ext.layerNames());
        assertEquals(6 * 4, ext.layers().size());
        assertEquals(SMALL.quantizableParams(), ext.quantizableParams());
        assertEquals(512L * 128, ext.otherParams(), "the embedding feeds a Gather: not quantizable");
        assertEquals(emb.otherParams(), ext.otherParams());
        for (int i = 0; i < ext.layers().size(); i++) {
            Layer a = ext.layers().get(i);
            Layer b = emb.layers().get(i);
            assertFalse(a.resident(), a.name());
            assertTrue(b.resident(), b.name());
            assertEquals(LayerKind.MATMUL, a.kind());
            assertEquals(b.tensorName(), a.tensorName());
            assertArrayEquals(b.shape(), a.shape());
            assertEquals(1, a.channelAxis(), "MatMul [in, out]: output channels on axis 1");
            assertArrayEquals(b.weight().toArray(), a.weight().toArray(), a.name());
        }
        // both sum the same values in the same fixed order: exactly equal
        for (int threads : new int[] {1, 2}) {
            ErrorTable te = ErrorTable.compute(ext, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, threads,
                    Progress.NONE);
            ErrorTable tb = ErrorTable.compute(emb, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, threads,
                    Progress.NONE);
            assertEquals(tb.layers(), te.layers());
            for (int i = 0; i < tb.size(); i++) {
                for (int b = Bits.MIN; b <= Bits.MAX; b++) {
                    assertEquals(tb.sse(i, b), te.sse(i, b), 0.0, te.layers().get(i) + " at " + b + " bits");
                }
                assertEquals(tb.sumSquares(i), te.sumSquares(i), 0.0);
            }
        }
    }

    @Test
    void anExternalModelIsImmutableAndQuantizedCopiesHoldTheirWeights() throws Exception {
        OnnxModel ext = OnnxModel.load(SMALL.write(dir, true, Progress.NONE));
        Layer first = ext.layers().get(0);
        float[] zeros = new float[(int) first.params()];
        OnnxModel q = ext.withWeights(Map.of(first.name(), first.weight().withData(zeros)));
        assertTrue(q.layers().get(0).resident());
        assertArrayEquals(zeros, q.layers().get(0).weight().toArray());
        assertFalse(ext.layers().get(0).resident(), "the loaded model is unchanged");
        assertNotEquals(0f, ext.layers().get(0).weight().get(0));
    }

    /** The generated graph is valid ONNX that ONNX Runtime runs (embedded form: sessions need the bytes). */
    @Test
    void onnxRuntimeRunsTheEmbeddedForm() throws Exception {
        SyntheticTransformer tiny = new SyntheticTransformer(16, 2, 32, 3);
        OnnxModel m = OnnxModel.load(tiny.write(dir, false, Progress.NONE));
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxRunner r = m.open(env, 1);
             OnnxTensor ids = OnnxTensor.createTensor(env, new long[] {1, 5, 31});
             OrtSession.Result out = r.session().run(Map.of("ids", ids))) {
            float[][] h = (float[][]) out.get(0).getValue();
            assertEquals(3, h.length);
            assertEquals(16, h[0].length);
        }
    }

    @Test
    void anExternalModelRefusesOnnxRuntimeWithOneLine() throws Exception {
        OnnxModel m = OnnxModel.load(new SyntheticTransformer(16, 1, 8, 1).write(dir, true, Progress.NONE));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.open(OrtEnvironment.getEnvironment(), 1));
        assertTrue(e.getMessage().contains("external data"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void theFingerprintCoversTheExternalData() throws Exception {
        Path model = new SyntheticTransformer(16, 1, 8, 1).write(dir, true, Progress.NONE);
        String before = OnnxModel.load(model).fingerprint();
        assertEquals(before, OnnxModel.load(model).fingerprint());
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve(SyntheticTransformer.DATA_FILE).toFile(), "rw")) {
            f.seek(f.length() - 1);
            int b = f.read();
            f.seek(f.length() - 1);
            f.write(b ^ 1);
        }
        assertNotEquals(before, OnnxModel.load(model).fingerprint());
    }

    @Test
    void sizesForAParameterCount() {
        assertEquals(List.of(256, 13), shape(SyntheticTransformer.forParams(1e7, 0)));
        assertEquals(List.of(768, 14), shape(SyntheticTransformer.forParams(1e8, 0)));
        assertEquals(List.of(2304, 16), shape(SyntheticTransformer.forParams(1e9, 0)));
        SyntheticTransformer b = SyntheticTransformer.forParams(1e9, 0);
        assertEquals(12L * 2304 * 2304 * 16, b.quantizableParams());
        assertEquals(b.quantizableParams() + 8192L * 2304, b.params());
        assertThrows(IllegalArgumentException.class, () -> SyntheticTransformer.forParams(0, 0));
        assertThrows(IllegalArgumentException.class, () -> SyntheticTransformer.forParams(Double.NaN, 0));
    }

    private static List<Integer> shape(SyntheticTransformer t) {
        return List.of(t.d(), t.blocks());
    }

    @Test
    void neverOverwrites() throws Exception {
        Files.writeString(dir.resolve(SyntheticTransformer.DATA_FILE), "mine");
        assertThrows(FileAlreadyExistsException.class, () -> SMALL.write(dir, true, Progress.NONE));
        assertEquals("mine", Files.readString(dir.resolve(SyntheticTransformer.DATA_FILE)));
        assertFalse(Files.exists(dir.resolve(SyntheticTransformer.MODEL_FILE)));
    }

    @Test
    void theSeedDecidesTheValues() throws Exception {
        OnnxModel a = OnnxModel.load(new SyntheticTransformer(16, 1, 8, 1).write(dir.resolve("a"), true,
                Progress.NONE));
        OnnxModel b = OnnxModel.load(new SyntheticTransformer(16, 1, 8, 1).write(dir.resolve("b"), true,
                Progress.NONE));
        OnnxModel c = OnnxModel.load(new SyntheticTransformer(16, 1, 8, 2).write(dir.resolve("c"), true,
                Progress.NONE));
        assertArrayEquals(a.layers().get(0).weight().toArray(), b.layers().get(0).weight().toArray());
        assertFalse(java.util.Arrays.equals(a.layers().get(0).weight().toArray(),
                c.layers().get(0).weight().toArray()));
    }
}
