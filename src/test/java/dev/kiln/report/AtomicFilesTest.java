package dev.kiln.report;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The temporary-file-and-rename write, and the targets a rename must not replace: `kiln predict --out link.csv`
 * turned a symbolic link into a plain file, and `--out /dev/full` (as root) replaced the device node.
 */
class AtomicFilesTest {
    @Test
    void replacesAFileWholeAndLeavesNoTemporaryFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("p.csv");
        Files.writeString(f, "old, longer than the new text\n");
        AtomicFiles.writeString(f, "new\n");
        assertEquals("new\n", Files.readString(f));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no .tmp left");
        }
    }

    @Test
    void aSymbolicLinkIsFollowedAndStaysALink(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("sub/target.csv"), link = dir.resolve("link.csv");
        Files.createDirectories(target.getParent());
        Files.writeString(target, "old\n");
        Files.createSymbolicLink(link, Path.of("sub/target.csv"));
        AtomicFiles.writeString(link, "new\n");
        assertTrue(Files.isSymbolicLink(link), "still a link");
        assertEquals("new\n", Files.readString(target));
        // a dangling link: the file it names is created
        Path dangling = dir.resolve("dangling.csv");
        Files.createSymbolicLink(dangling, Path.of("sub/fresh.csv"));
        AtomicFiles.writeString(dangling, "x\n");
        assertTrue(Files.isSymbolicLink(dangling));
        assertEquals("x\n", Files.readString(dir.resolve("sub/fresh.csv")));
        // a loop is an error naming the target, not a hang
        Path a = dir.resolve("a"), b = dir.resolve("b");
        Files.createSymbolicLink(a, b);
        Files.createSymbolicLink(b, a);
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> AtomicFiles.writeString(a, "y"));
        assertTrue(e.getMessage().contains("too many levels of symbolic links"), e.getMessage());
    }

    @Test
    void aFifoIsWrittenToNotReplaced(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("pipe");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assumeTrue(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0, "mkfifo unavailable");
        CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(Files.readAllBytes(fifo), StandardCharsets.UTF_8);
            } catch (Exception ex) {
                throw new RuntimeException(ex);
            }
        });
        AtomicFiles.writeString(fifo, "through the pipe\n");
        assertEquals("through the pipe\n", reader.get(20, TimeUnit.SECONDS));
        assertFalse(Files.isRegularFile(fifo), "still a FIFO");
    }
}
