package org.mixquant.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.data.NamedArrays;
import org.mixquant.data.NpyArray;

/**
 * The NPY format lives in two places: {@link Npz} writes it (exports) and {@link NamedArrays} reads it (user inputs,
 * checked against NumPy's own files). A file the writer makes must read back exactly, so the two cannot drift apart.
 */
class NpzRoundTripTest {
    @Test
    void whatNpzWritesNamedArraysReadsBackExactly(@TempDir Path dir) throws Exception {
        float[] f = {0f, -1.5f, Float.MIN_VALUE, 3.4028235e38f, -0f, 1e-7f};
        int[] i = {Integer.MIN_VALUE, -1, 0, 7, Integer.MAX_VALUE, 42};
        Path file = dir.resolve("a.npz");
        Npz.write(file, List.of(Npz.Array.float32("w.scale", f, 2, 3), Npz.Array.int32("w.zero_point", i, 6)));

        NamedArrays read = NamedArrays.load(file);
        assertEquals(2, read.arrays().size());
        NpyArray a = read.get("w.scale");
        assertEquals(NpyArray.Dtype.FLOAT32, a.dtype());
        assertArrayEquals(new long[] {2, 3}, a.shape());
        float[] back = a.floats();
        for (int k = 0; k < f.length; k++) {
            assertEquals(Float.floatToRawIntBits(f[k]), Float.floatToRawIntBits(back[k]), "element " + k);
        }
        NpyArray b = read.get("w.zero_point");
        assertEquals(NpyArray.Dtype.INT32, b.dtype());
        assertArrayEquals(new long[] {6}, b.shape());
        assertArrayEquals(i, b.ints());
    }
}
