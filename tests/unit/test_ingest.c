/* test_ingest.c - har_ingest() on the HAPT v2.1 raw layout.
 *
 * Most tests write a tiny synthetic HAPT folder (recordings of a few hundred
 * samples, window 16 / stride 8) so that every count below can be worked out
 * by hand; one test runs the vendored dataset and checks the known totals. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest/ingest.h"
#include "testutil.h"

enum { WIN = 16, STRIDE = 8, NCH = HAR_CHANNELS };

/* ---------------------------------------------------------------- text building */

/* Writes root/rel, or root/rel.gz gzip-compressed. */
static void put_file(const char *root, const char *rel, const char *text, int gz)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s%s", root, rel, gz ? ".gz" : "");
    if (gz)
        tu_write_gz(path, text, strlen(text));
    else
        tu_write_text(path, text);
}

/* ---------------------------------------------------------------- the fixture */

static const char ACTIVITY_LABELS[] = "1 WALKING\n2 WALKING_UPSTAIRS\n3 WALKING_DOWNSTAIRS\n4 SITTING\n"
                                      "5 STANDING\n6 LAYING\n7 STAND_TO_SIT\n8 SIT_TO_STAND\n9 SIT_TO_LIE\n"
                                      "10 LIE_TO_SIT\n11 STAND_TO_LIE\n12 LIE_TO_STAND\n";

/* Recordings of the standard fixture; experiment 3 is never labelled. */
typedef struct {
    int exp, user;
    int64_t len;
} rec_spec;
static const rec_spec RECS[] = {{1, 3, 300}, {2, 5, 200}, {3, 7, 50}};
enum { NRECS = sizeof RECS / sizeof RECS[0] };

/* "experiment user activity first last", 1-based inclusive, as in HAPT. */
static const char LABELS[] = "1 3 5 11 110\n"  /* STANDING, 100 samples */
                             "1 3 7 121 160\n" /* STAND_TO_SIT: not selected by default */
                             "1 3 1 161 170\n" /* WALKING, 10 samples: shorter than a window */
                             "1 3 2 201 260\n" /* WALKING_UPSTAIRS, 60 samples */
                             "2 5 4 1 40\n"    /* SITTING, 40 samples */
                             "2 5 6 51 66\n";  /* LAYING, exactly one window */

/* Windows expected from a fixture, worked out by hand: `count` windows
 * starting at first, first + STRIDE, ... */
typedef struct {
    int count;
    int64_t first;
    int y, subject, recording;
} win_run;

/* The standard fixture with the default activities 1-6 (class = id - 1). */
static const win_run STD_RUNS[] = {
    {11, 10, 4, 3, 1}, /* (100 - 16) / 8 + 1 = 11 windows at 10 .. 90 */
    {6, 200, 1, 3, 1}, /* (60 - 16) / 8 + 1 = 6 at 200 .. 240 */
    {4, 0, 3, 5, 2},   /* (40 - 16) / 8 + 1 = 4 at 0 .. 24 */
    {1, 50, 5, 5, 2},  /* 16 samples: one window at 50 */
};
enum { STD_N = 22 };

/* A value written as text instead of the generated number: field 0..2 of
 * sample `sample` (0-based, i.e. line sample + 1) of the acc (gyro = 0) or
 * gyro file of `exp`.  Field -1 replaces the whole line. */
typedef struct {
    int exp, gyro;
    int64_t sample;
    int field;
    const char *text;
} bad_cell;

typedef struct {
    int gz;               /* every file gzip-compressed */
    const char *labels;   /* RawData/labels.txt; NULL = LABELS */
    const bad_cell *bad;  /* cells written as text */
    int nbad;
    const char *test_ids; /* Test/subject_id_test.txt; NULL = no such file */
} fixture;

/* Raw sample i, axis c (acc xyz, gyro xyz) of experiment exp: smooth and
 * different per axis and experiment, so a misplaced sample shows.  Written
 * with %.17g, so the reader gets back exactly this double. */
static double raw_value(int exp, int64_t i, int c)
{
    double gravity = c == 0 ? 1.0 : 0.0;
    return gravity + 0.25 * sin(0.07 * (double)(i + 1) * (c + 1) + exp) + 0.001 * (double)((i * 7 + c) % 11);
}

static const bad_cell *find_bad(const bad_cell *bad, int nbad, int exp, int gyro, int64_t i, int field)
{
    for (int k = 0; k < nbad; k++)
        if (bad[k].exp == exp && bad[k].gyro == gyro && bad[k].sample == i && bad[k].field == field)
            return &bad[k];
    return NULL;
}

static int64_t rec_len(int exp)
{
    for (int i = 0; i < NRECS; i++)
        if (RECS[i].exp == exp)
            return RECS[i].len;
    ck_abort_msg("no recording %d in the fixture", exp);
    return 0;
}

static char *sensor_text(int exp, int gyro, int64_t rows, const bad_cell *bad, int nbad)
{
    tu_sbuf b = {0};
    for (int64_t i = 0; i < rows; i++) {
        const bad_cell *line = find_bad(bad, nbad, exp, gyro, i, -1);
        if (line) {
            tu_sbuf_printf(&b, "%s\n", line->text);
            continue;
        }
        for (int f = 0; f < 3; f++) {
            const bad_cell *cell = find_bad(bad, nbad, exp, gyro, i, f);
            if (cell)
                tu_sbuf_printf(&b, "%s%s", f ? " " : "", cell->text);
            else
                tu_sbuf_printf(&b, "%s%.17g", f ? " " : "", raw_value(exp, i, 3 * gyro + f));
        }
        tu_sbuf_printf(&b, "\n");
    }
    return b.s;
}

