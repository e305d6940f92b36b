package org.mixquant.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shutdown hook's cleanup, run directly (what happens on Ctrl-C). */
class TempFilesTest {
    @TempDir
    Path dir;

    @Test
    void cleanupRemovesRegisteredTemporaryFoldersAndFilesOnly() throws IOException {
        Path tmpFolder = Files.createDirectories(dir.resolve(".report-123/plans"));
        Files.writeString(tmpFolder.resolve("a.json"), "{}");
        Path tmpFile = Files.writeString(dir.resolve(".results.csv.1f.tmp"), "half");
        Path user = Files.writeString(dir.resolve("notes.txt"), "mine");
        Path released = Files.writeString(dir.resolve(".done.tmp"), "moved into place");
        TempFiles.register(dir.resolve(".report-123"));
        TempFiles.register(tmpFile);
        TempFiles.register(released);
        TempFiles.release(released);

        assertEquals(java.util.List.of(), TempFiles.cleanup());

        assertFalse(Files.exists(dir.resolve(".report-123")));
        assertFalse(Files.exists(tmpFile));
        assertEquals("mine", Files.readString(user));
        assertTrue(Files.exists(released));
        assertTrue(TempFiles.registered().stream().noneMatch(p -> p.startsWith(dir)));
    }

    @Test
    void deleteRemovesARegisteredTreeNowAndRefusesAnythingElse() throws IOException {
        Path tmp = Files.createDirectories(dir.resolve("tmp-model"));
        Files.writeString(Files.createDirectories(tmp.resolve("sub")).resolve("w.bin"), "x");
        Path mine = Files.writeString(dir.resolve("mine.txt"), "keep");
        TempFiles.register(tmp);
        TempFiles.delete(tmp);
        assertFalse(Files.exists(tmp));
        assertFalse(TempFiles.registered().contains(tmp.toAbsolutePath()));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> TempFiles.delete(mine));
        assertEquals("keep", Files.readString(mine));
    }

    @Test
    void cleanupDoesNotFollowLinksOutOfATemporaryFolder() throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("keep.txt"), "keep");
        Path tmp = Files.createDirectories(dir.resolve(".tmp-folder"));
        Files.createSymbolicLink(tmp.resolve("link"), outside);
        TempFiles.register(tmp);
        TempFiles.cleanup();
        assertFalse(Files.exists(tmp));
        assertEquals("keep", Files.readString(outside.resolve("keep.txt")));
    }
}
