package org.mixquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;

class TextTableTest {
    @Test
    void renderAlignsNumbersRightAndTextLeft() {
        TextTable t = new TextTable(List.of("layer", "params", "mse"))
                .add(List.of("fc1/MatMul", 12, TextTable.num("%.2f", 0.123456789)))
                .add(List.of("b", 6, "—"));
        assertEquals("""
                layer       params  mse
                ----------  ------  ----
                fc1/MatMul      12  0.12
                b                6     —
                """, t.render());
    }

    @Test
    void csvHasTheFullValueOfNumbersAndPlainFieldsUnquoted() {
        TextTable t = new TextTable(List.of("layer", "mse", "note"))
                .add(List.of("fc1/MatMul", TextTable.num("%.2f", 0.123456789012345), ""));
        assertEquals("layer,mse,note\nfc1/MatMul,0.123456789012345,\n", t.csv());
    }

    @Test
    void csvQuotesCommasAndLineBreaksAndKeepsSpaces() {
        TextTable t = new TextTable(List.of("name", "v")).add(List.of("a,b", 1)).add(List.of("two\nlines", 2))
                .add(List.of(" padded ", 3));
        assertEquals("name,v\n\"a,b\",1\n\"two\nlines\",2\n padded ,3\n", t.csv());
    }

    /** RFC 4180: a field with a double quote is quoted and its quotes doubled, wherever the quote is. */
    @Test
    void csvWithADoubleQuoteAnywhereQuotesEveryFieldAndDoublesTheQuotes() {
        TextTable t = new TextTable(List.of("name", "v")).add(List.of("say \"hi\"", 1)).add(List.of("x,\"y", 2));
        assertEquals("\"name\",\"v\"\n\"say \"\"hi\"\"\",\"1\"\n\"x,\"\"y\",\"2\"\n", t.csv());
    }

    /** Tablesaw's reader trims unquoted fields, so spaces are checked on the text above, not here. */
    @Test
    void csvReadsBackToTheSameCells() {
        List<String> names = List.of("plain", "a,b", "say \"hi\"", "\"lead", "tail\"", "two\nlines");
        TextTable t = new TextTable(List.of("name", "value"));
        for (int i = 0; i < names.size(); i++) {
            t.add(List.of(names.get(i), TextTable.num("%.1f", i + 0.123456789)));
        }
        Table read = Table.read().usingOptions(CsvReadOptions.builder(new StringReader(t.csv()))
                .columnTypes(new ColumnType[] {ColumnType.STRING, ColumnType.DOUBLE}));
        assertEquals(names, read.stringColumn("name").asList());
        for (int i = 0; i < names.size(); i++) {
            assertEquals(i + 0.123456789, read.doubleColumn("value").get(i), 0.0, "full precision, exactly");
        }
    }

    @Test
    void rowOfTheWrongWidthIsRejected() {
        TextTable t = new TextTable(List.of("a", "b"));
        assertThrows(IllegalArgumentException.class, () -> t.add(List.of(1)));
    }

    @Test
    void headerOnlyTable() {
        TextTable t = new TextTable(List.of("a", "b"));
        assertEquals("a,b\n", t.csv());
        assertEquals("a  b\n-  -\n", t.render());
    }
}
