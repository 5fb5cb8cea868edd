/* gemm.h - matrix products through CBLAS (OpenBLAS), in the precision of `real`.
 *
 * Row-major C = alpha * op(A) * op(B) + beta * C with op(A) M x K, op(B) K x N.
 * ta/tb non-zero mean "use the transpose".  Leading dimensions let a layer
 * address one timestep of a [B, t, f] buffer (rows strided by t*f) without
 * copying. */
#ifndef HAR_NN_GEMM_H
#define HAR_NN_GEMM_H

#include <cblas.h>

#include "nn.h"

static inline void har_gemm(int ta, int tb, int M, int N, int K, real alpha, const real *A,
                            int lda, const real *B, int ldb, real beta, real *C, int ldc)
{
    if (M <= 0 || N <= 0)
        return;
#ifdef HAR_NN_DOUBLE
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
}

#endif
