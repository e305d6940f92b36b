package org.mixquant.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A corpus of real English text: the entries of Debian's fortune files ({@code fortunes-min}, {@code fortunes}),
 * read in a fixed file order, each entry's whitespace collapsed to single spaces, empty entries skipped.
 * Entries are separated by lines holding only {@code %}.
 */
public final class FortuneCorpus {
    /** Where Debian installs the fortune files. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/games/fortunes");
    /**
     * Files read in this order until enough entries are collected: {@code fortunes} (package fortunes-min) first,
     * then files of the {@code fortunes} package.
     */
    public static final List<String> FILES = List.of("fortunes", "computers", "science", "literature", "wisdom",
            "people", "work", "education", "politics", "miscellaneous", "art", "law", "linux", "definitions");

    private FortuneCorpus() {
    }

    /** The first {@code n} entries from {@link #DEFAULT_DIR}. */
    public static List<String> load(int n) throws IOException {
        return load(DEFAULT_DIR, n);
    }

    /**
     * The first {@code n} entries from {@code dir}.
     *
     * @throws IOException              if no fortune file is there (the message says which package to install)
     * @throws IllegalArgumentException if {@code n < 1} or fewer than {@code n} entries exist
     */
    public static List<String> load(Path dir, int n) throws IOException {
        if (n < 1) {
            throw new IllegalArgumentException("corpus size must be ≥ 1, got " + n);
        }
        requireFiles(dir);
        List<String> out = new ArrayList<>(Math.min(n, 1024)); // n may be far more than the files hold
        for (String f : FILES) {
            Path p = dir.resolve(f);
            if (!Files.isRegularFile(p)) {
                continue;
            }
            for (String e : parse(Files.readString(p, StandardCharsets.UTF_8))) {
                out.add(e);
                if (out.size() == n) {
                    return out;
                }
            }
        }
        throw new IllegalArgumentException("the fortune files in " + dir + " hold only " + out.size()
                + " entries, fewer than the " + n + " requested");
    }

    /** {@link #count(Path)} of {@link #DEFAULT_DIR}. */
    public static int count() throws IOException {
        return count(DEFAULT_DIR);
    }

    /**
     * How many entries the fortune files in {@code dir} hold: the largest corpus {@link #load(Path, int)} can give.
     *
     * @throws IOException if no fortune file is there (the message says which package to install)
     */
    public static int count(Path dir) throws IOException {
        requireFiles(dir);
        int n = 0;
        for (String f : FILES) {
            Path p = dir.resolve(f);
            if (Files.isRegularFile(p)) {
                n += parse(Files.readString(p, StandardCharsets.UTF_8)).size();
            }
        }
        return n;
    }

    private static void requireFiles(Path dir) throws IOException {
        if (!Files.isRegularFile(dir.resolve(FILES.get(0)))) {
            throw new IOException("fortune corpus not found in " + dir + ": install the Debian packages fortunes-min"
                    + " and fortunes (environment/install.sh does)");
        }
    }

    /** Splits fortune-file text into entries with collapsed whitespace. */
    public static List<String> parse(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (line.strip().equals("%")) {
                add(out, cur);
                cur.setLength(0);
            } else {
                cur.append(line).append(' ');
            }
        }
        add(out, cur);
        return out;
    }

    private static void add(List<String> out, StringBuilder cur) {
        String s = cur.toString().replaceAll("\\s+", " ").strip();
        if (!s.isEmpty()) {
            out.add(s);
        }
    }
}
