/* cell_lstm.c - the LSTM cell (PyTorch's nn.LSTM), gates i, f, g, o:
 *     c' = s(f) c + s(i) tanh(g),  h' = s(o) tanh(c').
 * All of b_hh folds into the input-side bias.  aux keeps [c', tanh c'] per
 * step: c' is the next step's c, and tanh c' saves recomputing it. */
#include "fastmath.h"
#include "fastmath512.h"
#include "recurrent.h"

HAR_VEC_INLINE void cell_at(size_t j, const real *restrict i, const real *restrict f,
                           const real *restrict g, const real *restrict o,
                           const real *restrict cp, real *restrict c, real *restrict tc,
                           real *restrict h)
{
    real cj = f[j] * cp[j] + i[j] * g[j];
    real t = har_fast_tanh(cj);
    c[j] = cj;
    tc[j] = t;
    h[j] = o[j] * t;
}

HAR_VEC_KERNEL static void cell_row(const real *restrict i, const real *restrict f,
                                    const real *restrict g, const real *restrict o,
                                    const real *restrict cp, real *restrict c, real *restrict tc,
                                    real *restrict h, int H)
{
    HAR_VEC_LOOP(j, (size_t)H, cell_at(j, i, f, g, o, cp, c, tc, h));
}

/* c' and h' once the four gates are activated. */
static void lstm_finish(const rnn_fwd_step *s)
{
    int H = s->H;
    for (int b = 0; b < s->B; b++) {
        real *g = s->gates + (size_t)b * 4 * H, *a = s->aux + (size_t)b * 2 * H;
        cell_row(g, g + H, g + 2 * H, g + 3 * H, s->aux_prev + (size_t)b * 2 * H, a, a + H,
                 s->h + (size_t)b * s->ld_h, H);
    }
}

static void lstm_forward(const rnn_fwd_step *s)
{
    int H = s->H;
    for (int b = 0; b < s->B; b++) {
        real *g = s->gates + (size_t)b * 4 * H;
        const real *r = s->rec + (size_t)b * 4 * H;
        har_rnn_sigmoid_sum(g, s->bias, r, 2 * H); /* i and f */
        har_rnn_tanh_sum(g + 2 * H, s->bias + 2 * H, r + 2 * H, H);
        har_rnn_sigmoid_sum(g + 3 * H, s->bias + 3 * H, r + 3 * H, H);
    }
    lstm_finish(s);
}

/* Serving: units [u0, u0 + U), gates activated and the cell in one pass. */
HAR_VEC_INLINE void serve_at(size_t j, real *restrict gi, real *restrict gf, real *restrict gg,
                             real *restrict go, const real *restrict bi, const real *restrict bf,
                             const real *restrict bg, const real *restrict bo,
                             const real *restrict ri, const real *restrict rf,
                             const real *restrict rg, const real *restrict ro,
                             const real *restrict cp, real *restrict c, real *restrict tc,
                             real *restrict h)
{
    real i = har_fast_sigmoid(gi[j] + bi[j] + ri[j]);
    real f = har_fast_sigmoid(gf[j] + bf[j] + rf[j]);
    real g = har_fast_tanh(gg[j] + bg[j] + rg[j]);
    real o = har_fast_sigmoid(go[j] + bo[j] + ro[j]);
    gi[j] = i;
    gf[j] = f;
    gg[j] = g;
    go[j] = o;
    real cj = f * cp[j] + i * g;
    real t = har_fast_tanh(cj);
    c[j] = cj;
    tc[j] = t;
    h[j] = o * t;
}

HAR_VEC_KERNEL static void serve_row(real *restrict gi, real *restrict gf, real *restrict gg,
                                     real *restrict go, const real *restrict bi,
                                     const real *restrict bf, const real *restrict bg,
                                     const real *restrict bo, const real *restrict ri,
                                     const real *restrict rf, const real *restrict rg,
                                     const real *restrict ro, const real *restrict cp,
                                     real *restrict c, real *restrict tc, real *restrict h, int U)
{
    HAR_VEC_LOOP(j, (size_t)U, serve_at(j, gi, gf, gg, go, bi, bf, bg, bo, ri, rf, rg, ro, cp, c, tc, h));
}

static void lstm_serve_units(const rnn_fwd_step *s, const real *rec, int u0, int U)
{
    int H = s->H;
    real *g = s->gates + u0;
    const real *b = s->bias + u0;
    serve_row(g, g + H, g + 2 * H, g + 3 * H, b, b + H, b + 2 * H, b + 3 * H, rec, rec + U,
              rec + 2 * U, rec + 3 * U, s->aux_prev + u0, s->aux + u0, s->aux + H + u0, s->h + u0, U);
}

HAR_VEC_INLINE void bwd_at(size_t j, const real *restrict i, const real *restrict f,
                           const real *restrict g, const real *restrict o,
                           const real *restrict cp, const real *restrict tc,
                           const real *restrict dh, const real *restrict dy, real *restrict dc,
                           real *restrict di, real *restrict df, real *restrict dg,
                           real *restrict dout)
{
    real t = tc[j], d = dh[j] + dy[j];
    real dcj = dc[j] + d * o[j] * (1 - t * t);
    di[j] = dcj * g[j] * i[j] * (1 - i[j]);
    df[j] = dcj * cp[j] * f[j] * (1 - f[j]);
    dg[j] = dcj * i[j] * (1 - g[j] * g[j]);
    dout[j] = d * t * o[j] * (1 - o[j]);
    dc[j] = dcj * f[j];
}

HAR_VEC_KERNEL static void bwd_row(const real *restrict i, const real *restrict f,
                                   const real *restrict g, const real *restrict o,
                                   const real *restrict cp, const real *restrict tc,
                                   const real *restrict dh, const real *restrict dy,
                                   real *restrict dc, real *restrict di, real *restrict df,
                                   real *restrict dg, real *restrict dout, int H)
{
    HAR_VEC_LOOP(j, (size_t)H, bwd_at(j, i, f, g, o, cp, tc, dh, dy, dc, di, df, dg, dout));
}

static void lstm_backward(const rnn_bwd_step *s)
{
    int H = s->H;
    for (int b = 0; b < s->B; b++) {
        size_t u = (size_t)b * H;
        const real *g = s->gates + 4 * u;
        real *d = s->dgates + 4 * u;
        bwd_row(g, g + H, g + 2 * H, g + 3 * H, s->aux_prev + 2 * u, s->aux + 2 * u + H,
                s->dh + u, s->dy + b * s->ld_dy, s->dc + u, d, d + H, d + 2 * H, d + 3 * H, H);
    }
}

const rnn_cell har_cell_lstm = {
    .name = "lstm", .gates = 4, .aux = 2, .folded_hh = 4, .own_rec_grad = 0, .direct_dh = 0,
    .forward = lstm_forward, .backward = lstm_backward,
    .serve_units = lstm_serve_units,
#ifdef HAR_HAVE_FASTMATH512
    .step512 = har_lstm_step512,
#endif
};
