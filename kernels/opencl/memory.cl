/*
 * memory.cl: data movement that the OpenCL API has no call for (fill and copy use clEnqueueFillBuffer and
 * clEnqueueCopyBuffer). Offsets are element offsets passed as arguments rather than sub-buffers, whose
 * origin must be aligned to CL_DEVICE_MEM_BASE_ADDR_ALIGN.
 */

/* dst[r, c] = src[idx[idx_off + r], c] for r < rows, c < cols: the batch's rows picked from the uploaded
 * data set. One work-item per element, so neighbouring work-items copy neighbouring floats of one row.
 * An index outside [0, src_rows) cannot be reported from here, so it yields a row of NaN, which the loss
 * and the finite guard then make visible, instead of reading foreign memory. */
__kernel void kiln_gather(__global const float* src, const int cols, const long src_rows, __global const int* idx,
                          const long idx_off, const int rows, __global float* dst) {
    const int i = get_global_id(0);
    if (i >= rows * cols) return;
    const int r = i / cols, c = i - r * cols;
    const int row = idx[idx_off + r];
    dst[i] = (row >= 0 && row < src_rows) ? src[(long)row * cols + c] : NAN;
}

/* dst[r, c] = (c == labels[idx[idx_off + r]]) ? 1 : 0 for r < rows, c < classes: the batch's one-hot
 * targets from one int label per data-set row (kiln_one_hot, kernels/common/kiln_nn.h). An index outside
 * [0, n_labels), or a label outside [0, classes), yields a row of NaN, as in kiln_gather. */
__kernel void kiln_gather_one_hot(__global const int* labels, const long n_labels, __global const int* idx,
                                  const long idx_off, const int rows, const int classes, __global float* dst) {
    const int i = get_global_id(0);
    if (i >= rows * classes) return;
    const int r = i / classes, c = i - r * classes;
    const int row = idx[idx_off + r];
    dst[i] = kiln_one_hot((row >= 0 && row < n_labels) ? labels[row] : -1, classes, c);
}
