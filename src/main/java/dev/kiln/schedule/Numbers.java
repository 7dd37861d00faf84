package dev.kiln.schedule;

import java.math.BigDecimal;
import java.util.regex.Pattern;

/**
 * Strict number reading and canonical number writing for the schedule grammar. Reading accepts only plain
 * decimal notation ({@code 0.8}, {@code .5}, {@code 1e-4}, {@code -2}), not Java's extras ({@code NaN},
 * {@code 0x1p3}, {@code 1d}); writing gives the shortest decimal that {@link Double#parseDouble} maps back to
 * the same double, so parse, print and parse again gives identical values.
 */
final class Numbers {
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    /** A nonzero digit before any exponent. */
    private static final Pattern MANTISSA_NONZERO = Pattern.compile("^[^eE]*[1-9]");

    private Numbers() {}

    /** Whether {@code text} is a plain decimal number. */
    static boolean isNumber(String text) {
        return DECIMAL.matcher(text).matches();
    }

    /** The value of a plain decimal number; -0 reads as 0. */
    static double parse(String text) {
        if (!isNumber(text)) throw new NumberFormatException("not a number: '" + text + "'");
        double v = Double.parseDouble(text);
        if (Double.isInfinite(v)) throw new NumberFormatException("number out of range: '" + text + "'");
        // 1e-400 reads as 0: a nonzero number that became 0 would change the schedule's text and meaning
        if (v == 0 && MANTISSA_NONZERO.matcher(text).find())
            throw new NumberFormatException("number out of range: '" + text + "' is too small for a double (it would be 0)");
        return v == 0 ? 0.0 : v;
    }

    /**
     * The canonical text of a finite double: plain notation for 1e-4 <= |x| < 1e7 ({@code 0.8},
     * {@code 250}, {@code 0.0001}), scientific with a lower-case e otherwise ({@code 1e-7},
     * {@code 2.5e+9} is written {@code 2.5e9}).
     */
    static String format(double x) {
        if (!Double.isFinite(x)) throw new IllegalArgumentException("not a finite number: " + x);
        if (x == 0) return "0";
        // Double.toString round-trips; BigDecimal only re-spells that exact decimal.
        BigDecimal d = new BigDecimal(Double.toString(x)).stripTrailingZeros();
        double a = Math.abs(x);
        if (a >= 1e-4 && a < 1e7) return d.toPlainString();
        String digits = d.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - d.scale();
        StringBuilder s = new StringBuilder();
        if (x < 0) s.append('-');
        s.append(digits.charAt(0));
        if (digits.length() > 1) s.append('.').append(digits, 1, digits.length());
        return s.append('e').append(exponent).toString();
    }
}
