/* hapt.c - the HAPT v2.1 raw layout: recordings + labelled segments ->
 * filtered windows.  See ingest.h for the layout and dsp.h for the filters. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest.h"
#include "infile.h"
#include "table.h"

typedef struct {
    int32_t exp, user;
    char *acc, *gyro; /* paths, NULL until found */
} recording;

typedef struct {
    int32_t exp, user, activity;
    int64_t start, end; /* 0-based, end exclusive */
    long line;          /* in labels.txt */
} segment;

typedef struct {
    char *raw_dir, *labels_path;
    recording *rec;
    size_t nrec;
    segment *seg;
    size_t nseg;
} hapt;

static void hapt_free(hapt *h)
{
    for (size_t i = 0; i < h->nrec; i++) {
        free(h->rec[i].acc);
        free(h->rec[i].gyro);
    }
    free(h->rec);
    free(h->seg);
    free(h->raw_dir);
    free(h->labels_path);
    memset(h, 0, sizeof *h);
}

static recording *find_rec(hapt *h, int32_t exp)
{
    for (size_t i = 0; i < h->nrec; i++)
        if (h->rec[i].exp == exp)
            return &h->rec[i];
    return NULL;
}

/* Parses "acc_exp01_user01.txt[.gz]"; returns 0 (acc), 1 (gyro) or -1. */
static int parse_name(const char *name, int32_t *exp, int32_t *user)
{
    int kind = strncmp(name, "acc_exp", 7) == 0 ? 0 : strncmp(name, "gyro_exp", 8) == 0 ? 1 : -1;
    if (kind < 0)
        return -1;
    const char *p = name + (kind ? 8 : 7);
    char *end;
    long e = strtol(p, &end, 10);
    if (end == p || *p < '0' || *p > '9' || strncmp(end, "_user", 5) != 0)
        return -1;
    p = end + 5;
    long u = strtol(p, &end, 10);
    if (end == p || *p < '0' || *p > '9' || (strcmp(end, ".txt") != 0 && strcmp(end, ".txt.gz") != 0))
        return -1;
    if (e < 1 || e > INT32_MAX || u < 0 || u > INT32_MAX)
        return -1;
    *exp = (int32_t)e;
    *user = (int32_t)u;
    return kind;
}

static int rec_cmp(const void *a, const void *b)
{
    const recording *x = a, *y = b;
    return (x->exp > y->exp) - (x->exp < y->exp);
}

static int scan_rawdata(hapt *h, har_err *e)
{
    DIR *d = opendir(h->raw_dir);
    if (!d)
        return har_fail(e, HAR_EDATA, "%s: cannot open directory (expected the HAPT RawData folder)",
                        h->raw_dir);
    struct dirent *de;
    int rc = 0;
    while (!rc && (de = readdir(d)) != NULL) {
        int32_t exp, user;
        int kind = parse_name(de->d_name, &exp, &user);
        if (kind < 0)
            continue;
        recording *r = find_rec(h, exp);
        if (!r) {
            recording *nr = realloc(h->rec, (h->nrec + 1) * sizeof *nr);
            if (!nr) {
                rc = har_fail(e, HAR_EIO, "out of memory");
                break;
            }
            h->rec = nr;
            r = &h->rec[h->nrec++];
            memset(r, 0, sizeof *r);
            r->exp = exp;
            r->user = user;
        }
        char **slot = kind ? &r->gyro : &r->acc;
        size_t n = strlen(h->raw_dir) + strlen(de->d_name) + 2;
        char *path = har_malloc(n, e);
        if (!path) {
            rc = HAR_EIO;
            break;
        }
        snprintf(path, n, "%s/%s", h->raw_dir, de->d_name);
        if (r->user != user)
            rc = har_fail(e, HAR_EDATA, "%s: experiment %d belongs to user %d in another file name", path, exp,
                          r->user);
        else if (*slot)
            rc = har_fail(e, HAR_EDATA, "%s and %s: two %s files for experiment %d; keep one", *slot, path,
                          kind ? "gyro" : "acc", exp);
        if (rc) {
            free(path);
            break;
        }
        *slot = path;
    }
    closedir(d);
    if (!rc)
        qsort(h->rec, h->nrec, sizeof *h->rec, rec_cmp);
    return rc;
}