/* Relative path of a sensor file, without ".gz". */
static const char *sensor_rel(int exp, int user, int gyro)
{
    static char rel[8][64];
    static int next;
    char *r = rel[next++ % 8];
    snprintf(r, 64, "RawData/%s_exp%02d_user%02d.txt", gyro ? "gyro" : "acc", exp, user);
    return r;
}

static void write_sensor(const char *root, int exp, int user, int gyro, int64_t rows, int gz, const bad_cell *bad,
                         int nbad)
{
    char *text = sensor_text(exp, gyro, rows, bad, nbad);
    put_file(root, sensor_rel(exp, user, gyro), text, gz);
    free(text);
}

static char *make_fixture(const fixture *fx)
{
    char *root = tu_tmpdir();
    ck_assert(mkdir(tu_path(root, "RawData"), 0755) == 0);
    put_file(root, "activity_labels.txt", ACTIVITY_LABELS, fx->gz);
    put_file(root, "RawData/labels.txt", fx->labels ? fx->labels : LABELS, fx->gz);
    for (int i = 0; i < NRECS; i++)
        for (int gyro = 0; gyro < 2; gyro++)
            write_sensor(root, RECS[i].exp, RECS[i].user, gyro, RECS[i].len, fx->gz, fx->bad, fx->nbad);
    if (fx->test_ids) {
        ck_assert(mkdir(tu_path(root, "Test"), 0755) == 0);
        put_file(root, "Test/subject_id_test.txt", fx->test_ids, fx->gz);
    }
    return root;
}

static char *make_standard(void)
{
    const fixture fx = {0};
    return make_fixture(&fx);
}

static void drop_fixture(char *root)
{
    tu_rmtree(root);
    free(root);
}

/* ---------------------------------------------------------------- running and checking */

static void small_opts(har_ingest_opts *o, const char *root)
{
    har_ingest_opts_default(o);
    o->root = root;
    o->window = WIN;
    o->stride = STRIDE;
}

static void ingest_ok(const har_ingest_opts *o, har_windows *w, har_ingest_log *log)
{
    har_err e = {0};
    int rc = har_ingest(o, w, log, &e);
    ck_assert_msg(rc == 0, "har_ingest failed (%d): %s", rc, e.msg);
}

/* What a failed ingest left behind.  Tests check it only after removing
 * their fixture, so that a failing check leaves no temporary folder. */
typedef struct {
    int rc, code, built;
    char msg[sizeof ((har_err *)0)->msg];
} failure;

static void run_failing(const har_ingest_opts *o, failure *f)
{
    har_windows w;
    har_ingest_log log;
    har_err e = {0};
    f->rc = har_ingest(o, &w, &log, &e);
    f->code = e.code;
    f->built = w.file != NULL;
    memcpy(f->msg, e.msg, sizeof f->msg);
    if (f->rc == 0)
        har_windows_free(&w);
    har_ingest_log_free(&log);
}

/* HAR_EDATA, nothing half-built handed back, and both needles (needle2 may
 * be NULL) in the message. */
static void assert_failure(const failure *f, const char *needle1, const char *needle2)
{
    ck_assert_msg(f->rc == HAR_EDATA, "expected HAR_EDATA, got %d (%s)", f->rc, f->msg);
    ck_assert_int_eq(f->code, HAR_EDATA);
    ck_assert_msg(!f->built, "a failed ingest handed back a dataset");
    tu_assert_contains(f->msg, needle1);
    if (needle2)
        tu_assert_contains(f->msg, needle2);
}

/* Ingests root (window 16, stride 8, the given policy), removes the
 * fixture, then checks the ingest failed as assert_failure says. */
static void expect_edata(char *root, har_nan_policy nan, const char *needle1, const char *needle2)
{
    har_ingest_opts o;
    small_opts(&o, root);
    o.nan = nan;
    failure f;
    run_failing(&o, &f);
    drop_fixture(root);
    assert_failure(&f, needle1, needle2);
}

/* "root/rel" followed by ":line", for messages that name a file and line. */
static const char *at_line(const char *root, const char *rel, long line)
{
    static char buf[4][4300];
    static int next;
    char *b = buf[next++ % 4];
    snprintf(b, sizeof buf[0], "%s/%s:%ld", root, rel, line);
    return b;
}

static int64_t runs_total(const win_run *runs, size_t nruns)
{
    int64_t n = 0;
    for (size_t r = 0; r < nruns; r++)
        n += runs[r].count;
    return n;
}

