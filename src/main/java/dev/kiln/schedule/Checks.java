package dev.kiln.schedule;

/** Argument checks shared by the schedule families; messages name the family, the parameter and the value. */
final class Checks {
    private Checks() {}

    static double finite(String what, double v) {
        if (!Double.isFinite(v)) throw new IllegalArgumentException(what + " must be a finite number, got " + v);
        return v;
    }

    static double positive(String what, double v) {
        if (!(v > 0) || Double.isInfinite(v)) throw new IllegalArgumentException(what + " must be > 0, got " + v);
        return v;
    }

    static double nonNegative(String what, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) throw new IllegalArgumentException(what + " must be >= 0, got " + v);
        return v;
    }

    static long atLeast(String what, long v, long min) {
        if (v < min) throw new IllegalArgumentException(what + " must be at least " + min + " steps, got " + v);
        return v;
    }
}
