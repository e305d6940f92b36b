package org.mixquant.data;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** Helpers over lists of texts (corpora, calibration sentences). */
public final class Texts {
    private Texts() {
    }

    /**
     * The texts of a plain UTF-8 file, one per line: each line stripped, blank lines skipped.
     *
     * @throws java.io.FileNotFoundException if there is no such file
     * @throws IllegalArgumentException      if it holds no text
     */
    public static List<String> readLines(java.nio.file.Path file) throws java.io.IOException {
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new java.io.FileNotFoundException("text file not found: " + file);
        }
        List<String> out = java.nio.file.Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                .map(String::strip).filter(l -> !l.isEmpty()).toList();
        if (out.isEmpty()) {
            throw new IllegalArgumentException("text file " + file + " holds no text (one text per line expected)");
        }
        return out;
    }

    /**
     * SHA-256 of {@code texts}, as 64 lower-case hex digits: each text's UTF-8 bytes followed by one 0 byte, in list
     * order (the 0 byte keeps {@code ["ab"]} and {@code ["a", "b"]} apart). Cache keys and provenance strings of
     * the embedding caches are made of it, so the byte layout must not change.
     */
    public static String sha256(List<String> texts) {
        return sha256("", texts);
    }

    /**
     * SHA-256 of {@code prefix}'s UTF-8 bytes (no separator after them) followed by {@code texts} as in
     * {@link #sha256(List)}: a key of some settings and the texts in one digest.
     */
    public static String sha256(String prefix, List<String> texts) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        md.update(prefix.getBytes(StandardCharsets.UTF_8));
        for (String t : texts) {
            md.update(t.getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
