package dev.kiln.backend.cpu;

import static dev.kiln.backend.cpu.HostCopies.bits;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The two forms of the Vector API kernel's k loop ({@link VectorMicroKernel.Loop}, range-checked, and
 * {@link VectorMicroKernel.UncheckedLoop}, which reads A through Unsafe after one check of the whole panel)
 * compute every tile element as the fused multiply-add chain of {@link MicroKernel#tile}, bit for bit, at panel
 * offsets and depths that end exactly at the array's end; and the unchecked one refuses a panel that would
 * read past A instead of reading foreign memory.
 */
class MicroKernelLoopTest {
    private static final int MR = 5;
    private static final int NR = 2 * VectorMicroKernel.lanes();

    /** The tile as MicroKernel defines it: acc = fma(a_p, b_p, acc) over p in order, from 0. */
    private static float[] reference(int kc, float[] a, int ap, float[] b, int bp) {
        float[] t = new float[MR * NR];
        for (int r = 0; r < MR; r++) {
            for (int j = 0; j < NR; j++) {
                float acc = 0f;
                for (int p = 0; p < kc; p++) acc = Math.fma(a[ap + p * MR + r], b[bp + p * NR + j], acc);
                t[r * NR + j] = acc;
            }
        }
        return t;
    }

    @Test
    void bothLoopsGiveTheFmaChainBitForBit() {
        Random rnd = new Random(5);
        VectorMicroKernel.TileLoop[] loops = {new VectorMicroKernel.Loop(), new VectorMicroKernel.UncheckedLoop()};
        for (int kc : new int[] {1, 2, 7, 64, 333}) {
            for (int ap : new int[] {0, 3}) {
                int bp = 11;
                // A ends exactly where the panel ends, so a read one float too far would fail or be caught
                float[] a = new float[ap + kc * MR], b = new float[bp + kc * NR + 5];
                for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian();
                for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian();
                int[] want = bits(reference(kc, a, ap, b, bp));
                for (VectorMicroKernel.TileLoop loop : loops) {
                    float[] t = new float[MR * NR];
                    loop.tile(kc, a, ap, b, bp, t);
                    assertArrayEquals(want, bits(t), loop.getClass().getSimpleName() + " kc=" + kc + " ap=" + ap);
                }
            }
        }
    }

    @Test
    void everyCopyOfTheLoopIsItsOwnClassAndGivesTheSameBits() {
        // the copies exist so that C2 compiles the loop several times over (CpuGemm keeps the fastest): each
        // must be a class of its own, not a second instance of one class, and all of them must be made (if
        // defining the hidden classes failed, one copy would run, silently, with a 1-in-3 chance of a slow
        // compile); the copies of the loop that runs compute exactly its floats
        VectorMicroKernel.TileLoop[] copies = VectorMicroKernel.COPIES;
        assertEquals(1 + VectorMicroKernel.HIDDEN_COPIES, copies.length);
        java.util.Set<Class<?>> classes = new java.util.HashSet<>();
        for (VectorMicroKernel.TileLoop c : copies) classes.add(c.getClass());
        assertEquals(copies.length, classes.size(), "distinct classes");
        for (int i = 1; i < copies.length; i++) assertEquals(true, copies[i].getClass().isHidden(), "copy " + i);
        Random rnd = new Random(9);
        int kc = 97, ap = 2, bp = 3;
        float[] a = new float[ap + kc * MR], b = new float[bp + kc * NR];
        for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian();
        int[] want = bits(reference(kc, a, ap, b, bp));
        for (int i = 0; i < copies.length; i++) {
            float[] t = new float[MR * NR];
            copies[i].tile(kc, a, ap, b, bp, t);
            assertArrayEquals(want, bits(t), "copy " + i);
        }
    }

    @Test
    void theUncheckedLoopRefusesAPanelPastTheEndOfA() {
        VectorMicroKernel.TileLoop loop = new VectorMicroKernel.UncheckedLoop();
        float[] b = new float[64 * NR], t = new float[MR * NR];
        // one float short, a negative offset, and a panel that starts past the end
        assertThrows(IndexOutOfBoundsException.class, () -> loop.tile(64, new float[64 * MR - 1], 0, b, 0, t));
        assertThrows(IndexOutOfBoundsException.class, () -> loop.tile(4, new float[64 * MR], -1, b, 0, t));
        assertThrows(IndexOutOfBoundsException.class, () -> loop.tile(1, new float[10], 10, b, 0, t));
    }

    @Test
    void theUncheckedLoopRunsWhereItIsMeantTo() {
        // x86-64 on JDK 17-22 (this project's CI: JDK 17 on x86-64) runs it; elsewhere the checked loop
        String arch = System.getProperty("os.arch", "");
        boolean expected = (arch.equals("amd64") || arch.equals("x86_64")) && Runtime.version().feature() <= 22
                && !"false".equalsIgnoreCase(System.getProperty("kiln.cpu.unchecked", "").trim());
        assertEquals(expected, VectorMicroKernel.UncheckedLoop.usable());
        Class<?> want = expected ? VectorMicroKernel.UncheckedLoop.class : VectorMicroKernel.Loop.class;
        assertEquals(want, VectorMicroKernel.COPIES[0].getClass());
    }

    @Test
    void theSwitchTurnsTheUncheckedLoopOff() {
        // -Dkiln.cpu.unchecked=false is read when the copies are made; usable() reads it each time
        String before = System.getProperty("kiln.cpu.unchecked");
        try {
            System.setProperty("kiln.cpu.unchecked", " FALSE ");
            assertEquals(false, VectorMicroKernel.UncheckedLoop.usable());
            System.setProperty("kiln.cpu.unchecked", "true");
            String arch = System.getProperty("os.arch", "");
            assertEquals((arch.equals("amd64") || arch.equals("x86_64")) && Runtime.version().feature() <= 22,
                    VectorMicroKernel.UncheckedLoop.usable());
        } finally {
            if (before == null) System.clearProperty("kiln.cpu.unchecked");
            else System.setProperty("kiln.cpu.unchecked", before);
        }
    }
}
