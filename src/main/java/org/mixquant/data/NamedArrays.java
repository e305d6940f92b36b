package org.mixquant.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Named arrays a user gives as a model's inputs: an {@code .npz} file (NumPy's zip of {@code <name>.npy} entries,
 * stored or deflated, as {@code numpy.savez} and {@code numpy.savez_compressed} write it) or a folder of
 * {@code <name>.npy} files. Immutable.
 *
 * @param source the file or folder, for messages
 * @param arrays name → array, in file (or sorted file-name) order
 */
public record NamedArrays(String source, Map<String, NpyArray> arrays) {
    /** Largest {@code .npy} entry read, in bytes (one Java array). */
    static final long MAX_ENTRY_BYTES = Integer.MAX_VALUE - 8;

    /** Keeps an unmodifiable copy. */
    public NamedArrays {
        arrays = Collections.unmodifiableMap(new LinkedHashMap<>(arrays));
    }

    /**
     * Reads an {@code .npz} file or a folder of {@code .npy} files.
     *
     * @throws IOException naming the file when it is missing, unreadable, not a zip, or holds a bad array (one line)
     */
    public static NamedArrays load(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            return loadFolder(path);
        }
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such file or folder");
        }
        if (path.getFileName().toString().endsWith(".npy")) {
            String name = stripNpy(path.getFileName().toString());
            return new NamedArrays(path.toString(), Map.of(name, readNpy(path, name)));
        }
        return loadNpz(path);
    }

    private static NamedArrays loadFolder(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".npy")).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IOException("folder " + dir + " holds no .npy files (expected one <input>.npy per graph"
                    + " input)");
        }
        Map<String, NpyArray> out = new LinkedHashMap<>();
        for (Path f : files) {
            String name = stripNpy(f.getFileName().toString());
            out.put(name, readNpy(f, name));
        }
        return new NamedArrays(dir.toString(), out);
    }

    private static NpyArray readNpy(Path f, String name) throws IOException {
        long size = Files.size(f);
        if (size > MAX_ENTRY_BYTES) {
            throw new IOException(f + " is " + size + " bytes; arrays over 2 GB are not read");
        }
        return Npy.parse(name, f.toString(), Files.readAllBytes(f));
    }

    private static NamedArrays loadNpz(Path file) throws IOException {
        Map<String, NpyArray> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            List<ZipEntry> entries = new ArrayList<>();
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                entries.add(e.nextElement());
            }
            for (ZipEntry e : entries) {
                if (e.isDirectory()) {
                    continue;
                }
                String entry = e.getName();
                String where = file + " entry '" + entry + "'";
                if (!entry.endsWith(".npy")) {
                    throw new IOException(where + " is not a .npy array");
                }
                if (e.getSize() > MAX_ENTRY_BYTES) {
                    throw new IOException(where + " is " + e.getSize() + " bytes; arrays over 2 GB are not read");
                }
                byte[] bytes;
                try (InputStream in = zip.getInputStream(e)) {
                    bytes = in.readNBytes((int) MAX_ENTRY_BYTES);
                } catch (ZipException | java.io.EOFException ex) {
                    throw new IOException(file + " is a corrupt .npz: entry '" + entry + "' cannot be read ("
                            + ex.getMessage() + ")");
                }
                String name = stripNpy(entry);
                if (out.put(name, Npy.parse(name, where, bytes)) != null) {
                    throw new IOException(file + " holds two arrays named '" + name + "'");
                }
            }
        } catch (ZipException e) {
            throw new IOException(file + " is not a valid .npz (zip) file: " + e.getMessage());
        }
        if (out.isEmpty()) {
            throw new IOException(file + " holds no arrays");
        }
        return new NamedArrays(file.toString(), out);
    }

    private static String stripNpy(String fileName) {
        return fileName.substring(0, fileName.length() - ".npy".length());
    }

    /**
     * SHA-256 (64 hex digits) of the arrays' contents: each array's name, dtype and shape, then its values as
     * little-endian bytes, in map order (the source path is not included, so a copy of a file hashes alike); part of
     * cache keys.
     */
    public String sha256() {
        java.security.MessageDigest md;
        try {
            md = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        for (NpyArray a : arrays.values()) {
            md.update((a.name() + "\0" + a.dtype().numpyName() + java.util.Arrays.toString(a.shape()) + "\0")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(a.size() * a.dtype().bytes())
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            switch (a.dtype()) {
                case FLOAT32 -> b.asFloatBuffer().put(a.floats());
                case FLOAT64 -> b.asDoubleBuffer().put(a.doubles());
                case INT32 -> b.asIntBuffer().put(a.ints());
                case INT64 -> b.asLongBuffer().put(a.longs());
                default -> throw new IllegalStateException("unknown dtype " + a.dtype());
            }
            md.update(b);
        }
        return java.util.HexFormat.of().formatHex(md.digest());
    }

    /** The array called {@code name}, or {@code null}. */
    public NpyArray get(String name) {
        return arrays.get(name);
    }

    /**
     * The number of samples: the common length of every array's first axis.
     *
     * @throws IllegalArgumentException when a scalar is present or the first axes differ (naming them)
     */
    public long samples() {
        long n = -1;
        String first = null;
        for (NpyArray a : arrays.values()) {
            long[] s = a.shape();
            if (s.length == 0) {
                throw new IllegalArgumentException(source + ": array '" + a.name() + "' is a scalar; splitting"
                        + " samples needs a first (batch) axis on every array");
            }
            if (n < 0) {
                n = s[0];
                first = a.name();
            } else if (s[0] != n) {
                throw new IllegalArgumentException(source + ": arrays '" + first + "' and '" + a.name()
                        + "' have " + n + " and " + s[0] + " samples along the first axis");
            }
        }
        return n;
    }

    /** Samples {@code from..to-1} of every array (first axis), as new arrays; source labelled with the range. */
    public NamedArrays slice(long from, long to) {
        Map<String, NpyArray> out = new LinkedHashMap<>();
        for (NpyArray a : arrays.values()) {
            out.put(a.name(), a.slice(from, to));
        }
        return new NamedArrays(source + " [samples " + from + ".." + (to - 1) + "]", out);
    }
}
