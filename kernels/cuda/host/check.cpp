/*
 * check.cpp: runs Kiln's CUDA kernels (kernels/cuda/kiln.cu, the very source of the fatbin) on the host
 * through emulate.h, with the launch geometry of dev.kiln.backend.cuda.CudaBackend, and compares what
 * they write with double-precision references. It is the only place where the CUDA kernels execute on a
 * machine without a GPU; the GPU itself is checked by ci/gpu-check (CudaSelfTest).
 *
 *   g++ -std=c++20 -O1 -Wno-unknown-pragmas -o check kernels/cuda/host/check.cpp && ./check
 *
 * Prints one line per case ("ok ..." or "FAIL ...") and "N passed, M failed"; exits 1 on a failure.
 * CudaKernelEmulationTest compiles and runs it when g++ is on PATH.
 */
#include "emulate.h"
#include "../kiln.cu"

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>

/* ---- the host side's launch geometry (dev.kiln.backend.cuda.CudaKernels) ------------------------------ */

static const int BLOCK = 256, MAX_PARTIALS = 1024, TILE = 64;

static int grid(long long n) { return (int) std::max(1LL, std::min((n + BLOCK - 1) / BLOCK, 65535LL)); }
static int reduction_grid(long long n) { return (int) std::max(1LL, std::min((n + BLOCK - 1) / BLOCK, (long long) MAX_PARTIALS)); }

static std::vector<float> partials(MAX_PARTIALS);

static void sgemm(bool ta, bool tb, int m, int n, int k, float alpha, const float* a, long long ao, int lda,
                  const float* b, long long bo, int ldb, float beta, float* c, long long co, int ldc) {
    auto kern = ta ? (tb ? kiln_sgemm_tt : kiln_sgemm_tn) : (tb ? kiln_sgemm_nt : kiln_sgemm_nn);
    kiln_emu_launch((m + TILE - 1) / TILE, (n + TILE - 1) / TILE, 256, true,
                    [&] { kern(m, n, k, alpha, a, ao, lda, b, bo, ldb, beta, c, co, ldc); });
}

static void finish(int blocks, float* stats, int accumulate, int sa, int sb, int sc, float add) {
    kiln_emu_launch(1, 1, BLOCK, true, [&] { kiln_reduce_finish(partials.data(), blocks, stats, accumulate, sa, sb, sc, add); });
}

static void sum_squares(const float* x, long long off, long long n, float* stats, int slot, int blocks) {
    kiln_emu_launch(blocks, 1, BLOCK, true, [&] { kiln_sum_squares(x, off, n, partials.data()); });
    finish(blocks, stats, 0, slot, -1, -1, 0.0f);
}

/* ---- bookkeeping --------------------------------------------------------------------------------------- */

static int passed = 0, failed = 0;

static bool near(double expected, double actual, double abs, double rel) {
    if (std::isnan(expected)) return std::isnan(actual);
    if (std::isinf(expected)) return expected == actual;
    return std::fabs(actual - expected) <= abs + rel * std::fabs(expected);
}

/* Compares n values; reports the first mismatch. */
struct Case {
    std::string name;
    std::string failure;
    explicit Case(std::string n) : name(std::move(n)) {}
    void same(const char* what, const double* expected, const float* actual, size_t n, double abs, double rel) {
        for (size_t i = 0; i < n && failure.empty(); i++)
            if (!near(expected[i], actual[i], abs, rel)) {
                char buf[200];
                std::snprintf(buf, sizeof buf, "%s[%zu]: expected %.9g got %.9g", what, i, expected[i], (double) actual[i]);
                failure = buf;
            }
    }
    void truth(bool ok, const std::string& what) { if (!ok && failure.empty()) failure = what; }
    ~Case() {
        if (failure.empty()) { passed++; std::printf("ok   %s\n", name.c_str()); }
        else { failed++; std::printf("FAIL %s: %s\n", name.c_str(), failure.c_str()); }
    }
};

