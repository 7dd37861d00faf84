package dev.kiln.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API micro-kernel: a 5 x (2 x L) register tile (L = lanes of the preferred species: 8 with AVX2,
 * so 5 x 16), ten accumulators held in registers over the whole k loop, one broadcast of A per row and two
 * loads of B per k step: 10 FMAs per 7 loads, and ten independent FMA chains, enough to cover Zen's 4-cycle
 * FMA latency on both FMA pipes (the 4 x 16 tile's eight chains were latency-bound).
 *
 * <p>Why 5 rows and not BLIS's 6 x 16: register pressure under C2. 6 x 16 needs all 16 AVX2 registers (12
 * accumulators, 2 B vectors, 2 broadcasts as C2 schedules them), and whether C2's allocator fitted them
 * varied from JVM to JVM with the profile it compiled from: the same code came out at 1408 bytes with every
 * accumulator in a register, or at 1568 bytes with five of them spilled to the stack and reloaded every k
 * step. Five rows leave three registers free, and the kernel alone runs as fast in cache. (With B's index as
 * the loop variable, as now, 6 x 16 compiled without spills in all six JVMs looked at, JDK 17 and 25, at 32
 * instructions per 12 FMAs; but over the wide step's eight products it ran 3-13% slower than 5 x 16 in each
 * of six alternating pairs: 94-113 against 102-117 GFLOP/s.)
 *
 * <p>C2 is still not repeatable here: in about 3 JVMs of 8 it compiles the loop with six to eleven
 * register-to-register moves per k step that shuffle the accumulators (and two stack accesses), and the
 * loop, which is front-end bound, then runs 25-50% slower: whole benchmark runs went at 14,000 against
 * 19,000-21,000 samples/s (mnist-mlp) and at 363 against 794 (wide). Four rows (8 accumulators) and 3 x 24
 * (9) never showed the moves, but ran wide at 500-576 samples/s; 10 x 8 spilled in every JVM; a warm-up from
 * one fixed profile did not help. What does: the loop lives in {@link Loop}, loaded five times
 * ({@link #COPIES}), and {@link CpuGemm} times the copies on the first real products and keeps the fastest
 * (docs/benchmarks.md).
 *
 * <p>With {@link VectorKernels} and {@link VectorPacking}, one of the classes that name
 * {@code jdk.incubator.vector}: on a JVM without {@code --add-modules jdk.incubator.vector}, initialising it
 * throws NoClassDefFoundError, which {@link CpuGemm#bestKind} catches to fall back to
 * {@link ScalarMicroKernel}.
 */
final class VectorMicroKernel implements MicroKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int NR = 2 * L;
    private static final int MR = 5;

    /** Copies of the loop defined as hidden classes, besides the class itself (see {@link #COPIES}). */
    static final int HIDDEN_COPIES = 4;

    /**
     * Independently compiled copies of the k loop: the loop class itself and the same class bytes defined
     * {@link #HIDDEN_COPIES} more times as hidden classes, each of which C2 compiles on its own. C2's register
     * allocation of this loop is not repeatable (see above: it may shuffle the accumulators with 16 register
     * moves every k step, 40 instructions instead of 24, about 30% slower), so {@link CpuGemm} times the copies
     * on the first large products and keeps the fastest. Timed on the wide set, 34 of 93 copies over 31 JVMs
     * came out that slow (docs/benchmarks.md): about 0.37 each, so with three copies all of them are slow in
     * one JVM of 20 (0.37^3), which then trains 30% slower throughout; with five, in one of 140 (0.37^5).
     * If the hidden classes cannot be defined, the one copy runs. The loop is {@link UncheckedLoop} where
     * {@link UncheckedLoop#usable} says so, else {@link Loop}.
     */
    static final TileLoop[] COPIES = loadCopies();

    private static TileLoop[] loadCopies() {
        java.util.List<TileLoop> copies = new java.util.ArrayList<>();
        TileLoop first = UncheckedLoop.usable() ? new UncheckedLoop() : new Loop();
        copies.add(first);
        Class<?> c0 = first.getClass();
        String file = c0.getName().substring(c0.getName().lastIndexOf('.') + 1) + ".class";
        try (java.io.InputStream in = c0.getResourceAsStream(file)) {
            if (in != null) {
                byte[] bytes = in.readAllBytes();
                java.lang.invoke.MethodHandles.Lookup lookup = java.lang.invoke.MethodHandles.lookup();
                for (int i = 0; i < HIDDEN_COPIES; i++) {
                    Class<?> c = lookup.defineHiddenClass(bytes, true).lookupClass();
                    copies.add((TileLoop) c.getConstructor().newInstance());
                }
            }
        } catch (Exception | LinkageError e) {
            return new TileLoop[] {copies.get(0)};   // correct with one copy, only perhaps slower
        }
        return copies.toArray(new TileLoop[0]);
    }

    /** The k loop of {@link #tile}, behind an interface so that several compiled copies of it can run. */
    interface TileLoop {
        void tile(int kc, float[] a, int ap, float[] b, int bp, float[] t);
    }

    /** The k loop: the tile t[r*NR + j] = sum_p a[r][p] b[p][j] (see {@link MicroKernel#tile}). */
    static final class Loop implements TileLoop {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
        private static final int L = S.length(), NR = 2 * L, MR = 5;

        public Loop() {}

        @Override
        public void tile(int kc, float[] a, int ap, float[] b, int bp, float[] t) {
            // one zero per accumulator, and running indices: with all ten accumulators starting from one value
            // and the indices computed from p, C2 compiled the loop with register moves more often. The loop
            // variable is B's index: C2 then proves the two B loads in range once, before the loop (29
            // instructions a k step on JDK 17, against 34 with a counter p and range checks on every load),
            // and JDK 25's C2, which with a counter p keeps one accumulator on the stack (a store and a load
            // every k step, 2.3x slower), allocates all ten to registers
            FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c10 = FloatVector.zero(S);
            FloatVector c11 = FloatVector.zero(S), c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
            FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c40 = FloatVector.zero(S);
            FloatVector c41 = FloatVector.zero(S);
            for (int bi = bp, ai = ap, bEnd = bp + kc * NR; bi < bEnd; bi += NR, ai += MR) {
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector a0 = FloatVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
                FloatVector a1 = FloatVector.broadcast(S, a[ai + 1]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
                FloatVector a2 = FloatVector.broadcast(S, a[ai + 2]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
                FloatVector a3 = FloatVector.broadcast(S, a[ai + 3]);
                c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
                FloatVector a4 = FloatVector.broadcast(S, a[ai + 4]);
                c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
            }
            // the accumulators leave registers through an array, never as arguments of a call: a FloatVector
            // passed to a method C2 does not inline is boxed, and with six such calls (too large to inline)
            // C2 kept the whole loop on boxed vectors, at a sixth of the speed; writing the merges out inline
            // here instead (a 1100-byte method) halved the speed again, so the merge reads the tile back
            c00.intoArray(t, 0); c01.intoArray(t, L);
            c10.intoArray(t, NR); c11.intoArray(t, NR + L);
            c20.intoArray(t, 2 * NR); c21.intoArray(t, 2 * NR + L);
            c30.intoArray(t, 3 * NR); c31.intoArray(t, 3 * NR + L);
            c40.intoArray(t, 4 * NR); c41.intoArray(t, 4 * NR + L);
        }
    }

    /**
     * {@link Loop} with A's five values read without a range check each, and the k step's rows kept in order:
     * the same FMAs in the same order, so the same floats (tested against the scalar kernel). 24 instructions
     * per k step instead of 29 (C2 on JDK 17, {@code -XX:CompileCommand=print}), and on two threads, A and B in L1,
     * 169 against 143 GFLOP/s; a wide step's eight GEMMs, one JVM, alternating: 587 against 684 ms
     * (docs/benchmarks.md).
     *
     * <p>Why each part. C2 keeps two range checks on A every k step in {@link Loop} (A's index is a second
     * induction variable, 5 per step, which its range-check elimination does not take), so A is read through
     * {@code sun.misc.Unsafe} at a byte offset, after one explicit check of the whole panel before the loop. But
     * with the checks gone C2's scheduler hoists all five broadcasts to the top of the loop, where, with the ten
     * accumulators and the two B vectors, they need 17 of the 16 AVX2 registers: one accumulator was spilled
     * and reloaded every k step, and the eight GEMMs took 1225 against 711 ms. An acquire fence before each
     * row's broadcast keeps that load below the previous row's FMAs (loads may not move above it); on x86 it is
     * a compiler barrier only and emits no instruction, which is why this loop runs only there.
     *
     * <p>Used on JDK 17 to 22 on x86-64 ({@link #usable}): JDK 23 deprecated Unsafe's memory access for removal
     * and JDK 24 warns on its first use, so later JDKs run {@link Loop}.
     */
    static final class UncheckedLoop implements TileLoop {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
        private static final int L = S.length(), NR = 2 * L, MR = 5;
        private static final sun.misc.Unsafe U = unsafe();
        private static final long BASE = U == null ? 0 : U.arrayBaseOffset(float[].class);

        public UncheckedLoop() {}

        private static sun.misc.Unsafe unsafe() {
            try {
                java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
                f.setAccessible(true);
                sun.misc.Unsafe u = (sun.misc.Unsafe) f.get(null);
                return u.arrayIndexScale(float[].class) == Float.BYTES ? u : null;
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                return null;
            }
        }

        /** Whether this loop runs here: x86-64 (a free acquire fence), JDK 17-22, Unsafe reachable. */
        static boolean usable() {
            String arch = System.getProperty("os.arch", "");
            return (arch.equals("amd64") || arch.equals("x86_64")) && Runtime.version().feature() <= 22
                    && U != null && !"false".equalsIgnoreCase(System.getProperty("kiln.cpu.unchecked", "").trim());
        }

        @Override
        public void tile(int kc, float[] a, int ap, float[] b, int bp, float[] t) {
            // the one check that makes the unchecked reads of A safe: the panel's kc * MR floats lie in a
            java.util.Objects.checkFromIndexSize(ap, kc * MR, a.length);
            FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c10 = FloatVector.zero(S);
            FloatVector c11 = FloatVector.zero(S), c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
            FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c40 = FloatVector.zero(S);
            FloatVector c41 = FloatVector.zero(S);
            long ao = BASE + (long) ap * Float.BYTES;
            for (int bi = bp, bEnd = bp + kc * NR; bi < bEnd; bi += NR, ao += MR * Float.BYTES) {
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector a0 = FloatVector.broadcast(S, U.getFloat(a, ao));
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
                java.lang.invoke.VarHandle.acquireFence();
                FloatVector a1 = FloatVector.broadcast(S, U.getFloat(a, ao + Float.BYTES));
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
                java.lang.invoke.VarHandle.acquireFence();
                FloatVector a2 = FloatVector.broadcast(S, U.getFloat(a, ao + 2 * Float.BYTES));
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
                java.lang.invoke.VarHandle.acquireFence();
                FloatVector a3 = FloatVector.broadcast(S, U.getFloat(a, ao + 3 * Float.BYTES));
                c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
                java.lang.invoke.VarHandle.acquireFence();
                FloatVector a4 = FloatVector.broadcast(S, U.getFloat(a, ao + 4 * Float.BYTES));
                c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
            }
            // written out as in Loop rather than shared: a method taking the accumulators as arguments boxes them
            c00.intoArray(t, 0); c01.intoArray(t, L);
            c10.intoArray(t, NR); c11.intoArray(t, NR + L);
            c20.intoArray(t, 2 * NR); c21.intoArray(t, 2 * NR + L);
            c30.intoArray(t, 3 * NR); c31.intoArray(t, 3 * NR + L);
            c40.intoArray(t, 4 * NR); c41.intoArray(t, 4 * NR + L);
        }
    }

    /** Throws NoClassDefFoundError (a LinkageError) when the module is absent. */
    static int lanes() { return L; }

    /** The copy of the k loop this kernel runs (see {@link #COPIES}); chosen by {@link CpuGemm}. */
    private TileLoop loop = COPIES[0];

    VectorMicroKernel() {}

    @Override public int mr() { return MR; }

    @Override public int nr() { return NR; }

    @Override public String describe() { return "vector-api " + L + " lanes, " + MR + "x" + NR + " micro-kernel"; }

    @Override
    public void tile(int kc, float[] a, int ap, float[] b, int bp, float[] t) {
        loop.tile(kc, a, ap, b, bp, t);
    }

    @Override public int copies() { return COPIES.length; }

    @Override public void use(int copy) { loop = COPIES[copy]; }

    /**
     * Merges the full tile t (MR x NR, row stride NR) into C at ci, with {@link CpuGemm#merge}'s rule and its
     * exact roundings (alpha*acc, then + beta*C or C +, each rounded: no fused operations), one row of NR
     * lanes at a time. A separate small method reading the tile back from the array: the accumulators are
     * never passed as arguments (C2 would box them), and the k loop keeps its registers (writing the merge
     * out inline in {@code tile} made that method 1100 bytes and halved its speed). Vector rather than
     * scalar: the scalar merge was about 10% of a tile at kc = 256.
     */
    @Override
    public void mergeFull(float[] t, float[] c, int ci, int ldc, float alpha, float beta, boolean first) {
        for (int r = 0; r < MR; r++) {
            int cr = ci + r * ldc;
            for (int j = 0; j < NR; j += L) {
                FloatVector acc = FloatVector.fromArray(S, t, r * NR + j).mul(alpha);
                if (!first) acc = FloatVector.fromArray(S, c, cr + j).add(acc);
                else if (beta != 0f) acc = acc.add(FloatVector.fromArray(S, c, cr + j).mul(beta));
                acc.intoArray(c, cr + j);
            }
        }
    }
}
