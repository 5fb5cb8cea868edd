/* recurrent.c - stacks of Elman / GRU / LSTM layers, optionally
 * bidirectional, with PyTorch's semantics (nn.RNN/GRU/LSTM, batch_first=True,
 * zero initial state, dropout between layers in training).  The cells'
 * elementwise math lives in cell_*.c; this file does the rest.
 *
 * Layout.  The layer's input and output are sample-major [B, T, f] like every
 * layer's, but inside everything is time-major [T, B, f]: the B rows of one
 * timestep are then a contiguous block.  That matters for speed: sample-major
 * rows of one step lie T*f values apart, a multiple of 4 KiB, so they all
 * share L1 sets and the per-step GEMMs ran ~30% slower; and the hidden states
 * shifted by one step that dW_hh needs are simply the block one step earlier.
 *
 * Forward, per layer and direction, step by step:
 *     gates_t = in_t W_ih^T
 *     rec = h_{t-1} W_hh^T, then the cell's math, which adds b_ih (and the
 *     foldable part of b_hh) and leaves the gate activations in gates_t for
 *     the backward pass
 * The input projection is one GEMM per few steps, just ahead of the
 * recurrence: for the whole sequence at once its output had left the cache
 * by the time the cell read it, and the cell's passes were bound by memory
 * bandwidth.
 *
 * Backward walks the steps in reverse; per step the cell turns the stored
 * activations into pre-activation gradients in a small scratch block, which
 * is multiplied out at once, while in cache:
 *     d(h_{t-1}) = dgates_t W_hh,   d(in_t) (+)= dgates_t W_ih,
 *     dW_hh += dgates_t^T h_{t-1},  dW_ih^T += in_t^T dgates_t,  biases.
 * (One big GEMM each for dW_hh, dW_ih and d(in) after the loop, over stored
 * gradients of all steps, was 30% slower: they streamed the gradients from
 * memory again and OpenBLAS packed them once per product.)
 *
 * Nothing is allocated in forward or backward: reserve() sizes every buffer. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "matvec.h"
#include "recurrent.h"

enum { W_IH, W_HH, B_IH, B_HH }; /* a direction's parameters, in PyTorch's order */

/* OpenBLAS (0.3.21, x86-64) multiplies matrices with M*N*K <= 1e6 with
 * "small" kernels that do not pack their operands; larger products take the
 * general path, whose packing dominates at per-step sizes: LSTM-64's
 * 64x256x64 forward step ran at 85 GFLOP/s whole and at 110 in two halves.
 * So per-step products are cut into pieces below that size. */
#define SMALL_GEMM 1e6

typedef struct {
    real *gates; /* [T, B, G*H] see above */
    real *aux;   /* [T, B, aux*H] the cell's other per-step values */
} rnn_dir;

typedef struct {
    int in;         /* input features */
    rnn_dir dir[2];
    real *out;      /* [T, B, D*H] h_t of both directions (the next layer's input) */
    real *mask;     /* [T, B, D*H] dropout scale (0 or 1/(1-p)) on out, below the top */
    real *dropped;  /* [T, B, D*H] out * mask: the next layer's input in training */
} rnn_level;

/* One direction's weights in the serving layout (see "serving" below),
 * kept between windows: deriving them anew took 5 us of a GRU-64 window's
 * 80.  They are rebuilt whenever the weights differ from the copy they were
 * built from (har_layer_cache_stale: one memcmp, 1 us, correct whoever
 * changed the weights; none once the model is frozen). */
typedef struct {
    real *src;      /* copy of the direction's W_ih, W_hh, b_ih, b_hh (contiguous) */
    real *hh;       /* [G*H * H] W_hh in har_matvec_pack blocks, unit-major (see serving) */
    real *ih_t;     /* [in, G*H] W_ih^T */
    real *bias;     /* [G*H] b_ih + folded b_hh */
    int built;
    int units;      /* units per block of hh (block_units) */
} rnn_serving;

