/* layout.c - what both layout readers share: the manifest of input files,
 * class selection, repairs (--nan) and the class metadata. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"

int har_ingest_log_file(har_ingest_log *log, const char *root, const char *path, const char *sha,
                        int64_t rows, int64_t bad_values, int64_t repaired, har_err *e)
{
    har_ingest_file *nf = realloc(log->files, (log->nfiles + 1) * sizeof *nf);
    if (!nf)
        return har_fail(e, HAR_EIO, "out of memory");
    log->files = nf;
    /* Relative to the root, without ".gz": the manifest (and the digest) does
     * not depend on where the data lives or whether it is compressed. */
    size_t rl = strlen(root);
    const char *rel = strncmp(path, root, rl) == 0 && path[rl] == '/' ? path + rl + 1 : path;
    char *p = har_strdup(rel, e);
    if (!p)
        return HAR_EIO;
    size_t n = strlen(p);
    if (n > 3 && strcmp(p + n - 3, ".gz") == 0)
        p[n - 3] = '\0';
    har_ingest_file *f = &log->files[log->nfiles++];
    f->path = p;
    memcpy(f->sha, sha, HAR_SHA256_HEX);
    f->rows = rows;
    f->bad_values = bad_values;
    f->repaired_samples = repaired;
    log->bad_values += bad_values;
    return 0;
}

int har_ingest_nan_hint(har_err *e)
{
    static const char hint[] = " (use --nan ffill to repair or --nan drop to drop the affected windows)";
    if (!e)
        return HAR_EDATA;
    if (strlen(e->msg) + sizeof hint <= sizeof e->msg)
        strcat(e->msg, hint);
    return e->code;
}

int64_t har_ffill(double *x, int64_t n, int64_t stride)
{
    int64_t first = -1, fixed = 0;
    for (int64_t i = 0; i < n && first < 0; i++)
        if (!isnan(x[i * stride]))
            first = i;
    if (first < 0)
        return n ? -1 : 0;
    double last = x[first * stride];
    for (int64_t i = 0; i < n; i++) {
        double *v = &x[i * stride];
        if (isnan(*v)) {
            *v = last;
            fixed++;
        } else {
            last = *v;
        }
    }
    return fixed;
}

static const har_idlist *selected(const har_ingest_opts *o, har_idlist *dflt)
{
    static int32_t six[] = {1, 2, 3, 4, 5, 6};
    dflt->ids = six;
    dflt->n = 6;
    return o->activities.n ? &o->activities : dflt;
}

int har_ingest_classes(const har_ingest_opts *o, const har_activities *acts, const char *acts_path,
                       int32_t *class_of, int32_t max_id, har_err *e)
{
    har_idlist dflt;
    const har_idlist *sel = selected(o, &dflt);
    for (int32_t id = 0; id <= max_id; id++)
        class_of[id] = -1;
    for (size_t i = 0; i < sel->n; i++) {
        int32_t id = sel->ids[i];
        if (id > max_id || !har_activities_name(acts, id))
            return har_fail(e, HAR_EUSAGE, "--activities: id %d is not listed in %s", id, acts_path);
        class_of[id] = (int32_t)i;
    }
    return 0;
}

int har_ingest_class_meta(const har_ingest_opts *o, const har_activities *acts, har_windows *w, har_err *e)
{
    har_idlist dflt;
    const har_idlist *sel = selected(o, &dflt);
    const char **names = har_malloc(sel->n * sizeof *names, e);
    if (!names)
        return HAR_EIO;
    for (size_t i = 0; i < sel->n; i++)
        names[i] = har_activities_name(acts, sel->ids[i]);
    char *joined = har_ingest_join(names, (int)sel->n, e), *ids = har_idlist_format(sel, e);
    int rc = !joined || !ids || har_tfile_meta_set(w->file, "classes", joined, e) ||
                     har_tfile_meta_set(w->file, "activity_ids", ids, e)
                 ? HAR_EIO
                 : har_windows_refresh_classes(w, e);
    free(names);
    free(joined);
    free(ids);
    return rc;
}

/* "a,b,c" of n names (freed by the caller). */
char *har_ingest_join(const char *const *items, int n, har_err *e)
{
    size_t cap = 1;
    for (int i = 0; i < n; i++)
        cap += strlen(items[i]) + 1;
    char *s = har_malloc(cap, e);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (i)
            strcat(s, ",");
        strcat(s, items[i]);
    }
    return s;
}

/* Metadata both layouts share. */
