/* readout.c - sequence readouts [t, f] -> [1, f]:
 *
 *   last       y = x[:, t-1, :]
 *   mean       y = average over time (also "gap", global average pooling)
 *   attention  s_t = w . x_t,  alpha = softmax_t(s),  y = sum_t alpha_t x_t
 *
 * Attention learns one vector "weight" [1, f] and no bias: softmax is
 * shift-invariant, so a bias added to every score would change nothing (and
 * get a zero gradient).  Its backward pass, with da_t = dy . x_t:
 *
 *   ds_t = alpha_t (da_t - sum_u alpha_u da_u)
 *   dx_t = alpha_t dy + ds_t w,   dw += sum_t ds_t x_t. */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"

typedef struct {
    har_readout kind;
    int max_batch;
    real *alpha; /* attention: [B, t] weights of the last forward */
} readout_state;

static void last_forward(har_layer *l, const real *x, real *y, int B, int train)
{
    (void)train;
    int T = l->in.t, f = l->in.f;
    for (int b = 0; b < B; b++)
        memcpy(y + (size_t)b * f, x + ((size_t)b * T + T - 1) * f, (size_t)f * sizeof *y);
}

static void last_backward(har_layer *l, const real *x, const real *y, const real *dy, real *dx,
                          int B)
{
    (void)x;
    (void)y;
    if (!dx)
        return;
    int T = l->in.t, f = l->in.f;
    memset(dx, 0, (size_t)B * T * f * sizeof *dx);
    for (int b = 0; b < B; b++)
        memcpy(dx + ((size_t)b * T + T - 1) * f, dy + (size_t)b * f, (size_t)f * sizeof *dx);
}

static void mean_forward(har_layer *l, const real *x, real *y, int B, int train)
{
    (void)train;
    int T = l->in.t, f = l->in.f;
    real inv_t = (real)1 / T;
    for (int b = 0; b < B; b++) {
        real *yb = y + (size_t)b * f;
        memset(yb, 0, (size_t)f * sizeof *yb);
        for (int t = 0; t < T; t++)
            har_row_add(yb, x + ((size_t)b * T + t) * f, (size_t)f);
        har_row_scale(yb, inv_t, (size_t)f);
    }
}

static void mean_backward(har_layer *l, const real *x, const real *y, const real *dy, real *dx,
                          int B)
{
    (void)x;
    (void)y;
    if (!dx)
        return;
    int T = l->in.t, f = l->in.f;
    real inv_t = (real)1 / T;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            real *dxt = dx + ((size_t)b * T + t) * f;
            for (int i = 0; i < f; i++)
                dxt[i] = dy[(size_t)b * f + i] * inv_t;
        }
}

static real dot(const real *a, const real *b, int n)
{
    real s = 0;
    for (int i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* alpha = softmax(x_t . w) for one sample, max subtracted so exp never
 * overflows (the largest term is exactly 1, so the sum is >= 1). */
static void attention_weights(const real *xb, const real *w, real *alpha, int T, int f)
{
    real mx = 0, sum = 0;
    for (int t = 0; t < T; t++) {
        alpha[t] = dot(xb + (size_t)t * f, w, f);
        if (t == 0 || alpha[t] > mx)
            mx = alpha[t];
    }
    for (int t = 0; t < T; t++) {
        alpha[t] = (real)exp((double)(alpha[t] - mx));
        sum += alpha[t];
    }
    for (int t = 0; t < T; t++)
        alpha[t] /= sum;
}

static void attention_forward(har_layer *l, const real *x, real *y, int B, int train)
{
    (void)train;
    readout_state *s = l->state;
    assert(B <= s->max_batch); /* reserve() sizes alpha */
    int T = l->in.t, f = l->in.f;
    for (int b = 0; b < B; b++) {
        const real *xb = x + (size_t)b * T * f;
        real *a = s->alpha + (size_t)b * T, *yb = y + (size_t)b * f;
        attention_weights(xb, l->w, a, T, f);
        memset(yb, 0, (size_t)f * sizeof *yb);
        for (int t = 0; t < T; t++)
            for (int i = 0; i < f; i++)
                yb[i] += a[t] * xb[(size_t)t * f + i];
    }
}

static void attention_backward(har_layer *l, const real *x, const real *y, const real *dy,
                               real *dx, int B)
{
    (void)y;
    readout_state *s = l->state;
    int T = l->in.t, f = l->in.f;
    const real *w = l->w;
    real *dw = l->dw;
    for (int b = 0; b < B; b++) {
        const real *xb = x + (size_t)b * T * f, *g = dy + (size_t)b * f;
        const real *a = s->alpha + (size_t)b * T;
        real mean_da = 0; /* sum_u alpha_u da_u */
        for (int t = 0; t < T; t++)
            mean_da += a[t] * dot(g, xb + (size_t)t * f, f);
        for (int t = 0; t < T; t++) {
            const real *xt = xb + (size_t)t * f;
            real ds = a[t] * (dot(g, xt, f) - mean_da);
            for (int i = 0; i < f; i++)
                dw[i] += ds * xt[i];
            if (!dx)
                continue;
            real *dxt = dx + ((size_t)b * T + t) * f;
            for (int i = 0; i < f; i++)
                dxt[i] = a[t] * g[i] + ds * w[i];
        }
    }
}

static int readout_reserve(har_layer *l, int max_batch, har_err *e)
{
    readout_state *s = l->state;
    if (s->kind != HAR_READ_ATTENTION || max_batch <= s->max_batch)
        return 0;
    if (har_nn_grow(&s->alpha, (size_t)max_batch * l->in.t, e))
        return -1;
    s->max_batch = max_batch;
    return 0;
}

static void readout_destroy(har_layer *l)
{
    readout_state *s = l->state;
    if (s)
        free(s->alpha);
    free(s);
}

static void readout_describe(const har_layer *l, har_layer_info *info)
{
    const readout_state *s = l->state;
    info->type = HAR_LAYER_READOUT;
    info->readout = s->kind;
}

static const har_layer_ops readout_ops[] = {
    [HAR_READ_LAST] = {.kind = "last", .forward = last_forward, .backward = last_backward,
                       .bind = har_layer_bind_default, .destroy = readout_destroy,
                       .describe = readout_describe},
    [HAR_READ_MEAN] = {.kind = "mean", .forward = mean_forward, .backward = mean_backward,
                       .bind = har_layer_bind_default, .destroy = readout_destroy,
                       .describe = readout_describe},
    [HAR_READ_ATTENTION] = {.kind = "attention", .forward = attention_forward,
                            .backward = attention_backward, .reserve = readout_reserve,
                            .bind = har_layer_bind_default, .destroy = readout_destroy,
                            .describe = readout_describe},
};

int har_readout_make(har_layer *l, har_shape in, har_readout kind, har_err *e)
{
    if (kind != HAR_READ_LAST && kind != HAR_READ_MEAN && kind != HAR_READ_ATTENTION)
        return har_fail(e, HAR_EUSAGE, "readout: unknown kind %d", (int)kind);
    readout_state *s = har_calloc(1, sizeof *s, e);
    if (!s)
        return -1;
    s->kind = kind;
    l->ops = &readout_ops[kind];
    l->state = s;
    l->in = in;
    l->out = (har_shape){1, in.f};
    if (kind == HAR_READ_ATTENTION) {
        int64_t shape[2] = {1, in.f};
        if (!har_layer_add_param(l, "weight", HAR_P_WEIGHT, 2, shape, in.f, 1, e))
            return -1;
    }
    return 0;
}