static int seg_cmp(const void *a, const void *b)
{
    const segment *x = a, *y = b;
    if (x->exp != y->exp)
        return x->exp < y->exp ? -1 : 1;
    return (x->start > y->start) - (x->start < y->start);
}

static int read_labels(hapt *h, const har_activities *acts, har_ingest_log *log, const char *root, har_err *e)
{
    har_table t;
    char sha[HAR_SHA256_HEX];
    if (har_table_read(h->labels_path, 5, 1, &t, sha, NULL, e))
        return e ? e->code : HAR_EDATA;
    int rc = har_ingest_log_file(log, root, h->labels_path, sha, t.rows, 0, 0, e);
    h->seg = rc ? NULL : har_malloc((size_t)t.rows * sizeof *h->seg, e);
    if (!rc && !h->seg)
        rc = HAR_EIO;
    for (int64_t i = 0; !rc && i < t.rows; i++) {
        const double *v = t.v + 5 * i;
        long line = (long)i + 1;
        for (int c = 0; c < 5 && !rc; c++)
            if (v[c] != floor(v[c]) || v[c] < 0 || v[c] > (c < 3 ? INT32_MAX : 1e15))
                rc = har_fail(e, HAR_EDATA, "%s:%ld: field %d must be an integer in 0..%.0f", h->labels_path, line,
                              c + 1, c < 3 ? (double)INT32_MAX : 1e15);
        if (rc)
            break;
        segment *s = &h->seg[h->nseg++];
        s->exp = (int32_t)v[0];
        s->user = (int32_t)v[1];
        s->activity = (int32_t)v[2];
        s->start = (int64_t)v[3] - 1;
        s->end = (int64_t)v[4];
        s->line = line;
        if (!har_activities_name(acts, s->activity))
            rc = har_fail(e, HAR_EDATA, "%s:%ld: unknown activity id %d (not in activity_labels.txt)",
                          h->labels_path, line, s->activity);
        else if (s->start < 0 || s->end <= s->start)
            rc = har_fail(e, HAR_EDATA, "%s:%ld: segment %lld..%lld is empty or starts before sample 1",
                          h->labels_path, line, (long long)v[3], (long long)v[4]);
    }
    har_table_free(&t);
    if (rc)
        return rc;
    qsort(h->seg, h->nseg, sizeof *h->seg, seg_cmp);
    for (size_t i = 1; i < h->nseg; i++)
        if (h->seg[i].exp == h->seg[i - 1].exp && h->seg[i].start < h->seg[i - 1].end)
            return har_fail(e, HAR_EDATA, "%s: lines %ld and %ld: segments of experiment %d overlap",
                            h->labels_path, h->seg[i - 1].line, h->seg[i].line, h->seg[i].exp);
    return 0;
}

/* Reads one sensor file of a recording into columns base..base+2 of raw. */
static int read_sensor(const char *path, const har_ingest_opts *o, const char *root, har_table *t,
                       har_ingest_log *log, har_err *e)
{
    char sha[HAR_SHA256_HEX];
    int bad_value = 0;
    if (har_table_read(path, 3, o->nan == HAR_NAN_ERROR, t, sha, &bad_value, e)) {
        if (bad_value && e && strlen(e->msg) + sizeof HAR_NAN_HINT < sizeof e->msg)
            strcat(e->msg, HAR_NAN_HINT);
        return e ? e->code : HAR_EDATA;
    }
    return har_ingest_log_file(log, root, path, sha, t->rows, t->bad_values, 0, e);
}

