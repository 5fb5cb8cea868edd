/* dense.c - fully connected layer, applied to every timestep (PyTorch's
 * nn.Linear on the last dimension): y = x W^T + b, W [units, f], b [units]. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "matvec.h"
#include "nn.h"

/* Inference on one row (one window, flat input): the blocks order of
 * matvec.h on W^T packed once, the order OpenBLAS's Cooperlake kernels
 * follow in a full batch for any K (and SkylakeX's up to K = 320), so that
 * the batch-1 probabilities of the zoo's models equal har-eval's bit for
 * bit there (measured).  It reads W^T row by row, one stream: the MLP
 * served faster than with the dot products it replaced (17.7 against 18.1
 * us), a head of 6 classes as fast as with one chain per row. */
typedef struct {
    int built; /* blk holds the weights in src */
    real *src; /* [out * in] the weights blk was made from */
    real *blk; /* [in, out] W^T, har_matvec_pack's layout */
    real *tmp; /* [out] a block's sums */
} dense_state;

static void dense_serve(har_layer *l, const real *x, real *y)
{
    int in = l->in.f, out = l->out.f;
    const real *W = l->w, *b = l->w + l->params[1].offset;
    dense_state *s = l->state;
    assert(s->blk); /* reserve() made the buffers */
    if (har_layer_cache_stale(l, s->built, s->src, W, (size_t)out * in)) {
        har_matvec_pack(s->blk, W, NULL, out, in);
        s->built = 1;
    }
    har_matvec_blocks(y, s->tmp, x, s->blk, b, in, out);
}

static void dense_forward(har_layer *l, const real *x, real *y, int B, int train)
{
    int rows = B * l->in.t, in = l->in.f, out = l->out.f;
    const real *W = l->w, *b = l->w + l->params[1].offset;
    if (rows == 1 && !train) {
        dense_serve(l, x, y);
        return;
    }
    for (int r = 0; r < rows; r++)
        memcpy(y + (size_t)r * out, b, (size_t)out * sizeof *y);
    har_gemm(0, 1, rows, out, in, 1, x, in, W, in, 1, y, out);
}

static void dense_backward(har_layer *l, const real *x, const real *y, const real *dy, real *dx,
                           int B)
{
    (void)y;
    int rows = B * l->in.t, in = l->in.f, out = l->out.f;
    real *dW = l->dw, *db = l->dw + l->params[1].offset;
    har_gemm(1, 0, out, in, rows, 1, dy, out, x, in, 1, dW, in); /* dW += dy^T x */
    for (int r = 0; r < rows; r++) {
        const real *g = dy + (size_t)r * out;
        for (int o = 0; o < out; o++)
            db[o] += g[o];
    }
    if (dx)
        har_gemm(0, 0, rows, in, out, 1, dy, out, l->w, in, 0, dx, in); /* dx = dy W */
}

/* The serving buffers, once (blk last: it says they are all there). */
static int dense_reserve(har_layer *l, int max_batch, har_err *e)
{
    (void)max_batch;
    dense_state *s = l->state;
    size_t n = (size_t)l->out.f * l->in.f;
    if (s->blk)
        return 0;
    if (har_nn_grow(&s->src, n, e) || har_nn_grow(&s->tmp, (size_t)l->out.f, e) || har_nn_alloc_aligned(&s->blk, n, e))
        return -1;
    return 0;
}

static void dense_destroy(har_layer *l)
{
    dense_state *s = l->state;
    if (s) {
        free(s->src);
        free(s->blk);
        free(s->tmp);
    }
    free(s);
}

static void dense_describe(const har_layer *l, har_layer_info *info)
{
    (void)l;
    info->type = HAR_LAYER_DENSE;
}

static const har_layer_ops dense_ops = {
    .kind = "dense", .forward = dense_forward, .backward = dense_backward,
    .reserve = dense_reserve, .bind = har_layer_bind_default, .destroy = dense_destroy,
    .describe = dense_describe,
};

int har_dense_make(har_layer *l, har_shape in, int units, har_err *e)
{
    if (units < 1)
        return har_fail(e, HAR_EUSAGE, "dense: units must be at least 1 (got %d)", units);
    dense_state *s = har_calloc(1, sizeof *s, e);
    if (!s)
        return -1;
    l->ops = &dense_ops;
    l->state = s;
    l->in = in;
    l->out = (har_shape){in.t, units};
    int64_t ws[2] = {units, in.f}, bs[1] = {units};
    if (!har_layer_add_param(l, "weight", HAR_P_WEIGHT, 2, ws, in.f, units, e) ||
        !har_layer_add_param(l, "bias", HAR_P_BIAS, 1, bs, in.f, units, e))
        return -1;
    return 0;
}
