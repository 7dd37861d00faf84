package dev.kiln.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API forms of the piecewise-linear activations of {@link CpuKernels} (linear, ReLU, leaky ReLU),
 * the element-wise ops that run on every hidden layer twice per step. Each lane does exactly the float
 * operations of the scalar loop, in the same order, and selections are blends on the same comparison
 * ({@code v > 0}, false for NaN), so the results are bit-identical to the scalar code, NaN and -0 included;
 * C2 on JDK 17 does not vectorise the scalar loops (their conditional moves stop its superword pass).
 * Like {@link VectorMicroKernel}, only loaded when {@code jdk.incubator.vector} is present
 * ({@link CpuKernels#VECTOR}).
 */
final class VectorKernels {
    private VectorKernels() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** Throws NoClassDefFoundError (a LinkageError) when the module is absent. */
    static int lanes() { return L; }

    /**
     * Rows [r0, r1), act in {LINEAR, RELU, LEAKY_RELU}: v = z + bias; Z = v; A = act(v), with relu(v) =
     * v < 0 ? 0 : v (torch's clamp_min: NaN and -0 kept) and leaky(v) = v > 0 ? v : slope * v.
     */
    static void biasActivation(int act, float slope, float[] z, float[] bias, int bo, float[] a, int cols, int r0, int r1) {
        FloatVector zero = FloatVector.zero(S);
        int vEnd = S.loopBound(cols);
        for (int r = r0; r < r1; r++) {
            int row = r * cols, c = 0;
            for (; c < vEnd; c += L) {
                FloatVector v = FloatVector.fromArray(S, z, row + c).add(FloatVector.fromArray(S, bias, bo + c));
                v.intoArray(z, row + c);
                if (act == CpuKernels.RELU) {
                    v.blend(zero, v.compare(VectorOperators.LT, 0f)).intoArray(a, row + c);
                } else if (act == CpuKernels.LEAKY_RELU) {
                    v.mul(slope).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(a, row + c);
                } else {
                    v.intoArray(a, row + c);
                }
            }
            for (; c < cols; c++) {
                float v = z[row + c] += bias[bo + c];
                a[row + c] = act == CpuKernels.RELU ? (v < 0f ? 0f : v)
                        : act == CpuKernels.LEAKY_RELU ? (v > 0f ? v : slope * v) : v;
            }
        }
    }

    /**
     * Elements [i0, i1), act in {LINEAR, RELU, LEAKY_RELU}: dZ = dA * act'(z), act' = 1 (linear),
     * z <= 0 ? 0 : 1 (relu: 1 at NaN, as torch's threshold_backward), z > 0 ? 1 : slope (leaky). dZ may be dA.
     */
    static void activationBackward(int act, float slope, float[] z, float[] dA, float[] dZ, int i0, int i1) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector low = FloatVector.broadcast(S, act == CpuKernels.LEAKY_RELU ? slope : act == CpuKernels.RELU ? 0f : 1f);
        boolean linear = act == CpuKernels.LINEAR, relu = act == CpuKernels.RELU;
        float lowS = act == CpuKernels.LEAKY_RELU ? slope : act == CpuKernels.RELU ? 0f : 1f;
        int i = i0, vEnd = i0 + S.loopBound(i1 - i0);
        for (; i < vEnd; i += L) {
            FloatVector d = FloatVector.fromArray(S, dA, i);
            FloatVector f = one;
            if (!linear) {
                FloatVector zv = FloatVector.fromArray(S, z, i);
                f = relu ? one.blend(low, zv.compare(VectorOperators.LE, 0f))       // NaN: 1
                         : low.blend(one, zv.compare(VectorOperators.GT, 0f));      // NaN: slope
            }
            d.mul(f).intoArray(dZ, i);
        }
        for (; i < i1; i++) dZ[i] = dA[i] * (linear ? 1f : relu ? (z[i] <= 0f ? 0f : 1f) : z[i] > 0f ? 1f : lowS);
    }
}
