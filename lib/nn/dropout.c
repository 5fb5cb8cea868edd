/* dropout.c - inverted dropout (PyTorch's nn.Dropout): in training each value
 * is zeroed with probability p and the survivors are scaled by 1/(1-p), so the
 * expected output equals the input and evaluation is the plain identity. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"

typedef struct {
    double p;
    real *mask;    /* [B, t, f] of the last training forward: 0 or 1/(1-p) */
    int max_batch; /* mask capacity, in samples */
    int masked;    /* the last forward applied the mask (train and p > 0) */
} dropout_state;

static size_t values(const har_layer *l, int B)
{
    return (size_t)B * (size_t)l->in.t * (size_t)l->in.f;
}

static void dropout_forward(har_layer *l, const real *x, real *y, int B, int train)
{
    dropout_state *s = l->state;
    size_t n = values(l, B);
    s->masked = train && s->p > 0;
    if (!s->masked) {
        memcpy(y, x, n * sizeof *y);
        return;
    }
    assert(B <= s->max_batch); /* reserve() sizes the mask */
    real keep = (real)(1 / (1 - s->p));
    /* One uniform per value in memory order, "< p" meaning drop: the model's
     * seed alone fixes every mask. */
    for (size_t i = 0; i < n; i++) {
        s->mask[i] = har_rng_uniform(l->rng) < s->p ? 0 : keep;
        y[i] = x[i] * s->mask[i];
    }
}

static void dropout_backward(har_layer *l, const real *x, const real *y, const real *dy, real *dx,
                             int B)
{
    (void)x;
    (void)y;
    dropout_state *s = l->state;
    if (!dx)
        return;
    size_t n = values(l, B);
    if (!s->masked) {
        memcpy(dx, dy, n * sizeof *dx);
        return;
    }
    for (size_t i = 0; i < n; i++)
        dx[i] = dy[i] * s->mask[i];
}

static int dropout_reserve(har_layer *l, int max_batch, har_err *e)
{
    dropout_state *s = l->state;
    if (max_batch <= s->max_batch || s->p == 0) /* p = 0 never masks */
        return 0;
    if (har_nn_grow(&s->mask, values(l, max_batch), e))
        return -1;
    s->max_batch = max_batch;
    return 0;
}

static void dropout_destroy(har_layer *l)
{
    dropout_state *s = l->state;
    if (s)
        free(s->mask);
    free(s);
}

static void dropout_describe(const har_layer *l, har_layer_info *info)
{
    (void)l;
    info->type = HAR_LAYER_DROPOUT;
}

static const har_layer_ops dropout_ops = {
    .kind = "dropout", .forward = dropout_forward, .backward = dropout_backward,
    .reserve = dropout_reserve, .bind = har_layer_bind_default, .destroy = dropout_destroy,
    .describe = dropout_describe,
};

int har_dropout_make(har_layer *l, har_shape in, double p, har_err *e)
{
    if (!(p >= 0 && p < 1))
        return har_fail(e, HAR_EUSAGE, "dropout: probability must be in [0, 1) (got %g)", p);
    dropout_state *s = har_calloc(1, sizeof *s, e);
    if (!s)
        return -1;
    s->p = p;
    l->ops = &dropout_ops;
    l->in = l->out = in;
    l->state = s;
    return 0;
}
