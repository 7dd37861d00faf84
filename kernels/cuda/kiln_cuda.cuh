/*
 * kiln_cuda.cuh: what every Kiln CUDA kernel file shares: the common math headers, the launch
 * geometry the host side (dev.kiln.backend.cuda.CudaBackend) assumes, and the deterministic block sum.
 *
 * Launch geometry: every kernel here except the SGEMM runs 1-D blocks of KILN_BLOCK threads. Element and
 * row loops are grid-stride loops, so the host may cap the grid; reductions write one partial per block
 * and kiln_reduce_finish (reduce.cu) adds the partials in index order. The grid of a reduction depends
 * only on its size, so a sum comes out bit-identical on every run (no float atomics).
 */
#ifndef KILN_CUDA_CUH
#define KILN_CUDA_CUH

#include "../common/kiln_math.h"
#include "../common/kiln_nn.h"

/* Threads per block of the 1-D kernels; the block sum below and CudaBackend.BLOCK rely on it. */
#define KILN_BLOCK 256

/* Most partial sums a reduction may write: the size of CudaBackend's scratch buffer. */
#define KILN_MAX_PARTIALS 1024

/* for (long long i = first; i < n; i += stride) over a 1-D grid. */
#define KILN_GRID_STRIDE(i, n)                                                                   \
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < (n);               \
         i += (long long) gridDim.x * blockDim.x)

/* The sum of v over a block of KILN_BLOCK threads, valid in thread 0. A fixed tree: thread t adds
 * t + s for s = 128, 64, ..., 1, so the order of additions depends only on the block size. Every
 * thread of the block must call it, and at most once per kernel (the shared buffer is reused). */
__device__ __forceinline__ float kiln_block_sum(float v) {
    __shared__ float buf[KILN_BLOCK];
    buf[threadIdx.x] = v;
    __syncthreads();
    for (int s = KILN_BLOCK / 2; s > 0; s >>= 1) {
        if ((int) threadIdx.x < s) buf[threadIdx.x] = buf[threadIdx.x] + buf[threadIdx.x + s];
        __syncthreads();
    }
    return buf[0];
}

#endif /* KILN_CUDA_CUH */
