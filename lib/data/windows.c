#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "windows.h"

char **har_split_list(const char *s, int *count, har_err *e)
{
    size_t len = strlen(s);
    int n = len ? 1 : 0;
    for (const char *p = s; *p; p++)
        n += *p == ',';
    /* Pointer array followed by a copy of the text, in one block. */
    char **out = har_malloc((size_t)(n + 1) * sizeof *out + len + 1, e);
    if (!out)
        return NULL;
    char *text = (char *)(out + n + 1);
    memcpy(text, s, len + 1);
    int i = 0;
    if (n)
        for (char *tok = text;; tok++) {
            out[i++] = tok;
            tok = strchr(tok, ',');
            if (!tok)
                break;
            *tok = '\0';
        }
    out[n] = NULL;
    *count = n;
    return out;
}

const char *har_list_at(char **list, int n, int i)
{
    return list && i >= 0 && i < n ? list[i] : "?";
}

void har_windows_free(har_windows *w)
{
    har_tfile_free(w->file);
    free(w->classes);
    memset(w, 0, sizeof *w);
}

int har_windows_refresh_classes(har_windows *w, har_err *e)
{
    free(w->classes);
    w->classes = NULL;
    w->nclasses = 0;
    const char *cl = har_tfile_meta_get(w->file, "classes");
    if (!cl)
        return 0;
    w->classes = har_split_list(cl, &w->nclasses, e);
    return w->classes ? 0 : HAR_EIO;
}

static int bind(har_windows *w, har_err *e)
{
    har_tfile *f = w->file;
    const int64_t any3[3] = {-1, -1, -1};
    har_tensor *x = har_tfile_expect(f, "X", HAR_F32, 3, any3, e);
    if (!x)
        return HAR_EDATA;
    int64_t n = x->shape[0], vec[1] = {n};
    if (x->shape[1] < 1 || x->shape[2] < 1 || x->shape[1] > INT32_MAX || x->shape[2] > INT32_MAX)
        return har_fail(e, HAR_EDATA, "%s: tensor 'X' must have T >= 1 and C >= 1", f->source);
    har_tensor *y = har_tfile_expect(f, "y", HAR_I32, 1, vec, e);
    har_tensor *s = y ? har_tfile_expect(f, "subject", HAR_I32, 1, vec, e) : NULL;
    har_tensor *r = s ? har_tfile_expect(f, "recording", HAR_I32, 1, vec, e) : NULL;
    har_tensor *st = r ? har_tfile_expect(f, "start", HAR_I64, 1, vec, e) : NULL;
    if (!st)
        return HAR_EDATA;
    w->n = n;
    w->t = (int)x->shape[1];
    w->c = (int)x->shape[2];
    w->x = x->data;
    w->y = y->data;
    w->subject = s->data;
    w->recording = r->data;
    w->start = st->data;
    return 0;
}

/* The invariants every tool relies on. */
static int validate(har_windows *w, har_err *e)
{
    const har_tfile *f = w->file;
    const char *name = f->source ? f->source : "<dataset>";
    const char *fmt = har_tfile_meta_get(f, "format");
    if (fmt && strcmp(fmt, HAR_WINDOWS_FORMAT) != 0)
        return har_fail(e, HAR_EDATA, "%s: metadata format is '%s', expected '%s'", name, fmt,
                        HAR_WINDOWS_FORMAT);
    const char *ch = har_tfile_meta_get(f, "channels");
    if (!ch)
        return har_fail(e, HAR_EDATA, "%s: metadata 'channels' is missing (not a window dataset?)", name);
    int nch = 0;
    char **chl = har_split_list(ch, &nch, e);
    if (!chl)
        return HAR_EIO;
    free(chl);
    if (nch != w->c)
        return har_fail(e, HAR_EDATA, "%s: metadata lists %d channels but tensor 'X' has C = %d", name, nch,
                        w->c);
    if (har_windows_refresh_classes(w, e))
        return HAR_EIO;
    if (w->nclasses < 1)
        return har_fail(e, HAR_EDATA, "%s: metadata 'classes' is missing or empty", name);
    for (int64_t i = 0; i < w->n; i++) {
        if (w->y[i] < 0 || w->y[i] >= w->nclasses)
            return har_fail(e, HAR_EDATA, "%s: y[%lld] = %d is outside 0..%d (%d classes)", name,
                            (long long)i, w->y[i], w->nclasses - 1, w->nclasses);
        if (w->subject[i] < 0)
            return har_fail(e, HAR_EDATA, "%s: subject[%lld] = %d is negative", name, (long long)i,
                            w->subject[i]);
    }
    size_t total = (size_t)w->n * (size_t)w->t * (size_t)w->c;
    for (size_t i = 0; i < total; i++)
        if (!isfinite(w->x[i])) {
            size_t tc = (size_t)w->t * (size_t)w->c;
            return har_fail(e, HAR_EDATA, "%s: X[%zu, %zu, %zu] is %s", name, i / tc, i % tc / (size_t)w->c,
                            i % (size_t)w->c, isnan(w->x[i]) ? "NaN" : "infinite");
        }
    return 0;
}

