package dev.kiln.schedule;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a schedule text into tokens: words (names, keys, values such as {@code 2ep}, {@code 1e-4},
 * {@code 0.85..0.95}, {@code 1-sqrt}) and the symbols {@code : , = ( ) > * | [ ]}. Whitespace only separates.
 */
final class Lexer {
    static final String SYMBOLS = ":,=()>*|[]";

    /** A token and where it starts in the text. */
    record Token(String text, int pos, boolean symbol) {
        boolean is(String s) { return text.equals(s); }
    }

    private Lexer() {}

    static List<Token> tokens(String text) {
        List<Token> out = new ArrayList<>();
        int i = 0, n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (SYMBOLS.indexOf(c) >= 0) {
                out.add(new Token(String.valueOf(c), i, true));
                i++;
            } else {
                int start = i;
                while (i < n && !Character.isWhitespace(text.charAt(i)) && SYMBOLS.indexOf(text.charAt(i)) < 0) i++;
                out.add(new Token(text.substring(start, i), start, false));
            }
        }
        return out;
    }
}
