package org.mixquant.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads NumPy's {@code .npy} format (versions 1.0, 2.0 and 3.0): the magic {@code \x93NUMPY}, a version, a header
 * length (2 bytes little-endian in 1.0, 4 bytes after), an ASCII (3.0: UTF-8) Python dict literal with
 * {@code 'descr'}, {@code 'fortran_order'} and {@code 'shape'}, then the raw values. Element types: float32, float64,
 * int32 and int64 in either byte order ({@code <f4}, {@code >f8}, ...; {@code =} is read as little-endian). Arrays in
 * Fortran order and other types (bool, int8, float16, structured, object) are refused with a one-line message naming
 * what was found. The declared size is checked against the bytes present before anything is allocated.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /**
     * Parses one {@code .npy} file's bytes.
     *
     * @param name   the array's name
     * @param where  the file (or {@code .npz} entry) for messages
     * @param bytes  the whole file
     * @throws IOException naming {@code where} when the bytes are not a readable {@code .npy} array
     */
    public static NpyArray parse(String name, String where, byte[] bytes) throws IOException {
        if (bytes.length < 10 || !startsWithMagic(bytes)) {
            throw new IOException(where + " is not a .npy array (no \\x93NUMPY magic)");
        }
        int major = bytes[6] & 0xff;
        int headerLen;
        int start;
        if (major == 1) {
            headerLen = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
            start = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw new IOException(where + ": truncated .npy header");
            }
            long len = ByteBuffer.wrap(bytes, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
            if (len > bytes.length) {
                throw new IOException(where + ": .npy header length " + len + " exceeds the file (" + bytes.length
                        + " bytes)");
            }
            headerLen = (int) len;
            start = 12;
        } else {
            throw new IOException(where + ": unsupported .npy format version " + major + "." + (bytes[7] & 0xff));
        }
        if (start + headerLen > bytes.length) {
            throw new IOException(where + ": truncated .npy header (" + headerLen + " bytes declared, "
                    + (bytes.length - start) + " present)");
        }
        String header = new String(bytes, start, headerLen, major == 3 ? StandardCharsets.UTF_8
                : StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) {
            throw new IOException(where + ": .npy header lacks 'descr', 'fortran_order' or 'shape': "
                    + header.strip());
        }
        String descr = d.group(1);
        if (f.group(1).equals("True")) {
            throw new IOException(where + ": array '" + name + "' is stored in Fortran order; save it in C order"
                    + " (numpy.ascontiguousarray)");
        }
        long[] shape = parseShape(s.group(1), where);
        ByteOrder order = descr.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        NpyArray.Dtype dtype = switch (descr.isEmpty() ? "" : descr.substring(1)) {
            case "f4" -> NpyArray.Dtype.FLOAT32;
            case "f8" -> NpyArray.Dtype.FLOAT64;
            case "i4" -> NpyArray.Dtype.INT32;
            case "i8" -> NpyArray.Dtype.INT64;
            default -> null;
        };
        if (dtype == null || !(descr.startsWith("<") || descr.startsWith(">") || descr.startsWith("="))) {
            throw new IOException(where + ": array '" + name + "' has element type '" + descr
                    + "'; supported: float32, float64, int32, int64");
        }
        long count;
        try {
            count = NpyArray.count(shape);
        } catch (ArithmeticException e) {
            throw new IOException(where + ": shape " + java.util.Arrays.toString(shape) + " is too large");
        }
        int dataStart = start + headerLen;
        long need = count * dtype.bytes();
        if (count > Integer.MAX_VALUE - 8 || need != bytes.length - (long) dataStart) {
            throw new IOException(where + ": array '" + name + "' declares shape " + java.util.Arrays.toString(shape)
                    + " of " + dtype.numpyName() + " (" + need + " bytes) but holds " + (bytes.length - dataStart)
                    + " bytes of data");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, dataStart, (int) need).slice().order(order);
        int n = (int) count;
        Object values = switch (dtype) {
            case FLOAT32 -> {
                float[] v = new float[n];
                b.asFloatBuffer().get(v);
                yield v;
            }
            case FLOAT64 -> {
                double[] v = new double[n];
                b.asDoubleBuffer().get(v);
                yield v;
            }
            case INT32 -> {
                int[] v = new int[n];
                b.asIntBuffer().get(v);
                yield v;
            }
            case INT64 -> {
                long[] v = new long[n];
                b.asLongBuffer().get(v);
                yield v;
            }
        };
        return NpyArray.wrap(name, dtype, shape, values);
    }

    private static boolean startsWithMagic(byte[] bytes) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    private static long[] parseShape(String tuple, String where) throws IOException {
        List<Long> dims = new ArrayList<>();
        for (String part : tuple.split(",")) {
            String p = part.strip();
            if (p.endsWith("L")) {
                p = p.substring(0, p.length() - 1);
            }
            if (p.isEmpty()) {
                continue;
            }
            try {
                long v = Long.parseLong(p);
                if (v < 0) {
                    throw new NumberFormatException();
                }
                dims.add(v);
            } catch (NumberFormatException e) {
                throw new IOException(where + ": bad .npy shape (" + tuple + ")");
            }
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }
}
