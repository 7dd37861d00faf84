package dev.kiln.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.backend.Activation;
import dev.kiln.backend.BackendException;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.LossKind;
import dev.kiln.backend.Stats;
import dev.kiln.backend.UpdateRule;
import dev.kiln.backend.UpdateScalars;
import dev.kiln.backend.cpu.CpuBackend;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What the OpenCL backend promises beyond the conformance suite: deterministic reductions, double
 * accumulation of statistics, the non-blocking upload ring, the guarded gather, and error messages that
 * name the op, the kernel or file, and the sizes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenClBackendTest {
    OpenClBackend cl;

    @BeforeAll
    void open() {
        OpenClBackendProvider p = new OpenClBackendProvider();
        assumeTrue(p.isAvailable(), () -> "opencl unavailable: " + p.unavailabilityCause());
        cl = (OpenClBackend) p.create(-1);
    }

    @AfterAll
    void close() {
        if (cl != null) cl.close();
    }

    static float[] random(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return x;
    }

    private DeviceBuffer upload(float[] x) {
        DeviceBuffer b = cl.alloc(x.length);
        cl.upload(x, 0, b, 0, x.length);
        return b;
    }

    private float[] get(DeviceBuffer b) {
        float[] out = new float[(int) b.length()];
        cl.download(b, 0, out, 0, out.length);
        return out;
    }

    @Test
    void provenanceSaysWhatRan() {
        assertEquals("opencl", cl.provenance().get("backend"));
        assertEquals(cl.gemmVariant().description, cl.provenance().get("gemm"));
        assertTrue(cl.provenance().get("kernel_hash").matches("[0-9a-f]{16}"), cl.provenance().toString());
        assertTrue(cl.device().startsWith(cl.clDevice().name()), cl.device());
    }

    /** sumSquares over both reduction paths: the double sum rounded once, and the same bits every run. */
    @Test
    void sumSquaresIsDeterministicAndAccumulatesInDouble() {
        for (int n : new int[] {ClReduce.DIRECT, ClReduce.DIRECT + 1, 100_003}) {
            float[] x = random(n, n + 5);
            double exact = 0;
            for (int i = 5; i < n + 5; i++) exact += (double) x[i] * x[i];
            try (DeviceBuffer d = upload(x); DeviceBuffer st = cl.alloc(Stats.SIZE)) {
                cl.sumSquares(d, 5, n, st, Stats.GRAD_SQ);
                float first = get(st)[Stats.GRAD_SQ];
                cl.sumSquares(d, 5, n, st, Stats.GRAD_SQ);
                float second = get(st)[Stats.GRAD_SQ];
                assertEquals(Float.floatToRawIntBits(first), Float.floatToRawIntBits(second), "run to run, n=" + n);
                // partial sums in double differ from the sequential double sum by far less than a float ulp
                assertEquals((float) exact, first, Math.ulp((float) exact), "n=" + n);
            }
        }
    }

    /** The loss statistics of a large batch, twice: bit-identical, and the rows counted. */
    @Test
    void lossStatisticsAreDeterministic() {
        int rows = 3000, cols = 7;
        float[] z = random(1, rows * cols), y = new float[rows * cols];
        for (int r = 0; r < rows; r++) y[r * cols + (r * 5) % cols] = 1f;
        try (DeviceBuffer dz = upload(z); DeviceBuffer da = cl.alloc(rows * cols); DeviceBuffer dy = upload(y);
             DeviceBuffer bias = cl.alloc(cols); DeviceBuffer g = cl.alloc(rows * cols);
             DeviceBuffer s1 = cl.alloc(Stats.SIZE); DeviceBuffer s2 = cl.alloc(Stats.SIZE)) {
            cl.biasActivation(Activation.SOFTMAX, 0f, dz, bias, 0, da, rows, cols);
            cl.loss(LossKind.SOFTMAX_CROSS_ENTROPY, dz, da, dy, rows, cols, 1f / rows, g, s1);
            cl.countCorrect(da, dy, rows, cols, s1);
            cl.loss(LossKind.SOFTMAX_CROSS_ENTROPY, dz, da, dy, rows, cols, 1f / rows, g, s2);
            cl.countCorrect(da, dy, rows, cols, s2);
            float[] a = get(s1), b = get(s2);
            assertArrayEquals(a, b);
            assertEquals(rows, a[Stats.ROWS]);
            // logits in [-1, 1] over 7 classes: each row's cross-entropy is near log 7
            assertEquals(Math.log(cols), a[Stats.LOSS_SUM] / rows, 0.2);
        }
    }

    /** More uploads than staging slots in flight, then one download: every upload landed. */
    @Test
    void uploadsDoNotOverwriteEachOther() {
        int chunks = 3 * ClStaging.SLOTS + 1, len = 1000;
        try (DeviceBuffer d = cl.alloc((long) chunks * len)) {
            float[] expect = new float[chunks * len];
            float[] host = new float[len];
            for (int c = 0; c < chunks; c++) {
                for (int i = 0; i < len; i++) host[i] = c * 10_000 + i;
                cl.upload(host, 0, d, (long) c * len, len);   // host is reused at once: the copy must be staged
                System.arraycopy(host, 0, expect, c * len, len);
            }
            assertArrayEquals(expect, get(d));
            int[] ints = {7, -1, Integer.MAX_VALUE};
            try (DeviceBuffer di = cl.allocInt(5)) {
                cl.uploadInt(ints, 0, di, 2, 3);
                int[] back = new int[5];
                cl.downloadInt(di, 0, back, 0, 5);
                assertArrayEquals(new int[] {0, 0, 7, -1, Integer.MAX_VALUE}, back);
            }
        }
    }

    /** An index outside the source rows gives a NaN row rather than reading foreign memory. */
    @Test
    void gatherGuardsItsIndices() {
        float[] src = {1, 2, 3, 4, 5, 6};   // 3 rows of 2
        try (DeviceBuffer s = upload(src); DeviceBuffer idx = cl.allocInt(3); DeviceBuffer dst = cl.alloc(6)) {
            cl.uploadInt(new int[] {2, 3, -1}, 0, idx, 0, 3);
            cl.gather(s, 2, idx, 0, 3, dst);
            float[] out = get(dst);
            assertEquals(5f, out[0]);
            assertEquals(6f, out[1]);
            for (int i = 2; i < 6; i++) assertTrue(Float.isNaN(out[i]), "row of a bad index at " + i);
        }
    }

    /** One-hot rows from int labels; a bad index or a bad label gives a NaN row, argument errors are named. */
    @Test
    void gatherOneHotGuardsItsIndicesAndLabels() {
        try (DeviceBuffer labels = cl.allocInt(4); DeviceBuffer idx = cl.allocInt(7); DeviceBuffer dst = cl.alloc(6 * 3 + 2)) {
            cl.uploadInt(new int[] {2, 0, 7, -1}, 0, labels, 0, 4);
            // rows: label 0, label 2, index 4 (outside 4 labels), index -1, label 7 (outside [0, 3)), label -1
            cl.uploadInt(new int[] {9, 1, 0, 4, -1, 2, 3}, 0, idx, 0, 7);
            cl.fill(dst, 0, dst.length(), 5f);
            cl.gatherOneHot(labels, idx, 1, 6, 3, dst);
            float[] out = get(dst);
            assertArrayEquals(new float[] {1, 0, 0, 0, 0, 1}, Arrays.copyOfRange(out, 0, 6));
            for (int i = 6; i < 18; i++) assertTrue(Float.isNaN(out[i]), "row of a bad index or label at " + i);
            assertEquals(5f, out[18], "past the batch");
            assertEquals(5f, out[19], "past the batch");

            IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                    () -> cl.gatherOneHot(dst, idx, 0, 1, 3, dst));
            assertEquals("opencl gatherOneHot: buffer labels holds floats, expected ints", type.getMessage());
            IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                    () -> cl.gatherOneHot(labels, idx, 2, 6, 3, dst));
            assertEquals("opencl gatherOneHot: range [2, 8) of idx is outside its 7 elements", range.getMessage());
            IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                    () -> cl.gatherOneHot(labels, idx, 1, 6, 4, dst));
            assertEquals("opencl gatherOneHot: range [0, 24) of dst is outside its 20 elements", small.getMessage());
            IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                    () -> cl.gatherOneHot(labels, idx, 0, 2, -3, dst));
            assertEquals("opencl gatherOneHot: negative shape 2 x -3", shape.getMessage());
            cl.gatherOneHot(labels, idx, 7, 0, 3, dst);      // an empty batch writes nothing
            assertEquals(5f, get(dst)[18]);
        }
    }

    @Test
    void outOfMemorySaysHowMuch() {
        long tooMany = cl.clDevice().maxAlloc() / 4 + 1;
        BackendException e = assertThrows(BackendException.class, () -> cl.alloc(tooMany));
        assertTrue(e.getMessage().startsWith("opencl alloc: cannot allocate " + tooMany + " elements"), e.getMessage());
        assertTrue(e.getMessage().contains(ClDevice.gib(cl.clDevice().globalMem()) + " of global memory"), e.getMessage());
    }

    @Test
    void misuseIsNamed() {
        try (CpuBackend cpu = new CpuBackend(1); DeviceBuffer foreign = cpu.alloc(4); DeviceBuffer mine = cl.alloc(4);
             DeviceBuffer ints = cl.allocInt(4)) {
            BackendException other = assertThrows(BackendException.class, () -> cl.fill(foreign, 0, 4, 1f));
            assertEquals("opencl fill: buffer dst belongs to another backend", other.getMessage());
            IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                    () -> cl.upload(new float[4], 0, ints, 0, 4));
            assertEquals("opencl upload: buffer dst holds ints, expected floats", type.getMessage());
            IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                    () -> cl.copy(mine, 2, mine, 0, 3));
            assertTrue(range.getMessage().startsWith("opencl copy: range [2, 5) of src"), range.getMessage());
            IllegalArgumentException ld = assertThrows(IllegalArgumentException.class,
                    () -> cl.gemm(false, false, 2, 2, 2, 1f, mine, 0, 1, mine, 0, 2, 0f, mine, 0, 2));
            assertEquals("opencl gemm: lda = 1 < 2 columns of A", ld.getMessage());
            DeviceBuffer closed = cl.alloc(2);
            closed.close();
            assertEquals("opencl fill: buffer dst is closed",
                    assertThrows(BackendException.class, () -> cl.fill(closed, 0, 1, 0f)).getMessage());
            UpdateScalars sc = new UpdateScalars();
            IllegalArgumentException state = assertThrows(IllegalArgumentException.class,
                    () -> cl.update(UpdateRule.ADAM, mine, mine, new DeviceBuffer[] {mine}, 4, sc, cl.alloc(Stats.SIZE)));
            assertEquals("opencl update: ADAM needs 3 state buffers, got 1", state.getMessage());
        }
    }

    @Test
    void aBuildFailureCarriesTheLog() {
        String source = ClProgram.assemble(List.of("kiln_math.h"), List.of()) + "#line 1 \"broken.cl\"\n"
                + "__kernel void kiln_broken(__global float* x) {\n  x[0] = undefined_name;\n}\n";
        BackendException e = assertThrows(BackendException.class,
                () -> ClProgram.build(cl.context(), cl.clDevice().device(), source, "broken.cl"));
        assertTrue(e.getMessage().startsWith("opencl: building broken.cl failed: CL_BUILD_PROGRAM_FAILURE (-11)\n"), e.getMessage());
        assertTrue(e.getMessage().contains("broken.cl:2"), "the log points at the file and line: " + e.getMessage());
        assertTrue(e.getMessage().contains("undefined_name"), e.getMessage());
    }

    @Test
    void aMissingKernelIsNamed() {
        String source = ClProgram.assemble(List.of("kiln_math.h"), List.of("dropout.cl").subList(0, 0))
                + "__kernel void kiln_present(__global float* x) { x[0] = 1.0f; }\n";
        ClProgram p = ClProgram.build(cl.context(), cl.clDevice().device(), source, "tiny.cl");
        try {
            BackendException e = assertThrows(BackendException.class, () -> p.kernel("kiln_update_nosuch"));
            assertEquals("opencl: kernel kiln_update_nosuch not found in tiny.cl", e.getMessage());
            p.kernel("kiln_present").release();
        } finally {
            p.release();
        }
    }

    @Test
    void aClosedBackendRefusesWork() {
        OpenClBackend other = (OpenClBackend) new OpenClBackendProvider().create(-1);
        DeviceBuffer b = other.alloc(3);
        other.close();
        other.close();   // idempotent
        assertEquals("opencl alloc: the backend is closed",
                assertThrows(BackendException.class, () -> other.alloc(1)).getMessage());
        assertEquals("opencl synchronize: the backend is closed",
                assertThrows(BackendException.class, other::synchronize).getMessage());
        assertTrue(b.toString().contains("closed"), "closing the backend closed its buffers: " + b);
    }
}
