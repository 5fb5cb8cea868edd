/* conv1d.c - 1-D convolution over time, PyTorch's nn.Conv1d semantics on our
 * time-major layout: x [B, T, C] -> y [B, T', O] with
 *
 *     y[b, t, o] = bias[o] + sum_{c,k} W[o, c, k] x[b, t*s - p + k*d, c]
 *
 * (x zero outside [0, T)), T' = floor((T + 2p - d(k-1) - 1) / s) + 1, and
 * W [O, C, K] in PyTorch's order so state_dicts map one to one.
 *
 * im2col turns the whole batch into one matrix product: row (b, t) of
 * col [B*T', C*K] holds the receptive field of output (b, t) in W's (c, k)
 * order, so y = col W^T + bias, dW += dy^T col, and dcol = dy W, which col2im
 * scatters back onto dx (overlapping fields add up).
 *
 * Serving (batch 1, inference) skips im2col: har_matvec_conv reads each
 * field where it lies in the (padded) input, with W^T packed once and kept
 * between windows, and sums in the order OpenBLAS's product does. */
#include <assert.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "matvec.h"
#include "nn.h"

typedef struct {
    int C, O, K, S, P, D; /* in/out channels, kernel, stride, padding, dilation */
    int T, To;            /* input and output timesteps */
    int max_batch;
    real *col, *dcol;     /* [B*T', C*K]: forward's im2col (kept for dW), its gradient */
    /* serving */
    int direct;           /* C*K <= DIRECT_MAX_K: serving takes har_matvec_conv */
    int built;            /* blk holds the weights in src */
    real *src;            /* [O*C*K + O] the weights and bias blk was made from */
    real *blk;            /* [C*K, O] W^T, har_matvec_pack's layout */
    int *off;             /* [C*K] field entry (c, k) at row + k*D*C + c */
    real *pad;            /* [T + 2P, C] the input between zero rows (P > 0) */
} conv_state;

/* Receptive fields of the batch, zero where they hang over the padding. */
static void im2col(const conv_state *s, const real *x, real *col, int B)
{
    int C = s->C, K = s->K;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < s->To; t++) {
            real *row = col + ((size_t)b * s->To + t) * C * K;
            for (int k = 0; k < K; k++) {
                int tau = t * s->S - s->P + k * s->D;
                if (tau < 0 || tau >= s->T) {
                    for (int c = 0; c < C; c++)
                        row[c * K + k] = 0;
                    continue;
                }
                const real *xr = x + ((size_t)b * s->T + tau) * C;
                for (int c = 0; c < C; c++)
                    row[c * K + k] = xr[c];
            }
        }
}

/* The adjoint of im2col: dx = 0, then every field entry adds onto its input. */
static void col2im(const conv_state *s, const real *dcol, real *dx, int B)
{
    int C = s->C, K = s->K;
    memset(dx, 0, (size_t)B * s->T * C * sizeof *dx);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < s->To; t++) {
            const real *row = dcol + ((size_t)b * s->To + t) * C * K;
            for (int k = 0; k < K; k++) {
                int tau = t * s->S - s->P + k * s->D;
                if (tau < 0 || tau >= s->T)
                    continue; /* padding: no input to receive it */
                real *dxr = dx + ((size_t)b * s->T + tau) * C;
                for (int c = 0; c < C; c++)
                    dxr[c] += row[c * K + k];
            }
        }
}

/* OpenBLAS's sgemm (its SkylakeX and Cooperlake kernels, see
 * har_matvec_blas_chains) sums a product's K in one chain up to K = 320 and
 * in blocks beyond (measured: tests/unit/test_latency_lib.c);
 * har_matvec_conv's chain gives its bits up to there, and beyond it serving
 * takes im2col's path, OpenBLAS's own product.  With kernels that do not
 * chain (Haswell, Zen) neither path gives the batched bits exactly (a
 * batch-1 product is small enough for other kernels), so the faster one is
 * taken there too. */
#define DIRECT_MAX_K 320

/* The packed weights, rebuilt when the layer's weights changed. */
static void serving_weights(har_layer *l)
{
    conv_state *s = l->state;
    int CK = s->C * s->K;
    if (!har_layer_cache_stale(l, s->built, s->src, l->w, (size_t)s->O * CK + s->O))
        return;
    har_matvec_pack(s->blk, l->w, NULL, s->O, CK);
    s->built = 1;
}

static void serving_forward(har_layer *l, const real *x, real *y)
{
    conv_state *s = l->state;
    serving_weights(l);
    if (s->P > 0) {
        size_t row = (size_t)s->C, edge = (size_t)s->P * row;
        memset(s->pad, 0, edge * sizeof *s->pad);
        memcpy(s->pad + edge, x, (size_t)s->T * row * sizeof *x);
        memset(s->pad + edge + (size_t)s->T * row, 0, edge * sizeof *s->pad);
        x = s->pad;
    }
    har_matvec_conv(y, x, (size_t)s->S * s->C, s->off, s->blk, l->w + l->params[1].offset, s->To,
                    s->C * s->K, s->O);
}

