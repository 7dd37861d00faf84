/*
 * emulate.h: just enough of the CUDA execution model to run Kiln's kernels on the host, so that their
 * index arithmetic, tails, transpositions and reductions are tested on machines without a GPU (CI).
 * Not a simulator of timing or memory: a kernel is a C++ function called once per thread with threadIdx
 * set, one block at a time. Kernels that use __syncthreads run their threads as fibers (ucontext) on one
 * OS thread: a round runs every live fiber up to its next __syncthreads, so no thread passes a barrier
 * before all have reached it, and a thread that returns drops out, as an exited CUDA thread does. The
 * others run their threads one after another. __shared__ becomes `static`, shared by the threads of the
 * one block that runs.
 *
 * Include this before kernels/cuda/kiln.cu; compile with g++ -std=c++20.
 */
#ifndef KILN_EMULATE_H
#define KILN_EMULATE_H

#include <ucontext.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>

#define __CUDACC__ 1          /* kiln_math.h: the CUDA dialect */
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static
#define __restrict__ __restrict

using std::isfinite;

struct dim3 { unsigned x = 0, y = 0, z = 0; };

static dim3 gridDim, blockDim, blockIdx, threadIdx;

static inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }

/* ---- fibers for kernels with barriers ----------------------------------------------------------------- */

struct KilnFiber { ucontext_t ctx; bool done; };
static ucontext_t kiln_emu_scheduler;
static std::vector<KilnFiber> kiln_emu_fibers;
static std::vector<char> kiln_emu_stacks;
static const std::function<void()>* kiln_emu_job;
static unsigned kiln_emu_running;
static const size_t KILN_EMU_STACK = 64 * 1024;

/* __syncthreads: back to the scheduler, which resumes this thread in the next round. */
static void kiln_emu_sync() {
    if (swapcontext(&kiln_emu_fibers[kiln_emu_running].ctx, &kiln_emu_scheduler) != 0) std::abort();
}
#define __syncthreads() kiln_emu_sync()

static void kiln_emu_entry() {
    (*kiln_emu_job)();
    kiln_emu_fibers[kiln_emu_running].done = true;    /* returning resumes uc_link, the scheduler */
}

static void kiln_emu_block_with_barriers(unsigned bx, const std::function<void()>& kernel) {
    if (kiln_emu_fibers.size() < bx) {
        kiln_emu_fibers.resize(bx);
        kiln_emu_stacks.resize(bx * KILN_EMU_STACK);
    }
    kiln_emu_job = &kernel;
    for (unsigned t = 0; t < bx; t++) {
        KilnFiber& f = kiln_emu_fibers[t];
        if (getcontext(&f.ctx) != 0) std::abort();
        f.ctx.uc_stack.ss_sp = &kiln_emu_stacks[t * KILN_EMU_STACK];
        f.ctx.uc_stack.ss_size = KILN_EMU_STACK;
        f.ctx.uc_link = &kiln_emu_scheduler;
        f.done = false;
        makecontext(&f.ctx, kiln_emu_entry, 0);
    }
    for (bool live = true; live;) {
        live = false;
        for (unsigned t = 0; t < bx; t++) {
            if (kiln_emu_fibers[t].done) continue;
            kiln_emu_running = t;
            threadIdx = {t, 0, 0};
            if (swapcontext(&kiln_emu_scheduler, &kiln_emu_fibers[t].ctx) != 0) std::abort();
            live = live || !kiln_emu_fibers[t].done;
        }
    }
}

/* Runs kernel() for every thread of a (gx, gy) grid of blocks of bx threads. */
static void kiln_emu_launch(unsigned gx, unsigned gy, unsigned bx, bool barriers, const std::function<void()>& kernel) {
    gridDim = {gx, gy, 1};
    blockDim = {bx, 1, 1};
    for (unsigned y = 0; y < gy; y++) {
        for (unsigned x = 0; x < gx; x++) {
            blockIdx = {x, y, 0};
            if (barriers) {
                kiln_emu_block_with_barriers(bx, kernel);
            } else {
                for (unsigned t = 0; t < bx; t++) { threadIdx = {t, 0, 0}; kernel(); }
            }
        }
    }
}

#endif /* KILN_EMULATE_H */