/* y, subject, recording and start of every window, in order. */
static void assert_runs(const har_windows *w, const win_run *runs, size_t nruns)
{
    ck_assert_int_eq(w->n, runs_total(runs, nruns));
    int64_t n = 0;
    for (size_t r = 0; r < nruns; r++)
        for (int k = 0; k < runs[r].count; k++, n++) {
            ck_assert_msg(w->start[n] == runs[r].first + (int64_t)k * STRIDE, "window %lld: start %lld, expected %lld",
                          (long long)n, (long long)w->start[n], (long long)(runs[r].first + (int64_t)k * STRIDE));
            ck_assert_int_eq(w->y[n], runs[r].y);
            ck_assert_int_eq(w->subject[n], runs[r].subject);
            ck_assert_int_eq(w->recording[n], runs[r].recording);
        }
}

/* Every window lies inside one labelled segment of its recording. */
static void assert_inside_segments(const har_windows *w, const char *labels)
{
    for (int64_t n = 0; n < w->n; n++) {
        int inside = 0;
        const char *p = labels;
        int exp, user, act, used;
        long first, last;
        while (!inside && sscanf(p, "%d %d %d %ld %ld%n", &exp, &user, &act, &first, &last, &used) == 5) {
            p += used;
            inside = exp == w->recording[n] && w->start[n] >= first - 1 && w->start[n] + w->t <= last;
        }
        ck_assert_msg(inside, "window %lld (experiment %d, start %lld) is not inside one segment", (long long)n,
                      w->recording[n], (long long)w->start[n]);
    }
}

/* Carries the last good value forward over NaNs (the first good one over
 * leading NaNs): the repair --nan ffill promises, written independently. */
static void fill_forward(double *x, int64_t n, int stride)
{
    int64_t first = 0;
    while (first < n && isnan(x[first * stride]))
        first++;
    ck_assert(first < n);
    for (int64_t i = 0; i < first; i++)
        x[i * stride] = x[first * stride];
    for (int64_t i = first + 1; i < n; i++)
        if (isnan(x[i * stride]))
            x[i * stride] = x[(i - 1) * stride];
}

/* The nine channels of recording exp as the streaming preprocessor gives
 * them when every sample is pushed from 0, cast to float; bad cells are
 * repaired by carrying forward first. */
static float *reference(int exp, const bad_cell *bad, int nbad)
{
    int64_t len = rec_len(exp);
    double *raw = malloc((size_t)len * HAR_RAW_CHANNELS * sizeof *raw);
    float *out = malloc((size_t)len * NCH * sizeof *out);
    ck_assert(raw && out);
    for (int64_t i = 0; i < len; i++)
        for (int c = 0; c < HAR_RAW_CHANNELS; c++)
            raw[i * HAR_RAW_CHANNELS + c] = find_bad(bad, nbad, exp, c / 3, i, c % 3) ? NAN : raw_value(exp, i, c);
    for (int c = 0; c < HAR_RAW_CHANNELS; c++)
        fill_forward(raw + c, len, HAR_RAW_CHANNELS);
    har_preproc pp;
    har_err e = {0};
    ck_assert_msg(har_preproc_init(&pp, &har_preproc_defaults, &e) == 0, "%s", e.msg);
    for (int64_t i = 0; i < len; i++) {
        double ch[NCH];
        har_preproc_push(&pp, raw + i * HAR_RAW_CHANNELS, ch);
        for (int c = 0; c < NCH; c++)
            out[i * NCH + c] = (float)ch[c];
    }
    free(raw);
    return out;
}

/* Every window's X equals the reference at its position, bit for bit. */
static void assert_x_matches(const har_windows *w, const bad_cell *bad, int nbad)
{
    float *ref[NRECS + 1] = {0};
    ck_assert_int_eq(w->t, WIN);
    ck_assert_int_eq(w->c, NCH);
    for (int64_t n = 0; n < w->n; n++) {
        int r = w->recording[n];
        ck_assert(r >= 1 && r <= NRECS);
        if (!ref[r])
            ref[r] = reference(r, bad, nbad);
        const float *got = w->x + (size_t)n * WIN * NCH, *want = ref[r] + (size_t)w->start[n] * NCH;
        ck_assert_msg(memcmp(got, want, WIN * NCH * sizeof(float)) == 0,
                      "window %lld (experiment %d, start %lld): X differs from the streaming preprocessor",
                      (long long)n, r, (long long)w->start[n]);
    }
    for (int r = 0; r <= NRECS; r++)
        free(ref[r]);
}

static const har_ingest_file *log_file(const har_ingest_log *log, const char *rel)
{
    for (size_t i = 0; i < log->nfiles; i++)
        if (strcmp(log->files[i].path, rel) == 0)
            return &log->files[i];
    ck_abort_msg("%s is not in the manifest", rel);
    return NULL;
}

static void assert_meta(const har_windows *w, const char *key, const char *want)
{
    const char *got = har_tfile_meta_get(w->file, key);
    ck_assert_msg(got && strcmp(got, want) == 0, "metadata %s = '%s', expected '%s'", key, got ? got : "(absent)",
                  want);
}

/* Standard fixture ingested with the small window; caller frees all three. */
static char *ingest_standard(har_windows *w, har_ingest_log *log)
{
    char *root = make_standard();
    har_ingest_opts o;
    small_opts(&o, root);
    ingest_ok(&o, w, log);
    return root;
}

/* ---------------------------------------------------------------- windows */

