package org.mixquant.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * A small table rendered as aligned text or CSV. Cells are strings, or {@link Num}s: a number shown rounded in the
 * text table and written at full precision ({@link Double#toString}) to CSV, so machine-readable output never loses
 * digits to display rounding.
 */
final class TextTable {
    private final List<String> header;
    private final List<List<Object>> rows = new ArrayList<>();

    /** A numeric cell: {@code display} in the aligned text, {@code value} in CSV. */
    record Num(double value, String display) {
        @Override
        public String toString() {
            return display;
        }
    }

    /** A number shown with {@code format} (e.g. {@code %.3f}, Locale.ROOT) and written to CSV in full. */
    static Num num(String format, double value) {
        return new Num(value, String.format(java.util.Locale.ROOT, format, value));
    }

    TextTable(List<String> header) {
        this.header = List.copyOf(header);
    }

    TextTable add(List<?> row) {
        if (row.size() != header.size()) {
            throw new IllegalArgumentException("row has " + row.size() + " cells, header " + header.size());
        }
        rows.add(new ArrayList<>(row));
        return this;
    }

    /** Aligned text: numbers right-aligned, text left-aligned, two spaces between columns. */
    String render() {
        int[] w = new int[header.size()];
        for (int c = 0; c < w.length; c++) {
            w[c] = header.get(c).length();
            for (List<Object> r : rows) {
                w[c] = Math.max(w[c], String.valueOf(r.get(c)).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, header, w, true);
        for (int c = 0; c < w.length; c++) {
            sb.append("-".repeat(w[c])).append(c + 1 < w.length ? "  " : "\n");
        }
        for (List<Object> r : rows) {
            line(sb, r.stream().map(String::valueOf).toList(), w, false);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> cells, int[] w, boolean head) {
        for (int c = 0; c < w.length; c++) {
            String s = cells.get(c);
            boolean right = !head && isNumber(s);
            String pad = " ".repeat(w[c] - s.length());
            sb.append(right ? pad + s : (c + 1 < w.length ? s + pad : s));
            sb.append(c + 1 < w.length ? "  " : "\n");
        }
    }

    private static boolean isNumber(String s) {
        return s.matches("[-+]?[0-9.,]+([eE][-+]?[0-9]+)?%?|NaN|—");
    }

    /** RFC 4180 CSV with a header row. */
    String csv() {
        StringBuilder sb = new StringBuilder();
        csvLine(sb, header);
        for (List<Object> r : rows) {
            csvLine(sb, r.stream().map(o -> o instanceof Num n ? Double.toString(n.value()) : String.valueOf(o))
                    .toList());
        }
        return sb.toString();
    }

    private static void csvLine(StringBuilder sb, List<String> cells) {
        for (int c = 0; c < cells.size(); c++) {
            String s = cells.get(c);
            if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
                s = "\"" + s.replace("\"", "\"\"") + "\"";
            }
            sb.append(s).append(c + 1 < cells.size() ? "," : "\n");
        }
    }
}
