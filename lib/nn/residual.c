/* residual.c - a residual block y = x + body(x), the body being a sequence of
 * layers that keeps the shape.
 *
 * The block owns its body (the layers and the array holding them).  Its
 * parameters are the children's, laid out one after the other in the block's
 * slice and exposed under "body.<i>.<child's name>", so a model names them
 * "3.body.0.weight" (and "3.body.1.body.0.weight" when blocks nest).  The
 * block keeps every child's output (backward passes need their layer's input
 * and output) and two ping-pong buffers for the gradients between children. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"

typedef struct {
    har_layer *body;
    int n;
    size_t *base;  /* [n] offset of child i's parameters in the block's slice */
    real **acts;   /* [n] output of child i, for max_batch samples */
    real *grad[2]; /* gradients between children */
    int max_batch;
} residual_state;

static size_t numel(har_shape s)
{
    return (size_t)s.t * (size_t)s.f;
}

static void residual_forward(har_layer *l, const real *x, real *y, int B, int train)
{
    residual_state *s = l->state;
    assert(B <= s->max_batch); /* reserve() sizes the activations */
    const real *in = x;
    for (int i = 0; i < s->n; i++) {
        har_layer *c = &s->body[i];
        c->ops->forward(c, in, s->acts[i], B, train);
        in = s->acts[i];
    }
    size_t n = (size_t)B * numel(l->in);
    for (size_t j = 0; j < n; j++)
        y[j] = x[j] + in[j];
}

/* Backward through the body from the last child down; child 0 writes
 * straight into dx, then the skip connection adds dy. */
static void residual_backward(har_layer *l, const real *x, const real *y, const real *dy,
                              real *dx, int B)
{
    (void)y;
    residual_state *s = l->state;
    const real *g = dy;
    for (int i = s->n - 1; i >= 0; i--) {
        har_layer *c = &s->body[i];
        /* Alternate buffers by parity so a child never reads and writes one. */
        real *gin = i > 0 ? s->grad[i & 1] : dx;
        c->ops->backward(c, i > 0 ? s->acts[i - 1] : x, s->acts[i], g, gin, B);
        g = gin;
    }
    if (!dx)
        return;
    size_t n = (size_t)B * numel(l->in);
    for (size_t j = 0; j < n; j++)
        dx[j] += dy[j];
}

static int residual_reserve(har_layer *l, int max_batch, har_err *e)
{
    residual_state *s = l->state;
    if (max_batch <= s->max_batch)
        return 0;
    size_t widest = numel(l->in);
    for (int i = 0; i < s->n; i++) {
        har_layer *c = &s->body[i];
        if (c->ops->reserve && c->ops->reserve(c, max_batch, e))
            return -1;
        if (har_nn_grow(&s->acts[i], (size_t)max_batch * numel(c->out), e))
            return -1;
        if (numel(c->out) > widest)
            widest = numel(c->out);
    }
    for (int k = 0; k < 2; k++)
        if (har_nn_grow(&s->grad[k], (size_t)max_batch * widest, e))
            return -1;
    s->max_batch = max_batch;
    return 0;
}

/* Each child at its own base; the rng first, so nested blocks pass it on. */
static void residual_bind(har_layer *l, real *w, real *dw)
{
    residual_state *s = l->state;
    l->w = w;
    l->dw = dw;
    for (int i = 0; i < s->n; i++) {
        har_layer *c = &s->body[i];
        c->rng = l->rng;
        if (c->ops->bind)
            c->ops->bind(c, w + s->base[i], dw + s->base[i]);
        else
            har_layer_bind_default(c, w + s->base[i], dw + s->base[i]);
    }
}

static void free_body(har_layer *body, int n)
{
    for (int i = 0; i < n; i++)
        har_layer_destroy(&body[i]);
    free(body);
}

static void residual_destroy(har_layer *l)
{
    residual_state *s = l->state;
    if (!s)
        return;
    free_body(s->body, s->n);
    if (s->acts)
        for (int i = 0; i < s->n; i++)
            free(s->acts[i]);
    free(s->acts);
    free(s->grad[0]);
    free(s->grad[1]);
    free(s->base);
    free(s);
}

static void residual_describe(const har_layer *l, har_layer_info *info)
{
    const residual_state *s = l->state;
    info->type = HAR_LAYER_RESIDUAL;
    info->body = s->body;
    info->n = s->n;
}

static const har_layer_ops residual_ops = {
    .kind = "residual", .forward = residual_forward, .backward = residual_backward,
    .reserve = residual_reserve, .bind = residual_bind, .destroy = residual_destroy,
    .describe = residual_describe,
};

/* Re-declares child i's parameters in the block, renamed and moved to base. */
static int expose_params(har_layer *l, residual_state *s, har_err *e)
{
    size_t base = 0;
    for (int i = 0; i < s->n; i++) {
        const har_layer *c = &s->body[i];
        s->base[i] = base;
        for (int j = 0; j < c->nparams; j++) {
            const har_param *cp = &c->params[j];
            char name[HAR_PARAM_NAME];
            int len = snprintf(name, sizeof name, "body.%d.%s", i, cp->name);
            if (len < 0 || (size_t)len >= sizeof name)
                return har_fail(e, HAR_EUSAGE, "residual: parameter name too long: body.%d.%s", i,
                                cp->name);
            har_param *p = har_layer_add_param(l, name, cp->kind, cp->ndim, cp->shape, cp->fan_in,
                                               cp->fan_out, e);
            if (!p)
                return -1;
            p->gates = cp->gates;
            p->torch_bound = cp->torch_bound;
            p->offset = base + cp->offset;
        }
        base += c->nweights;
    }
    l->nweights = base; /* children included, whatever their internal layout */
    return 0;
}

/* Undoes a failed make completely, so the caller may destroy l or not. */
static int residual_fail(har_layer *l)
{
    har_layer_destroy(l);
    l->ops = NULL;
    l->nweights = 0;
    return -1;
}

int har_residual_make(har_layer *l, har_shape in, har_layer *body, int n, har_err *e)
{
    if (n < 1 || !body) {
        free_body(body, n);
        return har_fail(e, HAR_EUSAGE, "residual: the body is empty");
    }
    har_shape out = body[n - 1].out;
    if (body[0].in.t != in.t || body[0].in.f != in.f || out.t != in.t || out.f != in.f) {
        har_fail(e, HAR_EUSAGE,
                 "residual: the body must preserve the shape [%d, %d] of its input, but it "
                 "outputs [%d, %d]",
                 in.t, in.f, out.t, out.f);
        free_body(body, n);
        return -1;
    }
    residual_state *s = har_calloc(1, sizeof *s, e);
    if (!s) {
        free_body(body, n);
        return -1;
    }
    s->body = body;
    s->n = n;
    l->ops = &residual_ops;
    l->state = s; /* from here on, destroy frees the body */
    l->in = l->out = in;
    s->base = har_calloc((size_t)n, sizeof *s->base, e);
    s->acts = har_calloc((size_t)n, sizeof *s->acts, e);
    if (!s->base || !s->acts || expose_params(l, s, e))
        return residual_fail(l);
    return 0;
}
