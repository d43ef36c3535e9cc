#include "CKernels.h"
#include <math.h>

// One copy per instruction set, picked at load time; with FMA contraction off the results are
// identical on every path.
#if defined(__x86_64__) && defined(__clang__)
#define STK_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define STK_CLONES
#endif

STK_CLONES
void stk_adam_step(float *restrict weights, float *restrict m, float *restrict v, const float *restrict gradient,
                   size_t n, float gradient_scale, float beta1, float beta2, float step_size,
                   float sqrt_bias_correction2, float epsilon) {
    const float c1 = 1 - beta1, c2 = 1 - beta2;
    for (size_t i = 0; i < n; i++) {
        const float g = gradient[i] * gradient_scale;
        const float mi = beta1 * m[i] + c1 * g;
        const float vi = beta2 * v[i] + c2 * g * g;
        m[i] = mi;
        v[i] = vi;
        weights[i] -= step_size * mi / (sqrtf(vi) / sqrt_bias_correction2 + epsilon);
    }
}

// Σ x[i] (or Σ |x[i]|, or Σ x[i]·w[i] with each product rounded first) with eight interleaved partial
// sums, combined pairwise; inlined into each caller's clone, where `absolute` and whether `w` is NULL
// are constants. stk_sum, the mean-|x| normalization and softmax's backward share it so that the fused
// ops keep the composed ops' bits.
static inline __attribute__((always_inline)) float sum8(const float *restrict x, const float *restrict w, size_t n,
                                                        int absolute) {
    float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) s[k] += w ? x[i + k] * w[i + k] : absolute ? fabsf(x[i + k]) : x[i + k];
    for (int k = 0; i < n; i++, k++) s[k] += w ? x[i] * w[i] : absolute ? fabsf(x[i]) : x[i];
    return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

STK_CLONES
float stk_sum(const float *restrict x, size_t n) { return sum8(x, NULL, n, 0); }

STK_CLONES
void stk_mean_abs_normalize_rows(const float *restrict x, size_t rows, size_t width, float inverse_width, float epsilon,
                                 float *restrict out) {
    for (size_t r = 0; r < rows; r++) {
        const float *row = x + r * width;
        float *y = out + r * width;
        const float scale = sum8(row, NULL, width, 1) * inverse_width + epsilon;
        for (size_t j = 0; j < width; j++) y[j] = row[j] / scale;
    }
}

// One row centred into c (c = x − μ, μ = (Σx)·(1/width)); returns its biased variance (Σ c·c)·(1/width),
// sums in sum8's order over the rounded values, as the composed ops round them. Shared by layer
// normalization's forward and backward kernels, which must centre alike.
static inline __attribute__((always_inline)) float centre_row(const float *restrict row, size_t width, float inverse_width,
                                                              float *restrict c) {
    const float mean = (0.0f + sum8(row, NULL, width, 0)) * inverse_width;
    for (size_t j = 0; j < width; j++) c[j] = row[j] - mean;
    return (0.0f + sum8(c, c, width, 0)) * inverse_width;
}

// Layer normalization of each row, (x − μ)·(σ² + ε)^(−1/2) with μ and σ² the row's mean and
// (biased) variance, in the composed ops' order: μ = (Σx)·(1/width) and σ² = (Σ c·c)·(1/width) with
// sum8's partial sums over the rounded values, c = x − μ, then powf. The centred row is kept in
// `out` until it is scaled.
STK_CLONES
void stk_layer_norm_rows(const float *restrict x, size_t rows, size_t width, float inverse_width, float epsilon,
                         float *restrict out) {
    for (size_t r = 0; r < rows; r++) {
        const float *row = x + r * width;
        float *y = out + r * width;
        const float p = powf(centre_row(row, width, inverse_width, y) + epsilon, -0.5f);
        for (size_t j = 0; j < width; j++) y[j] = y[j] * p;
    }
}

// The part of layer normalization's backward that reaches the centred row c = x − μ (the mean's
// part is the caller's: it needs this result's row sums): with p = (σ² + ε)^(−1/2),
// out = g·p + ((Σ g·c)·p³ terms)·c, rounded as the composed ops' backward rounds it:
// s = Σ g·c (sum8 of the rounded products), t = ((s·powf(σ² + ε, −1.5))·(−0.5))·(1/width),
// out = g·p + (t·c)·2.
STK_CLONES
void stk_layer_norm_backward_rows(const float *restrict x, const float *restrict g, size_t rows, size_t width,
                                  float inverse_width, float epsilon, float *restrict out) {
    for (size_t r = 0; r < rows; r++) {
        const float *row = x + r * width, *gr = g + r * width;
        float *o = out + r * width;
        const float shifted = centre_row(row, width, inverse_width, o) + epsilon;
        const float p = powf(shifted, -0.5f);
        const float s = 0.0f + sum8(gr, o, width, 0);
        const float t = ((s * powf(shifted, -1.5f)) * -0.5f) * inverse_width;
        for (size_t j = 0; j < width; j++) o[j] = gr[j] * p + (t * o[j]) * 2.0f;
    }
}

STK_CLONES
double stk_sum_of_squares(const float *restrict x, size_t n) {
    double s[4] = {0, 0, 0, 0};
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; k++) s[k] += (double)x[i + k] * (double)x[i + k];
    for (int k = 0; i < n; i++, k++) s[k] += (double)x[i] * (double)x[i];
    return (s[0] + s[2]) + (s[1] + s[3]);
}

