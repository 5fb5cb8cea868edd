/* pool.c - max or average pooling over time, per feature, no padding
 * (PyTorch's MaxPool1d / AvgPool1d on [B, C, T]):
 *
 *     y[b, t, f] = max or mean of x[b, t*s + j, f], j < k,   T' = floor((T - k)/s) + 1.
 *
 * Max pooling sends the gradient to the first maximum of each window, as
 * PyTorch does on ties.  The backward pass finds it again from x rather than
 * caching indices: the same scan gives the same choice and costs no memory.
 * Overlapping windows (s < k) add their gradients up. */
#include <stdlib.h>
#include <string.h>

#include "core/vec.h"
#include "nn.h"

typedef struct {
    har_pool kind;
    int K, S;
} pool_state;

/* Offset (in timesteps) of the first maximum of the window starting at xr,
 * a column of stride f. */
static int first_max(const real *xr, int K, int f)
{
    int best = 0;
    for (int j = 1; j < K; j++)
        if (xr[(size_t)j * f] > xr[(size_t)best * f]) /* strict: ties keep the first */
            best = j;
    return best;
}

/* One window's row j into the running result, every feature at once: the
 * larger value (strict, so ties and NaN keep the earlier one, as first_max
 * chooses), or the sum. */
HAR_VEC_INLINE void max_at(size_t i, real *restrict y, const real *restrict x)
{
    y[i] = x[i] > y[i] ? x[i] : y[i];
}

/* y [To, f]: each row the first maximum of K rows of x, S rows apart from
 * row t S (max_at's rule, one call for the whole window rather than two
 * per output row). */
HAR_VEC_KERNEL static void max_windows(real *restrict y, const real *restrict x, size_t f, int To, int S, int K)
{
    for (int t = 0; t < To; t++) {
        const real *xw = x + (size_t)t * S * f;
        real *yr = y + (size_t)t * f;
        HAR_VEC_LOOP(i, f, yr[i] = xw[i]);
        for (int j = 1; j < K; j++)
            HAR_VEC_LOOP(i, f, max_at(i, yr, xw + (size_t)j * f));
    }
}


static void pool_forward(har_layer *l, const real *x, real *y, int B, int train)
{
    (void)train;
    const pool_state *s = l->state;
    int T = l->in.t, To = l->out.t;
    size_t f = (size_t)l->in.f;
    real inv_k = (real)1 / s->K;
    for (int b = 0; b < B; b++) {
        if (s->kind == HAR_POOL_MAX) {
            max_windows(y + (size_t)b * To * f, x + (size_t)b * T * f, f, To, s->S, s->K);
            continue;
        }
        for (int t = 0; t < To; t++) {
            const real *xw = x + ((size_t)b * T + (size_t)t * s->S) * f; /* window start */
            real *yr = y + ((size_t)b * To + t) * f;
            memset(yr, 0, f * sizeof *yr); /* 0 + x, as a sum from 0 (-0 becomes +0) */
            for (int j = 0; j < s->K; j++)
                har_row_add(yr, xw + j * f, f);
            har_row_scale(yr, inv_k, f);
        }
    }
}

static void pool_backward(har_layer *l, const real *x, const real *y, const real *dy, real *dx,
                          int B)
{
    (void)y;
    const pool_state *s = l->state;
    if (!dx)
        return;
    int T = l->in.t, To = l->out.t, f = l->in.f;
    real inv_k = (real)1 / s->K;
    memset(dx, 0, (size_t)B * T * f * sizeof *dx);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < To; t++) {
            size_t w0 = (size_t)b * T + (size_t)t * s->S; /* first row of the window */
            const real *xw = x + w0 * f, *g = dy + ((size_t)b * To + t) * f;
            real *dxw = dx + w0 * f;
            for (int c = 0; c < f; c++) {
                if (s->kind == HAR_POOL_MAX) {
                    dxw[(size_t)first_max(xw + c, s->K, f) * f + c] += g[c];
                    continue;
                }
                for (int j = 0; j < s->K; j++)
                    dxw[(size_t)j * f + c] += g[c] * inv_k;
            }
        }
}

static void pool_destroy(har_layer *l)
{
    free(l->state);
}

static void pool_describe(const har_layer *l, har_layer_info *info)
{
    const pool_state *s = l->state;
    info->type = HAR_LAYER_POOL;
    info->pool = s->kind;
    info->kernel = s->K;
    info->stride = s->S;
}

static const har_layer_ops maxpool_ops = {
    .kind = "maxpool", .forward = pool_forward, .backward = pool_backward,
    .bind = har_layer_bind_default, .destroy = pool_destroy, .describe = pool_describe,
};
static const har_layer_ops avgpool_ops = {
    .kind = "avgpool", .forward = pool_forward, .backward = pool_backward,
    .bind = har_layer_bind_default, .destroy = pool_destroy, .describe = pool_describe,
};

int har_pool_make(har_layer *l, har_shape in, har_pool kind, int kernel, int stride, har_err *e)
{
    const char *name = kind == HAR_POOL_MAX ? "maxpool" : "avgpool";
    if (kind != HAR_POOL_MAX && kind != HAR_POOL_AVG)
        return har_fail(e, HAR_EUSAGE, "pool: unknown kind %d", (int)kind);
    if (kernel < 1 || stride < 1)
        return har_fail(e, HAR_EUSAGE, "%s: kernel and stride must be at least 1 (got %d, %d)",
                        name, kernel, stride);
    if (kernel > in.t)
        return har_fail(e, HAR_EUSAGE,
                        "%s: kernel %d is longer than the input's %d timesteps: floor((%d - %d)/%d) "
                        "+ 1 < 1 output steps",
                        name, kernel, in.t, in.t, kernel, stride);
    pool_state *s = har_calloc(1, sizeof *s, e);
    if (!s)
        return -1;
    *s = (pool_state){kind, kernel, stride};
    l->ops = kind == HAR_POOL_MAX ? &maxpool_ops : &avgpool_ops;
    l->state = s;
    l->in = in;
    l->out = (har_shape){(in.t - kernel) / stride + 1, in.f};
    return 0;
}
