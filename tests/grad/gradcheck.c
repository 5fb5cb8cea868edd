/* gradcheck.c - central-difference gradient checks (see gradcheck.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"

#define GC_H 1e-6

void gc_fill(real *v, size_t n, double scale, uint64_t seed)
{
    har_rng r;
    har_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++)
        v[i] = (real)((2 * har_rng_uniform(&r) - 1) * scale);
}

static size_t numel(har_shape s)
{
    return (size_t)s.t * (size_t)s.f;
}

void gc_layer_setup(har_layer *l, int B, uint64_t seed)
{
    real *w = calloc(l->nweights + 1, sizeof *w), *dw = calloc(l->nweights + 1, sizeof *dw);
    ck_assert(w && dw);
    gc_fill(w, l->nweights, 0.5, seed);
    /* norm gains near 1, like after initialisation */
    for (int i = 0; i < l->nparams; i++)
        if (l->params[i].kind == HAR_P_GAIN)
            for (size_t j = 0; j < l->params[i].size; j++)
                w[l->params[i].offset + j] += 1;
    /* The rng is set before bind, as har_model_build does, so containers
     * (residual blocks) can hand it to their children. */
    static har_rng shared; /* reset before every forward by gc_check_layer */
    l->rng = &shared;
    if (l->ops->bind)
        l->ops->bind(l, w, dw);
    else
        har_layer_bind_default(l, w, dw);
    har_err e = {0};
    if (l->ops->reserve)
        ck_assert_msg(l->ops->reserve(l, B, &e) == 0, "reserve: %s", e.msg);
}

void gc_layer_free(har_layer *l)
{
    free(l->w);
    free(l->dw);
    har_layer_destroy(l);
}

static double rel_err(const real *a, const double *n, size_t len)
{
    double d = 0, sa = 0, sn = 0;
    for (size_t i = 0; i < len; i++) {
        d += (a[i] - n[i]) * (a[i] - n[i]);
        sa += (double)a[i] * a[i];
        sn += n[i] * n[i];
    }
    double den = sqrt(sa) + sqrt(sn);
    return sqrt(d) / (den > 1e-12 ? den : 1e-12);
}

/* L = sum y * r after a forward with the rng replayed from *rng0. */
static double layer_loss(har_layer *l, const real *x, real *y, const real *r, size_t ny, int B,
                         int train, const har_rng *rng0)
{
    *l->rng = *rng0;
    l->ops->forward(l, x, y, B, train);
    double s = 0;
    for (size_t i = 0; i < ny; i++)
        s += (double)y[i] * r[i];
    return s;
}

static double check_tensor(const char *layer, const char *tensor, real *v, const real *analytic,
                           size_t n, double (*loss)(void *), void *ctx)
{
    double *num = malloc((n ? n : 1) * sizeof *num);
    ck_assert(num);
    for (size_t i = 0; i < n; i++) {
        real keep = v[i];
        v[i] = keep + GC_H;
        double lp = loss(ctx);
        v[i] = keep - GC_H;
        double lm = loss(ctx);
        v[i] = keep;
        num[i] = (lp - lm) / (2 * GC_H);
    }
    double err = rel_err(analytic, num, n);
    free(num);
    ck_assert_msg(err < GC_TOL, "%s: gradient of %s differs from finite differences: rel err %.3g",
                  layer, tensor, err);
    return err;
}

typedef struct {
    har_layer *l;
    const real *x;
    real *y;
    const real *r;
    size_t ny;
    int B, train;
    har_rng rng0;
} layer_ctx;

static double layer_ctx_loss(void *p)
{
    layer_ctx *c = p;
    return layer_loss(c->l, c->x, c->y, c->r, c->ny, c->B, c->train, &c->rng0);
}

double gc_check_layer(har_layer *l, int B, int train, uint64_t seed)
{
    size_t nx = (size_t)B * numel(l->in), ny = (size_t)B * numel(l->out);
    real *x = malloc(nx * sizeof *x), *y = malloc(ny * sizeof *y), *r = malloc(ny * sizeof *r);
    real *dx = malloc(nx * sizeof *dx);
    ck_assert(x && y && r && dx);
    gc_fill(x, nx, 1.0, seed + 1);
    gc_fill(r, ny, 1.0, seed + 2);
    layer_ctx c = {l, x, y, r, ny, B, train, {{0}}};
    har_rng_seed(&c.rng0, seed + 3);

    layer_loss(l, x, y, r, ny, B, train, &c.rng0);
    memset(l->dw, 0, l->nweights * sizeof *l->dw);
    l->ops->backward(l, x, y, r, dx, B);
    real *dw = malloc((l->nweights + 1) * sizeof *dw);
    ck_assert(dw);
    memcpy(dw, l->dw, l->nweights * sizeof *dw);

    double worst = check_tensor(l->spec, "input", x, dx, nx, layer_ctx_loss, &c);
    for (int i = 0; i < l->nparams; i++) {
        const har_param *p = &l->params[i];
        double err = check_tensor(l->spec, p->name, l->w + p->offset, dw + p->offset, p->size,
                                  layer_ctx_loss, &c);
        if (err > worst)
            worst = err;
    }
    free(x);
    free(y);
    free(r);
    free(dx);
    free(dw);
    return worst;
}

typedef struct {
    har_model *m;
    const real *x;
    const int32_t *y;
    int B, train;
    const real *cw;
    double smoothing;
    har_rng rng0;
} model_ctx;

static double model_ctx_loss(void *p)
{
    model_ctx *c = p;
    c->m->rng = c->rng0;
    const real *z = har_model_forward(c->m, c->x, c->B, c->train);
    return har_softmax_xent(z, c->y, c->B, c->m->nclasses, c->cw, c->smoothing, NULL, NULL);
}

double gc_check_model(har_model *m, int B, int train, const real *class_weight,
                      double smoothing, uint64_t seed)
{
    har_err e = {0};
    ck_assert_msg(har_model_reserve(m, B, &e) == 0, "%s", e.msg);
    size_t nx = (size_t)B * numel(m->in);
    real *x = malloc(nx * sizeof *x), *dx = malloc(nx * sizeof *dx);
    real *dz = malloc((size_t)B * m->nclasses * sizeof *dz);
    int32_t *y = malloc((size_t)B * sizeof *y);
    ck_assert(x && dx && dz && y);
    gc_fill(x, nx, 1.0, seed + 1);
    har_rng r;
    har_rng_seed(&r, seed + 2);
    for (int i = 0; i < B; i++)
        y[i] = (int32_t)har_rng_below(&r, (uint64_t)m->nclasses);
    model_ctx c = {m, x, y, B, train, class_weight, smoothing, {{0}}};
    har_rng_seed(&c.rng0, seed + 3);

    m->rng = c.rng0;
    const real *z = har_model_forward(m, x, B, train);
    har_softmax_xent(z, y, B, m->nclasses, class_weight, smoothing, dz, NULL);
    har_model_zero_grad(m);
    har_model_backward(m, dz, dx, B);
    real *dw = malloc((m->nweights + 1) * sizeof *dw);
    ck_assert(dw);
    memcpy(dw, m->dw, m->nweights * sizeof *dw);

    double worst = check_tensor(m->spec, "input", x, dx, nx, model_ctx_loss, &c);
    for (int i = 0; i < m->nparams; i++) {
        const har_param *p = &m->params[i];
        double err = check_tensor(m->spec, p->name, m->w + p->offset, dw + p->offset, p->size,
                                  model_ctx_loss, &c);
        if (err > worst)
            worst = err;
    }
    free(x);
    free(dx);
    free(dz);
    free(y);
    free(dw);
    return worst;
}