START_TEST(test_windows_positions_and_labels)
{
    har_windows w;
    har_ingest_log log;
    char *root = ingest_standard(&w, &log);
    assert_runs(&w, STD_RUNS, sizeof STD_RUNS / sizeof STD_RUNS[0]);
    ck_assert_int_eq(w.n, STD_N);
    assert_inside_segments(&w, LABELS);
    har_windows_free(&w);
    har_ingest_log_free(&log);
    drop_fixture(root);
}
END_TEST

START_TEST(test_log_counts)
{
    har_windows w;
    har_ingest_log log;
    char *root = ingest_standard(&w, &log);
    ck_assert_int_eq(log.layout, HAR_LAYOUT_HAPT);
    ck_assert_int_eq(log.recordings, 2);
    ck_assert_int_eq(log.recordings_unlabelled, 1); /* experiment 3 */
    ck_assert_int_eq(log.segments, 6);
    ck_assert_int_eq(log.segments_excluded, 1); /* STAND_TO_SIT */
    ck_assert_int_eq(log.segments_short, 1);    /* 10 samples of WALKING */
    ck_assert_int_eq(log.labelled_samples, 100 + 10 + 60 + 40 + 16);
    ck_assert_int_eq(log.windowed_samples, 96 + 56 + 40 + 16);
    ck_assert_int_eq(log.bad_values, 0);
    ck_assert_int_eq(log.repaired_samples, 0);
    ck_assert_int_eq(log.dropped_windows, 0);
    /* activity_labels, labels and the four sensor files read; not experiment 3 */
    ck_assert_int_eq(log.nfiles, 6);
    ck_assert_int_eq(log_file(&log, "RawData/acc_exp01_user03.txt")->rows, 300);
    ck_assert_int_eq(log_file(&log, "RawData/gyro_exp02_user05.txt")->rows, 200);
    ck_assert_int_eq(log_file(&log, "RawData/labels.txt")->rows, 6);
    har_windows_free(&w);
    har_ingest_log_free(&log);
    drop_fixture(root);
}
END_TEST

START_TEST(test_x_equals_streaming_preproc)
{
    har_windows w;
    har_ingest_log log;
    char *root = ingest_standard(&w, &log);
    ck_assert_int_eq(w.n, STD_N);
    assert_x_matches(&w, NULL, 0);
    har_windows_free(&w);
    har_ingest_log_free(&log);
    drop_fixture(root);
}
END_TEST

START_TEST(test_activities_selection)
{
    char *root = make_standard();
    har_ingest_opts o;
    small_opts(&o, root);
    har_err e = {0};
    ck_assert(har_idlist_parse(&o.activities, "2,5,6", 1, 65535, "--activities", &e) == 0);
    har_windows w;
    har_ingest_log log;
    ingest_ok(&o, &w, &log);
    /* classes in the order of the list: WALKING_UPSTAIRS 0, STANDING 1, LAYING 2 */
    const win_run runs[] = {{11, 10, 1, 3, 1}, {6, 200, 0, 3, 1}, {1, 50, 2, 5, 2}};
    assert_runs(&w, runs, sizeof runs / sizeof runs[0]);
    assert_meta(&w, "classes", "WALKING_UPSTAIRS,STANDING,LAYING");
    assert_meta(&w, "activity_ids", "2,5,6");
    ck_assert_int_eq(w.nclasses, 3);
    ck_assert_int_eq(log.segments_excluded, 3); /* STAND_TO_SIT, WALKING, SITTING */
    ck_assert_int_eq(log.segments_short, 0);    /* the short one is not selected */
    assert_x_matches(&w, NULL, 0);
    har_idlist_free(&o.activities);
    har_windows_free(&w);
    har_ingest_log_free(&log);
    drop_fixture(root);
}
END_TEST

START_TEST(test_transitions_only)
{
    char *root = make_standard();
    har_ingest_opts o;
    small_opts(&o, root);
    har_err e = {0};
    ck_assert(har_idlist_parse(&o.activities, "7", 1, 65535, "--activities", &e) == 0);
    har_windows w;
    har_ingest_log log;
    ingest_ok(&o, &w, &log);
    const win_run runs[] = {{4, 120, 0, 3, 1}}; /* 40 samples: (40 - 16) / 8 + 1 */
    assert_runs(&w, runs, 1);
    assert_meta(&w, "classes", "STAND_TO_SIT");
    ck_assert_int_eq(log.segments_excluded, 5);
    har_idlist_free(&o.activities);
    har_windows_free(&w);
    har_ingest_log_free(&log);
    drop_fixture(root);
}
END_TEST

START_TEST(test_no_windows_is_an_error)
{
    char *root = make_standard();
    har_ingest_opts o;
    small_opts(&o, root);
    har_err e = {0};
    ck_assert(har_idlist_parse(&o.activities, "3", 1, 65535, "--activities", &e) == 0); /* never labelled */
    failure f;
    run_failing(&o, &f);
    har_idlist_free(&o.activities);
    drop_fixture(root);
    assert_failure(&f, "no windows", "16 samples");
}
END_TEST

/* ---------------------------------------------------------------- compression and digest */

