/*
 * kiln_math.h: the per-element math shared by the CUDA (.cu) and OpenCL (.cl) kernels.
 *
 * One copy of every formula (CLBlast's single-source idea, narrowed to the formulas): the CUDA and
 * OpenCL kernels are thin wrappers that compute an index, guard it, and call a KILN_FN from here.
 * The CPU backend (dev.kiln.backend.cpu) writes the same formulas in Java, in the same order of
 * operations, and the conformance suite holds the three to the CPU results.
 *
 * Dialects: nvcc defines __CUDACC__; OpenCL C gets this file prepended to each .cl source at run time
 * (a jar has no include path). Build without fast-math on both sides.
 */
#ifndef KILN_MATH_H
#define KILN_MATH_H

#ifdef __CUDACC__
  #define KILN_FN       __device__ static inline
  #define KILN_GLOBAL   /* CUDA pointers need no address space */
  typedef unsigned long long kiln_u64;
  typedef unsigned int kiln_u32;
  #define KILN_SQRT(x)  sqrtf(x)
  #define KILN_EXP(x)   expf(x)
  #define KILN_LOG(x)   logf(x)
  #define KILN_LOG1P(x) log1pf(x)
  #define KILN_TANH(x)  tanhf(x)
  #define KILN_ERF(x)   erff(x)
  #define KILN_FABS(x)  fabsf(x)
  #define KILN_ISFINITE(x) isfinite(x)
  #define KILN_NAN      __int_as_float(0x7fc00000)
#else
  #define KILN_FN       static inline
  #define KILN_GLOBAL   __global
  typedef ulong kiln_u64;
  typedef uint kiln_u32;
  #define KILN_SQRT(x)  sqrt(x)
  #define KILN_EXP(x)   exp(x)
  #define KILN_LOG(x)   log(x)
  #define KILN_LOG1P(x) log1p(x)
  #define KILN_TANH(x)  tanh(x)
  #define KILN_ERF(x)   erf(x)
  #define KILN_FABS(x)  fabs(x)
  #define KILN_ISFINITE(x) isfinite(x)
  #define KILN_NAN      NAN
#endif

/* ---- activations: codes of dev.kiln.backend.Activation ------------------------------------------ */
#define KILN_ACT_LINEAR     0
#define KILN_ACT_RELU       1
#define KILN_ACT_LEAKY_RELU 2
#define KILN_ACT_SIGMOID    3
#define KILN_ACT_TANH       4
#define KILN_ACT_GELU       5
#define KILN_ACT_SOFTMAX    6

/* a = act(z) for the element-wise activations (softmax is row-wise, see the kernels). */
KILN_FN float kiln_act_forward(int act, float z, float slope) {
    switch (act) {
    /* torch.relu is clamp_min(z, 0): z < 0 ? 0 : z, so NaN stays NaN (a diverged activation shows) and -0 stays -0 */
    case KILN_ACT_RELU:       return z < 0.0f ? 0.0f : z;
    case KILN_ACT_LEAKY_RELU: return z > 0.0f ? z : slope * z;
    case KILN_ACT_SIGMOID:    return 1.0f / (1.0f + KILN_EXP(-z));
    case KILN_ACT_TANH:       return KILN_TANH(z);
    /* exact GELU (torch.nn.GELU(approximate='none')): z * Phi(z) = 0.5 z (1 + erf(z / sqrt 2)) */
    case KILN_ACT_GELU:       return 0.5f * z * (1.0f + KILN_ERF(z * 0.70710678118654752f));
    default:                  return z;
    }
}

/* d act / d z, from z and a = act(z) (whichever is the cheaper and the more exact). */
KILN_FN float kiln_act_derivative(int act, float z, float a, float slope) {
    switch (act) {
    /* PyTorch's threshold_backward: z <= 0 ? 0 : 1, so 0 at z = 0 and 1 at NaN; leaky: z > 0 ? 1 : slope */
    case KILN_ACT_RELU:       return z <= 0.0f ? 0.0f : 1.0f;
    case KILN_ACT_LEAKY_RELU: return z > 0.0f ? 1.0f : slope;
    case KILN_ACT_SIGMOID:    return a * (1.0f - a);
    case KILN_ACT_TANH:       return 1.0f - a * a;
    /* d/dz [z Phi(z)] = Phi(z) + z phi(z), phi(z) = exp(-z^2/2) / sqrt(2 pi) */
    case KILN_ACT_GELU:       return 0.5f * (1.0f + KILN_ERF(z * 0.70710678118654752f))
                                     + z * 0.39894228040143268f * KILN_EXP(-0.5f * z * z);
    default:                  return 1.0f;
    }
}

/* ---- counter-based random numbers ----------------------------------------------------------------
 * Dropout masks must be identical on every backend and independent of launch geometry, so each element
 * draws from a pure hash of (seed, counter): SplitMix64's finaliser (Steele, Lea, Flood 2014) over
 * seed + (counter + 1) * golden gamma. The top 24 bits give a float in [0, 1) that is exact in float32.
 * dev.kiln.backend.cpu.Rng is the Java twin. */
KILN_FN kiln_u64 kiln_mix64(kiln_u64 z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
    return z ^ (z >> 31);
}

KILN_FN float kiln_uniform(kiln_u64 seed, kiln_u64 counter) {
    kiln_u64 x = kiln_mix64(seed + (counter + 1UL) * 0x9E3779B97F4A7C15UL);
    return (float)(kiln_u32)(x >> 40) * 5.9604644775390625e-8f;   /* 2^-24 */
}

/* ---- gradient prologue common to every optimizer update (see dev.kiln.backend.UpdateScalars) ------ */

/* scale = min(1, max_norm / (||g|| + 1e-6)) as torch.nn.utils.clip_grad_norm_; 1 when max_norm <= 0. */
KILN_FN float kiln_clip_scale(float grad_sq, float max_norm) {
    if (max_norm <= 0.0f) return 1.0f;
    float coef = max_norm / (KILN_SQRT(grad_sq) + 1e-6f);
    return coef < 1.0f ? coef : 1.0f;
}

/* g' = clamp(g * scale, -clip_value, clip_value) (torch.nn.utils.clip_grad_value_ after norm clipping). */
KILN_FN float kiln_grad(float g, float scale, float clip_value) {
    g = g * scale;
    if (clip_value > 0.0f) g = g > clip_value ? clip_value : (g < -clip_value ? -clip_value : g);
    return g;
}

/* Whether the guard drops this step: any non-finite gradient makes grad_sq non-finite. */
KILN_FN int kiln_skip_step(int guard, float grad_sq, float step_loss) {
    return guard && !(KILN_ISFINITE(grad_sq) && KILN_ISFINITE(step_loss));
}

#endif /* KILN_MATH_H */
