package org.mixquant.model.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.model.Layer;
import org.mixquant.progress.Progress;
import org.mixquant.quant.Granularity;
import org.mixquant.quant.Scheme;
import org.mixquant.search.ErrorTable;

/** Locating and reading external data: every bad location or file is refused with one line that names it. */
class ExternalDataTest {
    /** d 16, 2 blocks: embedding (8 × 16) first in the data file, then blocks.0.attn.q.weight at offset 512. */
    static final SyntheticTransformer TINY = new SyntheticTransformer(16, 2, 8, 5);
    static final String Q0 = "blocks.0.attn.q.weight";

    @TempDir
    Path dir;

    Path model;
    Path data;

    private void write() throws IOException {
        model = TINY.write(dir, true, Progress.NONE);
        data = dir.resolve(SyntheticTransformer.DATA_FILE);
    }

    /** Rewrites the external_data entries of initializer {@code name} in the model file. */
    private void edit(String name, UnaryOperator<OnnxMl.TensorProto.Builder> change) throws IOException {
        OnnxMl.ModelProto m = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(model));
        OnnxMl.GraphProto.Builder g = m.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            if (g.getInitializer(i).getName().equals(name)) {
                g.setInitializer(i, change.apply(g.getInitializer(i).toBuilder()).build());
            }
        }
        Files.write(model, m.toBuilder().setGraph(g).build().toByteArray());
    }

    private static UnaryOperator<OnnxMl.TensorProto.Builder> set(String key, String value) {
        return t -> {
            for (int i = 0; i < t.getExternalDataCount(); i++) {
                if (t.getExternalData(i).getKey().equals(key)) {
                    t.setExternalData(i, t.getExternalData(i).toBuilder().setValue(value));
                }
            }
            return t;
        };
    }

    private static void assertOneLine(Throwable e, String... parts) {
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' not in: " + e.getMessage());
        }
    }

    /** Java 17 (jdk.unsupported) lets each mapped view go as soon as it is copied: reads keep nothing mapped. */
    @Test
    void viewsAreUnmappedRightAfterReadingAndReadsStillWork() throws Exception {
        assertTrue(ExternalData.unmapsEagerly());
        write();
        OnnxModel m = OnnxModel.load(model);
        float[] first = m.layers().get(0).weight().toArray();
        org.junit.jupiter.api.Assertions.assertArrayEquals(first, m.layers().get(0).weight().toArray(),
                "a second read after unmapping the first view reads the same values");
    }

    @Test
    void aMissingDataFileIsNamed() throws Exception {
        write();
        Files.delete(data);
        IOException e = assertThrows(IOException.class, () -> OnnxModel.load(model));
        assertOneLine(e, data.toString(), "does not exist", Q0.replace("blocks.0.attn.q", "embed"));
    }

    @Test
    void aTruncatedDataFileIsNamedWithOffsetAndLength() throws Exception {
        write();
        long size = Files.size(data);
        try (FileChannel ch = FileChannel.open(data, StandardOpenOption.WRITE)) {
            ch.truncate(size - 4);
        }
        long lastLength = 4L * 4 * 16 * 16;
        IOException e = assertThrows(IOException.class, () -> OnnxModel.load(model));
        assertOneLine(e, data.toString(), "offset " + (size - lastLength), "length " + lastLength,
                (size - 4) + " bytes");
    }

    @Test
    void aDataFileCutAfterLoadingIsNamedWhenTheLayerIsRead() throws Exception {
        write();
        OnnxModel m = OnnxModel.load(model);
        try (FileChannel ch = FileChannel.open(data, StandardOpenOption.WRITE)) {
            ch.truncate(100);
        }
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> m.layers().get(0).weight());
        assertOneLine(e, data.toString(), "offset 512", "length 1024");
        assertThrows(UncheckedIOException.class,
                () -> ErrorTable.compute(m, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, 2, Progress.NONE));
    }

    @Test
    void aRangeOfTheWrongLengthIsRefused() throws Exception {
        write();
        edit(Q0, set("length", "1020"));
        IOException e = assertThrows(IOException.class, () -> OnnxModel.load(model));
        assertOneLine(e, data.toString(), Q0, "needs 1024 bytes", "1020");
    }

    @Test
    void anAbsoluteLocationIsRefused() throws Exception {
        write();
        edit(Q0, set("location", data.toAbsolutePath().toString()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxModel.load(model));
        assertOneLine(e, Q0, "absolute");
    }

    @Test
    void aLocationOutOfTheFolderIsRefused() throws Exception {
        Path sub = dir.resolve("sub");
        model = TINY.write(sub, true, Progress.NONE);
        Files.copy(sub.resolve(SyntheticTransformer.DATA_FILE), dir.resolve("outside.data"));
        edit(Q0, set("location", "../outside.data"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxModel.load(model));
        assertOneLine(e, Q0, "leaves the model's folder");
        edit(Q0, set("location", "x/../../outside.data"));
        assertOneLine(assertThrows(IllegalArgumentException.class, () -> OnnxModel.load(model)), "leaves");
    }

    @Test
    void aSymbolicLinkOutOfTheFolderIsRefused() throws Exception {
        Path sub = dir.resolve("sub");
        model = TINY.write(sub, true, Progress.NONE);
        Path outside = Files.move(sub.resolve(SyntheticTransformer.DATA_FILE), dir.resolve("outside.data"));
        Files.createSymbolicLink(sub.resolve(SyntheticTransformer.DATA_FILE), outside);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxModel.load(model));
        assertOneLine(e, "symbolic link");
    }

    @Test
    void aLocationInASubfolderIsFine() throws Exception {
        write();
        Files.createDirectories(dir.resolve("weights"));
        Files.move(data, dir.resolve("weights/w.bin"));
        OnnxMl.ModelProto m = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(model));
        for (OnnxMl.TensorProto t : m.getGraph().getInitializerList()) {
            edit(t.getName(), set("location", "weights/w.bin"));
        }
        OnnxModel loaded = OnnxModel.load(model);
        assertEquals(TINY.quantizableParams(), loaded.quantizableParams());
        assertEquals(16 * 16, loaded.layers().get(0).weight().size());
    }

    @Test
    void badOffsetsAreRefused() throws Exception {
        write();
        edit(Q0, set("offset", "-4"));
        assertOneLine(assertThrows(IllegalArgumentException.class, () -> OnnxModel.load(model)), Q0, "-4");
        edit(Q0, set("offset", Long.toString(Files.size(data))));
        assertOneLine(assertThrows(IOException.class, () -> OnnxModel.load(model)), data.toString(), "offset");
    }

    @Test
    void nonFiniteWeightsAreRefusedNamingTheLayerWhenRead() throws Exception {
        write();
        try (RandomAccessFile f = new RandomAccessFile(data.toFile(), "rw")) {
            f.seek(512 + 4 * 3);
            f.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(Float.NaN).array());
        }
        OnnxModel m = OnnxModel.load(model);
        Layer q0 = m.layers().get(0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, q0::weight);
        assertOneLine(e, "layer '" + q0.name() + "'", Q0, "NaN", "flat index 3");
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                () -> ErrorTable.compute(m, Scheme.ASYMMETRIC, Granularity.PER_CHANNEL, 2, Progress.NONE));
        assertEquals(e.getMessage(), e2.getMessage());
    }

    @Test
    void bytesWithoutAFolderCannotHaveLayersInExternalData() throws Exception {
        write();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxModel.fromBytes("mem", Files.readAllBytes(model)));
        assertOneLine(e, "'mem'", "external file", "load the model from its .onnx file");
    }
}
