package dev.kiln.report;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Run directories appear whole or not at all; files are replaced atomically. */
class RunDirectoryTest {
    static List<String> names(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aCommittedRunAppearsWhole(@TempDir Path tmp) throws IOException {
        Path target = tmp.resolve("runs/a");
        try (RunDirectory d = RunDirectory.open(target)) {
            assertTrue(d.path().getFileName().toString().startsWith(".a.partial-"), d.path().toString());
            assertFalse(Files.exists(target), "nothing at the target while the run is being written");
            AtomicFiles.writeString(d.file("x.txt"), "hello");
            d.commit();
            assertEquals(target.toAbsolutePath().normalize(), d.path());
        }
        assertEquals("hello", Files.readString(target.resolve("x.txt")));
        assertEquals(List.of("a"), names(tmp.resolve("runs")), "no partial directory is left");
    }

    @Test
    void anUncommittedRunLeavesNothingNotEvenTheParentsItCreated(@TempDir Path tmp) throws IOException {
        try (RunDirectory d = RunDirectory.open(tmp.resolve("runs/deep/b"))) {
            AtomicFiles.writeString(d.file("metrics.csv"), "epoch\n");
            Files.createDirectories(d.path().resolve("sub"));
            AtomicFiles.writeString(d.path().resolve("sub/m.csv"), "x");
        }
        assertEquals(List.of(), names(tmp));
    }

    @Test
    void anExistingEmptyTargetIsReplacedAndANonEmptyOneRefused(@TempDir Path tmp) throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        try (RunDirectory d = RunDirectory.open(empty)) {
            AtomicFiles.writeString(d.file("f"), "1");
            d.commit();
        }
        assertEquals(List.of("f"), names(empty));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunDirectory.open(empty));
        assertTrue(e.getMessage().contains("not empty"), e.getMessage());
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertThrows(IllegalArgumentException.class, () -> RunDirectory.checkTarget(file));
    }

    @Test
    void aTargetHoldingOnlyCheckpointsReceivesTheRunFileByFileAndKeepsThem(@TempDir Path tmp) throws IOException {
        Path target = tmp.resolve("run");
        Path step = Files.createDirectories(target.resolve("checkpoints/step-10"));
        Files.writeString(step.resolve("state.json"), "{}");
        RunDirectory.checkTarget(target);
        try (RunDirectory d = RunDirectory.open(target)) {
            AtomicFiles.writeString(d.file("metrics.csv"), "m");
            AtomicFiles.writeString(d.file("model.safetensors"), "w");
            Files.createDirectories(d.path().resolve("sub"));
            AtomicFiles.writeString(d.path().resolve("sub/x"), "x");
            assertEquals(List.of("checkpoints"), names(target), "nothing of the run at the target before commit");
            d.commit();
        }
        assertEquals(List.of("checkpoints", "metrics.csv", "model.safetensors", "sub"), names(target));
        assertEquals("x", Files.readString(target.resolve("sub/x")));
        assertEquals("{}", Files.readString(step.resolve("state.json")), "the checkpoints are untouched");
        assertEquals(List.of("run"), names(tmp), "the hidden directory is gone");
        // an uncommitted run beside checkpoints removes only its own hidden directory
        Path other = tmp.resolve("other");
        Files.createDirectories(other.resolve("checkpoints"));
        try (RunDirectory d = RunDirectory.open(other)) {
            AtomicFiles.writeString(d.file("metrics.csv"), "m");
        }
        assertEquals(List.of("checkpoints"), names(other));
        assertEquals(List.of("other", "run"), names(tmp));
        // anything else beside checkpoints/ (a finished run) is refused, naming it
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunDirectory.checkTarget(target));
        assertTrue(e.getMessage().contains("not empty") && e.getMessage().matches(".*it holds (metrics.csv|model.safetensors|sub);.*"), e.getMessage());
        Path fileNamedCheckpoints = Files.createDirectories(tmp.resolve("third"));
        Files.writeString(fileNamedCheckpoints.resolve("checkpoints"), "not a directory");
        assertThrows(IllegalArgumentException.class, () -> RunDirectory.checkTarget(fileNamedCheckpoints));
    }

    @Test
    void defaultTargetsAreStampedAndNeverCollide(@TempDir Path tmp) throws IOException {
        LocalDateTime t = LocalDateTime.of(2026, 11, 28, 10, 15, 0);
        Path first = RunDirectory.defaultTarget(tmp, "seed", t);
        assertEquals("seed-20261128-101500", first.getFileName().toString());
        Files.createDirectories(first);
        assertEquals("seed-20261128-101500-2", RunDirectory.defaultTarget(tmp, "seed", t).getFileName().toString());
    }

    @Test
    void aFailedAtomicWriteKeepsTheOldFileAndNoTemporary(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("metrics.csv");
        AtomicFiles.writeString(f, "old");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> AtomicFiles.write(f, out -> {
            out.write("half of the new".getBytes());
            throw new IOException("disk full");
        }));
        assertTrue(e.getMessage().contains("metrics.csv") && e.getMessage().contains("disk full"), e.getMessage());
        assertEquals("old", Files.readString(f));
        assertEquals(List.of("metrics.csv"), names(tmp));
        AtomicFiles.writeString(f, "new");
        assertEquals("new", Files.readString(f));
    }
}
