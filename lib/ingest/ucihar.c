/* ucihar.c - the UCI HAR v1 "Inertial Signals" layout: windows already cut
 * and filtered by the dataset's authors, one text file per channel. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/infile.h"
#include "layout.h"
#include "io/table.h"

typedef struct {
    const char *name; /* "train" or "test" */
    har_table ch[HAR_CHANNELS];
    int32_t *y, *subject;
    int64_t n;
} part_data;

static void part_free(part_data *p)
{
    for (int c = 0; c < HAR_CHANNELS; c++)
        har_table_free(&p->ch[c]);
    free(p->y);
    free(p->subject);
    memset(p, 0, sizeof *p);
}

/* root/part[/sub]/stem_part.txt, or its .gz. */
static char *part_path(const char *root, const char *part, const char *sub, const char *stem, har_err *e)
{
    size_t n = strlen(root) + strlen(part) + strlen(sub) + 2 * strlen(stem) + strlen(part) + 16;
    char *base = har_malloc(n, e);
    if (!base)
        return NULL;
    snprintf(base, n, "%s/%s/%s%s%s_%s.txt", root, part, sub, *sub ? "/" : "", stem, part);
    char *path = har_find_maybe_gz(base, e);
    free(base);
    return path;
}

/* y_<part>.txt or subject_<part>.txt: one integer per window. */
static int read_ints(const char *root, part_data *p, const char *stem, int32_t **out, int64_t *n,
                     har_ingest_log *log, har_err *e)
{
    char sha[HAR_SHA256_HEX];
    char *path = part_path(root, p->name, "", stem, e);
    int rc = !path || har_table_read_ints(path, out, n, sha, e) || har_ingest_log_file(log, root, path, sha, *n, 0, 0, e);
    free(path);
    return rc ? (e && e->code ? e->code : HAR_EIO) : 0;
}

static int read_channel(const char *root, const har_ingest_opts *o, part_data *p, int c, har_ingest_log *log,
                        har_err *e)
{
    char sha[HAR_SHA256_HEX];
    int bad_value = 0, cols = c ? p->ch[0].cols : 0; /* T from the first file */
    char *path = part_path(root, p->name, "Inertial Signals", har_channel_names[c], e);
    if (!path)
        return e && e->code ? e->code : HAR_EIO;
    int rc = har_table_read(path, cols, o->nan == HAR_NAN_ERROR, &p->ch[c], sha, &bad_value, e);
    if (rc && bad_value)
        rc = har_ingest_nan_hint(e);
    else if (!rc && p->ch[c].rows != p->n)
        rc = har_fail(e, HAR_EDATA, "%s has %lld windows but y_%s.txt has %lld", path, (long long)p->ch[c].rows,
                      p->name, (long long)p->n);
    else if (!rc)
        rc = har_ingest_log_file(log, root, path, sha, p->ch[c].rows, p->ch[c].bad_values, 0, e);
    free(path);
    return rc;
}

static int read_part(const char *root, const har_ingest_opts *o, part_data *p, har_ingest_log *log, har_err *e)
{
    int64_t n2 = 0;
    int rc = read_ints(root, p, "y", &p->y, &p->n, log, e) || read_ints(root, p, "subject", &p->subject, &n2, log, e);
    if (!rc && n2 != p->n)
        rc = har_fail(e, HAR_EDATA, "%s: subject_%s.txt has %lld rows but y_%s.txt has %lld", p->name, p->name,
                      (long long)n2, p->name, (long long)p->n);
    for (int64_t i = 0; !rc && i < p->n; i++)
        if (p->subject[i] < 0)
            rc = har_fail(e, HAR_EDATA, "%s/subject_%s.txt:%lld: subject id %d is negative", p->name, p->name,
                          (long long)i + 1, p->subject[i]);
    for (int c = 0; !rc && c < HAR_CHANNELS; c++)
        rc = read_channel(root, o, p, c, log, e);
    return rc ? (e && e->code ? e->code : HAR_EIO) : 0;
}

/* Copies window i of a part into out, repairing bad values along time.
 * Returns 1 if the window had a bad value, 0 if not, -1 on error. */
static int copy_window(const part_data *p, int64_t i, const har_ingest_opts *o, float *out, double *series,
                       unsigned char *bad_t, har_ingest_log *log, har_err *e)
{
    const int T = p->ch[0].cols;
    int bad = 0;
    memset(bad_t, 0, (size_t)T);
    for (int c = 0; c < HAR_CHANNELS; c++) {
        memcpy(series, p->ch[c].v + (size_t)i * (size_t)T, (size_t)T * sizeof *series);
        for (int t = 0; t < T; t++)
            bad_t[t] |= isnan(series[t]);
        int64_t fixed = har_ffill(series, T, 1);
        if (fixed < 0 && o->nan != HAR_NAN_DROP) {
            har_fail(e, HAR_EDATA, "%s window %lld: channel %s has no finite value to carry forward", p->name,
                     (long long)i + 1, har_channel_names[c]);
            return -1;
        }
        bad |= fixed != 0;
        for (int t = 0; t < T; t++)
            out[(size_t)t * HAR_CHANNELS + (size_t)c] = (float)series[t];
    }
    for (int t = 0; t < T; t++) /* samples (timesteps), as for HAPT */
        log->repaired_samples += bad_t[t];
    return bad;
}

