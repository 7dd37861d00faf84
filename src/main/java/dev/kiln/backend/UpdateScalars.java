package dev.kiln.backend;

/**
 * The plain scalars handed to a fused update kernel, refilled by the host every step (no allocation in
 * the step loop). Gradient clipping and the divergence guard are common to every rule: the kernel first
 * forms {@code g' = clip(g * scale, -clipValue, clipValue)} where
 * {@code scale = min(1, maxNorm / (sqrt(stats[GRAD_SQ]) + 1e-6))} (torch.nn.utils.clip_grad_norm_), and when
 * {@link #skipNonFinite} is set and {@code stats[GRAD_SQ]} or {@code stats[STEP_LOSS]} is not finite it
 * leaves parameters and state untouched (the trainer counts the skip).
 */
public final class UpdateScalars {
    /** Number of hyper slots every update kernel takes. */
    public static final int HYPER = 12;

    /** Rule-specific scalars, see {@link UpdateRule}. */
    public final float[] hyper = new float[HYPER];
    /** Clip the global gradient norm to this value; 0 or less means no norm clipping. */
    public float maxNorm;
    /** Clip each gradient element to [-clipValue, clipValue]; 0 or less means no value clipping. */
    public float clipValue;
    /** Skip the whole update when the step's gradient norm or loss is not finite. */
    public boolean skipNonFinite;

    /** Reset every field to zero/false. */
    public void clear() {
        java.util.Arrays.fill(hyper, 0f);
        maxNorm = 0f;
        clipValue = 0f;
        skipNonFinite = false;
    }
}
