package dev.kiln.cli;

import dev.kiln.backend.BackendException;
import dev.kiln.train.DivergenceException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;

/**
 * Turns what a command threw into one line on stderr and an exit code ({@link Main}): bad input
 * ({@link CliException#usage}, {@link IllegalArgumentException}, which the library throws for bad values,
 * files and schedule texts) is 2; everything else (a backend that fails, a diverged run, an I/O error, a
 * bug) is 1. A stack trace follows only when the environment sets {@code KILN_DEBUG=1}.
 */
final class Failures {
    private Failures() {}

    /** Prints {@code kiln: MESSAGE} and returns the exit code. */
    static int report(Throwable e, PrintWriter err) {
        int code;
        String message;
        if (e instanceof CliException c) {
            code = c.exitCode();
            message = c.getMessage();
        } else if (e instanceof IllegalArgumentException) {
            code = Main.USAGE;
            message = e.getMessage();
        } else if (e instanceof DivergenceException || e instanceof BackendException) {
            code = Main.FAILURE;
            message = e.getMessage();
        } else if (e instanceof UncheckedIOException || e instanceof IOException) {
            code = Main.FAILURE;
            message = e.getMessage();
        } else if (e instanceof OutOfMemoryError) {
            code = Main.FAILURE;
            message = "out of Java heap memory (raise it with java -Xmx...)";
        } else {
            code = Main.FAILURE;
            message = "internal error: " + e;
        }
        err.println("kiln: " + oneLine(message == null ? e.getClass().getSimpleName() : message));
        if ("1".equals(System.getenv("KILN_DEBUG"))) e.printStackTrace(err);
        err.flush();
        return code;
    }

    /** A message on one line: line breaks become "; ". */
    static String oneLine(String s) {
        if (s == null) return "";
        return s.strip().replaceAll("\\s*\\R\\s*", "; ");
    }
}