static std::mt19937_64 rng(20261128);
static std::vector<float> uniform(size_t n, float lo, float hi) {
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}

/* ---- GEMM ----------------------------------------------------------------------------------------------- */

static void check_gemm() {
    const int shapes[][3] = {{1, 1, 1}, {31, 33, 17}, {33, 31, 65}, {64, 64, 64}, {65, 70, 67}, {5, 7, 0}, {1, 70, 3}, {70, 1, 129}};
    for (auto& s : shapes) {
        for (int t = 0; t < 4; t++) {
            const int m = s[0], n = s[1], k = s[2];
            const bool ta = t & 2, tb = t & 1;
            const int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 1;
            const long long ao = 5, bo = 2, co = 7;
            auto a = uniform(ao + (size_t) (ta ? k : m) * lda, -1, 1);
            auto b = uniform(bo + (size_t) (tb ? n : k) * ldb, -1, 1);
            const float albe[2][2] = {{1.0f, 0.0f}, {0.5f, -1.5f}};
            for (auto& ab : albe) {
                auto c = uniform(co + (size_t) m * ldc, -1, 1);
                auto c0 = c;
                if (ab[1] == 0.0f)
                    for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) c[co + (size_t) i * ldc + j] = NAN;
                sgemm(ta, tb, m, n, k, ab[0], a.data(), ao, lda, b.data(), bo, ldb, ab[1], c.data(), co, ldc);
                char name[160];
                std::snprintf(name, sizeof name, "sgemm %c%c m=%d n=%d k=%d alpha=%g beta=%g", ta ? 't' : 'n', tb ? 't' : 'n',
                              m, n, k, ab[0], ab[1]);
                Case cs(name);
                std::vector<double> want(c.size());
                for (size_t i = 0; i < c.size(); i++) want[i] = c0[i];          /* outside C's window: untouched */
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++) {
                        double acc = 0;
                        for (int p = 0; p < k; p++) {
                            double x = ta ? a[ao + (size_t) p * lda + i] : a[ao + (size_t) i * lda + p];
                            double y = tb ? b[bo + (size_t) j * ldb + p] : b[bo + (size_t) p * ldb + j];
                            acc += x * y;
                        }
                        size_t o = co + (size_t) i * ldc + j;
                        want[o] = ab[0] * acc + (ab[1] == 0.0f ? 0.0 : ab[1] * (double) c0[o]);
                    }
                cs.same("C", want.data(), c.data(), c.size(), 1e-5 * std::max(1.0, k / 64.0), 1e-4);
            }
        }
    }
}

/* ---- reductions ------------------------------------------------------------------------------------------ */

static void check_sum_squares() {
    /* Production grids for small n; for n = 100003 a grid of 7 blocks walks the grid-stride loop (the
     * production grid of 391 blocks runs the same per-block code, and costs too many emulated threads). */
    for (long long n : {1LL, 31LL, 1000LL, 100003LL}) {
        auto x = uniform(n + 9, -1, 1);
        std::vector<float> stats = {1, 2, 3, 4, 5, 6, 7, 8};
        int blocks = n > 10000 ? 7 : reduction_grid(n);
        sum_squares(x.data(), 9, n, stats.data(), 2, blocks);
        double s = 0;
        for (long long i = 0; i < n; i++) s += (double) x[9 + i] * x[9 + i];
        Case cs("sum_squares n=" + std::to_string(n) + " blocks=" + std::to_string(blocks));
        double want[8] = {1, 2, s, 4, 5, 6, 7, 8};
        cs.same("stats", want, stats.data(), 8, 1e-6, 1e-5);
    }
    /* the second pass over more partials than threads (a production grid of 300 to 1024 blocks) */
    {
        auto p = uniform(MAX_PARTIALS, 0, 1);
        std::copy(p.begin(), p.end(), partials.begin());
        std::vector<float> stats = {1, 2, 3, 4, 5, 6, 7, 8};
        finish(MAX_PARTIALS, stats.data(), 1, 0, 5, 4, 33.0f);
        double s = 0;
        for (float v : p) s += v;
        Case cs("reduce_finish of 1024 partials, accumulating into three slots");
        double want[8] = {1 + s, 2, 3, 4, 5 + 33.0, 6 + s, 7, 8};
        cs.same("stats", want, stats.data(), 8, 1e-6, 1e-5);
    }
    for (float bad : {NAN, INFINITY}) {
        auto x = uniform(1000, -1, 1);
        x[517] = bad;
        std::vector<float> stats(8, 0.0f);
        sum_squares(x.data(), 0, 1000, stats.data(), 6, reduction_grid(1000));
        Case cs(std::string("sum_squares propagates ") + (std::isnan(bad) ? "NaN" : "Inf"));
        cs.truth(std::isnan(bad) ? std::isnan(stats[6]) : std::isinf(stats[6]), "stats[6] = " + std::to_string(stats[6]));
    }
}

