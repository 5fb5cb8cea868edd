/* ingest.c - what both input layouts share: options, the manifest of input
 * files and its digest, class selection, repairs, and dataset metadata. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "infile.h"
#include "ingest.h"

void har_ingest_opts_default(har_ingest_opts *o)
{
    memset(o, 0, sizeof *o);
    o->layout = HAR_LAYOUT_AUTO;
    o->window = 128;
    o->stride = 64;
    o->nan = HAR_NAN_ERROR;
    o->preproc = har_preproc_defaults;
    o->uci_part = "all";
}

const char *har_nan_policy_name(har_nan_policy p)
{
    return p == HAR_NAN_FFILL ? "ffill" : p == HAR_NAN_DROP ? "drop" : "error";
}

void har_ingest_log_free(har_ingest_log *log)
{
    for (size_t i = 0; i < log->nfiles; i++)
        free(log->files[i].path);
    free(log->files);
    memset(log, 0, sizeof *log);
}

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

static int file_cmp(const void *a, const void *b)
{
    return strcmp(((const har_ingest_file *)a)->path, ((const har_ingest_file *)b)->path);
}

/* SHA-256 of the sorted "sha256  path" manifest (sha256sum's format). */
static int manifest_digest(har_ingest_log *log, har_err *e)
{
    if (log->nfiles) /* files is NULL when there are none */
        qsort(log->files, log->nfiles, sizeof *log->files, file_cmp);
    har_sha256 *h = har_sha256_new(e);
    if (!h)
        return HAR_EIO;
    for (size_t i = 0; i < log->nfiles; i++) {
        har_sha256_update(h, log->files[i].sha, 64);
        har_sha256_update(h, "  ", 2);
        har_sha256_update(h, log->files[i].path, strlen(log->files[i].path));
        har_sha256_update(h, "\n", 1);
    }
    char hex[HAR_SHA256_HEX];
    har_sha256_final(h, hex);
    snprintf(log->digest, sizeof log->digest, "%s", hex);
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

static char *list_join(const char *const *items, int n, har_err *e);

int har_ingest_class_meta(const har_ingest_opts *o, const har_activities *acts, har_windows *w, har_err *e)
{
    har_idlist dflt;
    const har_idlist *sel = selected(o, &dflt);
    const char **names = har_malloc(sel->n * sizeof *names, e);
    if (!names)
        return HAR_EIO;
    for (size_t i = 0; i < sel->n; i++)
        names[i] = har_activities_name(acts, sel->ids[i]);
    char *joined = list_join(names, (int)sel->n, e), *ids = har_idlist_format(sel, e);
    int rc = !joined || !ids || har_tfile_meta_set(w->file, "classes", joined, e) ||
                     har_tfile_meta_set(w->file, "activity_ids", ids, e)
                 ? HAR_EIO
                 : har_windows_refresh_classes(w, e);
    free(names);
    free(joined);
    free(ids);
    return rc;
}

har_layout har_ingest_detect_layout(const char *root)
{
    const char *probes[] = {"RawData/labels.txt", "train/Inertial Signals", "test/Inertial Signals"};
    for (int i = 0; i < 3; i++) {
        char *p = har_path_join(root, probes[i], NULL);
        struct stat st;
        int found = p && (i == 0 ? har_exists_maybe_gz(p) : stat(p, &st) == 0 && S_ISDIR(st.st_mode));
        free(p);
        if (found)
            return i == 0 ? HAR_LAYOUT_HAPT : HAR_LAYOUT_UCI;
    }
    return HAR_LAYOUT_AUTO;
}

static char *list_join(const char *const *items, int n, har_err *e)
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
static int common_meta(const har_ingest_opts *o, har_windows *w, const har_ingest_log *log, har_err *e)
{
    har_tfile *f = w->file;
    char *channels = list_join(har_channel_names, HAR_CHANNELS, e);
    char *units = list_join(har_channel_units, HAR_CHANNELS, e);
    int rc = !channels || !units || har_tfile_meta_set(f, "format", HAR_WINDOWS_FORMAT, e) ||
             har_tfile_meta_set(f, "channels", channels, e) || har_tfile_meta_set(f, "units", units, e) ||
             har_tfile_meta_setf(f, e, "sample_rate_hz", "%g", o->preproc.fs_hz) ||
             har_tfile_meta_set(f, "nan_policy", har_nan_policy_name(o->nan), e) ||
             har_tfile_meta_setf(f, e, "bad_values", "%lld", (long long)log->bad_values) ||
             har_tfile_meta_setf(f, e, "repaired_samples", "%lld", (long long)log->repaired_samples) ||
             har_tfile_meta_setf(f, e, "dropped_windows", "%lld", (long long)log->dropped_windows) ||
             har_tfile_meta_set(f, "input_digest", log->digest, e);
    free(channels);
    free(units);
    return rc ? HAR_EIO : 0;
}

int har_ingest(const har_ingest_opts *o, har_windows *out, har_ingest_log *log, har_err *e)
{
    memset(log, 0, sizeof *log);
    memset(out, 0, sizeof *out);
    struct stat st;
    if (stat(o->root, &st) != 0 || !S_ISDIR(st.st_mode))
        return har_fail(e, HAR_EIO, "%s: not a directory", o->root);
    har_layout layout = o->layout == HAR_LAYOUT_AUTO ? har_ingest_detect_layout(o->root) : o->layout;
    log->layout = layout;
    int rc;
    if (layout == HAR_LAYOUT_HAPT)
        rc = har_ingest_hapt(o, out, log, e);
    else if (layout == HAR_LAYOUT_UCI)
        rc = har_ingest_uci(o, out, log, e);
    else
        return har_fail(e, HAR_EDATA,
                        "%s: neither the HAPT layout (RawData/labels.txt) nor the UCI HAR v1 layout "
                        "(train/Inertial Signals/) was found",
                        o->root);
    if (rc)
        return rc;
    if (out->n == 0) {
        har_windows_free(out);
        if (log->dropped_windows)
            return har_fail(e, HAR_EDATA, "%s: no windows left: --nan drop removed all %lld", o->root,
                            (long long)log->dropped_windows);
        return har_fail(e, HAR_EDATA, "%s: no windows: no selected activity has a segment of %d samples or more",
                        o->root, o->window);
    }
    if (layout == HAR_LAYOUT_HAPT) {
        char desc[600];
        har_preproc_describe(&o->preproc, desc, sizeof desc);
        if (har_tfile_meta_setf(out->file, e, "window", "%d", o->window) ||
            har_tfile_meta_setf(out->file, e, "stride", "%d", o->stride) ||
            har_tfile_meta_set(out->file, "source", "HAPT v2.1 raw recordings", e) ||
            har_tfile_meta_set(out->file, "preprocessing", desc, e)) {
            har_windows_free(out);
            return HAR_EIO;
        }
    }
    if (o->test_subjects) {
        har_idlist ts;
        char *txt = NULL;
        int bad = har_idlist_parse(&ts, o->test_subjects, 0, INT32_MAX, "--test-subjects", e) ||
                  !(txt = har_idlist_format(&ts, e)) || har_tfile_meta_set(out->file, "test_subjects", txt, e);
        free(txt);
        har_idlist_free(&ts);
        if (bad) {
            har_windows_free(out);
            return e && e->code ? e->code : HAR_EIO;
        }
    }
    if (manifest_digest(log, e) || common_meta(o, out, log, e)) {
        har_windows_free(out);
        return HAR_EIO;
    }
    return 0;
}