typedef struct {
    const rnn_cell *cell;
    int T, H, L, D, G;
    double p;
    int max_batch;
    int masked;     /* the last forward applied dropout */
    int last_only;  /* output only h of the last timestep: [B, 1, D*H] */
    rnn_level *lv;
    real *xt;       /* [T, B, in] the input, time-major */
    real *rec;      /* [B, G*H] one step's h_{t-1} W_hh^T; in backward, its hidden-side
                       gate gradients when they differ from the input side (GRU) */
    real *dg;       /* [B, G*H] one step's input-side gate gradients */
    real *dwih_t;   /* [in, G*H] dW_ih^T of one direction (the faster product order) */
    real *wt;       /* [H, G*H] W_hh^T (the faster operand order for the forward step) */
    real *wih_t;    /* [in, G*H] W_ih^T (likewise for the input projection: with W_ih
                       itself, OpenBLAS takes its slower general path for a small in) */
    real *bias;     /* [G*H] b_ih + folded b_hh */
    real *dh[2];    /* [B, H] d(h_t), then d(h_{t-1}) */
    real *dc;       /* [B, H] carried cell-state gradient */
    real *zero;     /* [B, 2H] the initial state h_{-1}, c_{-1} */
    real *grad[2];  /* [T, B, max(in, D*H)] gradients between layers, ping-pong */
    rnn_serving *serve; /* [L * D] */
} rnn_state;

static real *param(const har_layer *l, real *buf, int k, int d, int which)
{
    const rnn_state *s = l->state;
    return buf + l->params[(k * s->D + d) * 4 + which].offset;
}

/* Values in one timestep's block of a time-major buffer. */
static size_t step_size(int B, int width)
{
    return (size_t)B * (size_t)width;
}

/* [B, T, f] -> [T, B, f] and back.  Both read sequentially and scatter the
 * writes: a strided read stalls on every row, a strided write does not. */
static void to_time_major(real *dst, const real *src, int B, int T, int f)
{
    if (B == 1) { /* the same layout: one copy rather than T */
        memcpy(dst, src, (size_t)T * f * sizeof *dst);
        return;
    }
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            memcpy(dst + ((size_t)t * B + b) * f, src + ((size_t)b * T + t) * f,
                   (size_t)f * sizeof *dst);
}

static void to_sample_major(real *dst, const real *src, int B, int T, int f)
{
    if (B == 1) {
        memcpy(dst, src, (size_t)T * f * sizeof *dst);
        return;
    }
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++)
            memcpy(dst + ((size_t)b * T + t) * f, src + ((size_t)t * B + b) * f,
                   (size_t)f * sizeof *dst);
}

/* C = op(A) op(B) (beta 0) or C += op(A) op(B) (beta 1), row-major like
 * har_gemm, halving the largest dimension until the pieces are SMALL_GEMM. */
static void gemm_small(int ta, int tb, int M, int N, int K, const real *A, int lda,
                       const real *Bm, int ldb, real beta, real *C, int ldc)
{
    if ((double)M * N * K <= SMALL_GEMM) {
        har_gemm(ta, tb, M, N, K, 1, A, lda, Bm, ldb, beta, C, ldc);
    } else if (K >= M && K >= N) { /* the halves add up */
        int h = K / 2;
        gemm_small(ta, tb, M, N, h, A, lda, Bm, ldb, beta, C, ldc);
        gemm_small(ta, tb, M, N, K - h, A + (ta ? (size_t)h * lda : (size_t)h), lda,
                   Bm + (tb ? (size_t)h : (size_t)h * ldb), ldb, 1, C, ldc);
    } else if (M >= N) { /* top and bottom rows of C */
        int h = M / 2;
        gemm_small(ta, tb, h, N, K, A, lda, Bm, ldb, beta, C, ldc);
        gemm_small(ta, tb, M - h, N, K, A + (ta ? (size_t)h : (size_t)h * lda), lda, Bm, ldb,
                   beta, C + (size_t)h * ldc, ldc);
    } else { /* left and right columns of C */
        int h = N / 2;
        gemm_small(ta, tb, M, h, K, A, lda, Bm, ldb, beta, C, ldc);
        gemm_small(ta, tb, M, N - h, K, A, lda, Bm + (tb ? (size_t)h * ldb : (size_t)h), ldb,
                   beta, C + h, ldc);
    }
}

/* ---- forward ---- */

/* The layer's input, time-major: the transposed x, or the layer below's
 * output (after dropout in training). */
static const real *level_input(const rnn_state *s, int k)
{
    if (k == 0)
        return s->xt;
    return s->masked ? s->lv[k - 1].dropped : s->lv[k - 1].out;
}

/* Steps per input-projection GEMM: about 128 KiB of gates, which stay in the
 * L2 cache until the cell reads them. */
#define PROJECT_VALUES 32768

