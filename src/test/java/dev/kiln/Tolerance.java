package dev.kiln;

/**
 * How close two numbers must be: |actual - expected| <= abs + rel * |expected|. A record rather than two
 * positional floats, so (abs, rel) cannot be swapped silently (CLBlast's lesson).
 */
public record Tolerance(double abs, double rel) {
    /** Element-wise float32 ops. */
    public static final Tolerance ELEMENTWISE = new Tolerance(1e-6, 1e-5);
    /** GEMM-sized sums in float32. */
    public static final Tolerance GEMM = new Tolerance(1e-5, 1e-4);
    /** Schedules in double precision against closed forms. */
    public static final Tolerance SCHEDULE = new Tolerance(1e-15, 1e-12);
    /** Optimizer steps in float32 against a double reference. */
    public static final Tolerance OPTIMIZER = new Tolerance(1e-7, 1e-6);

    public boolean accepts(double expected, double actual) {
        if (Double.isNaN(expected)) return Double.isNaN(actual);
        if (Double.isInfinite(expected)) return expected == actual;
        return Math.abs(actual - expected) <= abs + rel * Math.abs(expected);
    }

    /** Asserts element by element, naming the first mismatches. */
    public void assertClose(String what, double[] expected, double[] actual) {
        if (expected.length != actual.length)
            throw new AssertionError(what + ": length " + actual.length + " != expected " + expected.length);
        StringBuilder bad = new StringBuilder();
        int count = 0;
        for (int i = 0; i < expected.length; i++) {
            if (!accepts(expected[i], actual[i])) {
                if (count < 5) bad.append(String.format("%n  [%d] expected %.9g got %.9g", i, expected[i], actual[i]));
                count++;
            }
        }
        if (count > 0) throw new AssertionError(what + ": " + count + " of " + expected.length + " outside " + this + bad);
    }

    public void assertClose(String what, float[] expected, float[] actual) {
        assertClose(what, toDouble(expected), toDouble(actual));
    }

    public void assertClose(String what, double expected, double actual) {
        assertClose(what, new double[] {expected}, new double[] {actual});
    }

    public static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) d[i] = x[i];
        return d;
    }
}
