package org.mixquant.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes NumPy {@code .npz} archives: a zip file with one {@code NAME.npy} entry per array, as
 * {@code numpy.savez} writes them, readable with {@code numpy.load}. Each entry is NPY format 1.0: the magic
 * {@code \x93NUMPY}, version 1.0, a little-endian 16-bit header length, and an ASCII header
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (4, 3), }} padded with spaces to a multiple of 64 bytes
 * and ending in a newline, then the values in C (row-major) order. Entries are stored uncompressed. Files are written
 * through {@link OutputFiles#write}: a failure leaves no partial file.
 */
public final class Npz {
    private Npz() {
    }

    /**
     * One array.
     *
     * @param name  the array's name in the archive (its entry is {@code name + ".npy"}), non-empty
     * @param descr the NumPy type string: {@code <f4}, {@code |u1}, {@code |i1} or {@code <i4}
     * @param shape dimensions (empty for a scalar)
     * @param data  the values, little-endian, row-major: as many as the shape holds times the type's size
     */
    public record Array(String name, String descr, int[] shape, byte[] data) {
        /** Checks the name, type and size. */
        public Array {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty() || name.contains("/") || name.contains("\\")) {
                throw new IllegalArgumentException("array name '" + name + "' must be non-empty without slashes");
            }
            int size = switch (descr) {
                case "<f4", "<i4" -> 4;
                case "|u1", "|i1" -> 1;
                default -> throw new IllegalArgumentException("unsupported NumPy type " + descr);
            };
            long n = 1;
            for (int d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException("array '" + name + "': negative dimension " + d);
                }
                n *= d;
            }
            if (n * size != data.length) {
                throw new IllegalArgumentException("array '" + name + "': " + data.length + " bytes for "
                        + n + " values of " + descr);
            }
            shape = shape.clone();
        }

        /** float32 values. */
        public static Array float32(String name, float[] v, int... shape) {
            ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(v);
            return new Array(name, "<f4", shape, b.array());
        }

        /** int32 values. */
        public static Array int32(String name, int[] v, int... shape) {
            ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asIntBuffer().put(v);
            return new Array(name, "<i4", shape, b.array());
        }

        /**
         * 8-bit integers: {@code uint8} (values 0..255) or, when {@code signed}, {@code int8} (-128..127).
         *
         * @throws IllegalArgumentException for a value outside the type's range
         */
        public static Array int8(String name, boolean signed, int[] v, int... shape) {
            byte[] b = new byte[v.length];
            int lo = signed ? -128 : 0;
            int hi = signed ? 127 : 255;
            for (int i = 0; i < v.length; i++) {
                if (v[i] < lo || v[i] > hi) {
                    throw new IllegalArgumentException("array '" + name + "': value " + v[i] + " does not fit "
                            + (signed ? "int8" : "uint8"));
                }
                b[i] = (byte) v[i];
            }
            return new Array(name, signed ? "|i1" : "|u1", shape, b);
        }

        /** A copy of the shape. */
        @Override
        public int[] shape() {
            return shape.clone();
        }
    }

    /** The NPY 1.0 bytes of one array (header and values). */
    static byte[] npy(Array a) {
        StringBuilder shape = new StringBuilder("(");
        for (int d : a.shape) {
            shape.append(d).append(", ");
        }
        if (a.shape.length > 1) {
            shape.setLength(shape.length() - 2);
        } else if (a.shape.length == 1) {
            shape.setLength(shape.length() - 1);
        }
        shape.append(')');
        String dict = "{'descr': '" + a.descr() + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int unpadded = 10 + dict.length() + 1;
        int total = (unpadded + 63) / 64 * 64;
        String header = dict + " ".repeat(total - unpadded) + "\n";
        byte[] h = header.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(10 + h.length + a.data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) h.length).put(h).put(a.data);
        return b.array();
    }

    /**
     * Writes {@code arrays} to {@code file} atomically.
     *
     * @throws IllegalArgumentException if two arrays have the same name
     * @throws IOException              if the file cannot be written (nothing is left behind)
     */
    public static void write(Path file, List<Array> arrays) throws IOException {
        Set<String> names = new HashSet<>();
        for (Array a : arrays) {
            if (!names.add(a.name())) {
                throw new IllegalArgumentException("array name '" + a.name() + "' given twice");
            }
        }
        OutputFiles.write(file, out -> writeTo(out, arrays));
    }

    private static void writeTo(OutputStream out, List<Array> arrays) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(out);
        for (Array a : arrays) {
            byte[] bytes = npy(a);
            ZipEntry e = new ZipEntry(a.name() + ".npy");
            e.setMethod(ZipEntry.STORED);
            e.setSize(bytes.length);
            CRC32 crc = new CRC32();
            crc.update(bytes);
            e.setCrc(crc.getValue());
            zip.putNextEntry(e);
            zip.write(bytes);
            zip.closeEntry();
        }
        zip.finish();
        zip.flush();
    }
}