START_TEST(test_gz_same_as_plain)
{
    const fixture plain = {0}, gz = {.gz = 1};
    char *r1 = make_fixture(&plain), *r2 = make_fixture(&gz);
    ck_assert(tu_exists(tu_path(r2, "RawData/acc_exp01_user03.txt.gz")));
    har_ingest_opts o1, o2;
    small_opts(&o1, r1);
    small_opts(&o2, r2);
    har_windows w1, w2;
    har_ingest_log l1, l2;
    ingest_ok(&o1, &w1, &l1);
    ingest_ok(&o2, &w2, &l2);
    ck_assert_int_eq(w1.n, STD_N);
    ck_assert_int_eq(w2.n, STD_N);
    ck_assert(memcmp(w1.x, w2.x, (size_t)STD_N * WIN * NCH * sizeof(float)) == 0);
    ck_assert(memcmp(w1.start, w2.start, STD_N * sizeof *w1.start) == 0);
    ck_assert_str_eq(l1.digest, l2.digest);
    ck_assert_int_eq(strlen(l1.digest), 64);
    /* the manifest names files without ".gz" */
    log_file(&l2, "RawData/gyro_exp02_user05.txt");
    har_windows_free(&w1);
    har_windows_free(&w2);
    har_ingest_log_free(&l1);
    har_ingest_log_free(&l2);
    drop_fixture(r1);
    drop_fixture(r2);
}
END_TEST

static void digest_of(const char *root, char out[HAR_SHA256_HEX])
{
    har_ingest_opts o;
    small_opts(&o, root);
    har_windows w;
    har_ingest_log log;
    ingest_ok(&o, &w, &log);
    memcpy(out, log.digest, HAR_SHA256_HEX);
    har_windows_free(&w);
    har_ingest_log_free(&log);
}

START_TEST(test_digest_depends_on_content_only)
{
    char *r1 = make_standard(), *r2 = make_standard();
    char d1[HAR_SHA256_HEX], d2[HAR_SHA256_HEX], d3[HAR_SHA256_HEX];
    digest_of(r1, d1);
    digest_of(r2, d2);
    ck_assert_str_eq(d1, d2); /* the folder's location does not count */
    /* one changed value in a file that is read changes it */
    const bad_cell changed = {2, 1, 7, 0, "0.5"};
    write_sensor(r2, 2, 5, 1, 200, 0, &changed, 1);
    digest_of(r2, d3);
    ck_assert_str_ne(d1, d3);
    drop_fixture(r1);
    drop_fixture(r2);
}
END_TEST

START_TEST(test_plain_and_gz_both_present)
{
    char *root = make_standard();
    write_sensor(root, 1, 3, 0, 300, 1, NULL, 0); /* acc_exp01_user03.txt.gz next to the .txt */
    expect_edata(root, HAR_NAN_ERROR, "RawData/acc_exp01_user03.txt.gz", "two acc files for experiment 1");
}
END_TEST

START_TEST(test_labels_plain_and_gz_both_present)
{
    char *root = make_standard();
    put_file(root, "RawData/labels.txt", LABELS, 1);
    expect_edata(root, HAR_NAN_ERROR, "labels.txt.gz", "both");
}
END_TEST

/* ---------------------------------------------------------------- --nan */

/* Bad values that --nan error must refuse, each naming its file and line. */
static const bad_cell NAN_ERROR_CASES[] = {
    {1, 0, 49, 1, "nan"},  /* acc_exp01_user03.txt:50 */
    {2, 1, 9, 2, "abc"},   /* gyro_exp02_user05.txt:10 */
    {1, 1, 299, 0, "inf"}, /* gyro_exp01_user03.txt:300, the last line */
};

START_TEST(test_nan_error)
{
    const bad_cell *b = &NAN_ERROR_CASES[_i];
    const fixture fx = {.bad = b, .nbad = 1};
    char *root = make_fixture(&fx);
    const rec_spec *r = &RECS[b->exp - 1];
    expect_edata(root, HAR_NAN_ERROR, at_line(root, sensor_rel(b->exp, r->user, b->gyro), (long)b->sample + 1),
                 "use --nan ffill to repair or --nan drop");
}
END_TEST

START_TEST(test_nan_ffill)
{
    /* Sample 49 of experiment 1 has three bad values (two in acc, one in
     * gyro) but is one repaired sample; sample 0 of experiment 2's gyro is a
     * leading bad value, filled from sample 1. */
    const bad_cell bad[] = {
        {1, 0, 49, 0, "nan"}, {1, 0, 49, 2, "abc"}, {1, 1, 49, 1, "-inf"}, {2, 1, 0, 2, "NaN"}};
    const fixture fx = {.bad = bad, .nbad = 4};
    char *root = make_fixture(&fx);
    har_ingest_opts o;
    small_opts(&o, root);
    o.nan = HAR_NAN_FFILL;
    har_windows w;
    har_ingest_log log;
    ingest_ok(&o, &w, &log);
    assert_runs(&w, STD_RUNS, sizeof STD_RUNS / sizeof STD_RUNS[0]);
    ck_assert_int_eq(log.bad_values, 4);
    ck_assert_int_eq(log.repaired_samples, 2);
    ck_assert_int_eq(log.dropped_windows, 0);
    ck_assert_int_eq(log_file(&log, "RawData/acc_exp01_user03.txt")->bad_values, 2);
    ck_assert_int_eq(log_file(&log, "RawData/acc_exp01_user03.txt")->repaired_samples, 1);
    ck_assert_int_eq(log_file(&log, "RawData/gyro_exp01_user03.txt")->repaired_samples, 1);
    ck_assert_int_eq(log_file(&log, "RawData/gyro_exp02_user05.txt")->bad_values, 1);
    ck_assert_int_eq(log_file(&log, "RawData/acc_exp02_user05.txt")->bad_values, 0);
    assert_meta(&w, "nan_policy", "ffill");
    assert_meta(&w, "bad_values", "4");
    assert_meta(&w, "repaired_samples", "2");
    assert_x_matches(&w, bad, 4);
    har_windows_free(&w);
    har_ingest_log_free(&log);
    drop_fixture(root);
}
END_TEST

