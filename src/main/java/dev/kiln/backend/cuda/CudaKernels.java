package dev.kiln.backend.cuda;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.kiln.backend.UpdateRule;
import jcuda.driver.CUmodule;

/**
 * Every kernel the CUDA backend launches, each looked up once into a final field when the backend opens
 * (not jcuda-vec's lazily filled cache): a fatbin that lacks one fails at open, naming it.
 *
 * <p>{@link #SIGNATURES} is the single list of names and parameter letters (see {@link Kernel}); the
 * kernel sources are kernels/cuda/*.cu, and a test holds this list to the committed PTX.
 */
final class CudaKernels {
    /** Threads per block of the 1-D kernels (KILN_BLOCK in kernels/cuda/kiln_cuda.cuh). */
    static final int BLOCK = 256;
    /** Most partial sums a reduction writes (KILN_MAX_PARTIALS): the size of the scratch buffer. */
    static final int MAX_PARTIALS = 1024;
    /** Threads of one SGEMM block and the C tile it computes (kernels/cuda/gemm.cu). */
    static final int GEMM_THREADS = 256, GEMM_TILE = 64;

    /** Name to parameter letters, for every kernel the backend looks up, update kernels included. */
    static final Map<String, String> SIGNATURES;

    private static final String UPDATE_SIGNATURE = "pppppipffi" + "f".repeat(12);

    static {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("kiln_fill", "pllf");                          // x, off, n, value
        s.put("kiln_gather", "pilpiip");                     // src, cols, src_rows, idx, idx_off, rows, dst
        s.put("kiln_gather_one_hot", "plpiiip");             // labels, n_labels, idx, idx_off, rows, classes, dst
        s.put("kiln_bias_activation", "ifpplpii");           // act, slope, z, bias, bias_off, a, rows, cols
        s.put("kiln_bias_softmax", "pplpii");                // z, bias, bias_off, a, rows, cols
        s.put("kiln_activation_backward", "ifppppii");       // act, slope, z, a, dA, dZ, rows, cols
        s.put("kiln_softmax_backward", "pppii");             // a, dA, dZ, rows, cols
        s.put("kiln_bias_grad", "piipl");                    // dZ, rows, cols, db, db_off
        s.put("kiln_loss", "ipppiifpp");                     // kind, z, a, y, rows, cols, grad_scale, grad, partials
        s.put("kiln_count_correct", "ppiip");                // a, y, rows, cols, partials
        s.put("kiln_dropout_forward", "ppplfll");            // x, mask, y, n, p, seed, counter
        s.put("kiln_dropout_backward", "pppl");              // dY, mask, dX, n
        s.put("kiln_sum_squares", "pllp");                   // x, off, n, partials
        s.put("kiln_reduce_finish", "pipiiiif");             // partials, count, stats, accumulate, slot_a, slot_b, slot_c, add_c
        for (String t : new String[] {"nn", "nt", "tn", "tt"})
            s.put("kiln_sgemm_" + t, "iiifpliplifpli");     // m, n, k, alpha, a, a_off, lda, b, b_off, ldb, beta, c, c_off, ldc
        for (UpdateRule r : UpdateRule.values())
            s.put(r.kernelName(), UPDATE_SIGNATURE);         // p, g, s0, s1, s2, n, stats, max_norm, clip_value, guard, h0..h11
        SIGNATURES = Collections.unmodifiableMap(s);
    }

    final Kernel fill, gather, gatherOneHot;
    final Kernel biasActivation, biasSoftmax, activationBackward, softmaxBackward, biasGrad;
    final Kernel loss, countCorrect;
    final Kernel dropoutForward, dropoutBackward;
    final Kernel sumSquares, reduceFinish;
    /** SGEMM by transposition: index (transA ? 2 : 0) + (transB ? 1 : 0), i.e. nn, nt, tn, tt. */
    final Kernel[] sgemm;
    final EnumMap<UpdateRule, Kernel> update = new EnumMap<>(UpdateRule.class);

    CudaKernels(CUmodule module) {
        fill = k(module, "kiln_fill");
        gather = k(module, "kiln_gather");
        gatherOneHot = k(module, "kiln_gather_one_hot");
        biasActivation = k(module, "kiln_bias_activation");
        biasSoftmax = k(module, "kiln_bias_softmax");
        activationBackward = k(module, "kiln_activation_backward");
        softmaxBackward = k(module, "kiln_softmax_backward");
        biasGrad = k(module, "kiln_bias_grad");
        loss = k(module, "kiln_loss");
        countCorrect = k(module, "kiln_count_correct");
        dropoutForward = k(module, "kiln_dropout_forward");
        dropoutBackward = k(module, "kiln_dropout_backward");
        sumSquares = k(module, "kiln_sum_squares");
        reduceFinish = k(module, "kiln_reduce_finish");
        sgemm = new Kernel[] {k(module, "kiln_sgemm_nn"), k(module, "kiln_sgemm_nt"),
                              k(module, "kiln_sgemm_tn"), k(module, "kiln_sgemm_tt")};
        for (UpdateRule r : UpdateRule.values()) update.put(r, k(module, r.kernelName()));
    }

    private static Kernel k(CUmodule module, String name) {
        String signature = SIGNATURES.get(name);
        if (signature == null) throw new IllegalArgumentException("no signature for kernel " + name);
        return new Kernel(module, name, signature);
    }

    // ---- launch geometry ----------------------------------------------------------------------------

    /** Blocks for a grid-stride loop over n items: enough to fill the GPU, at least 1. */
    static int grid(long n) {
        long blocks = (n + BLOCK - 1) / BLOCK;
        return (int) Math.max(1, Math.min(blocks, 65_535));
    }

    /** Blocks of a reduction over n items: one partial each, at most MAX_PARTIALS, at least 1. Depends on n
     *  alone, so the order of the additions, and the sum, is the same on every run. */
    static int reductionGrid(long n) {
        long blocks = (n + BLOCK - 1) / BLOCK;
        return (int) Math.max(1, Math.min(blocks, MAX_PARTIALS));
    }
}
