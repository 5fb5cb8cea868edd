/* init.c - parameter initialisers, all drawn from one seeded stream in
 * parameter order, so a seed fixes the whole initial model. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static const char *const init_names[] = {"torch", "xavier", "he", "orthogonal"};

int har_init_parse(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (!strcmp(name, init_names[i]))
            return i;
    return -1;
}

const char *har_init_name(har_init s)
{
    return init_names[s];
}

static double uniform_pm(har_rng *r, double bound)
{
    return (2 * har_rng_uniform(r) - 1) * bound;
}

/* An n x n orthogonal matrix: modified Gram-Schmidt on the rows of a Gaussian
 * matrix (rows of a random Gaussian matrix are independent almost surely). */
static void orthogonal_block(har_rng *r, real *w, int n, int ld)
{
    double *q = malloc((size_t)n * n * sizeof *q);
    if (!q) { /* cannot happen for sane sizes; fall back to Glorot */
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                w[(size_t)i * ld + j] = (real)uniform_pm(r, sqrt(3.0 / n));
        return;
    }
    for (size_t i = 0; i < (size_t)n * n; i++)
        q[i] = har_rng_normal(r);
    for (int i = 0; i < n; i++) {
        double *qi = q + (size_t)i * n;
        for (int pass = 0; pass < 2; pass++) /* re-orthogonalise once for accuracy */
            for (int k = 0; k < i; k++) {
                double *qk = q + (size_t)k * n, d = 0;
                for (int j = 0; j < n; j++)
                    d += qi[j] * qk[j];
                for (int j = 0; j < n; j++)
                    qi[j] -= d * qk[j];
            }
        double nrm = 0;
        for (int j = 0; j < n; j++)
            nrm += qi[j] * qi[j];
        nrm = sqrt(nrm);
        for (int j = 0; j < n; j++)
            qi[j] /= nrm;
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            w[(size_t)i * ld + j] = (real)q[(size_t)i * n + j];
    free(q);
}

static void init_param(const har_param *p, real *w, har_init scheme, har_rng *r)
{
    size_t n = p->size;
    double glorot = sqrt(6.0 / (p->fan_in + p->fan_out));
    switch (p->kind) {
    case HAR_P_GAIN:
        for (size_t i = 0; i < n; i++)
            w[i] = 1;
        return;
    case HAR_P_SHIFT:
        memset(w, 0, n * sizeof *w);
        return;
    case HAR_P_BIAS:
        if (scheme == HAR_INIT_TORCH)
            for (size_t i = 0; i < n; i++)
                w[i] = (real)uniform_pm(r, 1 / sqrt((double)p->torch_bound));
        else
            memset(w, 0, n * sizeof *w);
        return;
    case HAR_P_WEIGHT:
    case HAR_P_RECURRENT:
        break;
    }
    switch (scheme) {
    case HAR_INIT_TORCH:
        for (size_t i = 0; i < n; i++)
            w[i] = (real)uniform_pm(r, 1 / sqrt((double)p->torch_bound));
        break;
    case HAR_INIT_HE: {
        double sd = sqrt(2.0 / p->fan_in);
        for (size_t i = 0; i < n; i++)
            w[i] = (real)(sd * har_rng_normal(r));
        break;
    }
    case HAR_INIT_ORTHOGONAL:
        if (p->kind == HAR_P_RECURRENT && p->gates > 0) {
            int h = (int)p->shape[1];
            for (int g = 0; g < p->gates; g++)
                orthogonal_block(r, w + (size_t)g * h * h, h, h);
            break;
        }
        for (size_t i = 0; i < n; i++) /* Glorot for all that is not hidden-to-hidden */
            w[i] = (real)uniform_pm(r, glorot);
        break;
    case HAR_INIT_XAVIER:
        for (size_t i = 0; i < n; i++)
            w[i] = (real)uniform_pm(r, glorot);
        break;
    }
}

void har_model_init(har_model *m, har_init scheme, uint64_t seed)
{
    har_rng r;
    har_rng_seed(&r, seed);
    for (int i = 0; i < m->nparams; i++)
        init_param(&m->params[i], m->w + m->params[i].offset, scheme, &r);
}