/* ---- loss and accuracy -------------------------------------------------------------------------------------- */

static void check_loss() {
    for (int kind = 0; kind < 3; kind++) {
        for (int rows : {1, 33, 1000}) {
            for (int cols : {1, 3, 33}) {
                if (kind == 0 && cols == 1) continue;
                size_t n = (size_t) rows * cols;
                auto z = uniform(n, -5, 5), a = uniform(n, -2, 2), y = uniform(n, 0, 1);
                std::vector<float> grad(n, 0.0f), stats = {1.5f, 2, 0.25f, 3, 40, -0.5f, 7, 8};
                float scale = 1.0f / rows;
                int blocks = reduction_grid(rows);
                kiln_emu_launch(blocks, 1, BLOCK, true, [&] {
                    kiln_loss(kind, z.data(), a.data(), y.data(), rows, cols, scale, grad.data(), partials.data());
                });
                finish(blocks, stats.data(), 1, 0, 5, 4, (float) rows);
                double sum = 0;
                std::vector<double> g(n);
                for (int r = 0; r < rows; r++) {
                    const float *zr = &z[(size_t) r * cols], *ar = &a[(size_t) r * cols], *yr = &y[(size_t) r * cols];
                    double l = 0;
                    if (kind == 0) {
                        double m = *std::max_element(zr, zr + cols), se = 0, dot = 0;
                        for (int j = 0; j < cols; j++) { se += std::exp(zr[j] - m); dot += (double) yr[j] * zr[j]; }
                        l = m + std::log(se) - dot;
                        for (int j = 0; j < cols; j++) g[(size_t) r * cols + j] = (std::exp(zr[j] - m) / se - yr[j]) * scale;
                    } else if (kind == 1) {
                        for (int j = 0; j < cols; j++) {
                            double zj = zr[j];
                            l += (std::max(zj, 0.0) - zj * yr[j] + std::log1p(std::exp(-std::fabs(zj)))) / cols;
                            g[(size_t) r * cols + j] = (1 / (1 + std::exp(-zj)) - yr[j]) / cols * scale;
                        }
                    } else {
                        for (int j = 0; j < cols; j++) {
                            double d = (double) ar[j] - yr[j];
                            l += d * d / cols;
                            g[(size_t) r * cols + j] = 2 * d / cols * scale;
                        }
                    }
                    sum += l;
                }
                Case cs("loss kind=" + std::to_string(kind) + " " + std::to_string(rows) + "x" + std::to_string(cols));
                double want[8] = {1.5 + sum, 2, 0.25, 3, 40.0 + rows, -0.5 + sum, 7, 8};
                cs.same("stats", want, stats.data(), 8, 1e-5, 3e-5);
                cs.same("grad", g.data(), grad.data(), n, 1e-6 * scale, 1e-5);
            }
        }
    }
}

