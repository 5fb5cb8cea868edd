/* layernorm.c - PyTorch's nn.LayerNorm(f): each timestep's feature vector is
 * normalised by its own mean and biased variance, then scaled and shifted:
 *
 *     xhat = (x - mean) / sqrt(var + eps),   y = weight * xhat + bias.
 *
 * The backward pass of xhat, per row of n = f values with g = dy * weight:
 *
 *     dx = rstd * (g - mean(g) - xhat * mean(g * xhat))
 *
 * (the two means are what the mean and variance pass back).  mean and rstd are
 * cached per row; xhat is recomputed from x, which backward receives anyway. */
#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "nn.h"

typedef struct {
    double eps;
    int max_batch;
    real *mean, *rstd; /* [B, t] of the last forward */
} layernorm_state;

static void layernorm_forward(har_layer *l, const real *x, real *y, int B, int train)
{
    (void)train;
    layernorm_state *s = l->state;
    assert(B <= s->max_batch); /* reserve() sizes the caches */
    int f = l->in.f;
    const real *gain = l->w, *shift = l->w + l->params[1].offset;
    size_t rows = (size_t)B * l->in.t;
    for (size_t r = 0; r < rows; r++) {
        const real *xr = x + r * f;
        real *yr = y + r * f;
        /* Two passes in double (mean, then squared deviations): no
         * cancellation when the mean is large compared with the spread. */
        double m = 0, v = 0;
        for (int i = 0; i < f; i++)
            m += xr[i];
        m /= f;
        for (int i = 0; i < f; i++)
            v += (xr[i] - m) * (xr[i] - m);
        v /= f;
        real mean = (real)m, rstd = (real)(1 / sqrt(v + s->eps));
        s->mean[r] = mean;
        s->rstd[r] = rstd;
        for (int i = 0; i < f; i++)
            yr[i] = (xr[i] - mean) * rstd * gain[i] + shift[i];
    }
}

static void layernorm_backward(har_layer *l, const real *x, const real *y, const real *dy,
                               real *dx, int B)
{
    (void)y;
    layernorm_state *s = l->state;
    int f = l->in.f;
    const real *gain = l->w;
    real *dgain = l->dw, *dshift = l->dw + l->params[1].offset;
    size_t rows = (size_t)B * l->in.t;
    for (size_t r = 0; r < rows; r++) {
        const real *xr = x + r * f, *g = dy + r * f;
        real mean = s->mean[r], rstd = s->rstd[r];
        real mg = 0, mgx = 0; /* mean(g), mean(g * xhat), g = dy * gain */
        for (int i = 0; i < f; i++) {
            real xhat = (xr[i] - mean) * rstd;
            dgain[i] += g[i] * xhat;
            dshift[i] += g[i];
            mg += g[i] * gain[i];
            mgx += g[i] * gain[i] * xhat;
        }
        if (!dx)
            continue;
        mg /= (real)f;
        mgx /= (real)f;
        real *dxr = dx + r * f;
        for (int i = 0; i < f; i++) {
            real xhat = (xr[i] - mean) * rstd;
            dxr[i] = rstd * (g[i] * gain[i] - mg - xhat * mgx);
        }
    }
}

static int layernorm_reserve(har_layer *l, int max_batch, har_err *e)
{
    layernorm_state *s = l->state;
    if (max_batch <= s->max_batch)
        return 0;
    size_t rows = (size_t)max_batch * l->in.t;
    if (har_nn_grow(&s->mean, rows, e) || har_nn_grow(&s->rstd, rows, e))
        return -1;
    s->max_batch = max_batch;
    return 0;
}

static void layernorm_destroy(har_layer *l)
{
    layernorm_state *s = l->state;
    if (s) {
        free(s->mean);
        free(s->rstd);
    }
    free(s);
}

static void layernorm_describe(const har_layer *l, har_layer_info *info)
{
    const layernorm_state *s = l->state;
    info->type = HAR_LAYER_LAYERNORM;
    info->eps = s->eps;
}

static const har_layer_ops layernorm_ops = {
    .kind = "layernorm", .forward = layernorm_forward, .backward = layernorm_backward,
    .reserve = layernorm_reserve, .bind = har_layer_bind_default, .destroy = layernorm_destroy,
    .describe = layernorm_describe,
};

int har_layernorm_make(har_layer *l, har_shape in, double eps, har_err *e)
{
    if (!(eps > 0))
        return har_fail(e, HAR_EUSAGE, "layernorm: eps must be positive (got %g)", eps);
    layernorm_state *s = har_calloc(1, sizeof *s, e);
    if (!s)
        return -1;
    s->eps = eps;
    l->ops = &layernorm_ops;
    l->state = s;
    l->in = l->out = in;
    int64_t shape[1] = {in.f};
    if (!har_layer_add_param(l, "weight", HAR_P_GAIN, 1, shape, in.f, in.f, e) ||
        !har_layer_add_param(l, "bias", HAR_P_SHIFT, 1, shape, in.f, in.f, e))
        return -1;
    return 0;
}
