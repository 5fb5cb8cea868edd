/* bootstrap.c - see bootstrap.h. */
#include <math.h>
#include <stdlib.h>

#include "bootstrap.h"
#include "metrics.h"

double har_quantile_sorted(const double *v, int n, double q)
{
    double h = (n - 1) * q;
    int i = (int)floor(h);
    if (i >= n - 1)
        return v[n - 1];
    if (i < 0)
        return v[0];
    return v[i] + (h - i) * (v[i + 1] - v[i]);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The percentile interval of the n replicate scores that are not NaN
 * (sorted in place, NaN last); NaN if there are none. */
static har_interval percentile_interval(double *v, int n, double level)
{
    int m = 0;
    for (int i = 0; i < n; i++)
        if (!isnan(v[i]))
            v[m++] = v[i];
    if (m == 0)
        return (har_interval){NAN, NAN};
    qsort(v, (size_t)m, sizeof *v, cmp_double);
    double tail = (1 - level) / 2;
    return (har_interval){har_quantile_sorted(v, m, tail), har_quantile_sorted(v, m, 1 - tail)};
}

/* Replicate scores, B of each (and B per class), and the confusion matrix
 * they are built in. */
typedef struct {
    double *accuracy, *macro_f1, *class_f1, *f1; /* class_f1: [k][B]; f1: [k] scratch */
    int k;
    har_confusion *conf;
} replicates;

static int replicates_new(replicates *r, int resamples, int k, har_err *e)
{
    r->k = k;
    r->accuracy = malloc((size_t)(2 + k) * (size_t)resamples * sizeof *r->accuracy);
    r->f1 = malloc((size_t)k * sizeof *r->f1);
    r->macro_f1 = r->accuracy ? r->accuracy + resamples : NULL;
    r->class_f1 = r->accuracy ? r->accuracy + 2 * (size_t)resamples : NULL;
    r->conf = har_confusion_new(k);
    if (!r->accuracy || !r->f1 || !r->conf) {
        free(r->accuracy);
        free(r->f1);
        har_confusion_free(r->conf);
        return har_fail(e, HAR_EIO, "out of memory");
    }
    return 0;
}

/* Scores replicate b of B from r->conf, which the caller has just filled.
 * A class the replicate lacks has no F1 (NaN), not the 0 the metrics give. */
static void replicates_score(replicates *r, int b, int B)
{
    har_scores s = har_confusion_scores(r->conf, NULL, NULL, r->f1);
    r->accuracy[b] = s.accuracy;
    r->macro_f1[b] = s.macro_f1;
    for (int c = 0; c < r->k; c++)
        r->class_f1[(size_t)c * B + b] = har_confusion_support(r->conf, c) ? r->f1[c] : NAN;
}

static int replicates_finish(replicates *r, const har_bootstrap_opts *o, har_bootstrap_ci *ci, har_err *e)
{
    ci->accuracy = percentile_interval(r->accuracy, o->resamples, o->level);
    ci->macro_f1 = percentile_interval(r->macro_f1, o->resamples, o->level);
    ci->class_f1 = malloc((size_t)r->k * sizeof *ci->class_f1);
    for (int c = 0; ci->class_f1 && c < r->k; c++)
        ci->class_f1[c] = percentile_interval(r->class_f1 + (size_t)c * o->resamples, o->resamples, o->level);
    free(r->accuracy);
    free(r->f1);
    har_confusion_free(r->conf);
    return ci->class_f1 ? 0 : har_fail(e, HAR_EIO, "out of memory");
}

void har_bootstrap_ci_free(har_bootstrap_ci *ci)
{
    free(ci->class_f1);
    ci->class_f1 = NULL;
}

static int check_opts(const har_bootstrap_opts *o, int64_t n, har_err *e)
{
    if (o->resamples < 1 || !(o->level > 0 && o->level < 1))
        return har_fail(e, HAR_EUSAGE, "bootstrap needs at least 1 resample and a level in (0, 1)");
    if (n < 1)
        return har_fail(e, HAR_EDATA, "nothing to bootstrap: no windows");
    return 0;
}

int har_bootstrap_windows(const int32_t *truth, const int32_t *pred, int64_t n, int k,
                          const har_bootstrap_opts *o, har_bootstrap_ci *ci, har_err *e)
{
    replicates r;
    if (check_opts(o, n, e) || replicates_new(&r, o->resamples, k, e))
        return e->code;
    har_rng rng;
    har_seed_stream(&rng, o->seed, "bootstrap-windows");
    for (int b = 0; b < o->resamples; b++) {
        har_confusion_reset(r.conf);
        for (int64_t i = 0; i < n; i++) {
            int64_t j = (int64_t)har_rng_below(&rng, (uint64_t)n);
            har_confusion_add(r.conf, truth[j], pred[j]);
        }
        replicates_score(&r, b, o->resamples);
    }
    return replicates_finish(&r, o, ci, e);
}

int har_bootstrap_clusters(const int32_t *truth, const int32_t *pred, const int32_t *cluster,
                           int64_t n, int k, const har_bootstrap_opts *o, har_bootstrap_ci *ci,
                           har_err *e)
{
    har_idlist ids;
    if (check_opts(o, n, e))
        return e->code;
    /* A replicate is a weighted sum of the clusters' confusion matrices: k*k
     * additions per drawn cluster instead of a pass over its windows. */
    har_confusion **c = har_confusion_by_group(truth, pred, cluster, n, k, &ids, e);
    if (!c)
        return e->code;
    size_t nc = ids.n;
    har_idlist_free(&ids);
    replicates r;
    int rc = nc < 2 ? har_fail(e, HAR_EDATA, "a subject bootstrap needs at least 2 subjects, got %zu", nc)
                    : replicates_new(&r, o->resamples, k, e);
    if (!rc) {
        har_rng rng;
        har_seed_stream(&rng, o->seed, "bootstrap-subjects");
        for (int b = 0; b < o->resamples; b++) {
            har_confusion_reset(r.conf);
            for (size_t s = 0; s < nc; s++)
                har_confusion_add_matrix(r.conf, c[har_rng_below(&rng, nc)], 1);
            replicates_score(&r, b, o->resamples);
        }
        rc = replicates_finish(&r, o, ci, e);
    }
    har_confusion_free_groups(c, nc);
    return rc;
}