/* s->bias = b_ih + the part of b_hh the cell lets us add to the input side. */
static void fold_bias(har_layer *l, int k, int d)
{
    rnn_state *s = l->state;
    int GH = s->G * s->H, folded = s->cell->folded_hh * s->H;
    const real *b_ih = param(l, l->w, k, d, B_IH), *b_hh = param(l, l->w, k, d, B_HH);
    for (int j = 0; j < GH; j++)
        s->bias[j] = b_ih[j] + (j < folded ? b_hh[j] : 0);
}

/* gates[t, b] = in[t, b] W_ih^T for the n steps from t0 on (the cell adds
 * s->bias as it reads them: cheaper than a pass that copies it into every
 * row for the product to add to). */
static void project(har_layer *l, int k, int d, const real *in, const real *wih_t, int t0, int n, int B)
{
    rnn_state *s = l->state;
    int GH = s->G * s->H, nin = s->lv[k].in, rows = n * B;
    real *g = s->lv[k].dir[d].gates + step_size(B, GH) * t0;
    har_gemm(0, 0, rows, GH, nin, 1, in + step_size(B, nin) * t0, nin, wih_t, GH, 0, g, GH);
}

/* Steps per projection at batch B. */
static int project_steps(int B, int GH)
{
    return PROJECT_VALUES / (B * GH) > 1 ? PROJECT_VALUES / (B * GH) : 1;
}

static void transpose(real *dst, const real *src, int rows, int cols)
{
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            dst[(size_t)j * rows + i] = src[(size_t)i * cols + j];
}

/* Runs one direction of layer k over the sequence. */
static void direction_forward(har_layer *l, int k, int d, const real *in, int B)
{
    rnn_state *s = l->state;
    const rnn_cell *c = s->cell;
    int T = s->T, H = s->H, GH = s->G * H, DH = s->D * H, AH = c->aux * H;
    rnn_level *lv = &s->lv[k];
    int chunk = project_steps(B, GH);
    fold_bias(l, k, d);
    transpose(s->wt, param(l, l->w, k, d, W_HH), GH, H);
    transpose(s->wih_t, param(l, l->w, k, d, W_IH), GH, s->lv[k].in);
    rnn_fwd_step st = {.B = B, .H = H, .rec = s->rec, .bias = s->bias,
                       .b_hh = param(l, l->w, k, d, B_HH), .ld_h = DH};
    for (int n = 0; n < T; n++) {
        int t = d ? T - 1 - n : n, tp = d ? t + 1 : t - 1; /* tp: the step before, in time order of this direction */
        if (n % chunk == 0) {
            int steps = T - n < chunk ? T - n : chunk;
            project(l, k, d, in, s->wih_t, d ? T - n - steps : n, steps, B);
        }
        st.gates = lv->dir[d].gates + step_size(B, GH) * t;
        st.aux = lv->dir[d].aux + step_size(B, AH) * t;
        st.h = lv->out + step_size(B, DH) * t + (size_t)d * H;
        if (n == 0) { /* h_{-1} = 0: no recurrent term */
            st.h_prev = st.aux_prev = s->zero;
            st.ld_prev = H;
            memset(s->rec, 0, step_size(B, GH) * sizeof *s->rec);
        } else {
            st.h_prev = lv->out + step_size(B, DH) * tp + (size_t)d * H;
            st.ld_prev = DH;
            st.aux_prev = lv->dir[d].aux + step_size(B, AH) * tp;
            gemm_small(0, 0, B, GH, H, st.h_prev, DH, s->wt, GH, 0, s->rec, GH);
        }
        c->forward(&st);
    }
}

/* Inverted dropout on layer k's output.  The mask is drawn in the order of
 * the [B, T, D*H] tensor, one uniform per value, "< p" meaning drop. */
static void dropout_forward(har_layer *l, int k, int B)
{
    rnn_state *s = l->state;
    rnn_level *lv = &s->lv[k];
    int DH = s->D * s->H;
    real keep = (real)(1 / (1 - s->p));
    for (int b = 0; b < B; b++)
        for (int t = 0; t < s->T; t++) {
            size_t o = ((size_t)t * B + b) * DH;
            for (int j = 0; j < DH; j++) {
                real m = har_rng_uniform(l->rng) < s->p ? 0 : keep;
                lv->mask[o + j] = m;
                lv->dropped[o + j] = lv->out[o + j] * m;
            }
        }
}

