package dev.kiln.data;

import java.util.Locale;

/**
 * What a reader does with a NaN or infinite value in the data ({@code NaN}, {@code Inf}, {@code -Infinity},
 * or a number beyond float range such as {@code 1e39}), as {@code --nan-policy} writes it. Such a value would
 * turn the loss into NaN at its first batch, so it is never passed on.
 */
public enum NanPolicy {
    /** Fail with the file, line and column of the first such value (the default). */
    REJECT,
    /** Drop every row holding one, and say how many were dropped. */
    DROP;

    /** Reads {@code reject} or {@code drop} (case-insensitive). */
    public static NanPolicy parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "reject" -> REJECT;
            case "drop" -> DROP;
            default -> throw new IllegalArgumentException("NaN policy '" + (text == null ? "" : text.strip()).replaceAll("\\p{Cntrl}", "?")
                    + "': expected reject or drop");
        };
    }

    @Override
    public String toString() { return name().toLowerCase(Locale.ROOT); }
}
