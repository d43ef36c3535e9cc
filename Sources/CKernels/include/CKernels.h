// Hot loops that Swift cannot vectorize: Float.squareRoot() lowers to a libm call that keeps
// errno semantics, and Swift never reassociates a floating-point reduction. These kernels are
// compiled with -fno-math-errno (vector sqrt) and -ffp-contract=off (no FMA), so every build on
// every x86-64 or arm64 machine gives the same bits.
#ifndef STACKELBERG_CKERNELS_H
#define STACKELBERG_CKERNELS_H

#include <stddef.h>

/// One Adam step over n values, in place (no weight decay, adaptive step):
///   g = gradient[i]·gradient_scale,  m = β1·m + (1−β1)·g,  v = β2·v + (1−β2)·g²,
///   w −= step_size·m / (√v / sqrt_bias_correction2 + ε).
void stk_adam_step(float *weights, float *m, float *v, const float *gradient, size_t n,
                   float gradient_scale, float beta1, float beta2, float step_size,
                   float sqrt_bias_correction2, float epsilon);

/// out[i] = tanh(x[i]), vectorized, branch-free (x and out may be the same buffer). |x| < 0.625:
/// the odd minimax polynomial of Cephes' tanhf; otherwise 1 − 2/(e^{2|x|} + 1) with a polynomial
/// exp (Cephes' expf reduction), signed; ±1 beyond |x| = 9. Relative error ≲ 2e-7 (the libm call
/// it replaces ran per element and took most of a small tanh network's time).
void stk_tanh(const float *x, float *out, size_t n);

/// Softmax of each of `rows` rows of `width` values: out = e^{x − max}/Σ e^{x − max}, the
/// exponentials by the polynomial of `stk_tanh` (Cephes' expf reduction, relative error ≲ 2e-7),
/// vectorized; values below e^{−87} flush to 0. x and out must not overlap.
void stk_softmax_rows(const float *x, float *out, size_t rows, size_t width);
/// softmax(scale·x) per row: each x·scale rounded first, so the bits equal stk_softmax_rows of the scaled rows
/// (x and out must not overlap).
void stk_softmax_rows_scaled(const float *x, float scale, float *out, size_t rows, size_t width);
/// softmax's backward per row of `width`: out = (y ⊙ (g − Σ g ⊙ y))·scale, the sum of the rounded products
/// in stk_sum's order (so the bits equal the composed ops'; scale 1 multiplies exactly).
void stk_softmax_backward_rows(const float *y, const float *g, float scale, float *out, size_t rows, size_t width);

/// Σ x[i] with eight interleaved partial sums (then combined pairwise): a fixed order, so
/// deterministic, and vectorizable.
float stk_sum(const float *x, size_t n);

/// Σ x[i]² accumulated in double, with four interleaved partial sums.
double stk_sum_of_squares(const float *x, size_t n);

/// Σ a[i]·b[i] accumulated in double, with four interleaved partial sums (conjugate gradient's
/// inner products over a network's parameters, vectorized in a fixed order).
double stk_dot_double(const float *a, const float *b, size_t n);

/// out[k·row_size + j] = (float)base[rows[k]·row_size + j]: replay observations stored as bytes,
/// gathered into a float minibatch, with the next row prefetched (the rows are random, the buffer
/// far larger than the cache).
void stk_gather_byte_rows(const unsigned char *base, const long *rows, size_t count, size_t row_size, float *out);

/// Each of `rows` rows of `width` floats divided by (mean |x| + epsilon): Σ|x| with stk_sum's
/// partial sums, times inverse_width, plus epsilon, then a division, so the bits equal the
/// composed ops (abs, row sum, scale, shift, divide).
void stk_mean_abs_normalize_rows(const float *x, size_t rows, size_t width, float inverse_width, float epsilon, float *out);

/// Each of `rows` rows of `width` floats layer-normalized, (x − μ)·(σ² + ε)^(−1/2) (biased variance), with
/// the composed ops' rounding: the bits of x − mean(x), mean of its squares, + ε, pow(·, −0.5), product.
/// x and out must not overlap.
void stk_layer_norm_rows(const float *x, size_t rows, size_t width, float inverse_width, float epsilon, float *out);
/// Layer normalization's backward into the centred rows c = x − μ, for upstream g (same shape as x):
/// out = g·p + (((Σ g·c)·(σ² + ε)^(−3/2)·(−1/2))·(1/width)·c)·2, p = (σ² + ε)^(−1/2), rounded as the composed
/// ops' backward (so the bits equal theirs). The mean's part, −Σ out / width per row, is the caller's.
void stk_layer_norm_backward_rows(const float *x, const float *g, size_t rows, size_t width, float inverse_width,
                                  float epsilon, float *out);

/// out[j] = (unsigned char)x[j] for whole numbers 0…255 (replay storage).
void stk_floats_to_bytes(const float *x, size_t n, unsigned char *out);

/// Row-major C = op(A)·op(B) + beta·C (alpha 1, beta 0 or 1; A is m × k after op, B k × n) by a
/// libxsmm JIT kernel for this CPU (gemm.c). Returns 1 when done, 0 when it cannot (another beta,
/// an empty shape, no memory for a transposed copy of B): the caller then runs OpenBLAS.
int stk_sgemm_libxsmm(int trans_a, int trans_b, int m, int n, int k,
                      const float *a, const float *b, float beta, float *c);
/// The same with row strides: A's rows lda apart (op(A) before the op: m × k, or k × m when
/// transposed), B's ldb, C's ldc, so that a product can read and write column blocks of wider
/// matrices (attention's heads inside [T, D] rows).
int stk_sgemm_libxsmm_ld(int trans_a, int trans_b, int m, int n, int k, const float *a, int lda,
                         const float *b, int ldb, float beta, float *c, int ldc);

/// libxsmm's code-generation target for this process ("hsw", "skx", "cpx", …; LIBXSMM_TARGET
/// overrides it), and whether it has AVX-512 (SKX or newer).
const char *stk_gemm_libxsmm_target(void);
int stk_gemm_libxsmm_target_is_avx512(void);
/// Whether libxsmm's code-generation target has AVX2 (AVX-512 included).
int stk_gemm_libxsmm_target_is_avx2(void);

#endif