/* ---- serving: inference at batch 1 ----
 *
 * A window's step is then a matrix-vector product, h_{t-1} W_hh^T, which
 * OpenBLAS computes at a fraction of its speed.  Serving uses
 * har_matvec_chain on W_hh packed unit-major: block b holds the G gate rows
 * of units [bU, bU + U) (block_units: U = 16, 32 or 64), so as
 * soon as a block's product is known the cell can finish those units
 * (cell->serve_units) while the next block's product runs; with AVX-512 and
 * H a multiple of 16 the cell's step512 does the whole step, interleaving
 * the two by hand (recurrent_step512.c).  Successive steps take the blocks
 * in opposite orders: the blocks used last are used first, while still in
 * the L1 cache (LSTM-64's W_hh, 64 KB, is twice its size).
 * The weights in that layout are kept between windows (rnn_serving).
 *
 * The arithmetic is direction_forward's but for the product's order of
 * summation: har_matvec_chain's plain chain of multiply-adds, which
 * OpenBLAS's SkylakeX and Cooperlake kernels follow too except in a
 * product's last N mod 16 columns.  So with those kernels and G*H a multiple
 * of 16 (H = 16, 32, 64, ...) serving gives the very bits of a batch
 * (tested); otherwise the gate values differ by rounding. */
#define SERVE_COLUMNS 64 /* 4 registers of 16: enough chains in flight for the FMA unit */

/* Direction (k, d)'s parameters: W_ih, W_hh, b_ih, b_hh, one after another. */
static size_t direction_params(const har_layer *l, int k)
{
    const rnn_state *s = l->state;
    size_t GH = (size_t)s->G * (size_t)s->H;
    return GH * ((size_t)s->lv[k].in + (size_t)s->H + 2);
}

/* Units per serving block: 16 for the AVX-512 steps (fast), which keep a
 * register per gate; otherwise the fewest multiple of 16 whose G gate rows
 * make SERVE_COLUMNS or more (Elman 64, GRU 32, LSTM 16: 16 GRU units, 48
 * columns, keep too few chains in flight: GRU-64 took 13 % longer). */
static int block_units(const rnn_state *s, int fast)
{
    return fast ? 16 : 16 * ((SERVE_COLUMNS / 16 + s->G - 1) / s->G);
}

/* Direction (k, d)'s serving weights in blocks of U units, rebuilt if the
 * weights or U changed. */
static const rnn_serving *serving_weights(har_layer *l, int k, int d, int U)
{
    rnn_state *s = l->state;
    rnn_serving *c = &s->serve[k * s->D + d];
    int H = s->H, G = s->G, nin = s->lv[k].in, rows[2 * SERVE_COLUMNS];
    const real *w = param(l, l->w, k, d, W_IH);
    if (!har_layer_cache_stale(l, c->built, c->src, w, direction_params(l, k)) && c->units == U)
        return c;
    for (int u0 = 0; u0 < H; u0 += U) {
        int n = H - u0 < U ? H - u0 : U;
        for (int g = 0; g < G; g++)
            for (int j = 0; j < n; j++)
                rows[g * n + j] = g * H + u0 + j;
        har_matvec_pack(c->hh + (size_t)G * u0 * H, param(l, l->w, k, d, W_HH), rows, G * n, H);
    }
    transpose(c->ih_t, w, G * H, nin);
    fold_bias(l, k, d);
    memcpy(c->bias, s->bias, (size_t)G * H * sizeof *c->bias);
    c->built = 1;
    c->units = U;
    return c;
}

