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
#endif
