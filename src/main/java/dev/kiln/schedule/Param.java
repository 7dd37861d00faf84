package dev.kiln.schedule;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoublePredicate;

/**
 * One parameter of a schedule family in the text grammar: its name, the kind of value it takes, how it is
 * checked while parsing and how it is printed in the canonical text.
 *
 * @param name       the key ({@code gamma} in {@code gamma=0.8})
 * @param kind       the kind of value
 * @param required   whether the family needs it
 * @param choices    the allowed words of a {@link Kind#CHOICE}
 * @param bare       whether a {@link Kind#CHOICE} value is written without its key ({@code warmup:5%,exp})
 * @param check      a check of numeric values (each list entry, each momentum bound)
 * @param checkText  what {@code check} demands, for messages ("> 0")
 * @param help       one line for people
 */
record Param(String name, Kind kind, boolean required, List<String> choices, boolean bare,
             DoublePredicate check, String checkText, String help) {

    /** The kinds of values. */
    enum Kind {
        /** A decimal number. */
        NUMBER,
        /** A whole number >= 0. */
        WHOLE,
        /** A duration: {@code 500}, {@code 30ep}, {@code 30%}. */
        DURATION,
        /** A list of durations: {@code [30ep,60ep]}. */
        DURATIONS,
        /** A list of numbers: {@code [1,0.5,0.1]}. */
        NUMBERS,
        /** One word out of {@link #choices}. */
        CHOICE,
        /** A switch: the bare key turns it on ({@code staircase}), or {@code key=true|false}. */
        FLAG,
        /** A momentum range {@code 0.85..0.95}, or {@code none}. */
        MOMENTUM
    }

    static final DoublePredicate ANY = v -> true;
    static final DoublePredicate POSITIVE = v -> v > 0;
    static final DoublePredicate NON_NEGATIVE = v -> v >= 0;

    static Param number(String name, String help) {
        return new Param(name, Kind.NUMBER, false, List.of(), false, ANY, "", help);
    }

    static Param number(String name, DoublePredicate check, String checkText, String help) {
        return new Param(name, Kind.NUMBER, false, List.of(), false, check, checkText, help);
    }

    static Param whole(String name, String help) {
        return new Param(name, Kind.WHOLE, false, List.of(), false, ANY, "", help);
    }

    static Param duration(String name, String help) {
        return new Param(name, Kind.DURATION, false, List.of(), false, ANY, "", help);
    }

    static Param durations(String name, String help) {
        return new Param(name, Kind.DURATIONS, false, List.of(), false, ANY, "", help);
    }

    static Param numbers(String name, String help) {
        return new Param(name, Kind.NUMBERS, false, List.of(), false, ANY, "", help);
    }

    static Param choice(String name, boolean bare, String help, String... choices) {
        return new Param(name, Kind.CHOICE, false, List.of(choices), bare, ANY, "", help);
    }

    static Param flag(String name, String help) {
        return new Param(name, Kind.FLAG, false, List.of(), false, ANY, "", help);
    }

    static Param momentum(String name, String help) {
        return new Param(name, Kind.MOMENTUM, false, List.of(), false, v -> v >= 0 && v < 1, "in [0, 1)", help);
    }

    /** A copy of this parameter that the family requires. */
    Param mandatory() {
        return new Param(name, kind, true, choices, bare, check, checkText, help);
    }

    /**
     * Reads a value given as text (a list's entries for the list kinds).
     *
     * @return Double, Long, Duration, List of Duration, double[], String, Boolean, or double[2] (momentum;
     *         null for {@code none})
     * @throws IllegalArgumentException with a message naming the parameter and the value
     */
    Object read(List<String> items, boolean list) {
        switch (kind) {
            case DURATIONS, NUMBERS -> {
                if (!list) throw new IllegalArgumentException(name + " takes a list like [" + (kind == Kind.NUMBERS ? "1,0.5,0.1" : "30ep,60ep") + "]");
                if (items.isEmpty()) throw new IllegalArgumentException(name + " needs at least one entry");
                if (kind == Kind.NUMBERS) {
                    double[] out = new double[items.size()];
                    for (int i = 0; i < out.length; i++) out[i] = checked(readNumber(items.get(i)), items.get(i));
                    return out;
                }
                List<Duration> out = new ArrayList<>();
                for (String s : items) out.add(Duration.parse(s));
                return List.copyOf(out);
            }
            default -> {
                if (list) throw new IllegalArgumentException(name + " takes one value, not a list");
            }
        }
        String text = items.get(0);
        return switch (kind) {
            case NUMBER -> checked(readNumber(text), text);
            case WHOLE -> {
                double v = readNumber(text);
                if (v < 0 || v != Math.rint(v) || v > 1e15)
                    throw new IllegalArgumentException(name + " must be a whole number >= 0, got '" + text + "'");
                yield (long) v;
            }
            case DURATION -> Duration.parse(text);
            case CHOICE -> {
                String w = text.toLowerCase(Locale.ROOT);
                if (!choices.contains(w))
                    throw new IllegalArgumentException(name + " must be one of " + String.join(", ", choices) + ", got '" + text + "'");
                yield w;
            }
            case FLAG -> switch (text.toLowerCase(Locale.ROOT)) {
                case "true" -> Boolean.TRUE;
                case "false" -> Boolean.FALSE;
                default -> throw new IllegalArgumentException(name + " is a switch: write " + name + " or " + name + "=false, got '" + text + "'");
            };
            case MOMENTUM -> {
                if (text.equalsIgnoreCase("none")) yield null;
                int dots = text.indexOf("..");
                if (dots < 0) throw new IllegalArgumentException(name + " must be a range like 0.85..0.95, or none; got '" + text + "'");
                double lo = checked(readNumber(text.substring(0, dots)), text);
                double hi = checked(readNumber(text.substring(dots + 2)), text);
                yield new double[] {lo, hi};
            }
            default -> throw new AssertionError(kind);
        };
    }

    private double readNumber(String text) {
        if (!Numbers.isNumber(text)) throw new IllegalArgumentException(name + " must be a number, got '" + text + "'");
        try {
            return Numbers.parse(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage());
        }
    }

    private double checked(double v, String text) {
        if (!check.test(v)) throw new IllegalArgumentException(name + " must be " + checkText + ", got '" + text + "'");
        return v;
    }

    /** The canonical text of a value read by {@link #read}. */
    String format(Object value) {
        return switch (kind) {
            case NUMBER -> Numbers.format((Double) value);
            case WHOLE -> Long.toString((Long) value);
            case DURATION, CHOICE -> value.toString();
            case FLAG -> value.toString();
            case DURATIONS -> {
                StringBuilder s = new StringBuilder("[");
                for (Object d : (List<?>) value) s.append(s.length() > 1 ? "," : "").append(d);
                yield s.append(']').toString();
            }
            case NUMBERS -> {
                StringBuilder s = new StringBuilder("[");
                for (double d : (double[]) value) s.append(s.length() > 1 ? "," : "").append(Numbers.format(d));
                yield s.append(']').toString();
            }
            case MOMENTUM -> value == null ? "none"
                    : Numbers.format(((double[]) value)[0]) + ".." + Numbers.format(((double[]) value)[1]);
        };
    }
}
