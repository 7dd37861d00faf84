/*
 * gemm_gpu.cl: SGEMM for GPU OpenCL devices, C = alpha op(A) op(B) + beta C, row-major, with the strided
 * addressing of gemm_cpu.cl (op(A)(i, p) = a[a_off + i a_rs + p a_cs], op(B)(p, j) = b[b_off + p b_rs + j b_cs]).
 *
 * Classic local-memory tiling: a 16 x 16 work-group computes a 64 x 64 tile of C, each work-item a 4 x 4
 * micro-tile at rows ty + 16 x and columns tx + 16 y (so neighbouring work-items touch neighbouring
 * columns of the local tiles: no bank conflicts). Each K step stages a 64 x 16 slice of op(A) and a 16 x 64
 * slice of op(B) in local memory, reading global memory along whichever axis is contiguous. Out-of-range
 * elements are staged as 0, and fma(0, 0, acc) == acc, so every C element is exactly the sum of
 * gemm_cpu.cl: fma over increasing p. Arbitrary m, n, k, offsets and leading dimensions.
 */
#define KILN_TM 64
#define KILN_TN 64
#define KILN_TK 16

__kernel __attribute__((reqd_work_group_size(16, 16, 1)))
void kiln_gemm_tiled(const int m, const int n, const int k, const float alpha,
                     __global const float* a, const long a_off, const int a_rs, const int a_cs,
                     __global const float* b, const long b_off, const int b_rs, const int b_cs,
                     const float beta, __global float* c, const long c_off, const int ldc) {
    __local float as[KILN_TK][KILN_TM];   /* as[p][i] */
    __local float bs[KILN_TK][KILN_TN];   /* bs[p][j] */
    const int tx = get_local_id(0), ty = get_local_id(1);
    const int tid = ty * 16 + tx;
    const int row0 = get_group_id(1) * KILN_TM, col0 = get_group_id(0) * KILN_TN;
    float acc[4][4];
    for (int x = 0; x < 4; x++)
        for (int y = 0; y < 4; y++) acc[x][y] = 0.0f;

    for (int p0 = 0; p0 < k; p0 += KILN_TK) {
        /* 1024 elements of each tile, 4 per work-item; consecutive tids walk the contiguous axis */
        for (int l = 0; l < 4; l++) {
            const int e = tid + l * 256;
            int ii, pp;
            if (a_cs == 1) { ii = e / KILN_TK; pp = e - ii * KILN_TK; }
            else           { pp = e / KILN_TM; ii = e - pp * KILN_TM; }
            const int gi = row0 + ii, gp = p0 + pp;
            as[pp][ii] = (gi < m && gp < k) ? a[a_off + (long)gi * a_rs + (long)gp * a_cs] : 0.0f;

            int jj, qq;
            if (b_cs == 1) { qq = e / KILN_TN; jj = e - qq * KILN_TN; }
            else           { jj = e / KILN_TK; qq = e - jj * KILN_TK; }
            const int gj = col0 + jj, gq = p0 + qq;
            bs[qq][jj] = (gj < n && gq < k) ? b[b_off + (long)gq * b_rs + (long)gj * b_cs] : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int pp = 0; pp < KILN_TK; pp++) {
            float av[4], bv[4];
            for (int x = 0; x < 4; x++) av[x] = as[pp][ty + 16 * x];
            for (int y = 0; y < 4; y++) bv[y] = bs[pp][tx + 16 * y];
            for (int x = 0; x < 4; x++)
                for (int y = 0; y < 4; y++) acc[x][y] = fma(av[x], bv[y], acc[x][y]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int x = 0; x < 4; x++) {
        const int i = row0 + ty + 16 * x;
        if (i >= m) continue;
        for (int y = 0; y < 4; y++) {
            const int j = col0 + tx + 16 * y;
            if (j >= n) continue;
            __global float* o = c + c_off + (long)i * ldc + j;
            *o = kiln_gemm_out(acc[x][y], alpha, beta, beta == 0.0f ? 0.0f : *o);
        }
    }
}
