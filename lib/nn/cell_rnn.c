/* cell_rnn.c - the Elman cell (PyTorch's nn.RNN, tanh):
 *     h' = tanh(W_ih x + b_ih + W_hh h + b_hh).
 * Both biases fold into one input-side bias; the gate block keeps h'. */
#include "fastmath.h"
#include "recurrent.h"

HAR_VEC_INLINE void fwd_at(size_t j, real *restrict g, const real *restrict bias,
                           const real *restrict rec, real *restrict h)
{
    real v = har_fast_tanh(g[j] + bias[j] + rec[j]);
    g[j] = v;
    h[j] = v;
}

HAR_VEC_KERNEL static void fwd_row(real *restrict g, const real *restrict bias,
                                   const real *restrict rec, real *restrict h, int H)
{
    HAR_VEC_LOOP(j, (size_t)H, fwd_at(j, g, bias, rec, h));
}

/* Serving: units [u0, u0 + U). */
static void rnn_serve_units(const rnn_fwd_step *s, const real *rec, int u0, int U)
{
    fwd_row(s->gates + u0, s->bias + u0, rec, s->h + u0, U);
}

static void rnn_forward(const rnn_fwd_step *s)
{
    for (int b = 0; b < s->B; b++) {
        size_t o = (size_t)b * s->H;
        fwd_row(s->gates + o, s->bias, s->rec + o, s->h + (size_t)b * s->ld_h, s->H);
    }
}

HAR_VEC_INLINE void bwd_at(size_t j, const real *restrict h, const real *restrict dh,
                           const real *restrict dy, real *restrict dg)
{
    dg[j] = (dh[j] + dy[j]) * (1 - h[j] * h[j]);
}

HAR_VEC_KERNEL static void bwd_row(const real *restrict h, const real *restrict dh,
                                   const real *restrict dy, real *restrict dg, int H)
{
    HAR_VEC_LOOP(j, (size_t)H, bwd_at(j, h, dh, dy, dg));
}

static void rnn_backward(const rnn_bwd_step *s)
{
    for (int b = 0; b < s->B; b++) {
        size_t o = (size_t)b * s->H;
        bwd_row(s->gates + o, s->dh + o, s->dy + b * s->ld_dy, s->dgates + o, s->H);
    }
}

const rnn_cell har_cell_rnn = {
    .name = "rnn", .gates = 1, .aux = 0, .folded_hh = 1, .own_rec_grad = 0, .direct_dh = 0,
    .forward = rnn_forward, .backward = rnn_backward,
    .serve_units = rnn_serve_units,
};
