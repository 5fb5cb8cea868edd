/* ucihar.c - the UCI HAR v1 "Inertial Signals" layout: windows already cut
 * and filtered by the dataset's authors, one text file per channel. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infile.h"
#include "ingest.h"
#include "table.h"

typedef struct {
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

static char *part_path(const char *root, const char *part, const char *sub, const char *stem, har_err *e)
{
    char base[4096];
    snprintf(base, sizeof base, "%s/%s/%s%s%s_%s.txt", root, part, sub, *sub ? "/" : "", stem, part);
    return har_find_maybe_gz(base, e);
}

static int read_part(const char *root, const char *part, const har_ingest_opts *o, part_data *p,
                     har_ingest_log *log, har_err *e)
{
    char sha[HAR_SHA256_HEX];
    char *path = NULL;
    int64_t n2 = 0;
    memset(p, 0, sizeof *p);
    if (!(path = part_path(root, part, "", "y", e)) || har_table_read_ints(path, &p->y, &p->n, sha, e) ||
        har_ingest_log_file(log, root, path, sha, p->n, 0, 0, e))
        goto fail;
    free(path);
    if (!(path = part_path(root, part, "", "subject", e)) ||
        har_table_read_ints(path, &p->subject, &n2, sha, e) || har_ingest_log_file(log, root, path, sha, n2, 0, 0, e))
        goto fail;
    if (n2 != p->n) {
        har_fail(e, HAR_EDATA, "%s has %lld rows but y_%s.txt has %lld", path, (long long)n2, part, (long long)p->n);
        goto fail;
    }
    for (int64_t i = 0; i < p->n; i++)
        if (p->subject[i] < 0) {
            har_fail(e, HAR_EDATA, "%s:%lld: subject id %d is negative", path, (long long)i + 1, p->subject[i]);
            goto fail;
        }
    free(path);
    for (int c = 0; c < HAR_CHANNELS; c++) {
        int bad_value = 0, cols = c ? p->ch[0].cols : 0;
        if (!(path = part_path(root, part, "Inertial Signals", har_channel_names[c], e)))
            goto fail;
        if (har_table_read(path, cols, o->nan == HAR_NAN_ERROR, &p->ch[c], sha, &bad_value, e)) {
            if (bad_value && strlen(e->msg) + sizeof HAR_NAN_HINT < sizeof e->msg)
                strcat(e->msg, HAR_NAN_HINT);
            goto fail;
        }
        if (p->ch[c].rows != p->n) {
            har_fail(e, HAR_EDATA, "%s has %lld windows but y_%s.txt has %lld", path, (long long)p->ch[c].rows,
                     part, (long long)p->n);
            goto fail;
        }
        if (har_ingest_log_file(log, root, path, sha, p->ch[c].rows, p->ch[c].bad_values, 0, e))
            goto fail;
        free(path);
        path = NULL;
    }
    return 0;
fail:
    free(path);
    part_free(p);
    return e && e->code ? e->code : HAR_EIO;
}

int har_ingest_uci(const har_ingest_opts *o, har_windows *out, har_ingest_log *log, har_err *e)
{
    const char *parts[2];
    int nparts = 0;
    if (strcmp(o->uci_part, "train") == 0 || strcmp(o->uci_part, "all") == 0)
        parts[nparts++] = "train";
    if (strcmp(o->uci_part, "test") == 0 || strcmp(o->uci_part, "all") == 0)
        parts[nparts++] = "test";
    if (!nparts)
        return har_fail(e, HAR_EUSAGE, "--part must be train, test or all, not '%s'", o->uci_part);
    memset(out, 0, sizeof *out);
    part_data pd[2] = {0};
    har_activities acts = {0};
    har_idlist test_subjects = {0};
    int32_t *class_of = NULL;
    char *acts_path = NULL, sha[HAR_SHA256_HEX], base[4096];
    snprintf(base, sizeof base, "%s/activity_labels.txt", o->root);
    if (!(acts_path = har_find_maybe_gz(base, e)) || har_activities_read(acts_path, &acts, sha, e) ||
        har_ingest_log_file(log, o->root, acts_path, sha, acts.n, 0, 0, e))
        goto fail;
    int32_t max_id = 0;
    for (int i = 0; i < acts.n; i++)
        max_id = acts.a[i].id > max_id ? acts.a[i].id : max_id;
    if (!(class_of = har_malloc((size_t)(max_id + 1) * sizeof *class_of, e)) ||
        har_ingest_classes(o, &acts, acts_path, class_of, max_id, e))
        goto fail;
    int64_t total = 0;
    for (int k = 0; k < nparts; k++) {
        if (read_part(o->root, parts[k], o, &pd[k], log, e))
            goto fail;
        if (k && pd[k].ch[0].cols != pd[0].ch[0].cols) {
            har_fail(e, HAR_EDATA, "%s: windows of %d samples, but %s has %d", parts[k], pd[k].ch[0].cols,
                     parts[0], pd[0].ch[0].cols);
            goto fail;
        }
        for (int64_t i = 0; i < pd[k].n; i++) {
            int32_t a = pd[k].y[i];
            if (a < 1 || a > max_id || !har_activities_name(&acts, a)) {
                har_fail(e, HAR_EDATA, "%s/y_%s.txt:%lld: unknown activity id %d (not in activity_labels.txt)",
                         parts[k], parts[k], (long long)i + 1, a);
                goto fail;
            }
            total += class_of[a] >= 0;
            log->windows_excluded += class_of[a] < 0;
            if (strcmp(parts[k], "test") == 0 && har_idlist_add(&test_subjects, pd[k].subject[i], e))
                goto fail;
        }
    }
    const int T = pd[0].ch[0].cols;
    if (har_windows_alloc(out, total, T, HAR_CHANNELS, e) || har_ingest_class_meta(o, &acts, out, e))
        goto fail;
    int64_t m = 0;
    double *series = har_malloc((size_t)T * sizeof *series, e);
    unsigned char *bad_t = har_malloc((size_t)T, e);
    if (!series || !bad_t) {
        free(series);
        free(bad_t);
        goto fail;
    }
    for (int k = 0; k < nparts; k++)
        for (int64_t i = 0; i < pd[k].n; i++) {
            int32_t cls = class_of[pd[k].y[i]];
            if (cls < 0)
                continue;
            int bad = 0;
            memset(bad_t, 0, (size_t)T);
            for (int c = 0; c < HAR_CHANNELS; c++) {
                memcpy(series, pd[k].ch[c].v + (size_t)i * (size_t)T, (size_t)T * sizeof *series);
                for (int t = 0; t < T; t++)
                    bad_t[t] |= isnan(series[t]);
                int64_t fixed = har_ffill(series, T, 1);
                if (fixed < 0 && o->nan != HAR_NAN_DROP) {
                    free(series);
                    free(bad_t);
                    har_fail(e, HAR_EDATA, "%s window %lld: channel %s has no finite value to carry forward",
                             parts[k], (long long)i + 1, har_channel_names[c]);
                    goto fail;
                }
                bad |= fixed != 0;
                for (int t = 0; t < T; t++)
                    out->x[((size_t)m * (size_t)T + (size_t)t) * HAR_CHANNELS + (size_t)c] = (float)series[t];
            }
            for (int t = 0; t < T; t++) /* samples (timesteps), as for HAPT */
                log->repaired_samples += bad_t[t];
            if (bad && o->nan == HAR_NAN_DROP) {
                log->dropped_windows++;
                continue;
            }
            out->y[m] = cls;
            out->subject[m] = pd[k].subject[i];
            out->recording[m] = -1;
            out->start[m] = -1;
            m++;
        }
    free(series);
    free(bad_t);
    har_windows_truncate(out, m);
    char *ts = har_idlist_format(&test_subjects, e);
    if (!ts)
        goto fail;
    int rc = 0;
    if (test_subjects.n)
        rc = har_tfile_meta_set(out->file, "test_subjects", ts, e);
    free(ts);
    if (rc || har_tfile_meta_setf(out->file, e, "window", "%d", T) ||
        har_tfile_meta_setf(out->file, e, "stride", "%d", T / 2) ||
        har_tfile_meta_set(out->file, "source", "UCI HAR v1 Inertial Signals", e) ||
        har_tfile_meta_set(out->file, "preprocessing",
                           "as distributed with UCI HAR v1 (median filter, 20 Hz Butterworth, 0.3 Hz gravity "
                           "separation, 50% overlapping windows, by the dataset authors)",
                           e))
        goto fail;
    for (int k = 0; k < 2; k++)
        part_free(&pd[k]);
    har_activities_free(&acts);
    har_idlist_free(&test_subjects);
    free(class_of);
    free(acts_path);
    return 0;
fail:
    for (int k = 0; k < 2; k++)
        part_free(&pd[k]);
    har_activities_free(&acts);
    har_idlist_free(&test_subjects);
    free(class_of);
    free(acts_path);
    har_windows_free(out);
    return e && e->code ? e->code : HAR_EIO;
}