/* direction_forward at batch 1. */
static void serving_forward(har_layer *l, int k, int d, const real *in)
{
    rnn_state *s = l->state;
    const rnn_cell *c = s->cell;
    int T = s->T, H = s->H, G = s->G, GH = G * H, DH = s->D * H, AH = c->aux * H;
    int fast = c->step512 && H % 16 == 0 && har_matvec_avx512();
    int U = block_units(s, fast), blocks = (H + U - 1) / U;
    rnn_level *lv = &s->lv[k];
    const rnn_serving *w = serving_weights(l, k, d, U);
    /* The input projections up front, in direction_forward's pieces. */
    for (int n = 0, chunk = project_steps(1, GH); n < T; n += chunk) {
        int steps = T - n < chunk ? T - n : chunk;
        project(l, k, d, in, w->ih_t, d ? T - n - steps : n, steps, 1);
    }
    rnn_fwd_step st = {.B = 1, .H = H, .rec = s->rec, .bias = w->bias,
                       .b_hh = param(l, l->w, k, d, B_HH), .ld_h = DH, .ld_prev = DH}, prev;
    rnn_tail512 tail = {0};
    for (int n = 0; n < T; n++) {
        int t = d ? T - 1 - n : n, tp = d ? t + 1 : t - 1;
        st.gates = lv->dir[d].gates + (size_t)GH * t;
        st.aux = lv->dir[d].aux + (size_t)AH * t;
        st.h = lv->out + (size_t)DH * t + (size_t)d * H;
        /* h_{-1} = 0: no recurrent term at the first step */
        st.h_prev = n ? lv->out + (size_t)DH * tp + (size_t)d * H : s->zero;
        st.aux_prev = n ? lv->dir[d].aux + (size_t)AH * tp : s->zero;
        if (fast) {
            c->step512(&st, n ? &prev : NULL, w->hh, n ? H : 0, n & 1, &tail);
            prev = st;
            continue;
        }
        for (int i = 0; i < blocks; i++) {
            int b = n & 1 ? blocks - 1 - i : i, u0 = b * U, m = H - u0 < U ? H - u0 : U;
            real *rec = s->rec + (size_t)G * u0;
            if (n)
                har_matvec_chain(rec, st.h_prev, w->hh + (size_t)G * u0 * H, H, G * m);
            else
                memset(rec, 0, (size_t)G * m * sizeof *rec);
            c->serve_units(&st, rec, u0, m);
        }
    }
    if (fast)
        c->step512(NULL, &prev, w->hh, 0, 0, &tail);
}

static void rnn_forward(har_layer *l, const real *x, real *y, int B, int train)
{
    rnn_state *s = l->state;
    assert(B <= s->max_batch); /* reserve() sizes every buffer */
    s->masked = train && s->p > 0;
    to_time_major(s->xt, x, B, s->T, s->lv[0].in);
    for (int k = 0; k < s->L; k++) {
        const real *in = level_input(s, k);
        for (int d = 0; d < s->D; d++)
            if (B == 1 && !train)
                serving_forward(l, k, d, in);
            else
                direction_forward(l, k, d, in, B);
        if (k < s->L - 1 && s->masked)
            dropout_forward(l, k, B);
    }
    const real *top = s->lv[s->L - 1].out;
    if (s->last_only) /* the last step's block is already [B, D*H] */
        memcpy(y, top + step_size(B, s->D * s->H) * (s->T - 1), step_size(B, s->D * s->H) * sizeof *y);
    else
        to_sample_major(y, top, B, s->T, s->D * s->H);
}

/* ---- backward ---- */

/* The parameter gradients of one step from its input-side (g) and
 * hidden-side (r) pre-activation gradients; h_prev = h_{t-1}, or NULL at the
 * first step (h_{-1} = 0 adds nothing to dW_hh). */
static void step_grads(har_layer *l, int k, int d, const real *in_t, const real *g,
                       const real *r, const real *h_prev, int B)
{
    rnn_state *s = l->state;
    int H = s->H, GH = s->G * H, nin = s->lv[k].in;
    real *db_ih = param(l, l->dw, k, d, B_IH), *db_hh = param(l, l->dw, k, d, B_HH);
    for (int b = 0; b < B; b++) {
        har_row_add(db_ih, g + (size_t)b * GH, (size_t)GH);
        har_row_add(db_hh, r + (size_t)b * GH, (size_t)GH);
    }
    gemm_small(1, 0, nin, GH, B, in_t, nin, g, GH, 1, s->dwih_t, GH);
    if (h_prev)
        gemm_small(1, 0, GH, H, B, r, GH, h_prev, s->D * H, 1, param(l, l->dw, k, d, W_HH), H);
}

/* Backpropagates one direction of layer k through time given d(loss)/d(out)
 * in dy [T, B, D*H] (or, for a last_only top layer, dy [B, D*H] of the last
 * step and zero elsewhere): adds its parameter gradients, and d(in) (+)=
 * dgates W_ih when din is set (the second direction adds to the first). */
