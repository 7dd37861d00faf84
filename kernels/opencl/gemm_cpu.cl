/*
 * gemm_cpu.cl: SGEMM for CPU OpenCL devices (PoCL), C = alpha op(A) op(B) + beta C, row-major.
 *
 * Addressing, with every transpose folded into strides by the host:
 *   op(A)(i, p) = a[a_off + i * a_rs + p * a_cs]      (no transpose: a_rs = lda, a_cs = 1; transposed: 1, lda)
 *   op(B)(p, j) = b[b_off + p * b_rs + j * b_cs]      (no transpose: b_rs = ldb, b_cs = 1; transposed: 1, ldb)
 *   C(i, j)     = c[c_off + i * ldc + j]
 *
 * On a CPU device local memory and barriers become loops over work-items (PoCL), so a GPU-style tiled kernel
 * runs ~25x slower than one that keeps a register block per work-item in wide vectors
 * (research/feasibility.md, section 1). Two paths:
 *   - kiln_gemm_direct: one work-item per C element, strided loads; for small products, where packing
 *     would cost more than it saves.
 *   - kiln_gemm_pack_a + kiln_gemm_pack_b + kiln_gemm_packed (GotoBLAS style): op(A) is copied into panels
 *     of 4 rows ([m/4][k][4]) and op(B) into panels of 16 columns ([n/16][k][16]), zero-padded at the
 *     edges, so the micro-kernel streams two contiguous arrays whatever the transposes (no stride of a
 *     whole row per k step, which costs a TLB miss per load once rows are several KiB), and keeps a 4 x 16
 *     block of C in four float16 accumulators.
 * Every C element is the same sum in the same order, fma over increasing p starting from 0, on both
 * paths (padding only adds whole rows and columns that are never stored), then kiln_gemm_out.
 */

/* C(i, j) for every i < m, j < n: one work-item per element (index i * n + j). */
__kernel void kiln_gemm_direct(const int m, const int n, const int k, const float alpha,
                               __global const float* a, const long a_off, const int a_rs, const int a_cs,
                               __global const float* b, const long b_off, const int b_rs, const int b_cs,
                               const float beta, __global float* c, const long c_off, const int ldc) {
    const int t = get_global_id(0);
    if (t >= m * n) return;
    const int i = t / n, j = t - i * n;
    __global const float* ap = a + a_off + (long)i * a_rs;
    __global const float* bp = b + b_off + (long)j * b_cs;
    float acc = 0.0f;
    for (int p = 0; p < k; p++) {
        acc = fma(*ap, *bp, acc);
        ap += a_cs;
        bp += b_rs;
    }
    __global float* o = c + c_off + (long)i * ldc + j;
    *o = kiln_gemm_out(acc, alpha, beta, beta == 0.0f ? 0.0f : *o);
}

/* The pack kernels: work-item (chunk, panel) copies k steps 16 c .. 16 c + 15 of one panel, with whole-vector
 * loads along whichever axis of the source is contiguous and a transpose in registers where the panel's
 * axis is the other one; a chunk that runs past k or a panel that runs past m or n takes the scalar path,
 * which writes the zero padding. */

/* dst[(ib * k + p) * 4 + r] = op(A)(4 ib + r, p), 0 for rows >= m. */
__kernel void kiln_gemm_pack_a(const int m, const int k, __global const float* a, const long a_off,
                               const int a_rs, const int a_cs, __global float* dst) {
    const int chunk = get_global_id(0), ib = get_global_id(1);
    const int p0 = 16 * chunk, i = 4 * ib;
    if (p0 >= k || i >= m) return;
    __global const float* src = a + a_off + (long)i * a_rs + (long)p0 * a_cs;
    __global float* out = dst + ((long)ib * k + p0) * 4;
    if (p0 + 16 <= k && i + 4 <= m) {
        if (a_cs == 1) {
            /* rows contiguous along p: four float16 loads, transposed into 16 float4 */
            float t[4][16];
            vstore16(vload16(0, src), 0, t[0]);
            vstore16(vload16(0, src + a_rs), 0, t[1]);
            vstore16(vload16(0, src + 2 * (long)a_rs), 0, t[2]);
            vstore16(vload16(0, src + 3 * (long)a_rs), 0, t[3]);
            for (int q = 0; q < 16; q++) vstore4((float4)(t[0][q], t[1][q], t[2][q], t[3][q]), q, out);
            return;
        }
        if (a_rs == 1) {
            /* transposed A: the 4 rows of one p are contiguous */
            for (int q = 0; q < 16; q++) vstore4(vload4(0, src + (long)q * a_cs), q, out);
            return;
        }
    }
    const int steps = min(16, k - p0);
    for (int q = 0; q < steps; q++)
        for (int r = 0; r < 4; r++)
            out[4 * q + r] = i + r < m ? src[(long)r * a_rs + (long)q * a_cs] : 0.0f;
}

