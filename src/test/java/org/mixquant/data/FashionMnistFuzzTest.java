package org.mixquant.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.mixquant.FuzzGen;
import org.mixquant.ParserFuzzing;

/**
 * Fuzzes the gzip IDX readers ({@link FashionMnist#readImages}, {@link FashionMnist#readLabels}) with
 * {@link ParserFuzzing}: seeded mutation fuzzing in plain JUnit, {@link ParserFuzzing#TRIES} tries per property.
 */
class FashionMnistFuzzTest {
    static final byte[] IMAGES;
    static final byte[] LABELS;
    static final byte[] IMAGES_STORED;

    static {
        try {
            IMAGES = IdxFiles.gzip(IdxFiles.raw(new int[] {FashionMnist.IMAGE_MAGIC, 3, 28, 28}, IdxFiles.pixels(3)));
            LABELS = IdxFiles.gzip(IdxFiles.raw(new int[] {FashionMnist.LABEL_MAGIC, 40}, IdxFiles.labels(40)));
            IMAGES_STORED = IdxFiles.gzipStored(IdxFiles.raw(new int[] {FashionMnist.IMAGE_MAGIC, 2, 28, 28},
                    IdxFiles.pixels(2)));
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Writes {@code bytes} to a temporary file, reads it as images or labels, and deletes it. */
    static void read(byte[] bytes, boolean images) throws IOException {
        Path f = Files.createTempFile("fuzz-idx", ".gz");
        try {
            Files.write(f, bytes);
            Callable<byte[]> parse = images ? () -> FashionMnist.readImages(f) : () -> FashionMnist.readLabels(f);
            ParserFuzzing.returnsOrRejects(parse, data -> {
                if (images) {
                    assertEquals(0, data.length % FashionMnist.PIXELS);
                } else {
                    for (byte b : data) {
                        assertTrue(b >= 0 && b < FashionMnist.CLASSES);
                    }
                }
            }, IOException.class);
        } finally {
            Files.delete(f);
        }
    }

    static final String[] NAMES = {"images (compressed)", "labels (compressed)", "images (stored)"};

    /** A file's bytes, read as images or labels, and how they were made, for a failure message. */
    record Input(String how, byte[] bytes, boolean asImages) {
        @Override
        public String toString() {
            return how + ", read as " + (asImages ? "images" : "labels") + "; " + bytes.length + " bytes (hex): "
                    + FuzzGen.hex(bytes);
        }
    }

    /**
     * A valid file (compressed, or stored so that payload bytes change without breaking deflate) with 1..6 bytes
     * replaced, at positions drawn from 0..2^31-1 and taken modulo the file length: it is rejected, or it reads as
     * exactly the original data (gzip's CRC32 guards the payload; a change in, e.g., the header's timestamp is
     * harmless). Before the stream was read to its end, a flipped pixel came back as data.
     */
    /** Valid file {@code which} (see {@link #NAMES}) with bytes replaced. */
    record Mutated(int which, String edits, byte[] bytes) {
        @Override
        public String toString() {
            return NAMES[which] + " with bytes (position=value) " + edits + ", read as " + (which == 1 ? "labels"
                    : "images") + "; " + bytes.length + " bytes (hex): " + FuzzGen.hex(bytes);
        }
    }

    @Test
    void mutatedBytes() {
        ParserFuzzing.forAll("FashionMnistFuzzTest.mutatedBytes", ParserFuzzing.TRIES, g -> {
            int which = g.between(0, 2);
            byte[] b = (which == 0 ? IMAGES : which == 1 ? LABELS : IMAGES_STORED).clone();
            List<int[]> edits = g.list(1, 6, () -> new int[] {g.between(0, Integer.MAX_VALUE), g.between(0, 255)});
            for (int[] e : edits) {
                b[e[0] % b.length] = (byte) e[1];
            }
            return new Mutated(which, edits.stream().map(e -> e[0] % b.length + "=" + e[1])
                    .collect(Collectors.joining(", ")), b);
        }, Mutated::toString, in -> {
            int which = in.which();
            byte[] original = which == 0 ? IdxFiles.pixels(3) : which == 1 ? IdxFiles.labels(40) : IdxFiles.pixels(2);
            Path f = Files.createTempFile("fuzz-idx", ".gz");
            try {
                Files.write(f, in.bytes());
                Callable<byte[]> parse = which == 1 ? () -> FashionMnist.readLabels(f)
                        : () -> FashionMnist.readImages(f);
                ParserFuzzing.returnsOrRejects(parse, data -> assertArrayEquals(original, data,
                        "a corrupted file was read as other data"), IOException.class);
            } finally {
                Files.delete(f);
            }
        });
    }

    @Test
    void truncationsAndTrailingBytes() {
        ParserFuzzing.forAll("FashionMnistFuzzTest.truncationsAndTrailingBytes", ParserFuzzing.TRIES, g -> {
            int cut = g.between(0, 10_000);
            int which = g.between(0, 2);
            byte[] tail = g.bytes(8);
            byte[] base = which == 0 ? IMAGES : which == 1 ? LABELS : IMAGES_STORED;
            int keep = cut % (base.length + 1);
            byte[] b = Arrays.copyOf(base, keep + tail.length);
            System.arraycopy(tail, 0, b, keep, tail.length);
            return new Input("the first " + keep + " of " + base.length + " bytes of " + NAMES[which] + ", then "
                    + tail.length + " random bytes", b, which != 1);
        }, Input::toString, in -> read(in.bytes(), in.asImages()));
    }

    @Test
    void randomBytes() {
        ParserFuzzing.forAll("FashionMnistFuzzTest.randomBytes", ParserFuzzing.TRIES,
                g -> new Input("random bytes", g.bytes(256), g.bool()), Input::toString,
                in -> read(in.bytes(), in.asImages()));
    }

    /** A header int: a magic number, a side, a count at an edge, or any int, half the time any int. */
    static int headerInt(FuzzGen g) {
        return g.bool() ? g.pick(FashionMnist.IMAGE_MAGIC, FashionMnist.LABEL_MAGIC, 28, 0, 1, 2, 3, -1,
                Integer.MAX_VALUE, Integer.MIN_VALUE, 2_739_000, 100_000) : g.anyInt();
    }

    /** Valid gzip around a hostile IDX header (any magic, counts and sides) and a payload of any length. */
    @Test
    void hostileHeaders() {
        ParserFuzzing.forAll("FashionMnistFuzzTest.hostileHeaders", ParserFuzzing.TRIES, g -> {
            int magic = headerInt(g);
            int n = headerInt(g);
            int rows = headerInt(g);
            int cols = headerInt(g);
            int payload = g.between(0, 3000);
            boolean asImages = g.bool();
            int[] header = asImages ? new int[] {magic, n, rows, cols} : new int[] {magic, n};
            try {
                return new Input("gzip of IDX header " + Arrays.toString(header) + " and " + payload + " zero bytes",
                        IdxFiles.gzip(IdxFiles.raw(header, new byte[payload])), asImages);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, Input::toString, in -> read(in.bytes(), in.asImages()));
    }

    @Test
    void theValidFilesRead() throws IOException {
        Path f = Files.createTempFile("fuzz-idx", ".gz");
        try {
            Files.write(f, IMAGES);
            assertEquals(3 * FashionMnist.PIXELS, FashionMnist.readImages(f).length);
            Files.write(f, LABELS);
            assertEquals(40, FashionMnist.readLabels(f).length);
        } finally {
            Files.delete(f);
        }
    }
}