/* Number of windows of length w, hop s, in a segment of length len. */
static int64_t windows_in(int64_t len, int w, int s)
{
    return len < w ? 0 : (len - w) / s + 1;
}

typedef struct {
    double *raw;      /* L x 6 */
    float *chan;      /* L x 9 */
    int64_t *badsum;  /* L+1 prefix counts of bad samples */
    int64_t cap;
} scratch;

static int scratch_reserve(scratch *s, int64_t L, har_err *e)
{
    if (L <= s->cap)
        return 0;
    free(s->raw);
    free(s->chan);
    free(s->badsum);
    s->raw = har_malloc((size_t)L * HAR_RAW_CHANNELS * sizeof *s->raw, e);
    s->chan = har_malloc((size_t)L * HAR_CHANNELS * sizeof *s->chan, e);
    s->badsum = har_malloc((size_t)(L + 1) * sizeof *s->badsum, e);
    s->cap = (s->raw && s->chan && s->badsum) ? L : 0;
    return s->cap ? 0 : HAR_EIO;
}

/* Reads, repairs and filters one recording; then cuts its windows. */
static int process_recording(const hapt *h, const recording *r, const har_ingest_opts *o, const char *root,
                             const int32_t *class_of, int32_t max_id, har_windows *w, int64_t *m,
                             scratch *sc, har_ingest_log *log, har_err *e)
{
    har_table acc = {0}, gyro = {0};
    int rc = read_sensor(r->acc, o, root, &acc, log, e);
    if (!rc)
        rc = read_sensor(r->gyro, o, root, &gyro, log, e);
    if (!rc && acc.rows != gyro.rows)
        rc = har_fail(e, HAR_EDATA, "%s has %lld samples but %s has %lld: acc and gyro must have equal lengths",
                      r->acc, (long long)acc.rows, r->gyro, (long long)gyro.rows);
    int64_t L = acc.rows;
    if (!rc)
        rc = scratch_reserve(sc, L, e);
    if (rc)
        goto done;
    for (size_t i = 0; i < h->nseg; i++) {
        const segment *s = &h->seg[i];
        if (s->exp == r->exp && s->end > L) {
            rc = har_fail(e, HAR_EDATA, "%s:%ld: segment %lld..%lld lies outside experiment %d, which has %lld samples",
                          h->labels_path, s->line, (long long)s->start + 1, (long long)s->end, r->exp,
                          (long long)L);
            goto done;
        }
    }
    log->recordings++;
    for (int64_t i = 0; i < L; i++)
        for (int c = 0; c < 3; c++) {
            sc->raw[i * HAR_RAW_CHANNELS + c] = acc.v[i * 3 + c];
            sc->raw[i * HAR_RAW_CHANNELS + 3 + c] = gyro.v[i * 3 + c];
        }
    /* Bad samples: mark, then carry values forward so the filters never see
     * a NaN (under --nan drop the affected windows are removed below). */
    sc->badsum[0] = 0;
    int64_t bad_samples = 0;
    for (int64_t i = 0; i < L; i++) {
        int bad = 0;
        for (int c = 0; c < HAR_RAW_CHANNELS; c++)
            bad |= isnan(sc->raw[i * HAR_RAW_CHANNELS + c]);
        sc->badsum[i + 1] = sc->badsum[i] + bad;
        bad_samples += bad;
    }
    if (bad_samples) {
        for (int c = 0; c < HAR_RAW_CHANNELS; c++)
            if (har_ffill(sc->raw + c, L, HAR_RAW_CHANNELS) < 0) {
                rc = har_fail(e, HAR_EDATA, "%s: axis %c has no finite value to carry forward",
                              c < 3 ? r->acc : r->gyro, "xyz"[c % 3]);
                goto done;
            }
        log->repaired_samples += bad_samples;
        log->files[log->nfiles - 1].repaired_samples = gyro.bad_rows;
        log->files[log->nfiles - 2].repaired_samples = acc.bad_rows;
    }
    har_preproc pp;
    if ((rc = har_preproc_init(&pp, &o->preproc, e)))
        goto done;
    for (int64_t i = 0; i < L; i++) {
        double out[HAR_CHANNELS];
        har_preproc_push(&pp, sc->raw + i * HAR_RAW_CHANNELS, out);
        for (int c = 0; c < HAR_CHANNELS; c++)
            sc->chan[i * HAR_CHANNELS + c] = (float)out[c];
    }
    /* A bad raw sample reaches the filtered output through the median of the
     * next (median - 1) samples too: those windows are affected as well. */
    const int reach = o->preproc.median - 1;
    const size_t row = (size_t)o->window * HAR_CHANNELS;
    for (size_t i = 0; i < h->nseg; i++) {
        const segment *s = &h->seg[i];
        if (s->exp != r->exp || s->activity > max_id || class_of[s->activity] < 0)
            continue;
        int64_t nwin = windows_in(s->end - s->start, o->window, o->stride);
        for (int64_t k = 0; k < nwin; k++) {
            int64_t a = s->start + k * o->stride, b = a + o->window;
            int64_t from = a - reach > 0 ? a - reach : 0;
            if (sc->badsum[b] - sc->badsum[from] > 0 && o->nan == HAR_NAN_DROP) {
                log->dropped_windows++;
                continue;
            }
            memcpy(w->x + (size_t)*m * row, sc->chan + (size_t)a * HAR_CHANNELS, row * sizeof(float));
            w->y[*m] = class_of[s->activity];
            w->subject[*m] = r->user;
            w->recording[*m] = r->exp;
            w->start[*m] = a;
            (*m)++;
        }
    }
done:
    har_table_free(&acc);
    har_table_free(&gyro);
    return rc;
}