static void check_count_correct() {
    for (int rows : {1, 33, 1000}) {
        for (int cols : {1, 2, 10}) {
            size_t n = (size_t) rows * cols;
            auto a = uniform(n, 0, 1), y = uniform(n, 0, 1);
            for (auto& v : a) v = std::round(v * 3) / 3.0f;                       /* ties: the first index wins */
            if (cols > 1) {
                std::fill(y.begin(), y.end(), 0.0f);
                for (int r = 0; r < rows; r++) y[(size_t) r * cols + rng() % cols] = 1.0f;
            }
            std::vector<float> stats = {0, 5, 0, 0, 0, 0, 0, 0};
            int blocks = reduction_grid(rows);
            kiln_emu_launch(blocks, 1, BLOCK, true, [&] { kiln_count_correct(a.data(), y.data(), rows, cols, partials.data()); });
            finish(blocks, stats.data(), 1, 1, -1, -1, 0.0f);
            int correct = 0;
            for (int r = 0; r < rows; r++) {
                const float *ar = &a[(size_t) r * cols], *yr = &y[(size_t) r * cols];
                if (cols == 1) { correct += (ar[0] >= 0.5f) == (yr[0] >= 0.5f); continue; }
                int ia = (int) (std::max_element(ar, ar + cols) - ar), iy = (int) (std::max_element(yr, yr + cols) - yr);
                correct += ia == iy;                                              /* max_element: first maximum */
            }
            Case cs("count_correct " + std::to_string(rows) + "x" + std::to_string(cols));
            double want[8] = {0, 5.0 + correct, 0, 0, 0, 0, 0, 0};
            cs.same("stats", want, stats.data(), 8, 0, 0);
        }
    }
}

/* ---- dense layer ops ------------------------------------------------------------------------------------------ */

static double act_ref(int act, double z, double slope) {
    switch (act) {
    case 1: return z > 0 ? z : 0;
    case 2: return z > 0 ? z : slope * z;
    case 3: return 1 / (1 + std::exp(-z));
    case 4: return std::tanh(z);
    case 5: return 0.5 * z * (1 + std::erf(z / std::sqrt(2.0)));
    default: return z;
    }
}