/* dst[(jb * k + p) * 16 + q] = op(B)(p, 16 jb + q), 0 for columns >= n. */
__kernel void kiln_gemm_pack_b(const int n, const int k, __global const float* b, const long b_off,
                               const int b_rs, const int b_cs, __global float* dst) {
    const int chunk = get_global_id(0), jb = get_global_id(1);
    const int p0 = 16 * chunk, j = 16 * jb;
    if (p0 >= k || j >= n) return;
    __global const float* src = b + b_off + (long)p0 * b_rs + (long)j * b_cs;
    __global float* out = dst + ((long)jb * k + p0) * 16;
    if (p0 + 16 <= k && j + 16 <= n) {
        if (b_cs == 1) {
            /* untransposed B: each p is one contiguous float16 */
            for (int q = 0; q < 16; q++) vstore16(vload16(0, src + (long)q * b_rs), q, out);
            return;
        }
        if (b_rs == 1) {
            /* transposed B: 16 source rows (one per column j) contiguous along p, transposed in registers */
            float t[16][16];
            for (int c = 0; c < 16; c++) vstore16(vload16(0, src + (long)c * b_cs), 0, t[c]);
            for (int q = 0; q < 16; q++) {
                float16 v = (float16)(t[0][q], t[1][q], t[2][q], t[3][q], t[4][q], t[5][q], t[6][q], t[7][q],
                                      t[8][q], t[9][q], t[10][q], t[11][q], t[12][q], t[13][q], t[14][q], t[15][q]);
                vstore16(v, q, out);
            }
            return;
        }
    }
    const int steps = min(16, k - p0);
    for (int q = 0; q < steps; q++)
        for (int c = 0; c < 16; c++)
            out[16 * q + c] = j + c < n ? src[(long)q * b_rs + (long)c * b_cs] : 0.0f;
}

/* The micro-kernel over packed panels: work-item (ib, jb) computes rows 4 ib .. 4 ib + 3 and columns
 * 16 jb .. 16 jb + 15 of C, storing only those inside m x n. Work-items with neighbouring ib share
 * one B panel (k x 16 floats), so it stays in cache while the row panels stream past. */
__kernel void kiln_gemm_packed(const int m, const int n, const int k, const float alpha,
                               __global const float* pa, __global const float* pb,
                               const float beta, __global float* c, const long c_off, const int ldc) {
    const int ib = get_global_id(0), jb = get_global_id(1);
    if (4 * ib >= m || 16 * jb >= n) return;
    __global const float* ap = pa + (long)ib * k * 4;
    __global const float* bp = pb + (long)jb * k * 16;
    float16 c0 = (float16)(0.0f), c1 = c0, c2 = c0, c3 = c0;
    for (int p = 0; p < k; p++) {
        const float4 av = vload4(p, ap);
        const float16 bv = vload16(p, bp);
        c0 = fma((float16)(av.s0), bv, c0);
        c1 = fma((float16)(av.s1), bv, c1);
        c2 = fma((float16)(av.s2), bv, c2);
        c3 = fma((float16)(av.s3), bv, c3);
    }
    const int i0 = 4 * ib, j0 = 16 * jb;
    const int rows = min(4, m - i0), cols = min(16, n - j0);
    __global float* o = c + c_off + (long)i0 * ldc + j0;
    if (cols == 16) {
        /* kiln_gemm_out, lane by lane */
        if (beta == 0.0f) {
            vstore16(alpha * c0, 0, o);
            if (rows > 1) vstore16(alpha * c1, 0, o + ldc);
            if (rows > 2) vstore16(alpha * c2, 0, o + 2 * ldc);
            if (rows > 3) vstore16(alpha * c3, 0, o + 3 * ldc);
        } else {
            vstore16(alpha * c0 + beta * vload16(0, o), 0, o);
            if (rows > 1) vstore16(alpha * c1 + beta * vload16(0, o + ldc), 0, o + ldc);
            if (rows > 2) vstore16(alpha * c2 + beta * vload16(0, o + 2 * ldc), 0, o + 2 * ldc);
            if (rows > 3) vstore16(alpha * c3 + beta * vload16(0, o + 3 * ldc), 0, o + 3 * ldc);
        }
    } else {
        float acc[4][16];
        vstore16(c0, 0, acc[0]);
        vstore16(c1, 0, acc[1]);
        vstore16(c2, 0, acc[2]);
        vstore16(c3, 0, acc[3]);
        for (int r = 0; r < rows; r++) {
            __global float* orow = o + (long)r * ldc;
            for (int q = 0; q < cols; q++)
                orow[q] = kiln_gemm_out(acc[r][q], alpha, beta, beta == 0.0f ? 0.0f : orow[q]);
        }
    }
}