/* The dataset's own test volunteers, from Test/subject_id_test.txt (HAPT
 * ships the official UCI HAR split there), recorded for har-split. */
static int read_test_subjects(const char *root, har_windows *w, har_ingest_log *log, har_err *e)
{
    char base[4096], sha[HAR_SHA256_HEX];
    snprintf(base, sizeof base, "%s/Test/subject_id_test.txt", root);
    char gz[4200];
    snprintf(gz, sizeof gz, "%s.gz", base);
    if (access(base, F_OK) != 0 && access(gz, F_OK) != 0)
        return 0; /* optional */
    char *path = har_find_maybe_gz(base, e); /* refuses both being present */
    if (!path)
        return e && e->code ? e->code : HAR_EDATA;
    int32_t *ids = NULL;
    int64_t n = 0;
    har_idlist set = {0};
    char *txt = NULL;
    int rc = har_table_read_ints(path, &ids, &n, sha, e) || har_ingest_log_file(log, root, path, sha, n, 0, 0, e);
    for (int64_t i = 0; !rc && i < n; i++)
        rc = har_idlist_add(&set, ids[i], e);
    if (!rc && !(txt = har_idlist_format(&set, e)))
        rc = HAR_EIO;
    if (!rc)
        rc = har_tfile_meta_set(w->file, "test_subjects", txt, e);
    free(txt);
    free(ids);
    free(path);
    har_idlist_free(&set);
    return rc ? (e && e->code ? e->code : HAR_EIO) : 0;
}

static char *join_path(const char *a, const char *b, har_err *e)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = har_malloc(n, e);
    if (p)
        snprintf(p, n, "%s/%s", a, b);
    return p;
}

