package dev.kiln.cli;

/**
 * An error the {@code kiln} command reports as one line and an exit code: {@link #usage} for bad usage or
 * input (exit 2), {@link #failure} for a failure while running (exit 1). The message already names the
 * flag, file or value it is about, e.g. {@code --epochs: must be >= 1, got -3}.
 */
public final class CliException extends RuntimeException {
    /** The exit code: {@link Main#USAGE} or {@link Main#FAILURE}. */
    private final int exitCode;

    private CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** Bad usage or input: exit 2. */
    public static CliException usage(String message) { return new CliException(Main.USAGE, message, null); }

    /** Bad input reported by a library call: exit 2, with the flag it came from in front of the library's message. */
    public static CliException usage(String flag, Throwable cause) {
        return new CliException(Main.USAGE, flag + ": " + Failures.oneLine(cause.getMessage()), cause);
    }

    /** A failure while running: exit 1. */
    public static CliException failure(String message, Throwable cause) { return new CliException(Main.FAILURE, message, cause); }

    /** The exit code. */
    public int exitCode() { return exitCode; }
}
