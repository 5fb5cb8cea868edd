/* gates.c - the gate activations over a run of values, g = f(g + bias + rec),
 * shared by the cells (cell_*.c) and the serving path of recurrent.c; see
 * recurrent.h for why they are a pass of their own. */
#include "fastmath.h"
#include "recurrent.h"

HAR_VEC_INLINE void sigmoid_at(size_t j, real *restrict g, const real *restrict bias,
                               const real *restrict rec)
{
    g[j] = har_fast_sigmoid(g[j] + bias[j] + rec[j]);
}

HAR_VEC_KERNEL void har_rnn_sigmoid_sum(real *restrict g, const real *restrict bias,
                                        const real *restrict rec, int n)
{
    HAR_VEC_LOOP(j, (size_t)n, sigmoid_at(j, g, bias, rec));
}

HAR_VEC_INLINE void tanh_at(size_t j, real *restrict g, const real *restrict bias,
                            const real *restrict rec)
{
    g[j] = har_fast_tanh(g[j] + bias[j] + rec[j]);
}

HAR_VEC_KERNEL void har_rnn_tanh_sum(real *restrict g, const real *restrict bias,
                                     const real *restrict rec, int n)
{
    HAR_VEC_LOOP(j, (size_t)n, tanh_at(j, g, bias, rec));
}
