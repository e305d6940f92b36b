package org.mixquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixquant.cli.CliHarness.Run;
import org.mixquant.model.TinyOnnx;

/**
 * Writing results never destroys (issue 13): output commands write their own files into the folder they are given,
 * replacing only files of the same names, refuse a file where a folder is needed and a folder where a file is needed,
 * and check every output path before any work starts (a bad path is a usage error, exit 2).
 */
class OutputSafetyTest {
    /** The smallest report that still writes every kind of output (MiniLM only, 32 texts, one plan per rule). */
    static final List<String> SMALL_REPORT = List.of("--cnn", "", "--corpus-size", "32", "--uniform", "4", "--qem",
            "300", "--max-rel-error", "0.02", "--avg-bits", "4", "-q", "--gptq-bits", "0", "--cost", "qe");

    /** A quick MiniLM compare: one method, one plan, 16 texts. */
    static final List<String> SMALL_COMPARE = List.of("compare", "minilm", "--methods", "asym", "--bits", "4",
            "--no-avg-bits", "--corpus-size", "16");

    @TempDir
    Path dir;

    static Run report(Path out) {
        List<String> args = new java.util.ArrayList<>(List.of("report", "-o", out.toString()));
        args.addAll(SMALL_REPORT);
        return CliHarness.run(args.toArray(String[]::new));
    }

    static Run compare(String... more) {
        List<String> args = new java.util.ArrayList<>(SMALL_COMPARE);
        args.addAll(List.of(more));
        return CliHarness.run(args.toArray(String[]::new));
    }

    /** A folder like a user's project: unrelated files, a {@code .git/} folder and an old result of the same name. */
    Path project() throws Exception {
        Path p = Files.createDirectories(dir.resolve("project"));
        Files.writeString(p.resolve("notes.txt"), "my notes\n");
        Files.createDirectories(p.resolve(".git/objects/ab"));
        Files.writeString(p.resolve(".git/HEAD"), "ref: refs/heads/main\n");
        Files.writeString(p.resolve(".git/objects/ab/cdef"), "blob");
        Files.createDirectories(p.resolve("plans"));
        Files.writeString(p.resolve("plans/mine.json"), "{}");
        Files.writeString(p.resolve("results.csv"), "old results\n");
        return p;
    }

    @Test
    void reportIntoAnExistingFolderKeepsEverythingElse() throws Exception {
        Path p = project();
        Map<String, String> before = CliHarness.snapshot(p);
        Run r = report(p);
        assertEquals(ExitCodes.OK, r.code(), r.err());
        Map<String, String> after = CliHarness.snapshot(p);
        Map<String, String> kept = new TreeMap<>(before);
        kept.remove("results.csv");
        for (Map.Entry<String, String> e : kept.entrySet()) {
            assertEquals(e.getValue(), after.get(e.getKey()), "changed or deleted: " + e.getKey());
        }
        assertTrue(Files.readString(p.resolve("results.csv")).startsWith("plan,"), "results.csv was replaced");
        for (String f : List.of("results.json", "error-table.csv", "error-curves.png", "qe-ratio-curves.png",
                "chosen-bits.png")) {
            assertTrue(Files.isRegularFile(p.resolve(f)), f);
        }
        assertTrue(after.keySet().stream().anyMatch(k -> k.startsWith("plans/") && !k.equals("plans/mine.json")));
        assertTrue(after.keySet().stream().noneMatch(k -> k.endsWith(".tmp")), "temporary files left: " + after);
        try (var s = Files.list(dir)) {
            assertEquals(List.of(p), s.toList(), "nothing is written beside the output folder");
        }
    }

    @Test
    void reportOutputThatIsAFileIsRefusedBeforeAnyWork() throws Exception {
        Path file = Files.writeString(dir.resolve("results"), "precious\n");
        Map<String, String> before = CliHarness.snapshot(dir);
        Run r = report(file);
        r.assertOneLineError(ExitCodes.USAGE, "-o", file.toString(), "is a file");
        assertEquals(before, CliHarness.snapshot(dir));
    }

