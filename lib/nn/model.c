/* model.c - a sequence of layers with one parameter buffer: build, bind,
 * forward and backward over a batch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

int har_spec_parse(const char *spec, har_shape in, har_layer **layers, int *n, har_err *e);

static size_t numel(har_shape s)
{
    return (size_t)s.t * (size_t)s.f;
}

/* Collects the full parameter names: "<layer index>.<name within the layer>". */
static int collect_params(har_model *m, har_err *e)
{
    int total = 0;
    for (int i = 0; i < m->nlayers; i++)
        total += m->layers[i].nparams;
    m->params = har_calloc(total ? (size_t)total : 1, sizeof *m->params, e);
    if (!m->params)
        return -1;
    size_t base = 0;
    for (int i = 0; i < m->nlayers; i++) {
        har_layer *l = &m->layers[i];
        for (int j = 0; j < l->nparams; j++) {
            har_param *p = &m->params[m->nparams++];
            *p = l->params[j];
            int n = snprintf(p->name, sizeof p->name, "%d.%s", i, l->params[j].name);
            if (n < 0 || (size_t)n >= sizeof p->name)
                return har_fail(e, HAR_EUSAGE, "parameter name too long: %d.%s", i,
                                l->params[j].name);
            p->offset += base;
        }
        base += l->nweights;
    }
    m->nweights = base;
    return 0;
}

/* Points every layer at its slice of m->w and m->dw and at m->rng. */
static void bind_all(har_model *m)
{
    size_t base = 0;
    m->act_max = numel(m->in);
    for (int i = 0; i < m->nlayers; i++) {
        har_layer *l = &m->layers[i];
        l->rng = &m->rng;
        if (l->ops->bind)
            l->ops->bind(l, m->w + base, m->dw + base);
        else
            har_layer_bind_default(l, m->w + base, m->dw + base);
        base += l->nweights;
        if (numel(l->out) > m->act_max)
            m->act_max = numel(l->out);
    }
}

int har_model_size(const char *spec, har_shape in, size_t *nweights, size_t *act_max, har_err *e)
{
    har_layer *layers = NULL;
    int n = 0;
    if (in.t < 1 || in.f < 1)
        return har_fail(e, HAR_EDATA, "model input must be at least 1x1 (got %dx%d)", in.t, in.f);
    if (har_spec_parse(spec, in, &layers, &n, e))
        return e && e->code ? e->code : HAR_EUSAGE;
    *nweights = 0;
    *act_max = numel(in);
    for (int i = 0; i < n; i++) {
        *nweights += layers[i].nweights;
        if (numel(layers[i].out) > *act_max)
            *act_max = numel(layers[i].out);
        har_layer_destroy(&layers[i]);
    }
    free(layers);
    return 0;
}

int har_model_build(har_model *m, const char *spec, har_shape in, int nclasses, har_err *e)
{
    memset(m, 0, sizeof *m);
    m->in = in;
    m->nclasses = nclasses;
    har_rng_seed(&m->rng, 0);
    if (in.t < 1 || in.f < 1 || nclasses < 2) {
        har_fail(e, HAR_EDATA, "model input must be at least 1x1 with 2 classes (got %dx%d, %d classes)",
                 in.t, in.f, nclasses);
        return -1;
    }
    if (!(m->spec = har_strdup(spec, e)) ||
        har_spec_parse(spec, in, &m->layers, &m->nlayers, e))
        goto fail;
    har_shape out = m->layers[m->nlayers - 1].out;
    if (out.t != 1 || out.f != nclasses) {
        har_fail(e, HAR_EUSAGE,
                 "model spec \"%s\" outputs [%d, %d] per window, but the data needs [1, %d] "
                 "(%d classes)%s",
                 spec, out.t, out.f, nclasses, nclasses,
                 out.t != 1 ? ": reduce time first (flatten, gap, last, attention, or an RNN "
                              "readout) and end with dense:K"
                            : ": end with dense:K for K classes");
        goto fail;
    }
    if (collect_params(m, e))
        goto fail;
    m->w = har_calloc(m->nweights ? m->nweights : 1, sizeof *m->w, e);
    m->dw = har_calloc(m->nweights ? m->nweights : 1, sizeof *m->dw, e);
    m->acts = har_calloc((size_t)m->nlayers + 1, sizeof *m->acts, e);
    if (!m->w || !m->dw || !m->acts)
        goto fail;
    bind_all(m);
    return 0;
fail:
    har_model_free(m);
    return -1;
}

