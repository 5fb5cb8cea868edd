/* hapt.c - the HAPT v2.1 raw layout: recordings + labelled segments ->
 * filtered windows.  See ingest.h for the layout and dsp.h for the filters. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "io/infile.h"
#include "io/table.h"

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
        char *path = har_path_join(h->raw_dir, de->d_name, e);
        if (!path) {
            rc = HAR_EIO;
            break;
        }
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
    if (!rc && h->nrec) /* qsort's pointer must not be NULL, even for 0 items */
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

/* Reads one sensor file (3 columns) of a recording. */
static int read_sensor(const char *path, const har_ingest_opts *o, const char *root, har_table *t,
                       har_ingest_log *log, har_err *e)
{
    char sha[HAR_SHA256_HEX];
    int bad_value = 0;
    if (har_table_read(path, 3, o->nan == HAR_NAN_ERROR, t, sha, &bad_value, e))
        return bad_value ? har_ingest_nan_hint(e) : e ? e->code : HAR_EDATA;
    return har_ingest_log_file(log, root, path, sha, t->rows, t->bad_values, t->bad_rows, e);
}

/* Number of windows of length w, hop s, in a segment of length len. */
static int64_t windows_in(int64_t len, int w, int s)
{
    return len < w ? 0 : (len - w) / s + 1;
}

/* One recording in memory: raw samples, filtered channels, bad-sample counts. */
typedef struct {
    double *raw;      /* L x 6: acc xyz, gyro xyz */
    float *chan;      /* L x 9, UCI channel order */
    int64_t *badsum;  /* L+1 prefix counts of bad samples */
    int64_t len, cap;
} scratch;

