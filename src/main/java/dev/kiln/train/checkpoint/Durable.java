package dev.kiln.train.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * File-system steps whose order makes a checkpoint crash-safe (the protocol of SQLite's and PostgreSQL's
 * durable renames): write each file and {@code fsync} it; {@code fsync} the directory holding them; rename
 * that directory into place; {@code fsync} its parent, so the rename itself survives a power cut.
 */
public final class Durable {
    private Durable() {}

    /** Creates {@code file} (it must not exist), writes {@code bytes} and forces them to the disk. */
    public static void write(Path file, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) ch.write(b);
            ch.force(true);
        }
    }

    /**
     * Forces a directory's entries to the disk (Linux and macOS allow opening a directory for reading and
     * fsync on it; where the platform refuses, the rename is still atomic, only not yet durable).
     */
    public static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("windows")) throw e;
        }
    }

    /** Deletes a directory tree (best effort is the caller's choice: this throws on the first failure). */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) throw exc;
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Deletes a tree, ignoring failures (cleanup after another error, which is the one to report). */
    public static void deleteQuietly(Path root) {
        try {
            deleteTree(root);
        } catch (IOException | RuntimeException ignored) {
            // the error that made us clean up is the one worth reporting
        }
    }
}
