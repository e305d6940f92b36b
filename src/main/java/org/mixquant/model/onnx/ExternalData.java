package org.mixquant.model.onnx;

import ai.onnx.proto.OnnxMl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;

/**
 * Where an initializer stored outside the {@code .onnx} file keeps its bytes, as onnx's
 * {@code save_as_external_data} writes it: {@code TensorProto.data_location = EXTERNAL} and the
 * {@code external_data} entries {@code location} (a path relative to the model's folder), {@code offset} (bytes,
 * default 0) and {@code length} (bytes, default: the rest of the file). Values are little-endian, as in
 * {@code raw_data}.
 *
 * <p>{@link #locate} checks everything that can be checked without reading the data: the location is relative and
 * stays inside the model's folder (no absolute path, no {@code ..}, no symbolic link leading out), the file exists,
 * and {@code [offset, offset + length)} lies inside it and is exactly the size the tensor's shape and type declare.
 * {@link #readFloats} then reads one tensor through a memory-mapped view of its byte range (no other part of the file
 * is touched) and unmaps it right after copying, so reading never needs more heap than the returned array nor keeps
 * more of the file resident than the tensor being read.
 *
 * @param file   the data file (absolute, inside the model's folder)
 * @param offset first byte of the tensor in {@code file}
 * @param length bytes of the tensor
 */
public record ExternalData(Path file, long offset, long length) {
    /** Largest byte range mapped at once (a multiple of 4, below the 2 GB limit of one mapping). */
    static final long MAP_CHUNK = 1L << 30;

    /**
     * {@code sun.misc.Unsafe.invokeCleaner(ByteBuffer)} (module jdk.unsupported, public since Java 9) bound to the
     * Unsafe instance, or null where it is not available. Java 17 has no public way to unmap a mapping: without this
     * a mapping lives until its buffer is garbage-collected, and its file pages count in the process's resident set
     * until then (measured: 1B weights under -Xmx1g peaked at 2.15 GB RSS, a heap's worth of layers still mapped).
     */
    private static final java.lang.invoke.MethodHandle UNMAP = unmapper();

