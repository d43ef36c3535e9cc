// Single-precision GEMM through libxsmm's JIT kernels (Debian's libxsmm 1.17), for the products the
// tensor core runs: row-major, alpha = 1, beta ∈ {0, 1}. libxsmm writes a kernel for each shape and
// for this CPU's widest vectors; OpenBLAS 0.3.21 runs its AVX2 kernels here, and packs its operands
// on every call, which dominates the small products of RL networks (64–256 wide, minibatches of
// 100–1024 rows). Anything this file does not handle returns 0 and the caller uses OpenBLAS.
#include "CKernels.h"
#include <libxsmm.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t stk_xsmm_once = PTHREAD_ONCE_INIT;
static int stk_xsmm_wide = 0, stk_xsmm_avx2 = 0;

static void stk_xsmm_init(void) {
    libxsmm_init();
    stk_xsmm_wide = libxsmm_get_target_archid() >= LIBXSMM_X86_AVX512_CORE;
    stk_xsmm_avx2 = libxsmm_get_target_archid() >= LIBXSMM_X86_AVX2;
}

int stk_gemm_libxsmm_target_is_avx512(void) {
    pthread_once(&stk_xsmm_once, stk_xsmm_init);
    return stk_xsmm_wide;
}

int stk_gemm_libxsmm_target_is_avx2(void) {
    pthread_once(&stk_xsmm_once, stk_xsmm_init);
    return stk_xsmm_avx2;
}

const char *stk_gemm_libxsmm_target(void) {
    pthread_once(&stk_xsmm_once, stk_xsmm_init);
    return libxsmm_get_target_arch();
}

// One scratch buffer per thread for a transposed operand (libxsmm 1.17's JIT has no transposed-A
// kernel), grown only: a training loop's products reach their largest size in the first update
// and allocate nothing afterwards. Freed when the thread ends.
typedef struct { float *data; size_t capacity; } stk_scratch;
static pthread_key_t stk_scratch_key;
static pthread_once_t stk_scratch_once = PTHREAD_ONCE_INIT;

static void stk_scratch_free(void *p) {
    stk_scratch *s = p;
    if (s) { free(s->data); free(s); }
}

static void stk_scratch_make_key(void) { pthread_key_create(&stk_scratch_key, stk_scratch_free); }

static float *stk_scratch_floats(size_t n) {
    pthread_once(&stk_scratch_once, stk_scratch_make_key);
    stk_scratch *s = pthread_getspecific(stk_scratch_key);
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s) return NULL;
        pthread_setspecific(stk_scratch_key, s);
    }
    if (s->capacity < n) {
        float *grown = realloc(s->data, n * sizeof(float));
        if (!grown) return NULL;
        s->data = grown;
        s->capacity = n;
    }
    return s->data;
}

#if defined(__x86_64__)
#include <immintrin.h>
// One 8 × 8 block: in (row stride si) to out (row stride so), transposed, in AVX registers.
__attribute__((target("avx2"))) static inline void stk_transpose8x8(const float *in, size_t si, float *out, size_t so) {
    __m256 r0 = _mm256_loadu_ps(in + 0 * si), r1 = _mm256_loadu_ps(in + 1 * si);
    __m256 r2 = _mm256_loadu_ps(in + 2 * si), r3 = _mm256_loadu_ps(in + 3 * si);
    __m256 r4 = _mm256_loadu_ps(in + 4 * si), r5 = _mm256_loadu_ps(in + 5 * si);
    __m256 r6 = _mm256_loadu_ps(in + 6 * si), r7 = _mm256_loadu_ps(in + 7 * si);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    _mm256_storeu_ps(out + 0 * so, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(out + 1 * so, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(out + 2 * so, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(out + 3 * so, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(out + 4 * so, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(out + 5 * so, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(out + 6 * so, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_storeu_ps(out + 7 * so, _mm256_permute2f128_ps(u3, u7, 0x31));
}
#endif

// out (cols × rows) = in (rows × cols, row stride si)ᵀ, both row-major, out packed: 8 × 8 blocks in
// AVX registers inside 64 × 64 tiles (so a tile's rows and columns stay in L1), scalar at the edges.
// A copy: the same bits on every path.
static void stk_transpose(const float *in, size_t rows, size_t cols, size_t si, float *out) {
#if defined(__x86_64__)
    const int vector = __builtin_cpu_supports("avx2");
#else
    const int vector = 0;
#endif
    for (size_t r0 = 0; r0 < rows; r0 += 64) {
        const size_t r1 = r0 + 64 < rows ? r0 + 64 : rows;
        for (size_t c0 = 0; c0 < cols; c0 += 64) {
            const size_t c1 = c0 + 64 < cols ? c0 + 64 : cols;
            size_t r = r0;
#if defined(__x86_64__)
            if (vector) {
                for (; r + 8 <= r1; r += 8) {
                    size_t c = c0;
                    for (; c + 8 <= c1; c += 8) stk_transpose8x8(in + r * si + c, si, out + c * rows + r, rows);
                    for (; c < c1; c++)
                        for (size_t i = r; i < r + 8; i++) out[c * rows + i] = in[i * si + c];
                }
            }
#endif
            for (; r < r1; r++)
                for (size_t c = c0; c < c1; c++) out[c * rows + r] = in[r * si + c];
        }
    }
}

int stk_sgemm_libxsmm_ld(int trans_a, int trans_b, int m, int n, int k, const float *a, int lda,
                         const float *b, int ldb, float beta, float *c, int ldc) {
    if (m <= 0 || n <= 0 || k <= 0 || (beta != 0.0f && beta != 1.0f)) return 0;
    pthread_once(&stk_xsmm_once, stk_xsmm_init);
    // Row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: libxsmm's A is our B and its B
    // is our A. Its JIT has no transposed-A kernel, so a transposed B is transposed here first (into
    // a packed copy, whatever B's row stride).
    libxsmm_blasint xa_ld = ldb;
    if (trans_b) {
        float *bt = stk_scratch_floats((size_t)n * (size_t)k);
        if (!bt) return 0;
        stk_transpose(b, (size_t)n, (size_t)k, (size_t)ldb, bt);  // B is n × k; Bᵀ is k × n
        b = bt;
        xa_ld = n;
    }
    const int flags = trans_a ? LIBXSMM_GEMM_FLAG_TRANS_B : LIBXSMM_GEMM_FLAG_NONE;
    const libxsmm_blasint xb_ld = lda, xc_ld = ldc;
    const float alpha = 1.0f;
    libxsmm_smmfunction kernel = libxsmm_smmdispatch(n, m, k, &xa_ld, &xb_ld, &xc_ld, &alpha, &beta, &flags, NULL);
    if (!kernel) return 0;
    kernel(b, a, c);
    return 1;
}

int stk_sgemm_libxsmm(int trans_a, int trans_b, int m, int n, int k,
                      const float *a, const float *b, float beta, float *c) {
    return stk_sgemm_libxsmm_ld(trans_a, trans_b, m, n, k, a, trans_a ? m : k, b, trans_b ? k : n, beta, c, n);
}
