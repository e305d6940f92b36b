package org.mixquant.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.mixquant.ParserFuzzing;

/** Fuzzes the gzip IDX readers ({@link FashionMnist#readImages}, {@link FashionMnist#readLabels}). */
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

    /** Up to 6 edits: (position, new byte value); positions are taken modulo the file length. */
    @Provide
    Arbitrary<java.util.List<int[]>> edits() {
        return Combinators.combine(Arbitraries.integers().between(0, Integer.MAX_VALUE),
                Arbitraries.integers().between(0, 255)).as((p, v) -> new int[] {p, v}).list().ofMinSize(1)
                .ofMaxSize(6);
    }

    /**
     * A valid file (compressed, or stored so that payload bytes change without breaking deflate) with bytes replaced:
     * it is rejected, or it reads as exactly the original data (gzip's CRC32 guards the payload; a change in, e.g.,
     * the header's timestamp is harmless). Before the stream was read to its end, a flipped pixel came back as data.
     */
    @Property(tries = ParserFuzzing.TRIES, seed = ParserFuzzing.SEED)
    void mutatedBytes(@ForAll @IntRange(min = 0, max = 2) int which, @ForAll("edits") java.util.List<int[]> edits)
            throws IOException {
        byte[] base = which == 0 ? IMAGES : which == 1 ? LABELS : IMAGES_STORED;
        byte[] original = which == 0 ? IdxFiles.pixels(3) : which == 1 ? IdxFiles.labels(40) : IdxFiles.pixels(2);
        byte[] b = base.clone();
        for (int[] e : edits) {
            b[e[0] % b.length] = (byte) e[1];
        }
        Path f = Files.createTempFile("fuzz-idx", ".gz");
        try {
            Files.write(f, b);
            Callable<byte[]> parse = which == 1 ? () -> FashionMnist.readLabels(f) : () -> FashionMnist.readImages(f);
            ParserFuzzing.returnsOrRejects(parse, data -> assertArrayEquals(original, data,
                    "a corrupted file was read as other data"), IOException.class);
        } finally {
            Files.delete(f);
        }
    }

    @Property(tries = ParserFuzzing.TRIES, seed = ParserFuzzing.SEED)
    void truncationsAndTrailingBytes(@ForAll @IntRange(min = 0, max = 10_000) int cut,
            @ForAll @IntRange(min = 0, max = 2) int which, @ForAll @Size(max = 8) byte[] tail) throws IOException {
        byte[] base = which == 0 ? IMAGES : which == 1 ? LABELS : IMAGES_STORED;
        int keep = cut % (base.length + 1);
        byte[] b = java.util.Arrays.copyOf(base, keep + tail.length);
        System.arraycopy(tail, 0, b, keep, tail.length);
        read(b, which != 1);
    }

    @Property(tries = ParserFuzzing.TRIES, seed = ParserFuzzing.SEED)
    void randomBytes(@ForAll @Size(max = 256) byte[] bytes, @ForAll boolean asImages) throws IOException {
        read(bytes, asImages);
    }

    /** Valid gzip around a hostile IDX header (any magic, counts and sides) and a payload of any length. */
    @Property(tries = ParserFuzzing.TRIES, seed = ParserFuzzing.SEED)
    void hostileHeaders(@ForAll("headerInts") int magic, @ForAll("headerInts") int n, @ForAll("headerInts") int rows,
            @ForAll("headerInts") int cols, @ForAll @IntRange(min = 0, max = 3000) int payload,
            @ForAll boolean asImages) throws IOException {
        int[] header = asImages ? new int[] {magic, n, rows, cols} : new int[] {magic, n};
        read(IdxFiles.gzip(IdxFiles.raw(header, new byte[payload])), asImages);
    }

    @Provide
    Arbitrary<Integer> headerInts() {
        return Arbitraries.oneOf(Arbitraries.of(FashionMnist.IMAGE_MAGIC, FashionMnist.LABEL_MAGIC, 28, 0, 1, 2, 3,
                -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 2_739_000, 100_000), Arbitraries.integers());
    }

    @Property(tries = 10, seed = ParserFuzzing.SEED)
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
