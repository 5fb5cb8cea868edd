/* recurrent_step512.c - one LSTM or GRU timestep at batch 1 with AVX-512:
 * the product h_{t-1} W_hh^T and the cell's math interleaved.
 *
 * Why: serving one window, a step is G*H*H multiply-adds (har_matvec_chain)
 * then the cell's sigmoids and tanhs, each a dependent chain of some 35
 * operations.  Called one after the other, the CPU overlaps them only as far
 * as its reorder window reaches, and LSTM-64 spent a third of its time in
 * the activations.  Here W_hh is packed unit-major (recurrent.c: each block
 * holds the G gate rows of 16 units), and while block b's product runs, the
 * cell math of block b - 1 is issued between its pieces: one gate's
 * activation after each piece of the k loop, so both are in flight at once.
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

/* The gate value before its activation, (x W_ih^T + bias) + h W_hh^T, as the
 * cells' gate loops add it (gates.c). */
HAR_INLINE512 __m512 pre(const float *g, const float *bias, __m512 rec)
{
    return _mm512_add_ps(_mm512_add_ps(_mm512_loadu_ps(g), _mm512_loadu_ps(bias)), rec);
}

HAR_AVX512 void har_lstm_step512(const rnn_fwd_step *s, const float *hh, int K, int rev)
{
    int H = s->H, nb = H / UNITS;
    const float *x = s->h_prev, *cp = s->aux_prev, *bias = s->bias;
    float *g = s->gates, *c = s->aux, *tc = s->aux + H, *h = s->h;
    __m512 rec[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    for (int i = 0; i <= nb; i++) {
        /* block i's product (none after the last) in five pieces, and
         * before each block i - 1's i, f, g and o, then c', tanh c' and h'
         * (measured: 1-2 % faster than after each) */
        int k = i < nb ? K : 0, u = UNITS * (rev ? nb - i : i - 1);
        const float *blk = hh + (size_t)4 * UNITS * K * (rev ? nb - 1 - i : i);
        __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
        __m512 gi = acc[0], gf = acc[0], gg = acc[0], go = acc[0];
        if (i > 0)
            gi = har_sigmoid16(pre(g + u, bias + u, rec[0]));
        chain_piece(acc, 4, blk, x, 0, k / 5);
        if (i > 0)
            gf = har_sigmoid16(pre(g + H + u, bias + H + u, rec[1]));
        chain_piece(acc, 4, blk, x, k / 5, 2 * k / 5);
        if (i > 0)
            gg = har_tanh16(pre(g + 2 * H + u, bias + 2 * H + u, rec[2]));
        chain_piece(acc, 4, blk, x, 2 * k / 5, 3 * k / 5);
        if (i > 0)
            go = har_sigmoid16(pre(g + 3 * H + u, bias + 3 * H + u, rec[3]));
        chain_piece(acc, 4, blk, x, 3 * k / 5, 4 * k / 5);
        if (i > 0) {
            _mm512_storeu_ps(g + u, gi);
            _mm512_storeu_ps(g + H + u, gf);
            _mm512_storeu_ps(g + 2 * H + u, gg);
            _mm512_storeu_ps(g + 3 * H + u, go);
            __m512 cj = _mm512_add_ps(_mm512_mul_ps(gf, _mm512_loadu_ps(cp + u)), _mm512_mul_ps(gi, gg));
            __m512 t = har_tanh16(cj);
            _mm512_storeu_ps(c + u, cj);
            _mm512_storeu_ps(tc + u, t);
            _mm512_storeu_ps(h + u, _mm512_mul_ps(go, t));
        }
        chain_piece(acc, 4, blk, x, 4 * k / 5, k);
#pragma GCC unroll 4
        for (int v = 0; v < 4; v++)
            rec[v] = acc[v];
    }
}

HAR_AVX512 void har_gru_step512(const rnn_fwd_step *s, const float *hh, int K, int rev)
{
    int H = s->H, nb = H / UNITS;
    const float *x = s->h_prev, *bias = s->bias, *b_hn = s->b_hh + 2 * H;
    float *g = s->gates, *hn = s->aux, *h = s->h;
    __m512 rec[3] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    for (int i = 0; i <= nb; i++) {
        /* block i's product in three pieces, and after each block i - 1's
         * r, z, then n and h' */
        int k = i < nb ? K : 0, u = UNITS * (rev ? nb - i : i - 1);
        const float *blk = hh + (size_t)3 * UNITS * K * (rev ? nb - 1 - i : i);
        __m512 acc[3] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
        __m512 r = acc[0], z = acc[0];
        chain_piece(acc, 3, blk, x, 0, k / 3);
        if (i > 0)
            r = har_sigmoid16(pre(g + u, bias + u, rec[0]));
        chain_piece(acc, 3, blk, x, k / 3, 2 * k / 3);
        if (i > 0)
            z = har_sigmoid16(pre(g + H + u, bias + H + u, rec[1]));
        chain_piece(acc, 3, blk, x, 2 * k / 3, k);
        if (i > 0) {
            __m512 a = _mm512_add_ps(rec[2], _mm512_loadu_ps(b_hn + u));
            __m512 in = _mm512_add_ps(_mm512_loadu_ps(g + 2 * H + u), _mm512_loadu_ps(bias + 2 * H + u));
            __m512 n = har_tanh16(_mm512_add_ps(in, _mm512_mul_ps(r, a)));
            _mm512_storeu_ps(g + u, r);
            _mm512_storeu_ps(g + H + u, z);
            _mm512_storeu_ps(g + 2 * H + u, n);
            _mm512_storeu_ps(hn + u, a);
            __m512 d = _mm512_sub_ps(_mm512_loadu_ps(x + u), n);
            _mm512_storeu_ps(h + u, _mm512_add_ps(n, _mm512_mul_ps(z, d)));
        }
#pragma GCC unroll 3
        for (int v = 0; v < 3; v++)
            rec[v] = acc[v];
    }
}

#endif
