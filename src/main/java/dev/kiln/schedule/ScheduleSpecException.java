package dev.kiln.schedule;

/**
 * A schedule text that cannot be read or bound. The message is one line that names the problem, the
 * offending token and its column (1-based), e.g.
 * {@code schedule error at column 16 ('gama'): step has no parameter 'gama'; it takes every, gamma}.
 */
public final class ScheduleSpecException extends IllegalArgumentException {
    /** The whole text. */
    private final String spec;
    /** The 0-based index of the offending token in {@code spec}. */
    private final int position;
    /** The offending token, empty when the text ended too early. */
    private final String token;
    /** What is wrong, without the location. */
    private final String problem;

    /**
     * @param spec     the whole text
     * @param position the 0-based index of the offending token in {@code spec}
     * @param token    the offending token (empty at the end of the text)
     * @param problem  what is wrong, without the location
     */
    public ScheduleSpecException(String spec, int position, String token, String problem) {
        super(format(position, token, problem));
        this.spec = spec;
        this.position = position;
        this.token = token;
        this.problem = problem;
    }

    private static String format(int position, String token, String problem) {
        String where = "at column " + (position + 1) + (token.isEmpty() ? " (the end of the text)" : " ('" + token + "')");
        return "schedule error " + where + ": " + problem;
    }

    /** The text that failed. */
    public String spec() { return spec; }

    /** The 0-based index of the offending token. */
    public int position() { return position; }

    /** The offending token, empty when the text ended too early. */
    public String token() { return token; }

    /** What is wrong, without the location. */
    public String problem() { return problem; }
}