START_TEST(test_nan_drop)
{
    /* Sample 48 of experiment 1 lies in [start - 2, start + 16) of the
     * windows at 34, 42 and 50 (the last only through the median's reach);
     * sample 205 in that of the window at 200 only (208 - 2 > 205). */
    const bad_cell bad[] = {{1, 0, 48, 1, "nan"}, {1, 1, 205, 0, "abc"}};
    const fixture fx = {.bad = bad, .nbad = 2};
    char *root = make_fixture(&fx);
    har_ingest_opts o;
    small_opts(&o, root);
    o.nan = HAR_NAN_DROP;
    har_windows w;
    har_ingest_log log;
    ingest_ok(&o, &w, &log);
    const win_run runs[] = {{3, 10, 4, 3, 1}, {5, 58, 4, 3, 1}, {5, 208, 1, 3, 1}, {4, 0, 3, 5, 2}, {1, 50, 5, 5, 2}};
    assert_runs(&w, runs, sizeof runs / sizeof runs[0]);
    ck_assert_int_eq(w.n, STD_N - 4);
    ck_assert_int_eq(log.dropped_windows, 4);
    ck_assert_int_eq(log.bad_values, 2);
    ck_assert_int_eq(log.repaired_samples, 2); /* carried forward internally, then dropped */
    assert_meta(&w, "dropped_windows", "4");
    assert_meta(&w, "nan_policy", "drop");
    /* the windows kept are filtered from the carried-forward series */
    assert_x_matches(&w, bad, 2);
    har_windows_free(&w);
    har_ingest_log_free(&log);
    drop_fixture(root);
}
END_TEST

/* One bad sample in experiment 2 (windows at 0, 8, 16, 24 and 50) and the
 * number of windows whose [start - 2, start + 16) holds it. */
static const struct {
    int64_t sample;
    int dropped;
} DROP_REACH[] = {
    {0, 1},   /* window 0 only */
    {5, 1},   /* 8 - 2 > 5 */
    {6, 2},   /* windows 0 and 8: 6 is within the median reach of 8 */
    {7, 2},   /* windows 0 and 8 */
    {39, 1},  /* last sample of window 24 */
    {40, 0},  /* between the segments, reached by no window */
    {47, 0},  /* 50 - 2 > 47 */
    {48, 1},  /* reach of window 50 */
    {65, 1},  /* last sample of window 50 */
    {66, 0},  /* just after it */
    {199, 0}, /* last sample of the recording */
};

START_TEST(test_nan_drop_reach)
{
    const bad_cell bad = {2, _i % 2, DROP_REACH[_i].sample, _i % 3, "nan"};
    const fixture fx = {.bad = &bad, .nbad = 1};
    char *root = make_fixture(&fx);
    har_ingest_opts o;
    small_opts(&o, root);
    o.nan = HAR_NAN_DROP;
    har_windows w;
    har_ingest_log log;
    ingest_ok(&o, &w, &log);
    ck_assert_msg(log.dropped_windows == DROP_REACH[_i].dropped, "bad sample %lld: dropped %lld, expected %d",
                  (long long)bad.sample, (long long)log.dropped_windows, DROP_REACH[_i].dropped);
    ck_assert_int_eq(w.n, STD_N - DROP_REACH[_i].dropped);
    ck_assert_int_eq(log.bad_values, 1);
    ck_assert_int_eq(log.repaired_samples, 1);
    for (int64_t n = 0; n < w.n; n++)
        if (w.recording[n] == 2)
            ck_assert(!(w.start[n] - 2 <= bad.sample && bad.sample < w.start[n] + WIN));
    har_windows_free(&w);
    har_ingest_log_free(&log);
    drop_fixture(root);
}
END_TEST

/* ---------------------------------------------------------------- malformed data */

START_TEST(test_acc_gyro_lengths_differ)
{
    char *root = make_standard();
    write_sensor(root, 2, 5, 1, 199, 0, NULL, 0);
    expect_edata(root, HAR_NAN_ERROR, "acc_exp02_user05.txt has 200", "gyro_exp02_user05.txt has 199");
}
END_TEST

START_TEST(test_segment_past_end)
{
    const fixture fx = {.labels = "1 3 5 11 110\n2 5 4 1 40\n2 5 6 51 201\n"}; /* experiment 2 has 200 */
    char *root = make_fixture(&fx);
    expect_edata(root, HAR_NAN_ERROR, at_line(root, "RawData/labels.txt", 3), "200 samples");
}
END_TEST

START_TEST(test_unknown_activity)
{
    const fixture fx = {.labels = "1 3 5 11 110\n1 3 13 121 160\n"};
    char *root = make_fixture(&fx);
    expect_edata(root, HAR_NAN_ERROR, at_line(root, "RawData/labels.txt", 2), "activity id 13");
}
END_TEST