static void check_dense() {
    for (int act = 0; act <= 6; act++) {
        for (auto shape : {std::pair{1, 1}, std::pair{33, 31}, std::pair{7, 1000}}) {
            int rows = shape.first, cols = shape.second;
            size_t n = (size_t) rows * cols;
            auto z = uniform(n, -4, 4), bias = uniform(cols + 3, -1, 1);
            auto z0 = z;
            std::vector<float> a(n);
            if (act == 6)
                kiln_emu_launch(grid(rows), 1, BLOCK, false, [&] { kiln_bias_softmax(z.data(), bias.data(), 3, a.data(), rows, cols); });
            else
                kiln_emu_launch(grid(n), 1, BLOCK, false, [&] { kiln_bias_activation(act, 0.1f, z.data(), bias.data(), 3, a.data(), rows, cols); });
            std::vector<double> zw(n), aw(n);
            for (int r = 0; r < rows; r++) {
                double mx = -INFINITY, se = 0;
                for (int c = 0; c < cols; c++) {
                    size_t i = (size_t) r * cols + c;
                    zw[i] = (float) (z0[i] + bias[3 + c]);
                    mx = std::max(mx, zw[i]);
                }
                for (int c = 0; c < cols; c++) se += std::exp(zw[(size_t) r * cols + c] - mx);
                for (int c = 0; c < cols; c++) {
                    size_t i = (size_t) r * cols + c;
                    aw[i] = act == 6 ? std::exp(zw[i] - mx) / se : act_ref(act, zw[i], 0.1);
                }
            }
            Case cs("bias_activation act=" + std::to_string(act) + " " + std::to_string(rows) + "x" + std::to_string(cols));
            cs.same("Z", zw.data(), z.data(), n, 0, 0);
            cs.same("A", aw.data(), a.data(), n, 1e-6, 1e-5);
        }
    }
    /* softmax backward, out of place and in place: dz_i = a_i (da_i - sum_j da_j a_j) */
    for (bool in_place : {false, true}) {
        int rows = 33, cols = 10;
        size_t n = (size_t) rows * cols;
        auto a = uniform(n, 0, 1), da = uniform(n, -1, 1);
        auto da0 = da;
        std::vector<float> dz(n);
        float* out = in_place ? da.data() : dz.data();
        kiln_emu_launch(grid(rows), 1, BLOCK, false, [&] { kiln_softmax_backward(a.data(), da.data(), out, rows, cols); });
        std::vector<double> want(n);
        for (int r = 0; r < rows; r++) {
            double dot = 0;
            for (int c = 0; c < cols; c++) dot += (double) da0[(size_t) r * cols + c] * a[(size_t) r * cols + c];
            for (int c = 0; c < cols; c++) want[(size_t) r * cols + c] = a[(size_t) r * cols + c] * (da0[(size_t) r * cols + c] - dot);
        }
        Case cs(std::string("softmax_backward 33x10") + (in_place ? " in place" : ""));
        cs.same("dZ", want.data(), out, n, 1e-6, 1e-5);
    }
    /* GELU backward against a central difference of the forward formula */
    {
        int rows = 31, cols = 33;
        size_t n = (size_t) rows * cols;
        auto z = uniform(n, -4, 4), da = uniform(n, -1, 1);
        std::vector<float> a(n), dz(n);
        for (size_t i = 0; i < n; i++) a[i] = (float) act_ref(5, z[i], 0.1);
        kiln_emu_launch(grid(n), 1, BLOCK, false, [&] { kiln_activation_backward(5, 0.1f, z.data(), a.data(), da.data(), dz.data(), rows, cols); });
        std::vector<double> want(n);
        for (size_t i = 0; i < n; i++) want[i] = da[i] * (act_ref(5, z[i] + 1e-6, 0.1) - act_ref(5, z[i] - 1e-6, 0.1)) / 2e-6;
        Case cs("activation_backward GELU 31x33 against a central difference");
        cs.same("dZ", want.data(), dz.data(), n, 2e-6, 2e-5);
    }
    /* bias gradient: column sums */
    for (auto shape : {std::pair{1, 1}, std::pair{1000, 31}, std::pair{33, 300}}) {
        int rows = shape.first, cols = shape.second;
        auto dz = uniform((size_t) rows * cols, -1, 1), db = uniform(cols + 4, -1, 1);
        auto db0 = db;
        kiln_emu_launch(grid(cols), 1, BLOCK, false, [&] { kiln_bias_grad(dz.data(), rows, cols, db.data(), 4); });
        std::vector<double> want(db0.begin(), db0.end());
        for (int c = 0; c < cols; c++) {
            double s = 0;
            for (int r = 0; r < rows; r++) s += dz[(size_t) r * cols + c];
            want[4 + c] = s;
        }
        Case cs("bias_grad " + std::to_string(rows) + "x" + std::to_string(cols));
        cs.same("db", want.data(), db.data(), db.size(), 1e-5, 1e-5);
    }
}

/* ---- memory, dropout, update ------------------------------------------------------------------------------------- */

