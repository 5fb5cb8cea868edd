/* dense.c - fully connected layer, applied to every timestep (PyTorch's
 * nn.Linear on the last dimension): y = x W^T + b, W [units, f], b [units]. */
#include <string.h>

#include "gemm.h"
#include "matvec.h"
#include "nn.h"

/* Inference on one row (one window, flat input): the matvec.h kernels.  A
 * head of a few outputs takes the plain order ("rows"): it costs nothing
 * there, and OpenBLAS's SkylakeX and Cooperlake kernels use it for such
 * heads in full batches, so that a GRU-64's batch-1 probabilities equal
 * har-eval's bit for bit (measured).  Wider layers take the faster "dot"
 * order. */
#define NARROW_OUTPUTS 16

static void dense_forward(har_layer *l, const real *x, real *y, int B, int train)
{
    int rows = B * l->in.t, in = l->in.f, out = l->out.f;
    const real *W = l->w, *b = l->w + l->params[1].offset;
    if (rows == 1 && !train) {
        if (out <= NARROW_OUTPUTS)
            har_matvec_rows(y, W, x, b, out, in);
        else
            har_matvec_dot(y, W, x, b, out, in);
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

static void dense_describe(const har_layer *l, har_layer_info *info)
{
    (void)l;
    info->type = HAR_LAYER_DENSE;
}

static const har_layer_ops dense_ops = {
    .kind = "dense", .forward = dense_forward, .backward = dense_backward,
    .bind = har_layer_bind_default, .describe = dense_describe,
};

int har_dense_make(har_layer *l, har_shape in, int units, har_err *e)
{
    if (units < 1)
        return har_fail(e, HAR_EUSAGE, "dense: units must be at least 1 (got %d)", units);
    l->ops = &dense_ops;
    l->in = in;
    l->out = (har_shape){in.t, units};
    int64_t ws[2] = {units, in.f}, bs[1] = {units};
    if (!har_layer_add_param(l, "weight", HAR_P_WEIGHT, 2, ws, in.f, units, e) ||
        !har_layer_add_param(l, "bias", HAR_P_BIAS, 1, bs, in.f, units, e))
        return -1;
    return 0;
}
