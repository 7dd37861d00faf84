/*
 * gemm.cu: Kiln's own single-precision GEMM, used when cuBLAS cannot be loaded (JCublas2 needs
 * libcublas.so.12) or when -Dkiln.cuda.gemm=kiln asks for it.
 *
 *   C = alpha op(A) op(B) + beta C,  row-major, op(A) m x k, op(B) k x n, C m x n,
 *   lda, ldb, ldc the row strides as stored; with beta = 0, C is only written (old NaNs are ignored).
 *
 * A classic shared-memory tiled kernel with register blocking: a block of 256 threads computes a
 * 64 x 64 tile of C, walking k in slices of 16. Each slice of op(A) (64 x 16) and op(B) (16 x 64) is
 * staged in shared memory, read from global memory so that adjacent threads touch adjacent addresses
 * for either transposition; each thread then keeps a 4 x 4 block of C in registers and does 16 FMAs
 * per 8 shared-memory reads. Thread (ty, tx) owns rows ty + 16 r and columns tx + 16 c of the tile:
 * strided ownership makes the shared reads of a warp conflict-free and its stores of C coalesced.
 * Tails (any m, n, k) are zero-padded in shared memory; a padded k slot adds 0 * 0 to the sum.
 *
 * Every C element is one thread's sequential sum over p = 0 .. k-1 of fmaf(a_ip, b_pj, acc): the order
 * does not depend on the grid, so the result is deterministic.
 */
#include "kiln_cuda.cuh"

#define KILN_GEMM_BM 64       /* rows of C per block */
#define KILN_GEMM_BN 64       /* columns of C per block */
#define KILN_GEMM_BK 16       /* k per shared-memory slice */
#define KILN_GEMM_THREADS 256 /* 16 x 16 threads, each owning 4 x 4 elements of C */

/* Loads of one slice: 64 x 16 = 1024 elements = 4 per thread. The "+ 1" column of padding spreads the
 * transposing stores (p fast, i slow) over the banks. */
template <bool TA, bool TB>
__device__ __forceinline__ void kiln_sgemm_tile(int m, int n, int k, float alpha,
                                                const float* __restrict__ a, int lda,
                                                const float* __restrict__ b, int ldb, float beta,
                                                float* __restrict__ c, int ldc) {
    __shared__ float as[KILN_GEMM_BK][KILN_GEMM_BM + 1];
    __shared__ float bs[KILN_GEMM_BK][KILN_GEMM_BN + 1];
    const int tid = threadIdx.x;
    const int tx = tid & 15, ty = tid >> 4;
    const int bm = blockIdx.x * KILN_GEMM_BM, bn = blockIdx.y * KILN_GEMM_BN;

    float acc[4][4];
#pragma unroll
    for (int r = 0; r < 4; r++)
#pragma unroll
        for (int q = 0; q < 4; q++) acc[r][q] = 0.0f;

    for (int k0 = 0; k0 < k; k0 += KILN_GEMM_BK) {
#pragma unroll
        for (int l = 0; l < 4; l++) {
            const int idx = tid + l * KILN_GEMM_THREADS;
            /* op(A)[i, p]: stored A[i, p] (p contiguous) or, transposed, A[p, i] (i contiguous) */
            const int i = TA ? (idx & 63) : (idx >> 4);
            const int p = TA ? (idx >> 6) : (idx & 15);
            const int gi = bm + i, gp = k0 + p;
            float v = 0.0f;
            if (gi < m && gp < k) v = TA ? a[(long long) gp * lda + gi] : a[(long long) gi * lda + gp];
            as[p][i] = v;
        }
#pragma unroll
        for (int l = 0; l < 4; l++) {
            const int idx = tid + l * KILN_GEMM_THREADS;
            /* op(B)[p, j]: stored B[p, j] (j contiguous) or, transposed, B[j, p] (p contiguous) */
            const int j = TB ? (idx >> 4) : (idx & 63);
            const int p = TB ? (idx & 15) : (idx >> 6);
            const int gj = bn + j, gp = k0 + p;
            float v = 0.0f;
            if (gj < n && gp < k) v = TB ? b[(long long) gj * ldb + gp] : b[(long long) gp * ldb + gj];
            bs[p][j] = v;
        }
        __syncthreads();
#pragma unroll
        for (int p = 0; p < KILN_GEMM_BK; p++) {
            float ar[4], br[4];
#pragma unroll
            for (int r = 0; r < 4; r++) ar[r] = as[p][ty + 16 * r];
#pragma unroll
            for (int q = 0; q < 4; q++) br[q] = bs[p][tx + 16 * q];
#pragma unroll
            for (int r = 0; r < 4; r++)
#pragma unroll
                for (int q = 0; q < 4; q++) acc[r][q] = fmaf(ar[r], br[q], acc[r][q]);
        }
        __syncthreads();
    }

#pragma unroll
    for (int r = 0; r < 4; r++) {
        const int gi = bm + ty + 16 * r;
        if (gi >= m) continue;
#pragma unroll
        for (int q = 0; q < 4; q++) {
            const int gj = bn + tx + 16 * q;
            if (gj >= n) continue;
            const long long o = (long long) gi * ldc + gj;
            /* kiln_gemm_out (kiln_nn.h): with beta = 0 the old C is not even read */
            c[o] = kiln_gemm_out(acc[r][q], alpha, beta, beta == 0.0f ? 0.0f : c[o]);
        }
    }
}

/* The four transpositions, each its own kernel so the index arithmetic is resolved at compile time.
 * Grid: (ceil(m / 64), ceil(n / 64)) blocks of 256 threads. Offsets are element offsets into the
 * buffers, so the host passes base pointers and builds no pointer objects per call. */
#define KILN_SGEMM_KERNEL(NAME, TA, TB)                                                                  \
    extern "C" __global__ void __launch_bounds__(KILN_GEMM_THREADS)                                      \
    NAME(int m, int n, int k, float alpha, const float* a, long long a_off, int lda,                     \
         const float* b, long long b_off, int ldb, float beta, float* c, long long c_off, int ldc) {     \
        kiln_sgemm_tile<TA, TB>(m, n, k, alpha, a + a_off, lda, b + b_off, ldb, beta, c + c_off, ldc);   \
    }

KILN_SGEMM_KERNEL(kiln_sgemm_nn, false, false)
KILN_SGEMM_KERNEL(kiln_sgemm_nt, false, true)
KILN_SGEMM_KERNEL(kiln_sgemm_tn, true, false)
KILN_SGEMM_KERNEL(kiln_sgemm_tt, true, true)
