package dev.kiln.backend.opencl;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * LWJGL's diagnostic stream, routed to Kiln's logger at DEBUG. LWJGL prints a multi-line "Failed to load a
 * library. Possible solutions: ..." banner to stderr whenever a native library is missing; on a machine
 * without OpenCL that banner is expected, and the provider's one-line cause already says what to install.
 * Installed by the probe before LWJGL initialises, unless the user asked for LWJGL's own debug output
 * ({@code -Dorg.lwjgl.util.Debug=true} or {@code -Dorg.lwjgl.util.DebugStream}).
 */
final class LwjglLog extends OutputStream {
    private static final System.Logger LOG = System.getLogger("dev.kiln.backend.opencl.lwjgl");
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    /** A PrintStream whose lines go to the DEBUG log. */
    static PrintStream stream() {
        return new PrintStream(new LwjglLog(), true, StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') flushLine();
        else line.write(b);
    }

    @Override
    public synchronized void flush() {
        if (line.size() > 0) flushLine();
    }

    private void flushLine() {
        String s = line.toString(StandardCharsets.UTF_8).stripTrailing();
        line.reset();
        if (!s.isEmpty()) LOG.log(System.Logger.Level.DEBUG, s);
    }
}
