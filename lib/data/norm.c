#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "norm.h"

void har_channel_stats(const float *x, int64_t rows, int c, double *mean, double *std, double *min,
                       double *max)
{
    for (int j = 0; j < c; j++) {
        /* Two passes in double: the mean first, then squared deviations,
         * which avoids the cancellation of the sum-of-squares formula. */
        double sum = 0, lo = INFINITY, hi = -INFINITY;
        for (int64_t i = 0; i < rows; i++) {
            double v = x[(size_t)i * (size_t)c + (size_t)j];
            sum += v;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        double m = rows ? sum / (double)rows : NAN, ss = 0;
        for (int64_t i = 0; i < rows; i++) {
            double d = x[(size_t)i * (size_t)c + (size_t)j] - m;
            ss += d * d;
        }
        if (mean)
            mean[j] = m;
        if (std)
            std[j] = rows ? sqrt(ss / (double)rows) : NAN;
        if (min)
            min[j] = lo;
        if (max)
            max[j] = hi;
    }
}

har_tfile *har_norm_fit(const har_windows *w, int allow_any_split, har_err *e)
{
    const char *name = w->file->source ? w->file->source : "<dataset>";
    const char *split = har_tfile_meta_get(w->file, "split");
    if (split && strcmp(split, "train") != 0 && !allow_any_split) {
        har_fail(e, HAR_EUSAGE,
                 "%s is the '%s' split: statistics must be fitted on training data only "
                 "(--allow-any-split overrides)",
                 name, split);
        return NULL;
    }
    if (har_tfile_meta_get(w->file, "normalisation")) {
        har_fail(e, HAR_EDATA, "%s is already normalised; fit on the raw windows", name);
        return NULL;
    }
    if (w->n == 0) {
        har_fail(e, HAR_EDATA, "%s has no windows to fit on", name);
        return NULL;
    }
    const char *chs = har_tfile_meta_get(w->file, "channels");
    int nch = 0;
    char **chl = har_split_list(chs ? chs : "", &nch, e);
    har_tfile *f = chl ? har_tfile_new(e) : NULL;
    const int64_t shape[1] = {w->c};
    har_tensor *mt = f ? har_tfile_add(f, "mean", HAR_F64, 1, shape, e) : NULL;
    har_tensor *st = mt ? har_tfile_add(f, "std", HAR_F64, 1, shape, e) : NULL;
    if (!st)
        goto fail;
    double *mean = mt->data, *std = st->data;
    har_channel_stats(w->x, w->n * w->t, w->c, mean, std, NULL, NULL);
    for (int j = 0; j < w->c; j++)
        if (!(std[j] > 0) || !isfinite(std[j]) || !isfinite(mean[j])) {
            har_fail(e, HAR_EDATA, "%s: channel %s has std %g: a constant or non-finite channel cannot be standardised",
                     name, har_list_at(chl, nch, j), std[j]);
            goto fail;
        }
    if (har_tfile_meta_set(f, "format", HAR_NORM_FORMAT, e) || har_tfile_meta_set(f, "channels", chs, e) ||
        har_tfile_meta_setf(f, e, "count", "%lld", (long long)(w->n * w->t)) ||
        har_tfile_meta_set(f, "fit_split", split ? split : "unknown", e) ||
        har_tfile_meta_set(f, "fit_digest", w->file->digest, e) ||
        har_tfile_meta_set(f, "definition", "x' = (x - mean) / std; population std over all windows and timesteps", e))
        goto fail;
    free(chl);
    return f;
fail:
    free(chl);
    har_tfile_free(f);
    return NULL;
}

int har_norm_bind(har_norm_stats *s, const har_tfile *stats, har_err *e)
{
    memset(s, 0, sizeof *s);
    const char *name = stats->source ? stats->source : "<stats>";
    const char *fmt = har_tfile_meta_get(stats, "format");
    if (!fmt || strcmp(fmt, HAR_NORM_FORMAT) != 0)
        return har_fail(e, HAR_EDATA, "%s: not a normalisation stats file (metadata format is '%s', expected '%s')",
                        name, fmt ? fmt : "missing", HAR_NORM_FORMAT);
    const int64_t any[1] = {-1};
    har_tensor *m = har_tfile_expect(stats, "mean", HAR_F64, 1, any, e);
    if (!m)
        return HAR_EDATA;
    const int64_t shape[1] = {m->shape[0]};
    har_tensor *sd = har_tfile_expect(stats, "std", HAR_F64, 1, shape, e);
    if (!sd)
        return HAR_EDATA;
    const double *mean = m->data, *std = sd->data;
    for (int64_t j = 0; j < shape[0]; j++)
        if (!isfinite(mean[j]) || !isfinite(std[j]) || !(std[j] > 0))
            return har_fail(e, HAR_EDATA, "%s: channel %lld has mean %g, std %g: std must be finite and > 0", name,
                            (long long)j, mean[j], std[j]);
    s->c = (int)shape[0];
    s->mean = mean;
    s->std = std;
    s->file = stats;
    return 0;
}

/* Writes v[0..n) as a comma list that strtod reads back exactly. */
static int set_list(har_tfile *f, const char *key, const double *v, int n, har_err *e)
{
    char *buf = har_malloc((size_t)n * 26 + 1, e), *p = buf;
    if (!buf)
        return HAR_EIO;
    for (int i = 0; i < n; i++)
        p += sprintf(p, "%s%.17g", i ? "," : "", v[i]);
    int rc = har_tfile_meta_set(f, key, buf, e);
    free(buf);
    return rc;
}

int har_standardise(har_windows *w, const double *mean, const double *std, const char *sname, har_err *e)
{
    const char *name = w->file && w->file->source ? w->file->source : "<dataset>";
    size_t rows = (size_t)w->n * (size_t)w->t;
    for (size_t i = 0; i < rows; i++)
        for (int j = 0; j < w->c; j++) {
            float *v = &w->x[i * (size_t)w->c + (size_t)j];
            *v = (float)(((double)*v - mean[j]) / std[j]);
            /* A tiny std can overflow float: never write a file no tool reads. */
            if (!isfinite(*v))
                return har_fail(e, HAR_EDATA, "%s: channel %d of window %zu overflows after normalising with %s (std %g)",
                                name, j, i / (size_t)w->t, sname, std[j]);
        }
    return 0;
}

int har_norm_apply(const har_norm_stats *s, har_windows *w, har_err *e)
{
    const char *name = w->file->source ? w->file->source : "<dataset>";
    const char *sname = s->file->source ? s->file->source : "<stats>";
    if (har_tfile_meta_get(w->file, "normalisation"))
        return har_fail(e, HAR_EDATA, "%s is already normalised (metadata 'normalisation' is set)", name);
    const char *wc = har_tfile_meta_get(w->file, "channels"), *sc = har_tfile_meta_get(s->file, "channels");
    if (w->c != s->c || !wc || !sc || strcmp(wc, sc) != 0)
        return har_fail(e, HAR_EDATA, "%s has channels [%s] but %s was fitted on [%s]", name, wc ? wc : "?", sname,
                        sc ? sc : "?");
    if (har_standardise(w, s->mean, s->std, sname, e))
        return e->code;
    if (har_tfile_meta_set(w->file, "normalisation", "per-channel z-score (har-norm)", e) ||
        har_tfile_meta_set(w->file, "norm_digest", s->file->digest, e) ||
        set_list(w->file, "norm_mean", s->mean, s->c, e) || set_list(w->file, "norm_std", s->std, s->c, e))
        return HAR_EIO;
    return 0;
}

int har_norm_from_meta(const har_tfile *f, int c, double *mean, double *std, har_err *e)
{
    const char *name = f->source ? f->source : "<dataset>";
    const char *keys[2] = {"norm_mean", "norm_std"};
    double *out[2] = {mean, std};
    for (int k = 0; k < 2; k++) {
        const char *s = har_tfile_meta_get(f, keys[k]);
        if (!s)
            return har_fail(e, HAR_EDATA, "%s: metadata '%s' is missing (normalise with har-norm apply, or give the STATS file)",
                            name, keys[k]);
        for (int j = 0; j < c; j++) {
            char *end;
            errno = 0;
            out[k][j] = strtod(s, &end);
            if (errno || end == s || (j < c - 1 ? *end != ',' : *end != 0) || !isfinite(out[k][j]) ||
                (k == 1 && !(out[k][j] > 0)))
                return har_fail(e, HAR_EDATA, "%s: metadata '%s' must be %d finite numbers%s, got \"%s\"", name,
                                keys[k], c, k ? " > 0" : "", har_tfile_meta_get(f, keys[k]));
            s = end + 1;
        }
    }
    return 0;
}
