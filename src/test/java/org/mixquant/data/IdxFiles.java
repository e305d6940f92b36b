package org.mixquant.data;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/** Writes small gzip IDX files in tests (the one place that knows the layout, for unit, CLI and fuzz tests). */
public final class IdxFiles {
    private IdxFiles() {
    }

    /** Raw (uncompressed) IDX bytes: the header ints big-endian, then the data. */
    public static byte[] raw(int[] header, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 * header.length + data.length);
        for (int h : header) {
            b.putInt(h);
        }
        return b.put(data).array();
    }

    /** {@code raw} gzip-compressed (default level). */
    public static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bos)) {
            out.write(raw);
        }
        return bos.toByteArray();
    }

    /** {@code raw} in gzip with stored (uncompressed) deflate blocks, so a flipped payload byte still inflates. */
    public static byte[] gzipStored(byte[] raw) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bos) {
            {
                def.setLevel(Deflater.NO_COMPRESSION);
            }
        }) {
            out.write(raw);
        }
        return bos.toByteArray();
    }

    /** Writes a gzip IDX file: big-endian ints, then the bytes. */
    public static void writeIdx(Path file, int[] header, byte[] data) throws IOException {
        Files.write(file, gzip(raw(header, data)));
    }

    /** Pixels of {@code n} images: pixel p of image i is (i * 7 + p) mod 256. */
    public static byte[] pixels(int n) {
        byte[] px = new byte[n * FashionMnist.PIXELS];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < FashionMnist.PIXELS; p++) {
                px[i * FashionMnist.PIXELS + p] = (byte) ((i * 7 + p) % 256);
            }
        }
        return px;
    }

    /** Labels of {@code n} images: i mod 10. */
    public static byte[] labels(int n) {
        byte[] lb = new byte[n];
        for (int i = 0; i < n; i++) {
            lb[i] = (byte) (i % 10);
        }
        return lb;
    }

    /** A tiny split of {@code n} images ({@link #pixels}, {@link #labels}) in {@code dir}. */
    public static void writeSplit(Path dir, FashionMnist.Split split, int n) throws IOException {
        writeIdx(dir.resolve(split.imagesFile()), new int[] {FashionMnist.IMAGE_MAGIC, n, 28, 28}, pixels(n));
        writeIdx(dir.resolve(split.labelsFile()), new int[] {FashionMnist.LABEL_MAGIC, n}, labels(n));
    }

    /** Writes {@code split}'s labels as stored gzip with one label byte flipped mid-stream (the CRC then fails). */
    public static void writeFlippedLabels(Path dir, FashionMnist.Split split, int n) throws IOException {
        byte[] gz = gzipStored(raw(new int[] {FashionMnist.LABEL_MAGIC, n}, labels(n)));
        int mid = gz.length / 2;
        gz[mid] = (byte) (gz[mid] ^ 0x01);
        Files.write(dir.resolve(split.labelsFile()), gz);
    }
}
