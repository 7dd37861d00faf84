package dev.kiln.report;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;

/**
 * Writes files so that a reader sees either the old file or the whole new one, never half of it: the
 * bytes go to a hidden temporary file in the target's directory ({@code .NAME.RANDOM.tmp}), are forced to
 * the disk, and the temporary file is renamed over the target (an atomic rename(2) on one file system).
 * On any failure the temporary file is removed and the target is left as it was.
 *
 * <p>A symbolic link is followed, and the file it points to is replaced (the link stays a link, as
 * {@code sed -i --follow-symlinks} and editors keep it); a target that exists and is not a regular file (a
 * FIFO, {@code /dev/stdout}, a device) is written to in place, since renaming a file over it would replace
 * the device node or pipe with a plain file.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** What produces a file's bytes. */
    @FunctionalInterface
    public interface Content {
        /** Writes the whole content to {@code out} (not closing it). */
        void writeTo(OutputStream out) throws IOException;
    }

    /** Writes {@code text} as UTF-8. */
    public static void writeString(Path target, String text) {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Writes {@code bytes}. */
    public static void write(Path target, byte[] bytes) {
        write(target, out -> out.write(bytes));
    }

    /**
     * Writes what {@code content} produces. Parent directories are created when missing.
     *
     * @throws UncheckedIOException naming the target when it cannot be written
     */
    public static void write(Path target, Content content) {
        Path abs = target.toAbsolutePath();
        Path tmp = null;
        try {
            abs = followLinks(abs);
            if (Files.exists(abs) && !Files.isRegularFile(abs) && !Files.isDirectory(abs)) {
                try (OutputStream out = Files.newOutputStream(abs, StandardOpenOption.WRITE)) {
                    content.writeTo(out);
                }
                return;
            }
            Path dir = abs.getParent();
            Files.createDirectories(dir);
            tmp = createHidden(dir, "." + abs.getFileName() + ".", ".tmp", false);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream out = Channels.newOutputStream(ch);
                content.writeTo(out);
                out.flush();
                ch.force(true);
            }
            move(tmp, abs);
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original error is the one worth reporting
                }
            }
        }
    }

    /** The path a chain of symbolic links ends at (which need not exist yet). */
    static Path followLinks(Path p) throws IOException {
        for (int hops = 0; Files.isSymbolicLink(p); hops++) {
            if (hops == 40) throw new IOException("too many levels of symbolic links");
            p = p.getParent().resolve(Files.readSymbolicLink(p)).normalize();
        }
        return p;
    }

    /**
     * Creates a new empty file (or directory) {@code dir/prefix RANDOM suffix} with the default permissions
     * (the umask applies, unlike {@link Files#createTempFile}, which makes files only their owner can read,
     * and those permissions would survive the rename).
     */
    static Path createHidden(Path dir, String prefix, String suffix, boolean directory) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path p = dir.resolve(prefix + Long.toHexString(RANDOM.nextLong() & Long.MAX_VALUE) + suffix);
            try {
                return directory ? Files.createDirectory(p) : Files.createFile(p);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 100) throw e;
            }
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Renames {@code from} over {@code to}, atomically where the file system allows it. */
    static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