START_TEST(test_overlapping_segments)
{
    /* listed out of order on purpose: the check must not rely on it */
    const fixture fx = {.labels = "2 5 4 1 40\n1 3 7 101 160\n1 3 5 11 110\n"};
    char *root = make_fixture(&fx);
    expect_edata(root, HAR_NAN_ERROR, tu_path(root, "RawData/labels.txt"), "lines 3 and 2");
}
END_TEST

START_TEST(test_missing_gyro)
{
    char *root = make_standard();
    ck_assert(unlink(tu_path(root, "RawData/gyro_exp02_user05.txt")) == 0);
    expect_edata(root, HAR_NAN_ERROR, at_line(root, "RawData/labels.txt", 5), "no gyro file");
}
END_TEST

/* A RawData folder with labels but not one recording (fuzzing found an
 * empty recording list sorted through a NULL pointer, which UBSan flags). */
START_TEST(test_no_recordings)
{
    char *root = make_standard();
    for (int i = 0; i < NRECS; i++)
        for (int kind = 0; kind < 2; kind++) {
            char rel[64];
            snprintf(rel, sizeof rel, "RawData/%s_exp%02d_user%02d.txt", kind ? "gyro" : "acc", RECS[i].exp,
                     RECS[i].user);
            ck_assert(unlink(tu_path(root, rel)) == 0);
        }
    expect_edata(root, HAR_NAN_ERROR, at_line(root, "RawData/labels.txt", 1), "no acc file");
}
END_TEST

/* Bytes cut from the end of a gzip recording: part of the trailer only, the
 * whole trailer, and compressed data too.  Each must fail, never read short. */
static const size_t GZ_CUTS[] = {1, 8, 40};

START_TEST(test_truncated_gz)
{
    const fixture fx = {.gz = 1};
    char *root = make_fixture(&fx);
    char path[4200];
    snprintf(path, sizeof path, "%s/RawData/acc_exp02_user05.txt.gz", root);
    size_t len;
    char *gz = tu_read_file(path, &len);
    ck_assert(gz && len > 100);
    tu_write_file(path, gz, len - GZ_CUTS[_i]);
    free(gz);
    expect_edata(root, HAR_NAN_ERROR, path, NULL);
}
END_TEST

START_TEST(test_two_numbers_on_a_line)
{
    const bad_cell line = {1, 0, 99, -1, "0.5 0.25"};
    const fixture fx = {.bad = &line, .nbad = 1};
    char *root = make_fixture(&fx);
    /* a malformed row is an error whatever the --nan policy (_i) */
    expect_edata(root, (har_nan_policy)_i, at_line(root, "RawData/acc_exp01_user03.txt", 100),
                 "expected 3 numbers, found 2");
}
END_TEST

START_TEST(test_user_disagrees_with_file_name)
{
    const fixture fx = {.labels = "1 3 5 11 110\n2 4 4 1 40\n"}; /* files say user 5 */
    char *root = make_fixture(&fx);
    expect_edata(root, HAR_NAN_ERROR, at_line(root, "RawData/labels.txt", 2), "user 4");
}
END_TEST

/* ---------------------------------------------------------------- metadata */

static char *ingest_meta(const fixture *fx, const char *test_subjects, har_windows *w, har_ingest_log *log)
{
    char *root = make_fixture(fx);
    har_ingest_opts o;
    small_opts(&o, root);
    o.test_subjects = test_subjects;
    ingest_ok(&o, w, log);
    return root;
}

START_TEST(test_test_subjects_from_file)
{
    const fixture fx = {.test_ids = "5\n5\n9\n5\n"};
    har_windows w;
    har_ingest_log log;
    char *root = ingest_meta(&fx, NULL, &w, &log);
    assert_meta(&w, "test_subjects", "5,9");
    log_file(&log, "Test/subject_id_test.txt"); /* part of the digest */
    ck_assert_int_eq(log.nfiles, 7);
    har_windows_free(&w);
    har_ingest_log_free(&log);
    drop_fixture(root);
}
END_TEST

START_TEST(test_test_subjects_option_overrides)
{
    const fixture fx = {.test_ids = "5\n9\n"};
    har_windows w;
    har_ingest_log log;
    char *root = ingest_meta(&fx, "2,7-8", &w, &log);
    assert_meta(&w, "test_subjects", "2,7,8");
    har_windows_free(&w);
    har_ingest_log_free(&log);
    drop_fixture(root);
}
END_TEST

START_TEST(test_test_subjects_absent)
{
    const fixture fx = {0};
    har_windows w;
    har_ingest_log log;
    char *root = ingest_meta(&fx, NULL, &w, &log);
    ck_assert_ptr_null(har_tfile_meta_get(w.file, "test_subjects"));
    har_windows_free(&w);
    har_ingest_log_free(&log);
    drop_fixture(root);
}
END_TEST

/* Test/subject_id_test.txt is optional, but when both it and its .gz exist
 * the reader cannot know which is meant: an error, as for every other
 * input, not a silently missing test list. */
