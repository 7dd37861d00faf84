package dev.kiln.cli;

import dev.kiln.backend.Backend;
import dev.kiln.backend.Backends;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The frame of every {@code kiln} subcommand: output through picocli's writers (so a caller embedding
 * {@link Main} can capture it), and every exception turned into one line and an exit code by
 * {@link Failures}, so no user error ends in a stack trace.
 */
abstract class KilnCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** Runs the command; returns the exit code. */
    protected abstract int run() throws Exception;

    @Override
    public final Integer call() {
        try {
            return run();
        } catch (Exception | OutOfMemoryError e) {
            return Failures.report(e, err());
        } finally {
            out().flush();
            err().flush();
        }
    }

    /** Standard output. */
    protected PrintWriter out() { return spec.commandLine().getOut(); }

    /** Standard error. */
    protected PrintWriter err() { return spec.commandLine().getErr(); }

    /** {@code kiln ARGS...} as typed, for provenance. */
    protected List<String> commandLine() {
        CommandLine root = spec.commandLine();
        while (root.getParent() != null) root = root.getParent();
        List<String> line = new ArrayList<>();
        line.add("kiln");
        CommandLine.ParseResult pr = root.getParseResult();
        if (pr != null) line.addAll(pr.originalArgs());
        return line;
    }

    /**
     * Opens a backend by name ("auto": the best available) on a device (-1: the backend's best). The line
     * {@link Backends#open} prints when it falls back to a lesser backend goes to stderr unless {@code quiet}.
     */
    protected Backend openBackend(String name, int device, String flag, boolean quiet) {
        ByteArrayOutputStream notes = new ByteArrayOutputStream();
        try (PrintStream ps = new PrintStream(notes, true, StandardCharsets.UTF_8)) {
            return Backends.open(name, device, ps);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(flag, e);
        } finally {
            if (!quiet) err().print(notes.toString(StandardCharsets.UTF_8));
            err().flush();
        }
    }

    /** Prints a warning line on stderr. */
    protected void warn(String message) {
        err().println("kiln: warning: " + message);
    }
}
