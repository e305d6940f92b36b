package org.mixquant.cli;

import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvWriteOptions;

/**
 * A small table rendered as aligned text or CSV, kept as two Tablesaw {@link Table}s of text columns with the same
 * header: what the aligned text shows, and what CSV writes. Cells are strings, or {@link Num}s: a number shown rounded
 * in the text table and written at full precision ({@link Double#toString}) to CSV, so machine-readable output never
 * loses digits to display rounding. Column names must be distinct (Tablesaw's rule, case-insensitive).
 *
 * <p>CSV is written by Tablesaw's writer ({@code table.write().usingOptions(CsvWriteOptions...)}) with a header row,
 * {@code \n} line ends and whitespace kept. That writer quotes a field that contains a comma or a line break, or that
 * starts with a double quote; RFC 4180 also wants a field with a double quote anywhere quoted, which the writer can
 * only do by quoting every field, so a table with such a cell is written with every field quoted (quotes doubled).
 *
 * <p>The text is aligned by this class, not by Tablesaw's printer (which right-aligns names and draws a title and
 * borders): numbers right-aligned, text left-aligned, a dashed rule under the header, two spaces between columns.
 */
final class TextTable {
    private final List<String> header;
    private final Table display;
    private final Table data;

    /** A numeric cell: {@code display} in the aligned text, {@code value} in CSV. */
    record Num(double value, String display) {
        @Override
        public String toString() {
            return display;
        }
    }

    /** A number shown with {@code format} (e.g. {@code %.3f}, Locale.ROOT) and written to CSV in full. */
    static Num num(String format, double value) {
        return new Num(value, String.format(Locale.ROOT, format, value));
    }

    /** An empty table with these column names (distinct, compared case-insensitively). */
    TextTable(List<String> header) {
        this.header = List.copyOf(header);
        this.display = Table.create("display");
        this.data = Table.create("data");
        for (String h : this.header) {
            display.addColumns(StringColumn.create(h));
            data.addColumns(StringColumn.create(h));
        }
    }

    /** Appends one row of {@code header.size()} cells: each a {@link Num}, or anything {@code String.valueOf} shows. */
    TextTable add(List<?> row) {
        if (row.size() != header.size()) {
            throw new IllegalArgumentException("row has " + row.size() + " cells, header " + header.size());
        }
        for (int c = 0; c < row.size(); c++) {
            Object o = row.get(c);
            display.stringColumn(c).append(String.valueOf(o));
            data.stringColumn(c).append(o instanceof Num n ? Double.toString(n.value()) : String.valueOf(o));
        }
        return this;
    }

    /** Aligned text: numbers right-aligned, text left-aligned, two spaces between columns. */
    String render() {
        int[] w = new int[header.size()];
        for (int c = 0; c < w.length; c++) {
            w[c] = header.get(c).length();
            for (String s : display.stringColumn(c)) {
                w[c] = Math.max(w[c], s.length());
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, header, w, true);
        for (int c = 0; c < w.length; c++) {
            sb.append("-".repeat(w[c])).append(c + 1 < w.length ? "  " : "\n");
        }
        for (int r = 0; r < display.rowCount(); r++) {
            List<String> cells = new ArrayList<>(w.length);
            for (int c = 0; c < w.length; c++) {
                cells.add(display.stringColumn(c).get(r));
            }
            line(sb, cells, w, false);
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

    /** RFC 4180 CSV with a header row, written by Tablesaw (see the class comment for the quoting). */
    String csv() {
        boolean quoteAll = header.stream().anyMatch(h -> h.indexOf('"') >= 0);
        for (int c = 0; c < header.size() && !quoteAll; c++) {
            quoteAll = data.stringColumn(c).asList().stream().anyMatch(s -> s.indexOf('"') >= 0);
        }
        StringWriter w = new StringWriter();
        data.write().usingOptions(CsvWriteOptions.builder(w).header(true).lineEnd("\n").quoteAllFields(quoteAll)
                .ignoreLeadingWhitespaces(false).ignoreTrailingWhitespaces(false).build());
        return w.toString();
    }
}
