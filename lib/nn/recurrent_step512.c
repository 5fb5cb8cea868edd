/* recurrent_step512.c - LSTM and GRU timesteps at batch 1 with AVX-512:
 * the product h_{t-1} W_hh^T and the cell's math interleaved.
 *
 * Why: serving one window, a step is G*H*H multiply-adds (har_matvec_chain)
 * then the cell's sigmoids and tanhs, each a dependent chain of some 35
 * operations.  Called one after the other, the CPU overlaps them only as far
 * as its reorder window reaches, and LSTM-64 spent a third of its time in
 * the activations.  Here W_hh is packed unit-major (recurrent.c: each block
 * holds the G gate rows of 16 units), and while a block's product runs, the
 * cell math of the block before is issued between its pieces: one gate's
 * activation before each piece of the k loop, so both are in flight at once.
 *
 * The last block of a step has no product of its own step to hide behind:
 * its cell math is left to the next step's first block (rnn_tail512), whose
 * product reads h_{t-1}[k] in the order of k, so only its k below the left
 * units must wait for them.  The blocks' order serves that and the L1 cache
 * at once: with 4 blocks, units 32-47, 0-15, 16-31, 48-63 on even steps and
 * the reverse on odd ones, so the blocks a step starts with are the ones the
 * step before used last (still cached: LSTM-64's W_hh is 64 KB, twice the
 * L1 cache) and the units left over are high (48 or 32 k before they are
 * needed).
 *
 * The arithmetic is the plain path's, value for value: the product is
 * har_matvec_chain's chain over k (one fused multiply-add after another from
 * k = 0), the activations fastmath512.h's copies of fastmath.h, the cell's
 * expressions those of cell_lstm.c and cell_gru.c in their order.  So the
 * bits are those of the cells' forward (tests/unit/test_latency_lib.c). */
#include "fastmath512.h"
#include "recurrent.h"

#ifdef HAR_HAVE_FASTMATH512

#define UNITS 16 /* units per block: one register per gate */

/* acc[v] += x[k] * blk[k][16 v .. 16 v + 15] for k in [k0, k1): the chain
 * over k of G columns of registers, rows 16 G apart. */
HAR_INLINE512 void chain_piece(__m512 *acc, int G, const float *blk, const float *x, int k0, int k1)
{
    for (int k = k0; k < k1; k++) {
        __m512 xk = _mm512_set1_ps(x[k]);
        const float *w = blk + (size_t)k * UNITS * G;
#pragma GCC unroll 4
        for (int v = 0; v < G; v++)
            acc[v] = _mm512_fmadd_ps(xk, _mm512_loadu_ps(w + UNITS * v), acc[v]);
    }
}

/* The block that comes i-th of nb in a step of the given parity. */
HAR_INLINE512 int block_at(int i, int nb, int odd)
{
    if (odd)
        i = nb - 1 - i;
    return nb < 2 ? 0 : i == 0 ? nb - 2 : i == nb - 1 ? nb - 1 : i - 1;
}

/* The gate value before its activation, (x W_ih^T + bias) + h W_hh^T, as the
 * cells' gate loops add it (gates.c). */
HAR_INLINE512 __m512 pre(const float *g, const float *bias, __m512 rec)
{
    return _mm512_add_ps(_mm512_add_ps(_mm512_loadu_ps(g), _mm512_loadu_ps(bias)), rec);
}

/* One slot of the pipeline: block blk's product over k in [0, K) into
 * acc (K = 0: none), with units [u, u + 16) of step p finished between its
 * pieces (p NULL: none) from their share of h W_hh^T in rec.  The pieces
 * before the stores of h' stay below k = lim, the first of those units when
 * p is the step before (its h' is this product's x), else K. */
HAR_INLINE512 void lstm_slot(__m512 *acc, const float *blk, const float *x, int K, int lim,
                             const rnn_fwd_step *p, int u, const __m512 *rec)
{
    __m512 gi = rec[0], gf = rec[1], gg = rec[2], go = rec[3];
    int H = p ? p->H : 0;
    const float *g = p ? p->gates : NULL, *bias = p ? p->bias : NULL;
    if (p)
        gi = har_sigmoid16(pre(g + u, bias + u, rec[0]));
    chain_piece(acc, 4, blk, x, 0, lim / 5);
    if (p)
        gf = har_sigmoid16(pre(g + H + u, bias + H + u, rec[1]));
    chain_piece(acc, 4, blk, x, lim / 5, 2 * lim / 5);
    if (p)
        gg = har_tanh16(pre(g + 2 * H + u, bias + 2 * H + u, rec[2]));
    chain_piece(acc, 4, blk, x, 2 * lim / 5, 3 * lim / 5);
    if (p)
        go = har_sigmoid16(pre(g + 3 * H + u, bias + 3 * H + u, rec[3]));
    chain_piece(acc, 4, blk, x, 3 * lim / 5, 4 * lim / 5);
    if (p) {
        float *gm = p->gates, *c = p->aux, *tc = p->aux + H;
        _mm512_storeu_ps(gm + u, gi);
        _mm512_storeu_ps(gm + H + u, gf);
        _mm512_storeu_ps(gm + 2 * H + u, gg);
        _mm512_storeu_ps(gm + 3 * H + u, go);
        __m512 cj = _mm512_add_ps(_mm512_mul_ps(gf, _mm512_loadu_ps(p->aux_prev + u)), _mm512_mul_ps(gi, gg));
        __m512 t = har_tanh16(cj);
        _mm512_storeu_ps(c + u, cj);
        _mm512_storeu_ps(tc + u, t);
        _mm512_storeu_ps(p->h + u, _mm512_mul_ps(go, t));
    }
    chain_piece(acc, 4, blk, x, 4 * lim / 5, K);
}

