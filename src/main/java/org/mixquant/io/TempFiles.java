package org.mixquant.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The temporary files and folders this process created and has not yet moved into place or deleted. A JVM shutdown
 * hook (installed with the first registration) removes whatever is still registered, so an interrupted run
 * (Ctrl-C, SIGTERM, {@code System.exit}) leaves no {@code .name.NNN.tmp} files or temporary folders behind. Only
 * registered paths are ever deleted: never a file or folder the user had.
 */
public final class TempFiles {
    private static final Set<Path> REGISTERED = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean HOOK = new AtomicBoolean();

    private TempFiles() {
    }

    /**
     * Registers a temporary file or folder this process just created, for removal at shutdown unless
     * {@link #release released} first. A folder is removed with everything in it.
     */
    public static void register(Path created) {
        if (HOOK.compareAndSet(false, true)) {
            try {
                Runtime.getRuntime().addShutdownHook(new Thread(TempFiles::cleanup, "mixquant-temp-cleanup"));
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already exiting: the hook that is running will not see this path
            }
        }
        REGISTERED.add(created.toAbsolutePath());
    }

    /** Forgets {@code path} (it was moved into place or deleted by its owner). */
    public static void release(Path path) {
        REGISTERED.remove(path.toAbsolutePath());
    }

    /**
     * Deletes a registered temporary file or folder tree now (links are deleted, not followed) and forgets it.
     *
     * @throws IllegalArgumentException if {@code path} is not registered: only what this process created is deleted
     */
    public static void delete(Path path) throws IOException {
        Path p = path.toAbsolutePath();
        if (!REGISTERED.contains(p)) {
            throw new IllegalArgumentException(p + " is not a registered temporary path; not deleting it");
        }
        deleteTree(p);
        REGISTERED.remove(p);
    }

    /** Paths registered and not yet released (a copy). */
    public static Set<Path> registered() {
        return Set.copyOf(REGISTERED);
    }

    /**
     * Deletes every registered path (folders recursively, without following links) and forgets it. This is what the
     * shutdown hook runs; it never throws.
     *
     * @return the paths that could not be deleted (empty when all went)
     */
    public static List<Path> cleanup() {
        List<Path> failed = new ArrayList<>();
        for (Path p : List.copyOf(REGISTERED)) {
            try {
                deleteTree(p);
                REGISTERED.remove(p);
            } catch (IOException | UncheckedIOException e) {
                failed.add(p);
            }
        }
        return failed;
    }

    /** Deletes a registered temporary file or folder tree (links are deleted, not followed). */
    static void deleteTree(Path p) throws IOException {
        if (!Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(p);
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }
}