int har_model_build_shared(har_model *m, const har_model *src, har_err *e)
{
    if (har_model_build(m, src->spec, src->in, src->nclasses, e))
        return -1;
    free(m->w);
    m->w = src->w;
    m->shares_w = 1;
    bind_all(m);
    return 0;
}

void har_model_free(har_model *m)
{
    for (int i = 0; i < m->nlayers; i++)
        har_layer_destroy(&m->layers[i]);
    free(m->layers);
    if (m->acts)
        for (int i = 1; i <= m->nlayers; i++)
            free(m->acts[i]);
    free(m->acts);
    free(m->grad[0]);
    free(m->grad[1]);
    if (!m->shares_w)
        free(m->w);
    free(m->dw);
    free(m->params);
    free(m->spec);
    memset(m, 0, sizeof *m);
}

static void freeze_layers(har_layer *layers, int n)
{
    for (int i = 0; i < n; i++) {
        har_layer_info info;
        layers[i].frozen = 1;
        if (har_layer_describe(&layers[i], &info) == 0 && info.type == HAR_LAYER_RESIDUAL)
            freeze_layers((har_layer *)info.body, info.n);
    }
}

void har_model_freeze(har_model *m)
{
    freeze_layers(m->layers, m->nlayers);
}

int har_model_reserve(har_model *m, int max_batch, har_err *e)
{
    if (max_batch <= m->max_batch)
        return 0;
    for (int i = 0; i < m->nlayers; i++) {
        har_layer *l = &m->layers[i];
        if (har_nn_grow(&m->acts[i + 1], (size_t)max_batch * numel(l->out), e))
            return -1;
        if (l->ops->reserve && l->ops->reserve(l, max_batch, e))
            return -1;
    }
    for (int k = 0; k < 2; k++)
        if (har_nn_grow(&m->grad[k], (size_t)max_batch * m->act_max, e))
            return -1;
    m->max_batch = max_batch;
    return 0;
}

const real *har_model_forward(har_model *m, const real *x, int B, int train)
{
    m->acts[0] = (real *)x; /* read only; kept for the backward pass */
    for (int i = 0; i < m->nlayers; i++)
        m->layers[i].ops->forward(&m->layers[i], m->acts[i], m->acts[i + 1], B, train);
    return m->acts[m->nlayers];
}

void har_model_backward(har_model *m, const real *dlogits, real *dx, int B)
{
    /* Below the first layer with parameters nothing needs a gradient, unless
     * the caller asked for d(loss)/d(x): stop there (for flatten,dense,... the
     * first dense layer's input gradient was a third of its backward work). */
    int lowest = 0;
    if (!dx)
        while (lowest < m->nlayers - 1 && m->layers[lowest].nweights == 0)
            lowest++;
    const real *dy = dlogits;
    for (int i = m->nlayers - 1; i >= lowest; i--) {
        har_layer *l = &m->layers[i];
        real *dxi = i > lowest ? m->grad[i & 1] : dx;
        l->ops->backward(l, m->acts[i], m->acts[i + 1], dy, dxi, B);
        dy = dxi;
    }
}

void har_model_zero_grad(har_model *m)
{
    memset(m->dw, 0, m->nweights * sizeof *m->dw);
}

const har_param *har_model_param(const har_model *m, const char *name)
{
    for (int i = 0; i < m->nparams; i++)
        if (!strcmp(m->params[i].name, name))
            return &m->params[i];
    return NULL;
}

int har_model_groups(const har_model *m, char (*names)[HAR_PARAM_NAME], int *group_of, int max)
{
    int ng = 0;
    for (int i = 0; i < m->nparams; i++) {
        char prefix[HAR_PARAM_NAME];
        snprintf(prefix, sizeof prefix, "%s", m->params[i].name);
        char *dot = strrchr(prefix, '.');
        if (dot)
            *dot = 0;
        int g = ng - 1;
        if (g < 0 || strcmp(names[g], prefix)) {
            if (ng == max)
                return ng;
            g = ng++;
            memcpy(names[g], prefix, sizeof prefix);
        }
        group_of[i] = g;
    }
    return ng;
}
