/* recurrent.h - internal interface between the recurrent stack (recurrent.c)
 * and its cells (cell_rnn.c, cell_gru.c, cell_lstm.c).
 *
 * A cell does the elementwise math of one timestep for the B samples of a
 * batch; the stack does every matrix product.  All per-step blocks are
 * contiguous [B, width] row blocks of time-major buffers, except where a row
 * stride (ld_*) is given.  Gate blocks follow PyTorch's order inside a row:
 * Elman [h], GRU [r z n], LSTM [i f g o], each H wide. */
#ifndef HAR_NN_RECURRENT_H
#define HAR_NN_RECURRENT_H

#include <stddef.h>

#include "nn.h"

typedef struct {
    int B, H;
    /* [B, G*H]: in, x W_ih^T (no bias); out, the gate activations (kept for
     * the backward pass) */
    real *gates;
    const real *bias;     /* [G*H]: b_ih + the folded part of b_hh, for every row */
    const real *rec;      /* [B, G*H]: h_{t-1} W_hh^T (no bias) */
    const real *b_hh;     /* bias_hh [G*H], for the gates not folded */
    const real *h_prev;   /* h_{t-1}, rows ld_prev apart (zeros at the first step) */
    int ld_prev;
    const real *aux_prev; /* [B, aux*H]: the previous step's aux (zeros at the first step) */
    real *aux;            /* [B, aux*H]: this step's extra values for the backward pass */
    real *h;              /* out: h_t, rows ld_h apart */
    int ld_h;
} rnn_fwd_step;

typedef struct {
    int B, H;
    const real *gates;    /* [B, G*H]: the forward step's activations */
    /* [B, G*H] out: d(loss)/d(pre-activations) of the input side, x W_ih^T + b_ih */
    real *dgates;
    /* [B, G*H] out: the same for the hidden side, h W_hh^T + b_hh, when it
     * differs (cell->own_rec_grad), else NULL */
    real *rec_grad;
    const real *h_prev;   /* as in the forward step */
    int ld_prev;
    const real *aux_prev, *aux;
    const real *dh;       /* [B, H]: d(loss)/d(h_t) through h_{t+1} */
    const real *dy;       /* d(loss)/d(h_t) through the output, rows ld_dy apart */
    size_t ld_dy;
    real *dh_prev;        /* [B, H] out: the direct part of d(loss)/d(h_{t-1}) (cell->direct_dh) */
    real *dc;             /* [B, H] in/out: the carried cell-state gradient (LSTM) */
} rnn_bwd_step;

/* A step's last block of units, left to the next step (step512 below): its
 * share of h W_hh^T per gate, and its first unit. */
typedef struct rnn_tail512 {
    float rec[4][16];
    int u;
} rnn_tail512;

typedef struct {
    const char *name;  /* "rnn", "gru", "lstm" */
    int gates;         /* G: gate blocks per step */
    int aux;           /* per-step extra values, in units of H */
    int folded_hh;     /* leading gate blocks of b_hh that may be added to the input-side bias */
    int own_rec_grad;  /* hidden-side gate gradients differ from the input side ones (GRU) */
    int direct_dh;     /* h_{t-1} also reaches h_t outside of W_hh (GRU) */
    void (*forward)(const rnn_fwd_step *s);
    void (*backward)(const rnn_bwd_step *s);
    /* Serving one window (batch 1): forward for units [u0, u0 + U) alone,
     * their share of h_{t-1} W_hh^T in rec [G, U] (gate blocks U apart),
     * the rest as for forward.  recurrent.c calls it for each block of
     * units as soon as the block's product is known, while the next block's
     * runs. */
    void (*serve_units)(const rnn_fwd_step *s, const real *rec, int u0, int U);
    /* Optional, for H a multiple of 16 when the AVX-512 kernels are in use
     * (recurrent_step512.c): a whole serving step s, the product from W_hh
     * packed unit-major in blocks of 16 units (hh) included, K = H, or 0 at
     * the first step (h_{-1} = 0); odd: the step's parity (the blocks'
     * order).  The units of the step's last block are left in tail, to be
     * finished by the next call, which gets this step as prev (NULL at the
     * first); s NULL finishes prev's and does nothing else. */
    void (*step512)(const rnn_fwd_step *s, const rnn_fwd_step *prev, const real *hh, int K, int odd,
                    struct rnn_tail512 *tail);
} rnn_cell;

extern const rnn_cell har_cell_rnn, har_cell_gru, har_cell_lstm;

void har_lstm_step512(const rnn_fwd_step *s, const rnn_fwd_step *prev, const real *hh, int K, int odd,
                      rnn_tail512 *tail);
void har_gru_step512(const rnn_fwd_step *s, const rnn_fwd_step *prev, const real *hh, int K, int odd,
                     rnn_tail512 *tail);

/* Gate activations over a run of n values, g = f(g + bias + rec) (gates.c),
 * for the batched forward step.  There they are a pass of their own rather
 * than fused into the rest of a cell's math: one short, independent exp
 * chain per value lets the CPU overlap many of them (fused with the
 * activation that depends on them, the batched GRU and LSTM steps took
 * 30-60% longer).  Serving one window is the other way round: a step's
 * values are too few to fill the CPU, so serve_units and the AVX-512 steps
 * fuse each block's activations with its cell math and overlap them with
 * the next block's product instead. */
void har_rnn_sigmoid_sum(real *restrict g, const real *restrict bias, const real *restrict rec,
                         int n);
void har_rnn_tanh_sum(real *restrict g, const real *restrict bias, const real *restrict rec,
                      int n);

#endif
