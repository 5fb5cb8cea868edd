/* rows.c - elementwise kernels on rows of reals that several layers use
 * (average pooling, the mean readout, the recurrent layers' bias gradients
 * and dropout masks).  Vectorised as core/vec.h says; every value takes the
 * same operation either way, so the results do not depend on the CPU. */
#include "core/vec.h"
#include "nn.h"

HAR_VEC_KERNEL void har_row_add(real *restrict acc, const real *restrict x, size_t n)
{
    HAR_VEC_LOOP(i, n, acc[i] += x[i]);
}

HAR_VEC_KERNEL void har_row_mul(real *restrict v, const real *restrict by, size_t n)
{
    HAR_VEC_LOOP(i, n, v[i] *= by[i]);
}

HAR_VEC_KERNEL void har_row_scale(real *restrict v, real a, size_t n)
{
    HAR_VEC_LOOP(i, n, v[i] *= a);
}
