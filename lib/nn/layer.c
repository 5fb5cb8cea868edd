/* layer.c - what every layer shares: parameter declaration, binding, caches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"

har_param *har_layer_add_param(har_layer *l, const char *name, har_param_kind kind, int ndim,
                               const int64_t *shape, int fan_in, int fan_out, har_err *e)
{
    if (l->nparams == l->cap_params) {
        int cap = l->cap_params ? 2 * l->cap_params : 4;
        har_param *p = realloc(l->params, (size_t)cap * sizeof *p);
        if (!p) {
            har_fail(e, HAR_EIO, "out of memory");
            return NULL;
        }
        l->params = p;
        l->cap_params = cap;
    }
    har_param *p = &l->params[l->nparams++];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->kind = kind;
    p->ndim = ndim;
    p->size = 1;
    for (int i = 0; i < ndim; i++) {
        p->shape[i] = shape[i];
        p->size *= (size_t)shape[i];
    }
    p->offset = l->nweights;
    p->fan_in = fan_in;
    p->fan_out = fan_out;
    p->torch_bound = fan_in;
    l->nweights += p->size;
    return p;
}

void har_layer_bind_default(har_layer *l, real *w, real *dw)
{
    l->w = w;
    l->dw = dw;
}

int har_nn_grow(real **p, size_t n, har_err *e)
{
    real *q = realloc(*p, (n ? n : 1) * sizeof *q);
    if (!q)
        return har_fail(e, HAR_EIO, "out of memory (%zu values of layer cache)", n);
    *p = q;
    return 0;
}

int har_nn_alloc_aligned(real **p, size_t n, har_err *e)
{
    size_t bytes = (n * sizeof **p + 63) / 64 * 64;
    if (!(*p = aligned_alloc(64, bytes ? bytes : 64)))
        return har_fail(e, HAR_EIO, "out of memory (%zu values of layer cache)", n);
    return 0;
}

int har_layer_cache_stale(const har_layer *l, int built, real *copy, const real *w, size_t n)
{
    if (built && (l->frozen || !memcmp(copy, w, n * sizeof *w)))
        return 0;
    memcpy(copy, w, n * sizeof *w);
    return 1;
}

int har_layer_describe(const har_layer *l, har_layer_info *info)
{
    if (!l->ops || !l->ops->describe)
        return -1;
    memset(info, 0, sizeof *info);
    l->ops->describe(l, info);
    return 0;
}

void har_layer_destroy(har_layer *l)
{
    if (!l)
        return;
    if (l->ops && l->ops->destroy)
        l->ops->destroy(l);
    free(l->params);
    l->params = NULL;
    l->nparams = l->cap_params = 0;
    l->state = NULL;
}
