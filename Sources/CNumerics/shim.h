// One header set for the C numerics: GSL declares its own CBLAS interface (gsl_cblas.h);
// the symbols are provided by OpenBLAS at link time instead of GSL's reference gslcblas.
#ifndef STACKELBERG_CNUMERICS_SHIM_H
#define STACKELBERG_CNUMERICS_SHIM_H
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_complex.h>
#include <gsl/gsl_complex_math.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_permutation.h>
#include <gsl/gsl_odeiv2.h>
#include <gsl/gsl_multiroots.h>
#include <gsl/gsl_cblas.h>
/* OpenBLAS thread control (declared in its own cblas.h, which would clash with GSL's). */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
/* The kernel family OpenBLAS chose (e.g. "Haswell"), OPENBLAS_CORETYPE or its own CPU detection. */
char *openblas_get_corename(void);

/* Flush-to-zero and denormals-are-zero for the calling thread's SSE/AVX arithmetic. Adam's second
 * moments of tiny gradients fall into the subnormal range, where x86 arithmetic is ~100× slower;
 * TensorFlow and XLA on CPU run this way by default. Returns whether the mode could be set. */
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
static inline int stackelberg_subnormals_flushed(void) { return (_mm_getcsr() & 0x8040) == 0x8040; }
/* Sets (on != 0) or clears the mode; returns whether it was on before. */
static inline int stackelberg_flush_subnormals(int on) {
    unsigned int csr = _mm_getcsr();
    int was = (csr & 0x8040) == 0x8040;
    _mm_setcsr(on ? (csr | 0x8040) : (csr & ~0x8040u));
    return was;
}
#else
static inline int stackelberg_subnormals_flushed(void) { return 0; }
static inline int stackelberg_flush_subnormals(int on) { (void)on; return 0; }
#endif
#endif
