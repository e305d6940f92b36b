package org.mixquant.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ConsoleProgressTest {
    @Test
    void inPlaceRewritesOneLineAndEndsWithANewline() {
        StringWriter sw = new StringWriter();
        ConsoleProgress p = ConsoleProgress.to(new PrintWriter(sw), true);
        p.update("sweep", 1, 4);
        p.update("sweep", 2, 4);
        p.update("sweep", 4, 4);
        String s = sw.toString();
        assertTrue(s.startsWith("\r[mixquant] sweep: 1/4 (25%)"), s);
        assertTrue(s.endsWith("\r[mixquant] sweep: 4/4 (100%)\n"), s);
        assertEquals(1, s.chars().filter(c -> c == '\n').count(), "one finished line");
    }

    @Test
    void lineModeIsThrottledButAlwaysShowsTheEnd() {
        StringWriter sw = new StringWriter();
        ConsoleProgress p = ConsoleProgress.to(new PrintWriter(sw), false);
        for (int i = 1; i <= 1000; i++) {
            p.update("embed", i, 1000);
        }
        String[] lines = sw.toString().split("\n");
        assertTrue(lines.length <= 3, "throttled: " + lines.length);
        assertEquals("[mixquant] embed: 1000/1000 (100%)", lines[lines.length - 1]);
    }

    @Test
    void aNewTaskStartsOnItsOwnLine() {
        StringWriter sw = new StringWriter();
        ConsoleProgress p = ConsoleProgress.to(new PrintWriter(sw), true);
        p.update("a", 1, 2);
        p.update("b", 1, 2);
        assertTrue(sw.toString().contains("(50%)\n\r[mixquant] b"), sw.toString());
    }
}