int har_ingest_hapt(const har_ingest_opts *o, har_windows *out, har_ingest_log *log, har_err *e)
{
    hapt h = {0};
    har_activities acts = {0};
    int32_t *class_of = NULL;
    scratch sc = {0};
    char *acts_base = join_path(o->root, "activity_labels.txt", e), *acts_path = NULL, *labels_base = NULL;
    char sha[HAR_SHA256_HEX];
    int rc = HAR_EIO;
    memset(out, 0, sizeof *out);
    if (o->window < 1 || o->stride < 1) {
        rc = har_fail(e, HAR_EUSAGE, "window and stride must be at least 1");
        goto done;
    }
    if (!acts_base || !(acts_path = har_find_maybe_gz(acts_base, e)) ||
        har_activities_read(acts_path, &acts, sha, e) ||
        har_ingest_log_file(log, o->root, acts_path, sha, acts.n, 0, 0, e))
        goto fail;
    if (!(h.raw_dir = join_path(o->root, "RawData", e)) ||
        !(labels_base = join_path(h.raw_dir, "labels.txt", e)) ||
        !(h.labels_path = har_find_maybe_gz(labels_base, e)) || read_labels(&h, &acts, log, o->root, e) ||
        scan_rawdata(&h, e))
        goto fail;
    int32_t max_id = 0;
    for (int i = 0; i < acts.n; i++)
        if (acts.a[i].id > max_id)
            max_id = acts.a[i].id;
    if (!(class_of = har_malloc((size_t)(max_id + 1) * sizeof *class_of, e)))
        goto fail;
    /* Count the windows first so the dataset is allocated once. */
    int64_t total = 0;
    log->segments = (int64_t)h.nseg;
    for (size_t i = 0; i < h.nseg; i++) {
        const segment *s = &h.seg[i];
        const recording *r = find_rec(&h, s->exp);
        if (!r || !r->acc || !r->gyro) {
            rc = har_fail(e, HAR_EDATA, "%s:%ld: experiment %d (user %d) has no %s file in %s", h.labels_path,
                          s->line, s->exp, s->user, r && r->acc ? "gyro" : "acc", h.raw_dir);
            goto done;
        }
        if (r->user != s->user) {
            rc = har_fail(e, HAR_EDATA, "%s:%ld: experiment %d is labelled user %d but its files say user %d",
                          h.labels_path, s->line, s->exp, s->user, r->user);
            goto done;
        }
    }
    if (har_ingest_classes(o, &acts, acts_path, class_of, max_id, e))
        goto fail;
    for (size_t i = 0; i < h.nseg; i++) {
        const segment *s = &h.seg[i];
        int64_t len = s->end - s->start;
        if (class_of[s->activity] < 0) {
            log->segments_excluded++;
            continue;
        }
        int64_t nwin = windows_in(len, o->window, o->stride);
        log->labelled_samples += len;
        if (nwin == 0) {
            log->segments_short++;
            continue;
        }
        int64_t hop = o->stride < o->window ? o->stride : o->window;
        log->windowed_samples += (nwin - 1) * hop + o->window;
        total += nwin;
    }
    if (har_windows_alloc(out, total, o->window, HAR_CHANNELS, e) || har_ingest_class_meta(o, &acts, out, e))
        goto fail;
    int64_t m = 0;
    for (size_t i = 0; i < h.nrec; i++) {
        const recording *r = &h.rec[i];
        int labelled = 0;
        for (size_t j = 0; j < h.nseg && !labelled; j++)
            labelled = h.seg[j].exp == r->exp;
        if (!labelled) {
            log->recordings_unlabelled++;
            continue;
        }
        if ((rc = process_recording(&h, r, o, o->root, class_of, max_id, out, &m, &sc, log, e)))
            goto done;
    }
    har_windows_truncate(out, m);
    if (!o->test_subjects && read_test_subjects(o->root, out, log, e))
        goto fail;
    rc = 0;
    goto done;
fail:
    rc = e && e->code ? e->code : HAR_EIO;
done:
    if (rc)
        har_windows_free(out);
    free(sc.raw);
    free(sc.chan);
    free(sc.badsum);
    free(class_of);
    free(acts_base);
    free(acts_path);
    free(labels_base);
    har_activities_free(&acts);
    hapt_free(&h);
    return rc;
}
