/* cell_gru.c - the GRU cell (PyTorch's nn.GRU), gates r, z, n:
 *     r = s(x_r + h_r),  z = s(x_z + h_z),  n = tanh(x_n + r (h_n + b_hn)),
 *     h' = (1 - z) n + z h   (computed as n + z (h - n), like PyTorch),
 * where x_* = W_i* x + b_i* and h_* = W_h* h (+ b_hr, b_hz folded into the
 * input-side biases of r and z).  b_hn cannot be folded because r multiplies it, so aux keeps
 * h_n + b_hn for the backward pass, and the hidden-side gradient of the n
 * block (times r) differs from the input-side one: own_rec_grad.  h reaches
 * h' through z too: direct_dh. */
#include "fastmath.h"
#include "fastmath512.h"
#include "recurrent.h"

HAR_VEC_INLINE void new_at(size_t j, const real *restrict r, const real *restrict z,
                          real *restrict gn, const real *restrict b_in,
                          const real *restrict rn, const real *restrict b_hn,
                          const real *restrict hp, real *restrict hn, real *restrict h)
{
    real a = rn[j] + b_hn[j];
    real n = har_fast_tanh(gn[j] + b_in[j] + r[j] * a);
    gn[j] = n;
    hn[j] = a;
    h[j] = n + z[j] * (hp[j] - n);
}

HAR_VEC_KERNEL static void new_row(const real *restrict r, const real *restrict z,
                                   real *restrict gn, const real *restrict b_in,
                                   const real *restrict rn, const real *restrict b_hn,
                                   const real *restrict hp, real *restrict hn, real *restrict h,
                                   int H)
{
    HAR_VEC_LOOP(j, (size_t)H, new_at(j, r, z, gn, b_in, rn, b_hn, hp, hn, h));
}

/* n and h' once r and z are activated. */
static void gru_finish(const rnn_fwd_step *s)
{
    int H = s->H;
    for (int b = 0; b < s->B; b++) {
        real *g = s->gates + (size_t)b * 3 * H;
        const real *rec = s->rec + (size_t)b * 3 * H;
        new_row(g, g + H, g + 2 * H, s->bias + 2 * H, rec + 2 * H, s->b_hh + 2 * H,
                s->h_prev + (size_t)b * s->ld_prev, s->aux + (size_t)b * H,
                s->h + (size_t)b * s->ld_h, H);
    }
}

static void gru_forward(const rnn_fwd_step *s)
{
    int H = s->H;
    for (int b = 0; b < s->B; b++) /* r and z */
        har_rnn_sigmoid_sum(s->gates + (size_t)b * 3 * H, s->bias, s->rec + (size_t)b * 3 * H, 2 * H);
    gru_finish(s);
}

/* Serving: units [u0, u0 + U), r, z, n and h' in one pass. */
HAR_VEC_INLINE void serve_at(size_t j, real *restrict gr, real *restrict gz, real *restrict gn,
                             const real *restrict br, const real *restrict bz,
                             const real *restrict b_in, const real *restrict rr,
                             const real *restrict rz, const real *restrict rn,
                             const real *restrict b_hn, const real *restrict hp,
                             real *restrict hn, real *restrict h)
{
    real r = har_fast_sigmoid(gr[j] + br[j] + rr[j]);
    real z = har_fast_sigmoid(gz[j] + bz[j] + rz[j]);
    real a = rn[j] + b_hn[j];
    real n = har_fast_tanh(gn[j] + b_in[j] + r * a);
    gr[j] = r;
    gz[j] = z;
    gn[j] = n;
    hn[j] = a;
    h[j] = n + z * (hp[j] - n);
}

HAR_VEC_KERNEL static void serve_row(real *restrict gr, real *restrict gz, real *restrict gn,
                                     const real *restrict br, const real *restrict bz,
                                     const real *restrict b_in, const real *restrict rr,
                                     const real *restrict rz, const real *restrict rn,
                                     const real *restrict b_hn, const real *restrict hp,
                                     real *restrict hn, real *restrict h, int U)
{
    HAR_VEC_LOOP(j, (size_t)U, serve_at(j, gr, gz, gn, br, bz, b_in, rr, rz, rn, b_hn, hp, hn, h));
}

static void gru_serve_units(const rnn_fwd_step *s, const real *rec, int u0, int U)
{
    int H = s->H;
    real *g = s->gates + u0;
    const real *b = s->bias + u0;
    serve_row(g, g + H, g + 2 * H, b, b + H, b + 2 * H, rec, rec + U, rec + 2 * U,
              s->b_hh + 2 * H + u0, s->h_prev + u0, s->aux + u0, s->h + u0, U);
}

/* Input-side gradients (dr, dz, dn), hidden-side ones (the same but dn r for
 * the n block) and the direct part of d(h_{t-1}). */
HAR_VEC_INLINE void bwd_at(size_t j, const real *restrict r, const real *restrict z,
                           const real *restrict n, const real *restrict hn,
                           const real *restrict hp, const real *restrict dh,
                           const real *restrict dy, real *restrict dr, real *restrict dz,
                           real *restrict dn, real *restrict er, real *restrict ez,
                           real *restrict en, real *restrict dhp)
{
    real d = dh[j] + dy[j];
    real gn = d * (1 - z[j]) * (1 - n[j] * n[j]);
    real gz = d * (hp[j] - n[j]) * z[j] * (1 - z[j]);
    real gr = gn * hn[j] * r[j] * (1 - r[j]);
    dr[j] = er[j] = gr;
    dz[j] = ez[j] = gz;
    dn[j] = gn;
    en[j] = gn * r[j];
    dhp[j] = d * z[j];
}

HAR_VEC_KERNEL static void bwd_row(const real *restrict r, const real *restrict z,
                                   const real *restrict n, const real *restrict hn,
                                   const real *restrict hp, const real *restrict dh,
                                   const real *restrict dy, real *restrict dr, real *restrict dz,
                                   real *restrict dn, real *restrict er, real *restrict ez,
                                   real *restrict en, real *restrict dhp, int H)
{
    HAR_VEC_LOOP(j, (size_t)H, bwd_at(j, r, z, n, hn, hp, dh, dy, dr, dz, dn, er, ez, en, dhp));
}

static void gru_backward(const rnn_bwd_step *s)
{
    int H = s->H;
    for (int b = 0; b < s->B; b++) {
        size_t o = (size_t)b * H;
        const real *g = s->gates + 3 * o;
        real *dg = s->dgates + 3 * o, *e = s->rec_grad + 3 * o;
        bwd_row(g, g + H, g + 2 * H, s->aux + o, s->h_prev + (size_t)b * s->ld_prev, s->dh + o,
                s->dy + b * s->ld_dy, dg, dg + H, dg + 2 * H, e, e + H, e + 2 * H, s->dh_prev + o,
                H);
    }
}

const rnn_cell har_cell_gru = {
    .name = "gru", .gates = 3, .aux = 1, .folded_hh = 2, .own_rec_grad = 1, .direct_dh = 1,
    .forward = gru_forward, .backward = gru_backward,
    .serve_units = gru_serve_units,
#ifdef HAR_HAVE_FASTMATH512
    .step512 = har_gru_step512,
#endif
};
