package org.mixquant.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FortuneCorpusTest {
    @TempDir
    Path dir;

    @Test
    void parsesEntriesAndCollapsesWhitespace() {
        List<String> e = FortuneCorpus.parse("First  line\n\tcontinued\n%\n%\nSecond\n%\n   \n");
        assertEquals(List.of("First line continued", "Second"), e);
    }

    @Test
    void readsFilesInOrderUntilEnough() throws IOException {
        Files.writeString(dir.resolve("fortunes"), "a\n%\nb\n");
        Files.writeString(dir.resolve("science"), "c\n%\nd\n");
        assertEquals(List.of("a", "b", "c"), FortuneCorpus.load(dir, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FortuneCorpus.load(dir, 9));
        assertTrue(e.getMessage().contains("only 4 entries"), e.getMessage());
    }

    @Test
    void countsWhatTheFilesHoldAndNeverAllocatesForTheRequest() throws IOException {
        Files.writeString(dir.resolve("fortunes"), "a\n%\nb\n");
        Files.writeString(dir.resolve("science"), "c\n%\nd\n%\ne\n");
        assertEquals(5, FortuneCorpus.count(dir));
        assertEquals(5, FortuneCorpus.load(dir, FortuneCorpus.count(dir)).size());
        // a request far beyond the files used to size a list for it: OutOfMemoryError instead of this message
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FortuneCorpus.load(dir, Integer.MAX_VALUE));
        assertTrue(e.getMessage().contains("only 5 entries"), e.getMessage());
        assertThrows(IOException.class, () -> FortuneCorpus.count(dir.resolve("none")));
    }

    @Test
    void missingPackageSaysWhatToInstall() {
        IOException e = assertThrows(IOException.class, () -> FortuneCorpus.load(dir.resolve("none"), 5));
        assertTrue(e.getMessage().contains("fortunes-min"), e.getMessage());
    }

    @Test
    void debianCorpusHas512Entries() throws IOException {
        List<String> texts = FortuneCorpus.load(512);
        assertEquals(512, texts.size());
        assertTrue(texts.stream().noneMatch(String::isBlank));
    }
}