    private static java.lang.invoke.MethodHandle unmapper() {
        try {
            Class<?> unsafe = Class.forName("sun.misc.Unsafe");
            java.lang.reflect.Field f = unsafe.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return java.lang.invoke.MethodHandles.lookup()
                    .findVirtual(unsafe, "invokeCleaner", java.lang.invoke.MethodType.methodType(void.class,
                            java.nio.ByteBuffer.class))
                    .bindTo(f.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** Whether this JVM lets {@link #readFloats} unmap each view right away (else the garbage collector does). */
    static boolean unmapsEagerly() {
        return UNMAP != null;
    }

    /** Unmaps {@code m} now, if the JVM allows it; {@code m} and its views must not be used afterwards. */
    private static void unmap(MappedByteBuffer m) {
        if (UNMAP == null) {
            return;
        }
        try {
            UNMAP.invokeExact((java.nio.ByteBuffer) m);
        } catch (Throwable e) {
            // left to the garbage collector, as without the handle
        }
    }

    /**
     * The checked location of {@code t}'s data.
     *
     * @param folder        the folder of the {@code .onnx} file; locations are resolved against it
     * @param expectedBytes bytes the tensor's shape and type need
     * @throws IllegalArgumentException if the location is missing, absolute, or leaves {@code folder}, or offset or
     *                                  length are not non-negative integers (the message names the initializer)
     * @throws IOException              if the file is missing or too short for the range, or the range is not
     *                                  {@code expectedBytes} long (one line naming the file, offset and length)
     */
    static ExternalData locate(String source, OnnxMl.TensorProto t, Path folder, long expectedBytes)
            throws IOException {
        String location = null;
        long offset = 0;
        long length = -1;
        for (OnnxMl.StringStringEntryProto e : t.getExternalDataList()) {
            switch (e.getKey()) {
                case "location" -> location = e.getValue();
                case "offset" -> offset = number(source, t, e);
                case "length" -> length = number(source, t, e);
                default -> {
                }
            }
        }
        String what = "'" + source + "': initializer '" + t.getName() + "'";
        if (location == null || location.isEmpty()) {
            throw new IllegalArgumentException(what + " keeps its data externally but has no 'location'");
        }
        Path rel = Path.of(location);
        if (rel.isAbsolute() || location.startsWith("/") || location.startsWith("\\")) {
            throw new IllegalArgumentException(what + " has an absolute external data location '" + location
                    + "'; locations must be relative to the model's folder");
        }
        for (Path part : rel) {
            if (part.toString().equals("..")) {
                throw new IllegalArgumentException(what + " has external data location '" + location
                        + "' that leaves the model's folder (..)");
            }
        }
        Path dir = folder.toAbsolutePath().normalize();
        Path file = dir.resolve(rel).normalize();
        if (!Files.exists(file)) {
            throw new IOException("external data file " + file + " of initializer '" + t.getName()
                    + "' does not exist");
        }
        if (!file.toRealPath().startsWith(dir.toRealPath())) {
            throw new IllegalArgumentException(what + " has external data location '" + location
                    + "' that leads out of the model's folder (through a symbolic link)");
        }
        if (!Files.isRegularFile(file)) {
            throw new IOException("external data file " + file + " of initializer '" + t.getName()
                    + "' is not a regular file");
        }
        long size = Files.size(file);
        long len = length < 0 ? size - offset : length;
        if (offset > size || len > size - offset) {
            throw new IOException("external data file " + file + " has " + size + " bytes but initializer '"
                    + t.getName() + "' needs offset " + offset + " length " + len + " (truncated data file?)");
        }
        if (len != expectedBytes) {
            throw new IOException("external data file " + file + ": initializer '" + t.getName() + "' of shape "
                    + t.getDimsList() + " needs " + expectedBytes + " bytes but its range at offset " + offset
                    + " is " + len + " bytes long");
        }
        return new ExternalData(file, offset, len);
    }

    private static long number(String source, OnnxMl.TensorProto t, OnnxMl.StringStringEntryProto e) {
        try {
            long v = Long.parseLong(e.getValue().trim());
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("'" + source + "': initializer '" + t.getName() + "' has external data "
                + e.getKey() + " '" + e.getValue() + "', not a non-negative integer");
    }

    /**
     * Reads the range as {@code length / 4} little-endian floats through memory-mapped views of at most
     * {@link #MAP_CHUNK} bytes; the heap holds only the returned array.
     *
     * @throws UncheckedIOException if the file cannot be read or has become shorter than the range (the message
     *                              names the file, offset and length)
     */
    public float[] readFloats() {
        float[] out = new float[Math.toIntExact(length / Float.BYTES)];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            checkSize(ch);
            int done = 0;
            for (long pos = 0; pos < length; pos += MAP_CHUNK) {
                long n = Math.min(MAP_CHUNK, length - pos);
                MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, offset + pos, n);
                m.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out, done, (int) (n / Float.BYTES));
                unmap(m);
                done += (int) (n / Float.BYTES);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException("cannot read external data file " + file + " at offset "
                    + offset + " length " + length + ": " + e.getMessage(), e));
        }
        return out;
    }

    /**
     * Adds the range's bytes to {@code md}, a mapped chunk at a time (no heap copy of the data).
     *
     * @throws UncheckedIOException if the file has become shorter than the range
     */
    void digest(MessageDigest md) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            checkSize(ch);
            for (long pos = 0; pos < length; pos += MAP_CHUNK) {
                MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, offset + pos, Math.min(MAP_CHUNK,
                        length - pos));
                md.update(m);
                unmap(m);
            }
        }
    }

    /** The file may have been cut after loading; mapping past its end would fail later with a bus error. */
    private void checkSize(FileChannel ch) throws IOException {
        long size = ch.size();
        if (offset + length > size) {
            throw new UncheckedIOException(new IOException("external data file " + file + " has " + size
                    + " bytes but the tensor needs offset " + offset + " length " + length
                    + " (truncated after loading?)"));
        }
    }
}
