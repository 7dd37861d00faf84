package dev.kiln.backend.opencl;

import static org.lwjgl.opencl.CL10.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryUtil;

/**
 * Host-side staging between Java arrays and device buffers. LWJGL cannot hand a Java array to an
 * asynchronous transfer, so an upload copies into native memory and enqueues a NON-blocking write; the
 * native slot is reused only after that write's event has completed (a ring of {@link #SLOTS}, so an
 * upload waits only if the one {@code SLOTS} uploads back is still queued). A download is a blocking read
 * into one native buffer, then a copy into the array. Native memory grows to the largest transfer seen
 * and is then reused: steady-state transfers allocate nothing.
 */
final class ClStaging {
    static final int SLOTS = 4;

    /** Native memory with float and int views made once per growth. */
    private static final class Slot {
        ByteBuffer bytes;
        FloatBuffer floats;
        IntBuffer ints;
        long event;

        void ensure(int elements) {
            long need = 4L * elements;
            if (bytes != null && bytes.capacity() >= need) return;
            long cap = Math.max(need, bytes == null ? 4096 : Math.min(Integer.MAX_VALUE - 8, 2L * bytes.capacity()));
            free();
            bytes = MemoryUtil.memAlloc((int) cap).order(ByteOrder.nativeOrder());
            floats = bytes.asFloatBuffer();
            ints = bytes.asIntBuffer();
        }

        void free() {
            if (bytes != null) MemoryUtil.memFree(bytes);
            bytes = null;
            floats = null;
            ints = null;
        }
    }

    private final long queue;
    private final Slot[] up = new Slot[SLOTS];
    private final Slot down = new Slot();
    private final PointerBuffer event = MemoryUtil.memAllocPointer(1);
    private int next;

    ClStaging(long queue) {
        this.queue = queue;
        for (int i = 0; i < SLOTS; i++) up[i] = new Slot();
    }

    /** Enqueues dst[byteOff ..) = src[off .. off+n) without waiting for the device. */
    void upload(float[] src, int off, long dstMem, long byteOff, int n, String op) {
        if (n == 0) return;
        Slot s = take(n, op);
        s.floats.put(0, src, off, n);
        write(s, dstMem, byteOff, n, op);
    }

    /** Int twin of {@link #upload(float[], int, long, long, int, String)}. */
    void upload(int[] src, int off, long dstMem, long byteOff, int n, String op) {
        if (n == 0) return;
        Slot s = take(n, op);
        s.ints.put(0, src, off, n);
        write(s, dstMem, byteOff, n, op);
    }

    /** Blocks until the queue has produced src[byteOff ..) and copies n floats to dst[off ..). */
    void download(long srcMem, long byteOff, float[] dst, int off, int n, String op) {
        if (n == 0) return;
        read(srcMem, byteOff, n, op);
        down.floats.get(0, dst, off, n);
    }

    /** Int twin of {@link #download(long, long, float[], int, int, String)}. */
    void download(long srcMem, long byteOff, int[] dst, int off, int n, String op) {
        if (n == 0) return;
        read(srcMem, byteOff, n, op);
        down.ints.get(0, dst, off, n);
    }

    private Slot take(int n, String op) {
        Slot s = up[next];
        next = (next + 1) % SLOTS;
        retire(s, op);
        s.ensure(n);
        return s;
    }

    private void write(Slot s, long dstMem, long byteOff, int n, String op) {
        int rc = nclEnqueueWriteBuffer(queue, dstMem, CL_FALSE, byteOff, 4L * n, MemoryUtil.memAddress(s.bytes), 0, 0L,
                event.address());
        ClError.check(rc, op, "clEnqueueWriteBuffer");
        s.event = event.get(0);
    }

    private void read(long srcMem, long byteOff, int n, String op) {
        down.ensure(n);
        int rc = nclEnqueueReadBuffer(queue, srcMem, CL_TRUE, byteOff, 4L * n, MemoryUtil.memAddress(down.bytes),
                0, 0L, 0L);
        ClError.check(rc, op, "clEnqueueReadBuffer");
    }

    /** Waits for the slot's pending write, if any, and releases its event. */
    private static void retire(Slot s, String op) {
        long e = s.event;
        if (e == 0) return;
        s.event = 0;
        int rc = clWaitForEvents(e);
        clReleaseEvent(e);
        ClError.check(rc, op, "clWaitForEvents (upload)");
    }

    /** Releases the events of finished uploads; called after clFinish. */
    void retireAll(String op) {
        for (Slot s : up) retire(s, op);
    }

    void release() {
        for (Slot s : up) {
            if (s.event != 0) {
                clWaitForEvents(s.event);
                clReleaseEvent(s.event);
                s.event = 0;
            }
            s.free();
        }
        down.free();
        MemoryUtil.memFree(event);
    }
}
