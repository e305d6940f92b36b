package org.mixquant.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads the golden files that {@code tools/npy/gen_npy_golden.py} writes with NumPy and compares every value exactly
 * with the script's closed form (the values are exact in binary floating point, so no tolerance).
 */
class NamedArraysTest {
    static final Path GOLDEN = Path.of("src/test/resources/golden/npy");

    static long value(int i) {
        return (long) i * 7 % 23 - 11;
    }

    static void assertFloats(NpyArray a, long... shape) {
        assertArrayEquals(shape, a.shape());
        float[] v = a.floats();
        for (int i = 0; i < v.length; i++) {
            assertEquals(value(i) / 4f, v[i], 0f, a.name() + "[" + i + "]");
        }
    }

    @Test
    void deflatedAndStoredNpzGiveTheSameArrays() throws IOException {
        for (String f : List.of("three-deflated.npz", "three-stored.npz")) {
            NamedArrays n = NamedArrays.load(GOLDEN.resolve(f));
            assertEquals(List.of("x", "ids", "mask"), List.copyOf(n.arrays().keySet()), f);
            assertFloats(n.get("x"), 2, 3, 4);
            NpyArray ids = n.get("ids");
            assertEquals(NpyArray.Dtype.INT64, ids.dtype());
            assertArrayEquals(new long[] {2, 5}, ids.shape());
            long[] l = ids.longs();
            for (int i = 0; i < l.length; i++) {
                assertEquals(value(i), l[i]);
            }
            int[] m = n.get("mask").ints();
            assertEquals(NpyArray.Dtype.INT32, n.get("mask").dtype());
            for (int i = 0; i < m.length; i++) {
                assertEquals(value(i), m[i]);
            }
            assertEquals(2, n.samples());
        }
    }

    @Test
    void folderOfNpyFilesIncludingBigEndianAndScalar() throws IOException {
        NamedArrays n = NamedArrays.load(GOLDEN.resolve("folder"));
        assertEquals(List.of("be", "scalar", "x"), List.copyOf(n.arrays().keySet()), "sorted file names");
        assertFloats(n.get("x"), 2, 3, 4);
        double[] be = n.get("be").doubles();
        for (int i = 0; i < be.length; i++) {
            assertEquals(value(i) / 4.0, be[i], 0.0);
        }
        assertArrayEquals(new long[0], n.get("scalar").shape());
        assertArrayEquals(new float[] {2.5f}, n.get("scalar").floats());
    }

    /** The content hash follows names, dtypes, shapes and values, not the source path. */
    @Test
    void contentHash() {
        NamedArrays a = new NamedArrays("a.npz", java.util.Map.of("x", NpyArray.ofFloats("x", new float[] {1, 2, 3,
            4}, 2, 2)));
        assertEquals(a.sha256(), new NamedArrays("elsewhere/b.npz", a.arrays()).sha256());
        for (NpyArray other : List.of(NpyArray.ofFloats("x", new float[] {1, 2, 3, 5}, 2, 2),
                NpyArray.ofFloats("x", new float[] {1, 2, 3, 4}, 4, 1), NpyArray.ofFloats("y", new float[] {1, 2, 3,
                    4}, 2, 2), NpyArray.ofDoubles("x", new double[] {1, 2, 3, 4}, 2, 2))) {
            assertTrue(!a.sha256().equals(new NamedArrays("a.npz", java.util.Map.of(other.name(), other)).sha256()),
                    other.toString());
        }
        assertEquals(64, a.sha256().length());
    }

    @Test
    void sliceTakesSamplesAlongTheFirstAxis() throws IOException {
        NamedArrays n = NamedArrays.load(GOLDEN.resolve("three-stored.npz")).slice(1, 2);
        float[] x = n.get("x").floats();
        assertArrayEquals(new long[] {1, 3, 4}, n.get("x").shape());
        assertEquals(value(12) / 4f, x[0], 0f);
        assertEquals(1, n.samples());
    }

    @Test
    void refusedArraysAndCorruptFilesGiveOneLineNamingTheProblem(@TempDir Path tmp) throws IOException {
        IOException e = assertThrows(IOException.class, () -> NamedArrays.load(GOLDEN.resolve("fortran.npy")));
        assertTrue(e.getMessage().contains("Fortran order"), e.getMessage());
        e = assertThrows(IOException.class, () -> NamedArrays.load(GOLDEN.resolve("half.npy")));
        assertTrue(e.getMessage().contains("'<f2'"), e.getMessage());
        e = assertThrows(IOException.class, () -> NamedArrays.load(GOLDEN.resolve("truncated.npz")));
        assertTrue(e.getMessage().contains("truncated.npz") && !e.getMessage().contains("\n"), e.getMessage());
        Path garbage = Files.writeString(tmp.resolve("g.npz"), "not a zip at all");
        e = assertThrows(IOException.class, () -> NamedArrays.load(garbage));
        assertTrue(e.getMessage().contains("not a valid .npz"), e.getMessage());
        byte[] good = Files.readAllBytes(GOLDEN.resolve("folder/x.npy"));
        Path cut = Files.write(tmp.resolve("cut.npy"), java.util.Arrays.copyOf(good, good.length - 4));
        e = assertThrows(IOException.class, () -> NamedArrays.load(cut));
        assertTrue(e.getMessage().contains("holds 92 bytes of data"), e.getMessage());
        assertThrows(java.nio.file.NoSuchFileException.class, () -> NamedArrays.load(tmp.resolve("none.npz")));
        Files.createDirectory(tmp.resolve("empty"));
        e = assertThrows(IOException.class, () -> NamedArrays.load(tmp.resolve("empty")));
        assertTrue(e.getMessage().contains("no .npy files"), e.getMessage());
    }
}