static void direction_backward(har_layer *l, int k, int d, const real *dy, int dy_last_only,
                               real *din, int B)
{
    rnn_state *s = l->state;
    const rnn_cell *c = s->cell;
    int T = s->T, H = s->H, GH = s->G * H, DH = s->D * H, AH = c->aux * H, nin = s->lv[k].in;
    rnn_level *lv = &s->lv[k];
    const real *in = level_input(s, k), *W_hh = param(l, l->w, k, d, W_HH);
    const real *W_ih = param(l, l->w, k, d, W_IH);
    real *dh = s->dh[0], *dh_prev = s->dh[1];
    const real *r = c->own_rec_grad ? s->rec : s->dg; /* hidden-side gradients */
    memset(dh, 0, step_size(B, H) * sizeof *dh);
    memset(s->dc, 0, step_size(B, H) * sizeof *s->dc);
    memset(s->dwih_t, 0, (size_t)nin * GH * sizeof *s->dwih_t);
    rnn_bwd_step st = {.B = B, .H = H, .dgates = s->dg, .ld_dy = (size_t)DH, .dc = s->dc,
                       .rec_grad = c->own_rec_grad ? s->rec : NULL};
    for (int n = T - 1; n >= 0; n--) { /* n: position in this direction's order */
        int t = d ? T - 1 - n : n, tp = d ? t + 1 : t - 1;
        st.gates = lv->dir[d].gates + step_size(B, GH) * t;
        st.aux = lv->dir[d].aux + step_size(B, AH) * t;
        if (n == 0) {
            st.h_prev = st.aux_prev = s->zero;
            st.ld_prev = H;
        } else {
            st.h_prev = lv->out + step_size(B, DH) * tp + (size_t)d * H;
            st.ld_prev = DH;
            st.aux_prev = lv->dir[d].aux + step_size(B, AH) * tp;
        }
        st.dh = dh;
        st.dh_prev = dh_prev;
        if (!dy_last_only)
            st.dy = dy + step_size(B, DH) * t + (size_t)d * H;
        else /* zero holds B rows of DH <= 2H values */
            st.dy = t == T - 1 ? dy + (size_t)d * H : s->zero;
        c->backward(&st);
        /* h_{-1} = 0 is a constant: no gradient through it */
        if (n > 0)
            gemm_small(0, 0, B, H, GH, r, GH, W_hh, H, c->direct_dh ? 1 : 0, dh_prev, H);
        if (din)
            gemm_small(0, 0, B, nin, GH, s->dg, GH, W_ih, nin, d ? 1 : 0,
                       din + step_size(B, nin) * t, nin);
        step_grads(l, k, d, in + step_size(B, nin) * t, s->dg, r, n > 0 ? st.h_prev : NULL, B);
        real *swap = dh;
        dh = dh_prev;
        dh_prev = swap;
    }
    real *dW_ih = param(l, l->dw, k, d, W_IH);
    for (int q = 0; q < GH; q++)
        for (int i = 0; i < nin; i++)
            dW_ih[(size_t)q * nin + i] += s->dwih_t[(size_t)i * GH + q];
}

static void rnn_backward(har_layer *l, const real *x, const real *y, const real *dy, real *dx,
                         int B)
{
    (void)x;
    (void)y;
    rnn_state *s = l->state;
    int T = s->T, DH = s->D * s->H;
    /* Layer k finds d(loss)/d(its output), time-major, in grad[k & 1] and
     * leaves d(loss)/d(its input) in the other one. */
    if (!s->last_only)
        to_time_major(s->grad[(s->L - 1) & 1], dy, B, T, DH);
    for (int k = s->L - 1; k >= 0; k--) {
        real *din = k > 0 || dx ? s->grad[(k + 1) & 1] : NULL;
        int top_last = k == s->L - 1 && s->last_only;
        for (int d = 0; d < s->D; d++)
            direction_backward(l, k, d, top_last ? dy : s->grad[k & 1], top_last, din, B);
        if (k > 0 && s->masked)
            for (int r = 0; r < T * B; r++)
                har_row_mul(din + (size_t)r * DH, s->lv[k - 1].mask + (size_t)r * DH, (size_t)DH);
    }
    if (dx)
        to_sample_major(dx, s->grad[1], B, T, s->lv[0].in);
}

/* ---- buffers ---- */