static void check_memory_dropout_update() {
    {
        std::vector<float> x(1000, 3.0f);
        kiln_emu_launch(grid(990), 1, BLOCK, false, [&] { kiln_fill(x.data(), 7, 990, -2.5f); });
        Case cs("fill n=990 off=7");
        std::vector<double> want(1000, 3.0);
        for (int i = 7; i < 997; i++) want[i] = -2.5;
        cs.same("x", want.data(), x.data(), 1000, 0, 0);
    }
    {
        int cols = 33, rows = 40, src_rows = 50;
        auto src = uniform((size_t) src_rows * cols, -1, 1);
        std::vector<int> idx(rows + 5);
        for (auto& i : idx) i = (int) (rng() % src_rows);
        idx[5 + 3] = -1;
        idx[5 + 17] = src_rows;                                 /* out of range: a row of NaN, no stray read */
        std::vector<float> dst((size_t) rows * cols);
        kiln_emu_launch(grid(dst.size()), 1, BLOCK, false, [&] { kiln_gather(src.data(), cols, src_rows, idx.data(), 5, rows, dst.data()); });
        std::vector<double> want(dst.size());
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) {
                int row = idx[5 + r];
                want[(size_t) r * cols + c] = row >= 0 && row < src_rows ? src[(size_t) row * cols + c] : NAN;
            }
        Case cs("gather 40x33 with two out-of-range indices");
        cs.same("dst", want.data(), dst.data(), dst.size(), 0, 0);
    }
    /* gather_one_hot: {rows, classes, idx_off, n_labels, bad}; bad adds two out-of-range indices and two
     * out-of-range labels (NaN rows). dst starts as garbage and is 3 longer than the batch: every element of
     * the batch is written, nothing past it. */
    struct OneHot { int rows, classes, idx_off, n_labels; bool bad; };
    for (OneHot t : {OneHot{40, 10, 5, 60, true}, OneHot{1, 1, 0, 1, false}, OneHot{7, 3, 2, 9, false},
                     OneHot{300, 1000, 11, 500, true}, OneHot{257, 2, 0, 257, false}}) {
        std::vector<int> labels(t.n_labels), idx(t.idx_off + t.rows + 2, -7);
        for (auto& l : labels) l = (int) (rng() % t.classes);
        const int first = t.bad ? 2 : 0;                        /* with bad labels in data rows 0 and 1 */
        for (int r = 0; r < t.rows; r++) idx[t.idx_off + r] = first + (int) (rng() % (t.n_labels - first));
        if (t.bad) {
            idx[t.idx_off + 3] = -1;
            idx[t.idx_off + 17] = t.n_labels;                   /* index out of range: a row of NaN, no stray read */
            labels[0] = -1;
            labels[1] = t.classes;                              /* label out of range: a row of NaN */
            idx[t.idx_off + 20] = 0;
            idx[t.idx_off + 29] = 1;
        }
        const size_t n = (size_t) t.rows * t.classes;
        std::vector<float> dst(n + 3, 42.0f);
        kiln_emu_launch(grid((long long) n), 1, BLOCK, false, [&] {
            kiln_gather_one_hot(labels.data(), t.n_labels, idx.data(), t.idx_off, t.rows, t.classes, dst.data()); });
        std::vector<double> want(n + 3, 42.0);
        int nan_rows = 0;
        for (int r = 0; r < t.rows; r++) {
            int row = idx[t.idx_off + r];
            int label = row >= 0 && row < t.n_labels ? labels[row] : -1;
            bool ok = label >= 0 && label < t.classes;
            nan_rows += !ok;
            for (int c = 0; c < t.classes; c++) want[(size_t) r * t.classes + c] = ok ? (c == label ? 1.0 : 0.0) : NAN;
        }
        Case cs("gather_one_hot " + std::to_string(t.rows) + "x" + std::to_string(t.classes) + " idx_off="
                + std::to_string(t.idx_off) + (t.bad ? " with two bad indices and two bad labels" : ""));
        cs.truth(nan_rows == (t.bad ? 4 : 0), "the case has " + std::to_string(nan_rows) + " bad rows");
        cs.same("dst", want.data(), dst.data(), dst.size(), 0, 0);
    }
    for (float p : {0.0f, 0.1f, 0.5f}) {
        const long long n = 70001;
        const unsigned long long seed = 0x123456789ABCDEFULL, counter = 1000;
        auto x = uniform(n + 5, -1, 1);
        std::vector<float> mask(n + 5), y(n + 5), mask2(n), y2(n);
        kiln_emu_launch(grid(n + 5), 1, BLOCK, false, [&] { kiln_dropout_forward(x.data(), mask.data(), y.data(), n + 5, p, seed, counter); });
        /* the draw of element i depends on counter + i alone: starting 5 later gives the tail */
        kiln_emu_launch(grid(n), 1, BLOCK, false, [&] { kiln_dropout_forward(x.data() + 5, mask2.data(), y2.data(), n, p, seed, counter + 5); });
        Case cs("dropout n=70001 p=" + std::to_string(p));
        std::vector<double> tail(mask.begin() + 5, mask.end()), ytail(y.begin() + 5, y.end());
        cs.same("mask shifted by the counter", tail.data(), mask2.data(), n, 0, 0);
        cs.same("y shifted by the counter", ytail.data(), y2.data(), n, 0, 0);
        long long dropped = 0;
        for (long long i = 0; i < n + 5; i++) {
            float keep = 1.0f / (1.0f - p);
            cs.truth(mask[i] == 0.0f || mask[i] == keep, "mask value " + std::to_string(mask[i]));
            cs.truth(y[i] == x[i] * mask[i], "y != x * mask at " + std::to_string(i));
            dropped += mask[i] == 0.0f;
        }
        double frac = (double) dropped / (n + 5), sd = std::sqrt(p * (1 - p) / (n + 5));
        cs.truth(std::fabs(frac - p) <= 5 * sd + 1e-12, "dropped fraction " + std::to_string(frac) + " for p " + std::to_string(p));
        std::vector<float> dy = uniform(n, -1, 1), dx(n);
        kiln_emu_launch(grid(n), 1, BLOCK, false, [&] { kiln_dropout_backward(dy.data(), mask2.data(), dx.data(), n); });
        std::vector<double> want(n);
        for (long long i = 0; i < n; i++) want[i] = dy[i] * mask2[i];     /* the float product */
        cs.same("dX", want.data(), dx.data(), n, 0, 0);
    }
    /* SGD with momentum, one step, every slot of the launch signature; then the finite guard's skip */
    {
        const int n = 1000;
        auto p = uniform(n, -1, 1), g = uniform(n, -1, 1), buf = uniform(n, -1, 1);
        auto p0 = p, buf0 = buf;
        std::vector<float> stats = {0, 0, 4.0f, 0, 0, 1.0f, 0, 0};
        const float lr = 0.05f, mu = 0.9f, wd = 0.01f;
        kiln_emu_launch((n + BLOCK - 1) / BLOCK, 1, BLOCK, false, [&] {
            kiln_update_sgd(p.data(), g.data(), buf.data(), nullptr, nullptr, n, stats.data(), 1.0f, 0.0f, 1,
                            lr, mu, 0, wd, 0, 0, 0, 0, 0, 0, 0, 0);
        });
        const double scale = 1.0 / (std::sqrt(4.0) + 1e-6);     /* max_norm 1 over a gradient norm of 2 */
        std::vector<double> wp(n), wb(n);
        for (int i = 0; i < n; i++) {
            double gi = g[i] * scale + wd * p0[i];
            wb[i] = mu * buf0[i] + gi;
            wp[i] = p0[i] - lr * wb[i];
        }
        Case cs("update_sgd momentum, weight decay, norm clipping");
        cs.same("momentum", wb.data(), buf.data(), n, 1e-7, 2e-6);
        cs.same("param", wp.data(), p.data(), n, 1e-7, 2e-6);
        stats[5] = NAN;
        auto p1 = p;
        kiln_emu_launch((n + BLOCK - 1) / BLOCK, 1, BLOCK, false, [&] {
            kiln_update_sgd(p.data(), g.data(), buf.data(), nullptr, nullptr, n, stats.data(), 1.0f, 0.0f, 1,
                            lr, mu, 0, wd, 0, 0, 0, 0, 0, 0, 0, 0);
        });
        Case skip("update_sgd skips a step whose loss is NaN");
        std::vector<double> same(p1.begin(), p1.end());
        skip.same("param", same.data(), p.data(), n, 0, 0);
        skip.truth(stats[3] == 1.0f, "stats[SKIPPED] = " + std::to_string(stats[3]) + ", expected 1");
    }
}

int main() {
    check_gemm();
    check_sum_squares();
    check_loss();
    check_count_correct();
    check_dense();
    check_memory_dropout_update();
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