STK_CLONES
double stk_dot_double(const float *restrict a, const float *restrict b, size_t n) {
    double s[4] = {0, 0, 0, 0};
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; k++) s[k] += (double)a[i + k] * (double)b[i + k];
    for (int k = 0; i < n; i++, k++) s[k] += (double)a[i] * (double)b[i];
    return (s[0] + s[2]) + (s[1] + s[3]);
}

STK_CLONES
void stk_gather_byte_rows(const unsigned char *restrict base, const long *restrict rows, size_t count, size_t row_size,
                          float *restrict out) {
    for (size_t k = 0; k < count; k++) {
        if (k + 1 < count) {
            const unsigned char *next = base + (size_t)rows[k + 1] * row_size;
            for (size_t j = 0; j < row_size; j += 64) __builtin_prefetch(next + j);
        }
        const unsigned char *src = base + (size_t)rows[k] * row_size;
        float *dst = out + k * row_size;
        for (size_t j = 0; j < row_size; j++) dst[j] = (float)src[j];
    }
}

STK_CLONES
void stk_floats_to_bytes(const float *restrict x, size_t n, unsigned char *restrict out) {
    for (size_t j = 0; j < n; j++) out[j] = (unsigned char)x[j];
}

// e^r·2^n for r in [−ln2/2, ln2/2] after the reduction; the polynomial is Cephes' expf's.
static inline float exp_reduced(float v) {
    const float n = floorf(v * 1.44269504088896341f + 0.5f);
    const float r = v - n * 0.693359375f + n * 2.12194440e-4f;
    const float z = r * r;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * z + r + 1.0f;
    union { float f; int i; } scale;
    scale.i = ((int)n + 127) << 23;
    return p * scale.f;
}

// One row's softmax of x (or of x·scale, each product rounded first, when `scaled`; a constant at
// each caller, so the multiply costs nothing in the plain kernel). The input and output must not
// overlap: the exponential loop vectorizes only then. Always inlined, so that each clone compiles it
// for its own instruction set.
static inline __attribute__((always_inline)) void softmax_row(const float *restrict row, float scale, int scaled, float *restrict y, size_t width) {
    // Max and sum in eight lanes (a fixed order, so deterministic), so that each loop vectorizes.
    float lanes[8] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY};
    size_t j = 0;
    for (; j + 8 <= width; j += 8)
        for (int k = 0; k < 8; k++) {
            const float v = scaled ? row[j + k] * scale : row[j + k];
            lanes[k] = v > lanes[k] ? v : lanes[k];
        }
    float m = -INFINITY;
    for (int k = 0; k < 8; k++) m = lanes[k] > m ? lanes[k] : m;
    for (; j < width; j++) {
        const float v = scaled ? row[j] * scale : row[j];
        m = v > m ? v : m;
    }
    for (size_t i = 0; i < width; i++) {
        // Below −87 the scale 2^n leaves float's normal range: such a weight is 0.
        const float v = (scaled ? row[i] * scale : row[i]) - m;
        const float e = exp_reduced(fmaxf(v, -87.0f));
        y[i] = v < -87.0f ? 0.0f : e;
    }
    const float inv = 1.0f / sum8(y, NULL, width, 0);
    for (size_t i = 0; i < width; i++) y[i] *= inv;
}

STK_CLONES
void stk_softmax_rows(const float *x, float *out, size_t rows, size_t width) {
    for (size_t r = 0; r < rows; r++) softmax_row(x + r * width, 1.0f, 0, out + r * width, width);
}

STK_CLONES
void stk_softmax_rows_scaled(const float *x, float scale, float *out, size_t rows, size_t width) {
    for (size_t r = 0; r < rows; r++) softmax_row(x + r * width, scale, 1, out + r * width, width);
}

STK_CLONES
void stk_softmax_backward_rows(const float *restrict y, const float *restrict g, float scale, float *restrict out,
                               size_t rows, size_t width) {
    for (size_t r = 0; r < rows; r++) {
        const float *yr = y + r * width, *gr = g + r * width;
        float *o = out + r * width;
        // 0 + Σ g·y, as the composed sum accumulates the rounded products onto a zeroed output.
        const float s = 0.0f + sum8(gr, yr, width, 0);
        for (size_t j = 0; j < width; j++) o[j] = (yr[j] * (gr[j] - s)) * scale;
    }
}

STK_CLONES
void stk_tanh(const float *x, float *out, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const float v = x[i];
        const float a = fabsf(v);
        // Small |x|: tanh x = x + x·z·P(z), z = x².
        const float z = v * v;
        float q = -5.70498872745e-3f;
        q = q * z + 2.06390887954e-2f;
        q = q * z - 5.37397155531e-2f;
        q = q * z + 1.33314422036e-1f;
        q = q * z - 3.33332819422e-1f;
        const float small = q * z * v + v;
        // Large |x|: 1 − 2/(e^{2|x|} + 1), with |x| capped where tanh is 1 in float.
        const float e = exp_reduced(2.0f * fminf(a, 9.0f));
        const float magnitude = a >= 9.0f ? 1.0f : 1.0f - 2.0f / (e + 1.0f);
        const float large = v < 0 ? -magnitude : magnitude;
        // A NaN fails both comparisons above; pass it through.
        out[i] = a < 0.625f ? small : (v != v ? v : large);
    }
}
