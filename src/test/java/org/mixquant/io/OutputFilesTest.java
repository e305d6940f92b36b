package org.mixquant.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputFilesTest {
    @TempDir
    Path dir;

    static List<String> names(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writeReplacesOnlyTheTargetAndLeavesNoTemporaryFile() throws IOException {
        Files.writeString(dir.resolve("other.txt"), "keep");
        Files.writeString(dir.resolve("out.csv"), "old");
        OutputFiles.writeString(dir.resolve("out.csv"), "new");
        assertEquals("new", Files.readString(dir.resolve("out.csv")));
        assertEquals("keep", Files.readString(dir.resolve("other.txt")));
        assertEquals(List.of("other.txt", "out.csv"), names(dir));
    }

    @Test
    void writeCreatesMissingParentFolders() throws IOException {
        OutputFiles.writeString(dir.resolve("a/b/out.json"), "{}");
        assertEquals("{}", Files.readString(dir.resolve("a/b/out.json")));
    }

    @Test
    void aFolderIsNeverReplacedByAFile() throws IOException {
        Path empty = Files.createDirectory(dir.resolve("plot.png"));
        IOException e = assertThrows(IOException.class, () -> OutputFiles.writeString(empty, "png"));
        assertTrue(e.getMessage().contains(empty.toString()) && e.getMessage().contains("is a folder"),
                e.getMessage());
        assertTrue(Files.isDirectory(empty));
        assertEquals(List.of("plot.png"), names(dir));
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path target = Files.writeString(dir.resolve("plan.json"), "old");
        IOException e = assertThrows(IOException.class, () -> OutputFiles.write(target, out -> {
            out.write("half of the new".getBytes());
            throw new IOException("disk full");
        }));
        assertTrue(e.getMessage().contains(target.toString()) && e.getMessage().contains("disk full"),
                e.getMessage());
        assertEquals("old", Files.readString(target));
        assertEquals(List.of("plan.json"), names(dir));
        assertTrue(TempFiles.registered().stream().noneMatch(p -> p.startsWith(dir)), "temporary file released");
    }

    @Test
    void aFileInThePathIsNamedAndNothingIsCreated() throws IOException {
        Path blocker = Files.writeString(dir.resolve("blocker"), "file");
        Path target = blocker.resolve("sub/out.csv");
        IOException e = assertThrows(IOException.class, () -> OutputFiles.checkFile(target));
        assertTrue(e.getMessage().contains(target.toString()) && e.getMessage().contains("'" + blocker
                + "' is a file, not a folder"), e.getMessage());
        assertThrows(IOException.class, () -> OutputFiles.writeString(target, "x"));
        assertEquals("file", Files.readString(blocker));
    }

    @Test
    void aFileWhereAFolderIsNeededIsRefused() throws IOException {
        Path file = Files.writeString(dir.resolve("results"), "precious");
        IOException e = assertThrows(IOException.class, () -> OutputFiles.createFolder(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("is a file"), e.getMessage());
        assertEquals("precious", Files.readString(file));
        OutputFiles.checkFolder(dir);
        OutputFiles.checkFolder(dir.resolve("new/deeper"));
        assertFalse(Files.exists(dir.resolve("new")), "checking creates nothing");
    }

    @Test
    void aSymbolicLinkIsKeptAndItsFileReplaced() throws IOException {
        Path real = Files.writeString(dir.resolve("real.json"), "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.json"), real);
        OutputFiles.writeString(link, "new");
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("new", Files.readString(real));
    }

    @Test
    void newFilesGetTheDefaultPermissionsNotOwnerOnly() throws IOException {
        Path ref = Files.createFile(dir.resolve("reference"));
        Path out = dir.resolve("out.bin");
        OutputFiles.writeBytes(out, new byte[] {1, 2, 3});
        assertEquals(Files.getPosixFilePermissions(ref), Files.getPosixFilePermissions(out));
        Path refDir = Files.createDirectory(dir.resolve("reference-folder"));
        Path made = OutputFiles.createFolder(dir.resolve("made"));
        assertEquals(Files.getPosixFilePermissions(refDir), Files.getPosixFilePermissions(made));
    }
}