/* The serving caches (any batch size may be followed by a batch of 1). */
static int reserve_serving(har_layer *l, har_err *e)
{
    rnn_state *s = l->state;
    if (s->serve)
        return 0;
    if (!(s->serve = har_calloc((size_t)s->L * (size_t)s->D, sizeof *s->serve, e)))
        return -1;
    size_t GH = (size_t)s->G * (size_t)s->H;
    for (int k = 0; k < s->L; k++)
        for (int d = 0; d < s->D; d++) {
            rnn_serving *c = &s->serve[k * s->D + d];
            if (har_nn_grow(&c->src, direction_params(l, k), e) || har_nn_alloc_aligned(&c->hh, GH * (size_t)s->H, e) ||
                har_nn_grow(&c->ih_t, GH * (size_t)s->lv[k].in, e) || har_nn_grow(&c->bias, GH, e))
                return -1;
        }
    return 0;
}

static int rnn_reserve(har_layer *l, int max_batch, har_err *e)
{
    rnn_state *s = l->state;
    if (reserve_serving(l, e))
        return -1;
    if (max_batch <= s->max_batch)
        return 0;
    size_t TB = (size_t)s->T * max_batch, B = (size_t)max_batch;
    size_t H = (size_t)s->H, GH = (size_t)s->G * H, DH = (size_t)s->D * H;
    size_t AH = (size_t)s->cell->aux * H, in = (size_t)s->lv[0].in, widest = in > DH ? in : DH;
    for (int k = 0; k < s->L; k++) {
        rnn_level *lv = &s->lv[k];
        for (int d = 0; d < s->D; d++)
            if (har_nn_grow(&lv->dir[d].gates, TB * GH, e) ||
                har_nn_grow(&lv->dir[d].aux, TB * AH, e)) /* Elman: AH = 0, still a valid pointer */
                return -1;
        if (har_nn_grow(&lv->out, TB * DH, e))
            return -1;
        if (k < s->L - 1 && s->p > 0 &&
            (har_nn_grow(&lv->mask, TB * DH, e) || har_nn_grow(&lv->dropped, TB * DH, e)))
            return -1;
    }
    if (har_nn_grow(&s->xt, TB * in, e) ||
        har_nn_grow(&s->rec, B * GH, e) || har_nn_grow(&s->dg, B * GH, e) || har_nn_grow(&s->dwih_t, widest * GH, e) || har_nn_grow(&s->wt, H * GH, e) ||
        har_nn_grow(&s->wih_t, widest * GH, e) ||
        har_nn_grow(&s->bias, GH, e) || har_nn_grow(&s->dh[0], B * H, e) ||
        har_nn_grow(&s->dh[1], B * H, e) || har_nn_grow(&s->dc, B * H, e) ||
        har_nn_grow(&s->zero, B * 2 * H, e) || har_nn_grow(&s->grad[0], TB * widest, e) ||
        har_nn_grow(&s->grad[1], TB * widest, e))
        return -1;
    memset(s->zero, 0, B * 2 * H * sizeof *s->zero);
    s->max_batch = max_batch;
    return 0;
}

static void rnn_destroy(har_layer *l)
{
    rnn_state *s = l->state;
    if (!s)
        return;
    for (int k = 0; s->lv && k < s->L; k++) {
        rnn_level *lv = &s->lv[k];
        for (int d = 0; d < 2; d++) {
            free(lv->dir[d].gates);
            free(lv->dir[d].aux);
        }
        free(lv->out);
        free(lv->mask);
        free(lv->dropped);
    }
    real *bufs[] = {s->xt, s->rec, s->dg, s->dwih_t, s->wt, s->wih_t, s->bias, s->dh[0], s->dh[1],
                    s->dc, s->zero, s->grad[0], s->grad[1]};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        free(bufs[i]);
    for (int i = 0; s->serve && i < s->L * s->D; i++) {
        free(s->serve[i].src);
        free(s->serve[i].hh);
        free(s->serve[i].ih_t);
        free(s->serve[i].bias);
    }
    free(s->serve);
    free(s->lv);
    free(s);
    l->state = NULL;
}

static void rnn_describe(const har_layer *l, har_layer_info *info)
{
    const rnn_state *s = l->state;
    info->type = HAR_LAYER_RECURRENT;
    info->cell = s->cell == &har_cell_gru ? HAR_CELL_GRU : s->cell == &har_cell_lstm ? HAR_CELL_LSTM : HAR_CELL_RNN;
    info->hidden = s->H;
    info->layers = s->L;
    info->bidirectional = s->D == 2;
    info->last_only = s->last_only;
}

