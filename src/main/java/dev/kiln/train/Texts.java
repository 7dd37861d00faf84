package dev.kiln.train;

/** Helpers for messages that quote what the user typed. */
final class Texts {
    private Texts() {}

    /** {@code text}, stripped, with control characters escaped, so a message that quotes it stays on one line. */
    static String shown(String text) {
        if (text == null) return "";
        StringBuilder b = new StringBuilder();
        for (char c : text.strip().toCharArray()) {
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || Character.getType(c) == Character.LINE_SEPARATOR
                            || Character.getType(c) == Character.PARAGRAPH_SEPARATOR)
                        b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.toString();
    }
}