HAR_INLINE512 void zero(__m512 *v, int n)
{
    for (int i = 0; i < n; i++)
        v[i] = _mm512_setzero_ps();
}

/* The GRU's slot, as lstm_slot: r and z before the first half of the
 * product, n and h' before the second (measured: 1 % faster than r, z and n
 * before each third). */
HAR_INLINE512 void gru_slot(__m512 *acc, const float *blk, const float *x, int K, int lim,
                            const rnn_fwd_step *p, int u, const __m512 *rec)
{
    __m512 r = rec[0], z = rec[1];
    int H = p ? p->H : 0;
    const float *g = p ? p->gates : NULL, *bias = p ? p->bias : NULL;
    if (p) {
        r = har_sigmoid16(pre(g + u, bias + u, rec[0]));
        z = har_sigmoid16(pre(g + H + u, bias + H + u, rec[1]));
    }
    chain_piece(acc, 3, blk, x, 0, lim / 2);
    if (p) {
        float *gm = p->gates;
        __m512 a = _mm512_add_ps(rec[2], _mm512_loadu_ps(p->b_hh + 2 * H + u));
        __m512 in = _mm512_add_ps(_mm512_loadu_ps(g + 2 * H + u), _mm512_loadu_ps(bias + 2 * H + u));
        __m512 n = har_tanh16(_mm512_add_ps(in, _mm512_mul_ps(r, a)));
        _mm512_storeu_ps(gm + u, r);
        _mm512_storeu_ps(gm + H + u, z);
        _mm512_storeu_ps(gm + 2 * H + u, n);
        _mm512_storeu_ps(p->aux + u, a);
        __m512 d = _mm512_sub_ps(_mm512_loadu_ps(p->h_prev + u), n);
        _mm512_storeu_ps(p->h + u, _mm512_add_ps(n, _mm512_mul_ps(z, d)));
    }
    chain_piece(acc, 3, blk, x, lim / 2, K);
}

typedef void slot_fn(__m512 *acc, const float *blk, const float *x, int K, int lim, const rnn_fwd_step *p,
                     int u, const __m512 *rec);

/* A step of the cell whose slot is given (G gates): its blocks' products in
 * the step's order, each with the units of the block before finished
 * between its pieces, the first with those prev left; its own last block's
 * left in tail.  s NULL: prev's left units only, nothing to hide behind. */
HAR_INLINE512 void step(slot_fn *slot, int G, const rnn_fwd_step *s, const rnn_fwd_step *prev, const float *hh,
                        int K, int odd, rnn_tail512 *tail)
{
    __m512 rec[4], acc[4];
    for (int v = 0; v < G; v++)
        rec[v] = _mm512_loadu_ps(tail->rec[v]);
    if (!s) {
        zero(acc, G);
        slot(acc, NULL, NULL, 0, 0, prev, tail->u, rec);
        return;
    }
    int nb = s->H / UNITS, u = tail->u;
    const rnn_fwd_step *p = prev;
    for (int i = 0; i < nb; i++) {
        int b = block_at(i, nb, odd);
        zero(acc, G);
        slot(acc, hh + (size_t)G * UNITS * K * b, s->h_prev, K, p && p == prev ? u : K, p, u, rec);
        for (int v = 0; v < G; v++)
            rec[v] = acc[v];
        p = s;
        u = UNITS * b;
    }
    for (int v = 0; v < G; v++)
        _mm512_storeu_ps(tail->rec[v], rec[v]);
    tail->u = u;
}

HAR_AVX512 void har_lstm_step512(const rnn_fwd_step *s, const rnn_fwd_step *prev, const float *hh, int K,
                                 int odd, rnn_tail512 *tail)
{
    step(lstm_slot, 4, s, prev, hh, K, odd, tail);
}

HAR_AVX512 void har_gru_step512(const rnn_fwd_step *s, const rnn_fwd_step *prev, const float *hh, int K,
                                int odd, rnn_tail512 *tail)
{
    step(gru_slot, 3, s, prev, hh, K, odd, tail);
}

#endif