/* Fills out with the selected windows of the parts read. */
static int build_windows(part_data *pd, int nparts, const har_ingest_opts *o, const int32_t *class_of,
                         har_windows *out, har_ingest_log *log, har_err *e)
{
    const int T = pd[0].ch[0].cols;
    double *series = har_malloc((size_t)T * sizeof *series, e);
    unsigned char *bad_t = har_malloc((size_t)T, e);
    int rc = series && bad_t ? 0 : HAR_EIO;
    int64_t m = 0;
    for (int k = 0; k < nparts && !rc; k++)
        for (int64_t i = 0; i < pd[k].n && !rc; i++) {
            int32_t cls = class_of[pd[k].y[i]];
            if (cls < 0)
                continue;
            int bad = copy_window(&pd[k], i, o, out->x + (size_t)m * (size_t)T * HAR_CHANNELS, series, bad_t, log, e);
            if (bad < 0) {
                rc = HAR_EDATA;
            } else if (bad && o->nan == HAR_NAN_DROP) {
                log->dropped_windows++;
            } else {
                out->y[m] = cls;
                out->subject[m] = pd[k].subject[i];
                out->recording[m] = -1;
                out->start[m] = -1;
                m++;
            }
        }
    free(series);
    free(bad_t);
    return rc ? rc : har_windows_resize(out, m, e);
}

/* Checks activity ids, counts selected windows, collects test subjects. */
static int scan_labels(part_data *pd, int nparts, const har_activities *acts, const int32_t *class_of, int32_t max_id,
                       int64_t *total, har_idlist *test_subjects, har_ingest_log *log, har_err *e)
{
    for (int k = 0; k < nparts; k++) {
        if (k && pd[k].ch[0].cols != pd[0].ch[0].cols)
            return har_fail(e, HAR_EDATA, "%s: windows of %d samples, but %s has %d", pd[k].name, pd[k].ch[0].cols,
                            pd[0].name, pd[0].ch[0].cols);
        for (int64_t i = 0; i < pd[k].n; i++) {
            int32_t a = pd[k].y[i];
            if (a < 1 || a > max_id || !har_activities_name(acts, a))
                return har_fail(e, HAR_EDATA, "%s/y_%s.txt:%lld: unknown activity id %d (not in activity_labels.txt)",
                                pd[k].name, pd[k].name, (long long)i + 1, a);
            *total += class_of[a] >= 0;
            log->windows_excluded += class_of[a] < 0;
            if (strcmp(pd[k].name, "test") == 0 && har_idlist_add(test_subjects, pd[k].subject[i], e))
                return HAR_EIO;
        }
    }
    return 0;
}

static int uci_meta(har_windows *out, int T, const har_idlist *test_subjects, har_err *e)
{
    char *ts = har_idlist_format(test_subjects, e);
    int rc = !ts || (test_subjects->n && har_tfile_meta_set(out->file, "test_subjects", ts, e)) ||
             har_tfile_meta_setf(out->file, e, "window", "%d", T) ||
             har_tfile_meta_setf(out->file, e, "stride", "%d", T / 2) ||
             har_tfile_meta_set(out->file, "source", "UCI HAR v1 Inertial Signals", e) ||
             har_tfile_meta_set(out->file, "preprocessing",
                                "as distributed with UCI HAR v1 (median filter, 20 Hz Butterworth, 0.3 Hz gravity "
                                "separation, 50% overlapping windows, by the dataset authors)",
                                e);
    free(ts);
    return rc ? HAR_EIO : 0;
}

int har_ingest_uci(const har_ingest_opts *o, har_windows *out, har_ingest_log *log, har_err *e)
{
    part_data pd[2] = {{0}};
    int nparts = 0;
    if (strcmp(o->uci_part, "train") == 0 || strcmp(o->uci_part, "all") == 0)
        pd[nparts++].name = "train";
    if (strcmp(o->uci_part, "test") == 0 || strcmp(o->uci_part, "all") == 0)
        pd[nparts++].name = "test";
    if (!nparts)
        return har_fail(e, HAR_EUSAGE, "--part must be train, test or all, not '%s'", o->uci_part);
    memset(out, 0, sizeof *out);
    har_activities acts = {0};
    har_idlist test_subjects = {0};
    int32_t *class_of = NULL, max_id = 0;
    char sha[HAR_SHA256_HEX];
    char *base = har_path_join(o->root, "activity_labels.txt", e), *acts_path = NULL;
    int rc = !base || !(acts_path = har_find_maybe_gz(base, e)) || har_activities_read(acts_path, &acts, sha, e) ||
             har_ingest_log_file(log, o->root, acts_path, sha, acts.n, 0, 0, e);
    for (int i = 0; i < acts.n; i++)
        max_id = acts.a[i].id > max_id ? acts.a[i].id : max_id;
    if (!rc)
        rc = !(class_of = har_malloc((size_t)(max_id + 1) * sizeof *class_of, e)) ||
             har_ingest_classes(o, &acts, acts_path, class_of, max_id, e);
    for (int k = 0; k < nparts && !rc; k++)
        rc = read_part(o->root, o, &pd[k], log, e);
    int64_t total = 0;
    if (!rc)
        rc = scan_labels(pd, nparts, &acts, class_of, max_id, &total, &test_subjects, log, e) ||
             har_windows_alloc(out, total, pd[0].ch[0].cols, HAR_CHANNELS, e) ||
             har_ingest_class_meta(o, &acts, out, e) || build_windows(pd, nparts, o, class_of, out, log, e) ||
             uci_meta(out, pd[0].ch[0].cols, &test_subjects, e);
    if (rc) {
        rc = e && e->code ? e->code : HAR_EIO;
        har_windows_free(out);
    }
    for (int k = 0; k < 2; k++)
        part_free(&pd[k]);
    har_activities_free(&acts);
    har_idlist_free(&test_subjects);
    free(class_of);
    free(acts_path);
    free(base);
    return rc;
}
