package org.mixquant.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Writes {@code .npy}/{@code .npz} files in tests (format 1.0, little-endian, C order), as numpy.save does. */
public final class NpzFiles {
    private NpzFiles() {
    }

    /** The {@code .npy} bytes of {@code a}. */
    public static byte[] npy(NpyArray a) {
        String descr = switch (a.dtype()) {
            case FLOAT32 -> "<f4";
            case FLOAT64 -> "<f8";
            case INT32 -> "<i4";
            case INT64 -> "<i8";
        };
        long[] s = a.shape();
        String shape = s.length == 1 ? "(" + s[0] + ",)" : Arrays.toString(s).replace('[', '(').replace(']', ')');
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + a.size() * a.dtype().bytes())
                .order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        b.putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.ISO_8859_1));
        switch (a.dtype()) {
            case FLOAT32 -> b.asFloatBuffer().put(a.floats());
            case FLOAT64 -> b.asDoubleBuffer().put(a.doubles());
            case INT32 -> b.asIntBuffer().put(a.ints());
            case INT64 -> b.asLongBuffer().put(a.longs());
        }
        return b.array();
    }

    /** Writes the arrays as a deflated {@code .npz}. */
    public static Path npz(Path file, NpyArray... arrays) throws IOException {
        try (OutputStream o = Files.newOutputStream(file); ZipOutputStream z = new ZipOutputStream(o)) {
            for (NpyArray a : arrays) {
                z.putNextEntry(new ZipEntry(a.name() + ".npy"));
                z.write(npy(a));
                z.closeEntry();
            }
        }
        return file;
    }

    /** Seeded values in [-1, 1) as a float32 array. */
    public static NpyArray random(String name, long seed, long... shape) {
        java.util.Random r = new java.util.Random(seed);
        float[] v = new float[(int) NpyArray.count(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextFloat() * 2 - 1;
        }
        return NpyArray.ofFloats(name, v, shape);
    }
}