static void conv_forward(har_layer *l, const real *x, real *y, int B, int train)
{
    conv_state *s = l->state;
    if (B == 1 && !train && s->direct) {
        serving_forward(l, x, y);
        return;
    }
    assert(B <= s->max_batch); /* reserve() sizes col */
    int rows = B * s->To, CK = s->C * s->K, O = s->O;
    const real *W = l->w, *bias = l->w + l->params[1].offset;
    im2col(s, x, s->col, B);
    for (int r = 0; r < rows; r++)
        memcpy(y + (size_t)r * O, bias, (size_t)O * sizeof *y);
    har_gemm(0, 1, rows, O, CK, 1, s->col, CK, W, CK, 1, y, O); /* y += col W^T */
}

static void conv_backward(har_layer *l, const real *x, const real *y, const real *dy, real *dx,
                          int B)
{
    (void)x;
    (void)y;
    conv_state *s = l->state;
    int rows = B * s->To, CK = s->C * s->K, O = s->O;
    real *dW = l->dw, *db = l->dw + l->params[1].offset;
    har_gemm(1, 0, O, CK, rows, 1, dy, O, s->col, CK, 1, dW, CK); /* dW += dy^T col */
    for (int r = 0; r < rows; r++) {
        const real *g = dy + (size_t)r * O;
        for (int o = 0; o < O; o++)
            db[o] += g[o];
    }
    if (!dx)
        return;
    har_gemm(0, 0, rows, CK, O, 1, dy, O, l->w, CK, 0, s->dcol, CK); /* dcol = dy W */
    col2im(s, s->dcol, dx, B);
}

static int conv_reserve(har_layer *l, int max_batch, har_err *e)
{
    conv_state *s = l->state;
    if (!s->blk) {
        size_t CK = (size_t)s->C * s->K, pad = s->P > 0 ? ((size_t)s->T + 2 * (size_t)s->P) * s->C : 0;
        if (har_nn_grow(&s->src, CK * s->O + s->O, e) || har_nn_alloc_aligned(&s->blk, CK * s->O, e) ||
            (pad && har_nn_grow(&s->pad, pad, e)) || !(s->off = har_calloc(CK, sizeof *s->off, e)))
            return -1;
        for (int c = 0; c < s->C; c++)
            for (int k = 0; k < s->K; k++)
                s->off[c * s->K + k] = k * s->D * s->C + c;
    }
    if (max_batch <= s->max_batch)
        return 0;
    size_t n = (size_t)max_batch * s->To * s->C * s->K;
    if (har_nn_grow(&s->col, n, e) || har_nn_grow(&s->dcol, n, e))
        return -1;
    s->max_batch = max_batch;
    return 0;
}

static void conv_destroy(har_layer *l)
{
    conv_state *s = l->state;
    if (s) {
        free(s->col);
        free(s->dcol);
        free(s->src);
        free(s->blk);
        free(s->off);
        free(s->pad);
    }
    free(s);
}

static void conv_describe(const har_layer *l, har_layer_info *info)
{
    const conv_state *s = l->state;
    info->type = HAR_LAYER_CONV1D;
    info->kernel = s->K;
    info->stride = s->S;
    info->padding = s->P;
    info->dilation = s->D;
}

static const har_layer_ops conv_ops = {
    .kind = "conv1d", .forward = conv_forward, .backward = conv_backward,
    .reserve = conv_reserve, .bind = har_layer_bind_default, .destroy = conv_destroy,
    .describe = conv_describe,
};

int har_conv1d_make(har_layer *l, har_shape in, int out_channels, int kernel, int stride,
                    int padding, int dilation, har_err *e)
{
    if (out_channels < 1 || kernel < 1 || stride < 1 || padding < 0 || dilation < 1)
        return har_fail(e, HAR_EUSAGE,
                        "conv1d: need out channels, kernel, stride, dilation >= 1 and padding >= 0 "
                        "(got %d, %d, %d, %d, %d)",
                        out_channels, kernel, stride, dilation, padding);
    long long span = (long long)dilation * (kernel - 1) + 1; /* input steps one output sees */
    long long room = (long long)in.t + 2LL * padding - span;
    if (room < 0)
        return har_fail(e, HAR_EUSAGE,
                        "conv1d: input of %d timesteps with padding %d is shorter than the kernel "
                        "span %lld (kernel %d, dilation %d): floor((%d + 2*%d - %d*(%d-1) - 1)/%d) "
                        "+ 1 < 1 output steps",
                        in.t, padding, span, kernel, dilation, in.t, padding, dilation, kernel,
                        stride);
    if ((long long)in.f * kernel > INT_MAX / 2 || room / stride + 1 > INT_MAX)
        return har_fail(e, HAR_EUSAGE, "conv1d: %d channels x kernel %d is too large", in.f,
                        kernel);
    conv_state *s = har_calloc(1, sizeof *s, e);
    if (!s)
        return -1;
    *s = (conv_state){.C = in.f, .O = out_channels, .K = kernel, .S = stride, .P = padding,
                      .D = dilation, .T = in.t, .To = (int)(room / stride + 1)};
    s->direct = in.f * kernel <= DIRECT_MAX_K;
    l->ops = &conv_ops;
    l->state = s;
    l->in = in;
    l->out = (har_shape){s->To, out_channels};
    int64_t ws[3] = {out_channels, in.f, kernel}, bs[1] = {out_channels};
    int fan_in = in.f * kernel, fan_out = out_channels * kernel;
    if (!har_layer_add_param(l, "weight", HAR_P_WEIGHT, 3, ws, fan_in, fan_out, e) ||
        !har_layer_add_param(l, "bias", HAR_P_BIAS, 1, bs, fan_in, fan_out, e))
        return -1;
    return 0;
}