int har_windows_from_tfile(har_windows *w, har_tfile *f, har_err *e)
{
    memset(w, 0, sizeof *w);
    w->file = f;
    int rc = bind(w, e);
    if (!rc)
        rc = validate(w, e);
    if (rc)
        har_windows_free(w);
    return rc;
}

int har_windows_load(har_windows *w, const char *path, har_err *e)
{
    memset(w, 0, sizeof *w);
    har_tfile *f = har_tfile_read(path, e);
    if (!f)
        return e ? e->code : HAR_EDATA;
    return har_windows_from_tfile(w, f, e);
}

int har_windows_alloc(har_windows *w, int64_t n, int t, int c, har_err *e)
{
    memset(w, 0, sizeof *w);
    if (!(w->file = har_tfile_new(e)))
        return HAR_EIO;
    const int64_t xs[3] = {n, t, c}, vs[1] = {n};
    if (!har_tfile_add(w->file, "X", HAR_F32, 3, xs, e) || !har_tfile_add(w->file, "y", HAR_I32, 1, vs, e) ||
        !har_tfile_add(w->file, "subject", HAR_I32, 1, vs, e) ||
        !har_tfile_add(w->file, "recording", HAR_I32, 1, vs, e) ||
        !har_tfile_add(w->file, "start", HAR_I64, 1, vs, e)) {
        har_windows_free(w);
        return e ? e->code : HAR_EIO;
    }
    return bind(w, e);
}

int har_windows_subset(const har_windows *src, const int64_t *idx, int64_t m, har_windows *dst, har_err *e)
{
    if (har_windows_alloc(dst, m, src->t, src->c, e))
        return HAR_EIO;
    size_t row = (size_t)src->t * (size_t)src->c;
    for (int64_t k = 0; k < m; k++) {
        int64_t i = idx[k];
        memcpy(dst->x + (size_t)k * row, src->x + (size_t)i * row, row * sizeof(float));
        dst->y[k] = src->y[i];
        dst->subject[k] = src->subject[i];
        dst->recording[k] = src->recording[i];
        dst->start[k] = src->start[i];
    }
    if (har_tfile_meta_copy(dst->file, src->file, e) || har_windows_refresh_classes(dst, e)) {
        har_windows_free(dst);
        return HAR_EIO;
    }
    return 0;
}

int har_windows_subjects(const har_windows *w, har_idlist *out, har_err *e)
{
    memset(out, 0, sizeof *out);
    int32_t last = -1;
    for (int64_t i = 0; i < w->n; i++)
        if (w->subject[i] != last) {
            last = w->subject[i];
            if (har_idlist_add(out, last, e)) {
                har_idlist_free(out);
                return HAR_EIO;
            }
        }
    return 0;
}

int har_windows_resize(har_windows *w, int64_t m, har_err *e)
{
    for (size_t i = 0; i < w->file->ntensors; i++) {
        har_tensor *t = &w->file->tensors[i];
        if (t->ndim < 1 || t->shape[0] != w->n)
            continue;
        size_t row = har_dtype_size(t->dtype);
        for (int d = 1; d < t->ndim; d++)
            row *= (size_t)t->shape[d];
        size_t bytes = row * (size_t)m;
        void *data = realloc(t->data, bytes ? bytes : 1);
        if (!data)
            return har_fail(e, HAR_EIO, "out of memory growing tensor '%s' to %lld rows", t->name, (long long)m);
        t->data = data;
        t->nbytes = bytes;
        t->shape[0] = m;
    }
    return bind(w, e);
}