static int scratch_reserve(scratch *s, int64_t L, har_err *e)
{
    s->len = L;
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

/* Reads acc and gyro, checks the labels against the length, and carries
 * values forward over bad samples so the filters never see a NaN (under
 * --nan drop the affected windows are removed when cutting). */
static int read_recording(const hapt *h, const recording *r, const har_ingest_opts *o, scratch *sc,
                          har_ingest_log *log, har_err *e)
{
    har_table acc = {0}, gyro = {0};
    int rc = read_sensor(r->acc, o, o->root, &acc, log, e);
    if (!rc)
        rc = read_sensor(r->gyro, o, o->root, &gyro, log, e);
    if (!rc && acc.rows != gyro.rows)
        rc = har_fail(e, HAR_EDATA, "%s has %lld samples but %s has %lld: acc and gyro must have equal lengths",
                      r->acc, (long long)acc.rows, r->gyro, (long long)gyro.rows);
    int64_t L = acc.rows;
    for (size_t i = 0; i < h->nseg && !rc; i++) {
        const segment *s = &h->seg[i];
        if (s->exp == r->exp && s->end > L)
            rc = har_fail(e, HAR_EDATA, "%s:%ld: segment %lld..%lld lies outside experiment %d, which has %lld samples",
                          h->labels_path, s->line, (long long)s->start + 1, (long long)s->end, r->exp,
                          (long long)L);
    }
    if (!rc)
        rc = scratch_reserve(sc, L, e);
    if (rc)
        goto done;
    sc->badsum[0] = 0;
    for (int64_t i = 0; i < L; i++) {
        int bad = 0;
        for (int c = 0; c < 3; c++) {
            double *row = sc->raw + i * HAR_RAW_CHANNELS;
            row[c] = acc.v[i * 3 + c];
            row[3 + c] = gyro.v[i * 3 + c];
            bad |= isnan(row[c]) || isnan(row[3 + c]);
        }
        sc->badsum[i + 1] = sc->badsum[i] + bad;
    }
    if (sc->badsum[L]) {
        for (int c = 0; c < HAR_RAW_CHANNELS && !rc; c++)
            if (har_ffill(sc->raw + c, L, HAR_RAW_CHANNELS) < 0)
                rc = har_fail(e, HAR_EDATA, "%s: axis %c has no finite value to carry forward",
                              c < 3 ? r->acc : r->gyro, "xyz"[c % 3]);
        log->repaired_samples += sc->badsum[L];
    }
    log->recordings++;
done:
    har_table_free(&acc);
    har_table_free(&gyro);
    return rc;
}

/* The causal chain of dsp.h over the whole recording, from sample 0. */
static int filter_recording(const har_ingest_opts *o, scratch *sc, har_err *e)
{
    har_preproc pp;
    int rc = har_preproc_init(&pp, &o->preproc, e);
    for (int64_t i = 0; !rc && i < sc->len; i++) {
        double out[HAR_CHANNELS];
        har_preproc_push(&pp, sc->raw + i * HAR_RAW_CHANNELS, out);
        for (int c = 0; c < HAR_CHANNELS; c++)
            sc->chan[i * HAR_CHANNELS + c] = (float)out[c];
    }
    return rc;
}

/* Appends one window, growing the dataset geometrically. */
static int append_window(har_windows *w, int64_t *m, const float *src, int32_t y, int32_t subject, int32_t rec,
                         int64_t start, har_err *e)
{
    if (*m == w->n && har_windows_resize(w, w->n < 1024 ? 1024 : 2 * w->n, e))
        return HAR_EIO;
    size_t row = (size_t)w->t * (size_t)w->c;
    memcpy(w->x + (size_t)*m * row, src, row * sizeof(float));
    w->y[*m] = y;
    w->subject[*m] = subject;
    w->recording[*m] = rec;
    w->start[*m] = start;
    (*m)++;
    return 0;
}

/* Cuts the windows of every selected segment of recording r, counting what
 * is excluded, too short, uncovered or dropped. */
static int cut_windows(const hapt *h, const recording *r, const har_ingest_opts *o, const int32_t *class_of,
                       const scratch *sc, har_windows *w, int64_t *m, har_ingest_log *log, har_err *e)
{
    /* A bad raw sample reaches the filtered output through the median of the
     * next (median - 1) samples too: those windows are affected as well. */
    const int reach = o->preproc.median - 1;
    const int64_t hop = o->stride < o->window ? o->stride : o->window;
    for (size_t i = 0; i < h->nseg; i++) {
        const segment *s = &h->seg[i];
        if (s->exp != r->exp)
            continue;
        if (class_of[s->activity] < 0) {
            log->segments_excluded++;
            continue;
        }
        int64_t nwin = windows_in(s->end - s->start, o->window, o->stride);
        log->labelled_samples += s->end - s->start;
        log->segments_short += nwin == 0;
        log->windowed_samples += nwin ? (nwin - 1) * hop + o->window : 0;
        for (int64_t k = 0; k < nwin; k++) {
            int64_t a = s->start + k * o->stride, b = a + o->window, from = a - reach > 0 ? a - reach : 0;
            if (o->nan == HAR_NAN_DROP && sc->badsum[b] - sc->badsum[from] > 0) {
                log->dropped_windows++;
                continue;
            }
            if (append_window(w, m, sc->chan + (size_t)a * HAR_CHANNELS, class_of[s->activity], r->user, r->exp, a, e))
                return HAR_EIO;
        }
    }
    return 0;
}

/* The dataset's own test volunteers, from Test/subject_id_test.txt (HAPT
 * ships the official UCI HAR split there), recorded for har-split. */
static int read_test_subjects(const char *root, har_windows *w, har_ingest_log *log, har_err *e)
{
    char *base = har_path_join(root, "Test/subject_id_test.txt", e), *path = NULL, *txt = NULL;
    if (!base)
        return HAR_EIO;
    if (!har_exists_maybe_gz(base)) {
        free(base);
        return 0; /* optional */
    }
    char sha[HAR_SHA256_HEX];
    int32_t *ids = NULL;
    int64_t n = 0;
    har_idlist set = {0};
    int rc = !(path = har_find_maybe_gz(base, e)) || /* refuses both .txt and .txt.gz */
             har_table_read_ints(path, &ids, &n, sha, e) || har_ingest_log_file(log, root, path, sha, n, 0, 0, e);
    for (int64_t i = 0; !rc && i < n; i++)
        rc = har_idlist_add(&set, ids[i], e);
    if (!rc)
        rc = !(txt = har_idlist_format(&set, e)) || har_tfile_meta_set(w->file, "test_subjects", txt, e);
    free(txt);
    free(ids);
    free(path);
    free(base);
    har_idlist_free(&set);
    return rc ? (e && e->code ? e->code : HAR_EIO) : 0;
}

/* Checks that every labelled experiment has both files and the same user. */
static int check_segments_have_files(hapt *h, har_err *e)
{
    for (size_t i = 0; i < h->nseg; i++) {
        const segment *s = &h->seg[i];
        const recording *r = find_rec(h, s->exp);
        if (!r || !r->acc || !r->gyro)
            return har_fail(e, HAR_EDATA, "%s:%ld: experiment %d (user %d) has no %s file in %s", h->labels_path,
                            s->line, s->exp, s->user, r && r->acc ? "gyro" : "acc", h->raw_dir);
        if (r->user != s->user)
            return har_fail(e, HAR_EDATA, "%s:%ld: experiment %d is labelled user %d but its files say user %d",
                            h->labels_path, s->line, s->exp, s->user, r->user);
    }
    return 0;
}

static int has_labels(const hapt *h, int32_t exp)
{
    for (size_t j = 0; j < h->nseg; j++)
        if (h->seg[j].exp == exp)
            return 1;
    return 0;
}

/* Reads activity_labels.txt, RawData/labels.txt and the RawData listing. */
static int open_hapt(const har_ingest_opts *o, hapt *h, har_activities *acts, har_ingest_log *log, har_err *e)
{
    char sha[HAR_SHA256_HEX];
    char *acts_base = har_path_join(o->root, "activity_labels.txt", e), *acts_path = NULL, *labels_base = NULL;
    int rc = !acts_base || !(acts_path = har_find_maybe_gz(acts_base, e)) ||
             har_activities_read(acts_path, acts, sha, e) ||
             har_ingest_log_file(log, o->root, acts_path, sha, acts->n, 0, 0, e) ||
             !(h->raw_dir = har_path_join(o->root, "RawData", e)) ||
             !(labels_base = har_path_join(h->raw_dir, "labels.txt", e)) ||
             !(h->labels_path = har_find_maybe_gz(labels_base, e)) || read_labels(h, acts, log, o->root, e) ||
             scan_rawdata(h, e) || check_segments_have_files(h, e);
    free(acts_base);
    free(acts_path);
    free(labels_base);
    return rc ? (e && e->code ? e->code : HAR_EIO) : 0;
}

int har_ingest_hapt(const har_ingest_opts *o, har_windows *out, har_ingest_log *log, har_err *e)
{
    hapt h = {0};
    har_activities acts = {0};
    int32_t *class_of = NULL;
    scratch sc = {0};
    memset(out, 0, sizeof *out);
    if (o->window < 1 || o->stride < 1)
        return har_fail(e, HAR_EUSAGE, "window and stride must be at least 1");
    int rc = open_hapt(o, &h, &acts, log, e);
    int32_t max_id = 0;
    for (int i = 0; i < acts.n; i++)
        max_id = acts.a[i].id > max_id ? acts.a[i].id : max_id;
    if (!rc && !(class_of = har_malloc((size_t)(max_id + 1) * sizeof *class_of, e)))
        rc = HAR_EIO;
    if (!rc)
        rc = har_ingest_classes(o, &acts, "activity_labels.txt", class_of, max_id, e) ||
             har_windows_alloc(out, 0, o->window, HAR_CHANNELS, e) || har_ingest_class_meta(o, &acts, out, e);
    log->segments = (int64_t)h.nseg;
    int64_t m = 0;
    for (size_t i = 0; !rc && i < h.nrec; i++) {
        const recording *r = &h.rec[i];
        if (!has_labels(&h, r->exp)) {
            log->recordings_unlabelled++;
            continue;
        }
        rc = read_recording(&h, r, o, &sc, log, e) || filter_recording(o, &sc, e) ||
             cut_windows(&h, r, o, class_of, &sc, out, &m, log, e);
    }
    if (!rc)
        rc = har_windows_resize(out, m, e) || (!o->test_subjects && read_test_subjects(o->root, out, log, e));
    if (rc) {
        rc = e && e->code ? e->code : HAR_EIO;
        har_windows_free(out);
    }
    free(sc.raw);
    free(sc.chan);
    free(sc.badsum);
    free(class_of);
    har_activities_free(&acts);
    hapt_free(&h);
    return rc;
}
