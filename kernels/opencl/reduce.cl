/*
 * reduce.cl: deterministic sums into the statistics buffer. The partition is a fixed function of n (never
 * of timing or of the device's work-group scheduling), so two runs give bit-identical sums:
 *   stage 1 (large n): partial p sums x[p], x[p + parts], x[p + 2 parts], ... in increasing index order;
 *   stage 2: one work-item sums the partials (or x itself when n is small) in index order.
 * The strided stage-1 pattern makes neighbouring work-items read neighbouring floats (coalesced on GPUs,
 * vectorisable across work-items by PoCL). Sums accumulate in double where the device has cl_khr_fp64
 * (as the CPU reference does), else in float; the result is rounded to float once, when stored.
 */
#ifdef cl_khr_fp64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double kiln_acc;
#else
typedef float kiln_acc;
#endif

__kernel void kiln_reduce_partials(__global const float* x, const long off, const int n, const int square,
                                   __global kiln_acc* partials, const int parts) {
    const int p = get_global_id(0);
    if (p >= parts) return;
    __global const float* v = x + off;
    kiln_acc s = 0;
    if (square) {
        for (int i = p; i < n; i += parts) s = s + (kiln_acc)v[i] * (kiln_acc)v[i];
    } else {
        for (int i = p; i < n; i += parts) s = s + (kiln_acc)v[i];
    }
    partials[p] = s;
}

/* s = the sum of partials[0 .. parts) if parts > 0, else of x[off .. off+n) (squared if asked); then
 * stats[set_slot] = s, stats[add_slot0] += s, stats[add_slot1] += s, stats[count_slot] += count, each only
 * when its slot is >= 0. */
__kernel void kiln_reduce_finish(__global const float* x, const long off, const int n, const int square,
                                 __global const kiln_acc* partials, const int parts,
                                 __global float* stats, const int set_slot, const int add_slot0,
                                 const int add_slot1, const int count_slot, const float count) {
    if (get_global_id(0) != 0) return;
    kiln_acc s = 0;
    if (parts > 0) {
        for (int i = 0; i < parts; i++) s = s + partials[i];
    } else {
        __global const float* v = x + off;
        if (square) {
            for (int i = 0; i < n; i++) s = s + (kiln_acc)v[i] * (kiln_acc)v[i];
        } else {
            for (int i = 0; i < n; i++) s = s + (kiln_acc)v[i];
        }
    }
    if (set_slot >= 0) stats[set_slot] = (float)s;
    if (add_slot0 >= 0) stats[add_slot0] = (float)((kiln_acc)stats[add_slot0] + s);
    if (add_slot1 >= 0) stats[add_slot1] = (float)((kiln_acc)stats[add_slot1] + s);
    if (count_slot >= 0) stats[count_slot] = stats[count_slot] + count;
}
