package org.mixquant.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one way the toolkit writes output files. A file is written to a temporary file beside it
 * ({@code .NAME.<random>.tmp}, created with the process's default permissions, i.e. the user's umask) and renamed
 * over the target atomically, so readers see the old file or the new one, never half of one, and a failure leaves the
 * old file as it was. Nothing but the target file itself is ever replaced: a folder is never deleted or replaced by
 * a file, a file never by a folder, and a symbolic link to a file is kept (the file it points to is replaced).
 *
 * <p>{@link #checkFile} and {@link #checkFolder} validate a path without writing anything, so commands can reject
 * bad output paths before any work starts. Error messages name the path and what is wrong with it, in one line.
 */
public final class OutputFiles {
    private OutputFiles() {
    }

    /** Writes the content of a file to a stream (the stream is closed by the caller). */
    @FunctionalInterface
    public interface Content {
        /** Writes everything to {@code out}. */
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Checks that {@code file} can be written as a regular file: it is not a folder (or anything else that is not a
     * regular file), and its parent folder exists and is writable or can be created (no file is in the way).
     *
     * @return the path the content would go to: {@code file} made absolute, or the file a symbolic link points to
     * @throws IOException naming the path and the problem when it cannot be written
     */
    public static Path checkFile(Path file) throws IOException {
        if (file.toString().isEmpty()) {
            throw new IOException("an empty path names no file");
        }
        Path abs = file.toAbsolutePath();
        if (abs.getFileName() == null) {
            throw new IOException("cannot write '" + file + "': it is a folder, a file is needed");
        }
        Path target = abs;
        if (Files.isSymbolicLink(abs)) {
            if (!Files.exists(abs)) {
                throw new IOException("cannot write '" + file + "': it is a broken symbolic link");
            }
            target = abs.toRealPath();
        }
        if (Files.isDirectory(target)) {
            throw new IOException("cannot write '" + file + "': it is a folder, a file is needed");
        }
        if (Files.exists(target) && !Files.isRegularFile(target)) {
            throw new IOException("cannot write '" + file + "': it exists and is not a regular file");
        }
        checkParent(file, target.getParent());
        return target;
    }

    /**
     * The file {@code file} names, for telling whether two paths are the same file: its real path when it exists
     * (links resolved), else its folder's real path (when that exists) with its name, else the normalized absolute
     * path.
     */
    public static Path identity(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        try {
            if (Files.exists(abs)) {
                return abs.toRealPath();
            }
            Path parent = abs.getParent();
            if (parent != null && abs.getFileName() != null && Files.isDirectory(parent)) {
                return parent.toRealPath().resolve(abs.getFileName());
            }
        } catch (IOException e) {
            // fall back to the spelling
        }
        return abs;
    }

    /**
     * Checks that {@code dir} can be used as an output folder: it is a writable folder, or it does not exist and can
     * be created (no file is in the way).
     *
     * @throws IOException naming the path and the problem when it cannot be used
     */
    public static void checkFolder(Path dir) throws IOException {
        if (dir.toString().isEmpty()) {
            throw new IOException("an empty path names no folder (use . for the working folder)");
        }
        Path abs = dir.toAbsolutePath();
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new IOException("cannot write into '" + dir + "': it is a file, a folder is needed");
        }
        checkParent(dir, abs);
    }

    /** Checks that the nearest existing ancestor-or-self of {@code folder} is a writable folder. */
    private static void checkParent(Path given, Path folder) throws IOException {
        Path p = folder;
        while (p != null && !Files.exists(p)) {
            if (Files.isSymbolicLink(p)) {
                throw new IOException("cannot write '" + given + "': '" + p + "' is a broken symbolic link");
            }
            p = p.getParent();
        }
        if (p == null) {
            return;
        }
        if (!Files.isDirectory(p)) {
            throw new IOException("cannot write '" + given + "': '" + p + "' is a file, not a folder");
        }
        if (!Files.isWritable(p)) {
            throw new IOException("cannot write '" + given + "': folder '" + p + "' is not writable");
        }
    }

    /**
     * Creates {@code dir} and its missing parents with default permissions (the user's umask), after
     * {@link #checkFolder checking} it; an existing folder is used as it is (nothing in it is touched).
     *
     * @return {@code dir}
     */
    public static Path createFolder(Path dir) throws IOException {
        checkFolder(dir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw failure("cannot create folder '" + dir + "'", e);
        }
        return dir;
    }

    /** {@link #write Writes} {@code text} as UTF-8. */
    public static void writeString(Path file, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        write(file, out -> out.write(bytes));
    }

    /** {@link #write Writes} {@code bytes}. */
    public static void writeBytes(Path file, byte[] bytes) throws IOException {
        write(file, out -> out.write(bytes));
    }

    /**
     * Writes {@code file} atomically: checks it ({@link #checkFile}), creates missing parent folders, writes the
     * content to a new temporary file beside it and renames that over the target. The temporary file is registered
     * with {@link TempFiles} until it is renamed, so an interrupted run removes it. On failure the target is
     * unchanged and the temporary file is gone.
     *
     * @throws IOException naming {@code file} when it cannot be written
     */
    public static void write(Path file, Content content) throws IOException {
        Path target = checkFile(file);
        Path dir = target.getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw failure("cannot create folder '" + dir + "' for '" + file + "'", e);
        }
        Path tmp = null;
        OutputStream raw = null;
        for (int attempt = 0; raw == null; attempt++) {
            tmp = dir.resolve("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current()
                    .nextLong() >>> 1) + ".tmp");
            TempFiles.register(tmp);
            try {
                raw = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                TempFiles.release(tmp);
                if (attempt >= 10) {
                    throw failure("cannot write '" + file + "'", e);
                }
            } catch (IOException e) {
                TempFiles.release(tmp);
                throw failure("cannot write '" + file + "'", e);
            }
        }
        boolean moved = false;
        try {
            try (OutputStream out = new BufferedOutputStream(raw, 1 << 16)) {
                content.writeTo(out);
            }
            if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("cannot write '" + file + "': it is a folder, a file is needed");
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } catch (IOException e) {
            throw e.getMessage() != null && e.getMessage().startsWith("cannot write '") ? e
                    : failure("cannot write '" + file + "'", e);
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
            TempFiles.release(tmp);
        }
    }

    /** An IOException whose one-line message is {@code what} and the reason of {@code e}. */
    private static IOException failure(String what, IOException e) {
        String reason;
        if (e instanceof AccessDeniedException ad) {
            reason = "permission denied" + (ad.getFile() != null ? " (" + ad.getFile() + ")" : "");
        } else if (e instanceof FileAlreadyExistsException fe) {
            reason = "'" + fe.getFile() + "' is in the way (a file where a folder is needed)";
        } else if (e instanceof FileSystemException fs) {
            reason = (fs.getReason() != null ? fs.getReason() : fs.getClass().getSimpleName())
                    + (fs.getFile() != null ? " (" + fs.getFile() + ")" : "");
        } else {
            reason = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        }
        return new IOException(what + ": " + reason.replace('\n', ' '), e);
    }
}
