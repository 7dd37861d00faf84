package dev.kiln.backend.cuda;

import dev.kiln.backend.BackendException;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;

/**
 * One kernel of the module, looked up once, with its argument slots built once (JCuda's canonical
 * {@code Pointer.to(Pointer.to(..), ..)} launch, without a new parameter array per launch): the setters
 * write into one-element arrays that the prebuilt parameter pointer already points at, and
 * {@code cuLaunchKernel} copies the values when it is called. Not thread-safe (a backend is used from one
 * thread at a time).
 *
 * <p>The signature has one letter per kernel parameter, in order: {@code p} a device pointer, {@code l} a
 * 64-bit integer, {@code i} a 32-bit int, {@code f} a float. The setters check the letter, and a test
 * compares every signature with the {@code .param} list of the kernel's {@code .entry} in the committed
 * PTX, so Java and CUDA cannot disagree about an argument without a test failing.
 */
final class Kernel {
    /** The extern "C" name in the fatbin. */
    final String name;
    /** One letter per parameter (see the class comment). */
    final String signature;
    private final CUfunction function;
    private final long[][] longs;
    private final int[][] ints;
    private final float[][] floats;
    private final Pointer params;

    /** Looks {@code name} up in {@code module} (fails naming the kernel if the fatbin lacks it). */
    Kernel(CUmodule module, String name, String signature) {
        this(lookup(module, name), name, signature);
    }

    private Kernel(CUfunction function, String name, String signature) {
        this.function = function;
        this.name = name;
        this.signature = signature;
        int n = signature.length();
        longs = new long[n][];
        ints = new int[n][];
        floats = new float[n][];
        Pointer[] slots = new Pointer[n];
        for (int i = 0; i < n; i++) {
            switch (signature.charAt(i)) {
                case 'p', 'l' -> slots[i] = Pointer.to(longs[i] = new long[1]);
                case 'i' -> slots[i] = Pointer.to(ints[i] = new int[1]);
                case 'f' -> slots[i] = Pointer.to(floats[i] = new float[1]);
                default -> throw new IllegalArgumentException("kernel " + name + ": bad signature letter in '" + signature + "'");
            }
        }
        params = Pointer.to(slots);
    }

    private static CUfunction lookup(CUmodule module, String name) {
        CUfunction f = new CUfunction();
        CudaCheck.check(JCudaDriver.cuModuleGetFunction(f, module, name), "cuModuleGetFunction", name);
        return f;
    }

    private void expect(int index, char letter) {
        if (index >= signature.length() || signature.charAt(index) != letter)
            throw new IllegalStateException("kernel " + name + " (" + signature + "): argument " + index + " is not '" + letter + "'");
    }

    /** Argument {@code index} = the buffer's device address, or 0 (nullptr) for null. */
    Kernel ptr(int index, CudaBuffer buffer) {
        expect(index, 'p');
        longs[index][0] = buffer == null ? 0L : buffer.address();
        return this;
    }

    /** Argument {@code index} = a 64-bit integer (offsets, counts, seeds). */
    Kernel i64(int index, long value) {
        expect(index, 'l');
        longs[index][0] = value;
        return this;
    }

    /** Argument {@code index} = a 32-bit int. */
    Kernel i32(int index, int value) {
        expect(index, 'i');
        ints[index][0] = value;
        return this;
    }

    /** Argument {@code index} = a float (learning rates and other scalars arrive this way). */
    Kernel f32(int index, float value) {
        expect(index, 'f');
        floats[index][0] = value;
        return this;
    }

    /**
     * Launches on the context's default stream (asynchronous). With {@code sync} it then waits and checks,
     * so an asynchronous fault is pinned on this kernel ({@code -Dkiln.cuda.sync=true}).
     */
    void launch(int gridX, int gridY, int block, boolean sync) {
        int rc = JCudaDriver.cuLaunchKernel(function, gridX, gridY, 1, block, 1, 1, 0, null, params, null);
        if (rc != 0) throw new BackendException(CudaCheck.message(rc, "launch grid (" + gridX + ", " + gridY + ") x " + block, name));
        if (sync) CudaCheck.check(JCudaDriver.cuCtxSynchronize(), "synchronize after launch (-Dkiln.cuda.sync=true)", name);
    }

    @Override
    public String toString() { return name + "(" + signature + ")"; }
}