START_TEST(test_test_subjects_plain_and_gz_both_present)
{
    const fixture fx = {.test_ids = "5\n9\n"};
    char *root = make_fixture(&fx);
    put_file(root, "Test/subject_id_test.txt", "7\n", 1);
    expect_edata(root, HAR_NAN_ERROR, "subject_id_test.txt.gz", "both");
}
END_TEST

START_TEST(test_metadata)
{
    har_windows w;
    har_ingest_log log;
    char *root = ingest_standard(&w, &log);
    assert_meta(&w, "format", HAR_WINDOWS_FORMAT);
    assert_meta(&w, "channels", "body_acc_x,body_acc_y,body_acc_z,body_gyro_x,body_gyro_y,body_gyro_z,"
                                "total_acc_x,total_acc_y,total_acc_z");
    assert_meta(&w, "classes", "WALKING,WALKING_UPSTAIRS,WALKING_DOWNSTAIRS,SITTING,STANDING,LAYING");
    assert_meta(&w, "activity_ids", "1,2,3,4,5,6");
    assert_meta(&w, "window", "16");
    assert_meta(&w, "stride", "8");
    assert_meta(&w, "input_digest", log.digest);
    assert_meta(&w, "nan_policy", "error");
    ck_assert_int_eq(strspn(log.digest, "0123456789abcdef"), 64);
    ck_assert_int_eq(w.nclasses, 6);
    ck_assert_str_eq(w.classes[4], "STANDING");
    har_windows_free(&w);
    har_ingest_log_free(&log);
    drop_fixture(root);
}
END_TEST

/* ---------------------------------------------------------------- the real dataset */

START_TEST(test_real_hapt)
{
    har_ingest_opts o;
    har_ingest_opts_default(&o);
    o.root = tu_data();
    har_windows w;
    har_ingest_log log;
    ingest_ok(&o, &w, &log);
    ck_assert_int_eq(w.n, 10411);
    static const int32_t test_ids[] = {2, 4, 9, 10, 12, 13, 18, 20, 24};
    int64_t in_test = 0, per_class[6] = {0};
    for (int64_t n = 0; n < w.n; n++) {
        for (size_t k = 0; k < sizeof test_ids / sizeof test_ids[0]; k++)
            in_test += w.subject[n] == test_ids[k];
        ck_assert(w.y[n] >= 0 && w.y[n] < 6);
        per_class[w.y[n]]++;
    }
    ck_assert_int_eq(w.n - in_test, 7415);
    ck_assert_int_eq(in_test, 2996);
    static const int64_t want[6] = {1722, 1544, 1407, 1801, 1979, 1958};
    for (int c = 0; c < 6; c++)
        ck_assert_msg(per_class[c] == want[c], "class %d: %lld windows, expected %lld", c, (long long)per_class[c],
                      (long long)want[c]);
    assert_meta(&w, "test_subjects", "2,4,9,10,12,13,18,20,24");
    har_windows_free(&w);
    har_ingest_log_free(&log);
}
END_TEST

Suite *ingest_suite(void)
{
    Suite *s = suite_create("ingest");
    TCase *tc = tcase_create("hapt");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_windows_positions_and_labels);
    tcase_add_test(tc, test_log_counts);
    tcase_add_test(tc, test_x_equals_streaming_preproc);
    tcase_add_test(tc, test_activities_selection);
    tcase_add_test(tc, test_transitions_only);
    tcase_add_test(tc, test_no_windows_is_an_error);
    tcase_add_test(tc, test_gz_same_as_plain);
    tcase_add_test(tc, test_digest_depends_on_content_only);
    tcase_add_test(tc, test_plain_and_gz_both_present);
    tcase_add_test(tc, test_labels_plain_and_gz_both_present);
    tcase_add_loop_test(tc, test_nan_error, 0, sizeof NAN_ERROR_CASES / sizeof NAN_ERROR_CASES[0]);
    tcase_add_test(tc, test_nan_ffill);
    tcase_add_test(tc, test_nan_drop);
    tcase_add_loop_test(tc, test_nan_drop_reach, 0, sizeof DROP_REACH / sizeof DROP_REACH[0]);
    tcase_add_test(tc, test_acc_gyro_lengths_differ);
    tcase_add_test(tc, test_segment_past_end);
    tcase_add_test(tc, test_unknown_activity);
    tcase_add_test(tc, test_overlapping_segments);
    tcase_add_test(tc, test_missing_gyro);
    tcase_add_test(tc, test_no_recordings);
    tcase_add_loop_test(tc, test_truncated_gz, 0, sizeof GZ_CUTS / sizeof GZ_CUTS[0]);
    tcase_add_loop_test(tc, test_two_numbers_on_a_line, HAR_NAN_ERROR, HAR_NAN_DROP + 1);
    tcase_add_test(tc, test_user_disagrees_with_file_name);
    tcase_add_test(tc, test_test_subjects_from_file);
    tcase_add_test(tc, test_test_subjects_option_overrides);
    tcase_add_test(tc, test_test_subjects_absent);
    tcase_add_test(tc, test_test_subjects_plain_and_gz_both_present);
    tcase_add_test(tc, test_metadata);
    suite_add_tcase(s, tc);
    TCase *real = tcase_create("hapt_real");
    tcase_set_timeout(real, 120);
    tcase_add_test(real, test_real_hapt);
    suite_add_tcase(s, real);
    return s;
}