static const har_layer_ops rnn_ops = {
    .kind = "recurrent", .forward = rnn_forward, .backward = rnn_backward,
    .reserve = rnn_reserve, .bind = har_layer_bind_default, .destroy = rnn_destroy,
    .describe = rnn_describe,
};

/* ---- construction ---- */

/* Declares one direction's four tensors with PyTorch's names and init bound. */
static int add_direction_params(har_layer *l, int k, int d, int in, int G, int H, har_err *e)
{
    const char *suffix = d ? "_reverse" : "";
    int64_t w_ih[2] = {(int64_t)G * H, in}, w_hh[2] = {(int64_t)G * H, H}, b[1] = {(int64_t)G * H};
    char name[4][HAR_PARAM_NAME];
    snprintf(name[0], sizeof name[0], "weight_ih_l%d%s", k, suffix);
    snprintf(name[1], sizeof name[1], "weight_hh_l%d%s", k, suffix);
    snprintf(name[2], sizeof name[2], "bias_ih_l%d%s", k, suffix);
    snprintf(name[3], sizeof name[3], "bias_hh_l%d%s", k, suffix);
    har_param *p[4] = {
        har_layer_add_param(l, name[0], HAR_P_WEIGHT, 2, w_ih, in, H, e),
        har_layer_add_param(l, name[1], HAR_P_RECURRENT, 2, w_hh, H, H, e),
        har_layer_add_param(l, name[2], HAR_P_BIAS, 1, b, H, H, e),
        har_layer_add_param(l, name[3], HAR_P_BIAS, 1, b, H, H, e),
    };
    for (int i = 0; i < 4; i++) {
        if (!p[i])
            return -1;
        p[i]->torch_bound = H; /* PyTorch: every RNN tensor U(+-1/sqrt(hidden)) */
    }
    p[1]->gates = G;
    return 0;
}

void har_recurrent_last_only(har_layer *l)
{
    rnn_state *s = l->state;
    s->last_only = 1;
    l->out.t = 1;
}

static const rnn_cell *cell_of(har_cell cell)
{
    switch (cell) {
    case HAR_CELL_RNN:
        return &har_cell_rnn;
    case HAR_CELL_GRU:
        return &har_cell_gru;
    case HAR_CELL_LSTM:
        return &har_cell_lstm;
    }
    return NULL;
}

int har_recurrent_make(har_layer *l, har_shape in, har_cell cell, int hidden, int layers,
                       int bidirectional, double dropout, har_err *e)
{
    const rnn_cell *c = cell_of(cell);
    if (!c)
        return har_fail(e, HAR_EUSAGE, "recurrent layer: unknown cell type %d", (int)cell);
    if (hidden < 1)
        return har_fail(e, HAR_EUSAGE, "%s: hidden size must be at least 1 (got %d)", c->name,
                        hidden);
    if (layers < 1)
        return har_fail(e, HAR_EUSAGE, "%s: number of layers must be at least 1 (got %d)",
                        c->name, layers);
    if (!(dropout >= 0 && dropout < 1))
        return har_fail(e, HAR_EUSAGE, "%s: dropout must be in [0, 1) (got %g)", c->name,
                        dropout);
    if (in.t < 1 || in.f < 1)
        return har_fail(e, HAR_EUSAGE,
                        "%s: input must have at least 1 timestep and 1 feature (got %dx%d)",
                        c->name, in.t, in.f);
    l->ops = &rnn_ops;
    l->in = in;
    int D = bidirectional ? 2 : 1;
    l->out = (har_shape){in.t, D * hidden};
    if (!l->spec[0])
        snprintf(l->spec, sizeof l->spec, "%s:%d:layers=%d%s:dropout=%g", c->name, hidden, layers,
                 D == 2 ? ":bidir" : "", dropout);
    rnn_state *s = har_calloc(1, sizeof *s, e);
    if (!s)
        return -1;
    l->state = s;
    *s = (rnn_state){.cell = c, .T = in.t, .H = hidden, .L = layers, .D = D, .G = c->gates,
                     .p = dropout};
    if (!(s->lv = har_calloc((size_t)layers, sizeof *s->lv, e)))
        return -1;
    for (int k = 0; k < layers; k++) {
        s->lv[k].in = k ? D * hidden : in.f;
        for (int d = 0; d < D; d++)
            if (add_direction_params(l, k, d, s->lv[k].in, c->gates, hidden, e))
                return -1;
    }
    return 0;
}