    @Test
    void comparePlotOntoAnExistingFolderIsRefused() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("plots"));
        Map<String, String> before = CliHarness.snapshot(dir);
        Run r = compare("--plot", folder.toString());
        r.assertOneLineError(ExitCodes.USAGE, "--plot", folder.toString(), "is a folder");
        assertEquals(before, CliHarness.snapshot(dir));
        assertTrue(Files.isDirectory(folder));
    }

    @Test
    void badJsonPathFailsBeforeAnyWorkAndWritesNothing() throws Exception {
        Files.writeString(dir.resolve("blocker"), "a file, not a folder\n");
        Path csv = dir.resolve("ok.csv");
        Path json = dir.resolve("blocker/rows.json");
        Map<String, String> before = CliHarness.snapshot(dir);
        Run r = compare("--csv", csv.toString(), "--json", json.toString());
        r.assertOneLineError(ExitCodes.USAGE, "--json", json.toString(), "is a file, not a folder");
        assertFalse(r.err().contains("loaded "), "the model must not be loaded: " + r.err());
        assertEquals(before, CliHarness.snapshot(dir));
    }

    @Test
    void unwritablePlotPathIsOneLineNamingIt() throws Exception {
        Files.writeString(dir.resolve("blocker"), "a file, not a folder\n");
        Path plot = dir.resolve("blocker/charts/plot.png");
        Run r = compare("--plot", plot.toString(), "-q");
        r.assertOneLineError(ExitCodes.USAGE, "--plot", plot.toString());
        assertTrue(r.errLines().size() <= 2, r.err());
    }

    @Test
    void unwritableCacheWarnsAndTheRunSucceeds() throws Exception {
        Path notAFolder = Files.writeString(dir.resolve("cache"), "a file, not a folder\n");
        Run r = CliHarness.run("evaluate", "minilm", "--bits", "4", "--corpus-size", "16", "--cache-dir",
                notAFolder.toString(), "-q");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        List<String> warnings = r.errLines().stream().filter(l -> l.contains("warning")).toList();
        assertEquals(1, warnings.size(), r.err());
        assertTrue(warnings.get(0).contains(notAFolder.toString()), warnings.get(0));
        assertEquals("a file, not a folder\n", Files.readString(notAFolder));
        assertTrue(r.out().contains("uniform-4"), r.out());
    }

    @Test
    void planFilesAndReportFoldersFollowTheUmask() throws Exception {
        Path ref = Files.createFile(dir.resolve("reference-file"));
        Path refDir = Files.createDirectory(dir.resolve("reference-folder"));
        Set<PosixFilePermission> filePerms = Files.getPosixFilePermissions(ref);
        Set<PosixFilePermission> dirPerms = Files.getPosixFilePermissions(refDir);
        Path model = TinyOnnx.mlp(TinyOnnx.values(12, 1), TinyOnnx.values(6, 2)).write(dir, "tiny.onnx");
        Path plan = dir.resolve("plans/plan.json");
        Run s = CliHarness.run("search", model.toString(), "--avg-bits", "4", "-o", plan.toString(), "-q");
        assertEquals(ExitCodes.OK, s.code(), s.err());
        assertEquals(filePerms, Files.getPosixFilePermissions(plan), "plan file");
        assertEquals(dirPerms, Files.getPosixFilePermissions(plan.getParent()), "folder created for the plan");

        Path out = dir.resolve("new-report");
        Run r = report(out);
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertEquals(dirPerms, Files.getPosixFilePermissions(out), "report folder");
        assertEquals(filePerms, Files.getPosixFilePermissions(out.resolve("results.csv")), "report file");
        try (var files = Files.list(out.resolve("plans"))) {
            for (Path f : files.toList()) {
                assertEquals(filePerms, Files.getPosixFilePermissions(f), f.toString());
            }
        }
    }

    @Test
    void compareOutputsNamingTheSameFileAreRefused() throws Exception {
        // --csv and --json (or --plot) on one file: exit 0 and the CSV silently replaced by the JSON
        Path out = Files.createDirectories(dir.resolve("out"));
        Path link = Files.createSymbolicLink(out.resolve("link.csv"), out.resolve("real.csv"));
        Files.writeString(out.resolve("real.csv"), "mine\n");
        Map<String, String> before = CliHarness.snapshot(dir);
        compare("--csv", out.resolve("a.out").toString(), "--json", out.resolve("./a.out").toString(), "-q")
                .assertOneLineError(ExitCodes.USAGE, "--json", "same file", "--csv");
        compare("--csv", out.resolve("b.csv").toString(), "--plot", out.resolve("sub/../b.csv").toString(), "-q")
                .assertOneLineError(ExitCodes.USAGE, "--plot", "same file", "--csv");
        compare("--csv", link.toString(), "--json", out.resolve("real.csv").toString(), "-q")
                .assertOneLineError(ExitCodes.USAGE, "--json", "same file", "--csv");
        assertEquals(before, CliHarness.snapshot(dir));
    }

    @Test
    void outputOntoTheInputModelIsRefused() throws Exception {
        Path model = TinyOnnx.mlp(TinyOnnx.values(12, 1), TinyOnnx.values(6, 2)).write(dir, "tiny.onnx");
        Map<String, String> before = CliHarness.snapshot(dir);
        CliHarness.run("search", model.toString(), "--avg-bits", "3", "-o", dir.resolve("./tiny.onnx").toString(),
                "-q").assertOneLineError(ExitCodes.USAGE, "-o", "same file as the model");
        assertEquals(before, CliHarness.snapshot(dir));
    }

    @Test
    void emptyOutputPathIsAUsageError() throws Exception {
        // report -o "" wrote results.csv, plans/, PNGs into the working folder
        Run r = CliHarness.run("report", "-o", "", "--cnn", "", "-q");
        r.assertOneLineError(ExitCodes.USAGE, "-o", "empty path");
        CliHarness.run("search", "minilm", "--avg-bits", "3", "-o", "", "-q")
                .assertOneLineError(ExitCodes.USAGE, "-o", "empty path");
        compare("--csv", "", "-q").assertOneLineError(ExitCodes.USAGE, "--csv", "empty path");
    }
}
