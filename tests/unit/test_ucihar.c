/* test_ucihar.c - har_ingest() on the UCI HAR v1 layout ({train,test}/
 * Inertial Signals/<channel>_<part>.txt, one window of T samples per line).
 *
 * The fixture encodes where each value belongs in the value itself
 * (part * 1000 + window * 100 + t + channel / 16, exact in float), so any
 * misplacement of a window, a time step or a channel shows. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ingest/ingest.h"
#include "testutil.h"

enum { T = 8, NCH = HAR_CHANNELS };

typedef struct {
    const char *name;
    int code; /* the part's digit in the encoded values */
    int n;    /* windows */
    const int *y, *subject;
} part_spec;

static const int TRAIN_Y[] = {1, 2, 5, 6, 1}, TRAIN_S[] = {1, 1, 3, 3, 3};
static const int TEST_Y[] = {4, 2, 3}, TEST_S[] = {2, 4, 2};
static const part_spec PARTS[2] = {{"train", 1, 5, TRAIN_Y, TRAIN_S}, {"test", 2, 3, TEST_Y, TEST_S}};
enum { TRAIN = 0, TEST = 1 };

static const char ACTIVITY_LABELS[] = "1 WALKING\n2 WALKING_UPSTAIRS\n3 WALKING_DOWNSTAIRS\n4 SITTING\n"
                                      "5 STANDING\n6 LAYING\n";

static double cell(int part, int w, int t, int c)
{
    return PARTS[part].code * 1000.0 + w * 100.0 + t + c / 16.0;
}

/* One value written as text instead of its encoded number. */
typedef struct {
    int part, window, t, channel;
    const char *text;
} uci_bad;

/* ---------------------------------------------------------------- fixture */

static const char *channel_rel(int part, int c)
{
    static char rel[256];
    snprintf(rel, sizeof rel, "%s/Inertial Signals/%s_%s.txt", PARTS[part].name, har_channel_names[c],
             PARTS[part].name);
    return rel;
}

/* Writes the first `rows` windows of one channel file. */
static void write_channel(const char *root, int part, int c, int rows, const uci_bad *bad)
{
    tu_sbuf b = {0};
    for (int w = 0; w < rows; w++) {
        for (int t = 0; t < T; t++) {
            /* right-aligned "%.7e" fields as in the published files; exact
             * here, since every encoded value has at most 8 digits */
            if (bad && bad->part == part && bad->window == w && bad->t == t && bad->channel == c)
                tu_sbuf_printf(&b, " %15s", bad->text);
            else
                tu_sbuf_printf(&b, " %15.7e", cell(part, w, t, c));
        }
        tu_sbuf_printf(&b, "\n");
    }
    tu_write_text(tu_path(root, channel_rel(part, c)), b.s);
    free(b.s);
}

/* y_<part>.txt or subject_<part>.txt: one integer per window. */
static void write_column(const char *root, int part, const char *stem, const int *v)
{
    tu_sbuf b = {0};
    for (int w = 0; w < PARTS[part].n; w++)
        tu_sbuf_printf(&b, "%d\n", v[w]);
    char rel[128];
    snprintf(rel, sizeof rel, "%s/%s_%s.txt", PARTS[part].name, stem, PARTS[part].name);
    tu_write_text(tu_path(root, rel), b.s);
    free(b.s);
}

static void write_part(const char *root, int part, const uci_bad *bad)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/%s", root, PARTS[part].name);
    ck_assert(mkdir(dir, 0755) == 0);
    ck_assert(mkdir(tu_path(dir, "Inertial Signals"), 0755) == 0);
    write_column(root, part, "y", PARTS[part].y);
    write_column(root, part, "subject", PARTS[part].subject);
    for (int c = 0; c < NCH; c++)
        write_channel(root, part, c, PARTS[part].n, bad);
}

/* A fresh UCI HAR v1 folder; bad (may be NULL) is written as text. */
static char *make_uci(const uci_bad *bad)
{
    char *root = tu_tmpdir();
    tu_write_text(tu_path(root, "activity_labels.txt"), ACTIVITY_LABELS);
    write_part(root, TRAIN, bad);
    write_part(root, TEST, bad);
    return root;
}

static void drop_uci(char *root)
{
    tu_rmtree(root);
    free(root);
}

/* ---------------------------------------------------------------- running and checking */

static void uci_opts(har_ingest_opts *o, const char *root)
{
    har_ingest_opts_default(o);
    o->root = root;
}

static void ingest_ok(const har_ingest_opts *o, har_windows *w, har_ingest_log *log)
{
    har_err e = {0};
    int rc = har_ingest(o, w, log, &e);
    ck_assert_msg(rc == 0, "har_ingest failed (%d): %s", rc, e.msg);
}

static void ingest_fails(const har_ingest_opts *o, int code, const char *needle1, const char *needle2)
{
    har_windows w;
    har_ingest_log log;
    har_err e = {0};
    int rc = har_ingest(o, &w, &log, &e);
    ck_assert_msg(rc == code, "expected error %d, got %d (%s)", code, rc, e.msg);
    ck_assert_ptr_null(w.file);
    tu_assert_contains(e.msg, needle1);
    if (needle2)
        tu_assert_contains(e.msg, needle2);
    har_ingest_log_free(&log);
}

/* A window of the output and where it must come from. */
typedef struct {
    int part, window;
} src;

/* X[n, t, c], y (0-based), subject, recording and start of every window. */
static void assert_windows(const har_windows *w, const src *want, int n, const int *class_of)
{
    ck_assert_int_eq(w->n, n);
    ck_assert_int_eq(w->t, T);
    ck_assert_int_eq(w->c, NCH);
    for (int i = 0; i < n; i++) {
        const part_spec *p = &PARTS[want[i].part];
        for (int t = 0; t < T; t++)
            for (int c = 0; c < NCH; c++) {
                float got = w->x[((size_t)i * T + (size_t)t) * NCH + (size_t)c];
                float want_v = (float)cell(want[i].part, want[i].window, t, c);
                ck_assert_msg(memcmp(&got, &want_v, sizeof got) == 0, "X[%d, %d, %d] = %.9g, expected %.9g", i, t, c,
                              got, want_v);
            }
        ck_assert_int_eq(w->y[i], class_of[p->y[want[i].window]]);
        ck_assert_int_eq(w->subject[i], p->subject[want[i].window]);
        ck_assert_int_eq(w->recording[i], -1);
        ck_assert_int_eq(w->start[i], -1);
    }
}

/* Default activities 1..6: class = id - 1. */
static const int DEFAULT_CLASS[] = {-1, 0, 1, 2, 3, 4, 5};

static const src ALL[] = {{TRAIN, 0}, {TRAIN, 1}, {TRAIN, 2}, {TRAIN, 3}, {TRAIN, 4},
                          {TEST, 0},  {TEST, 1},  {TEST, 2}};

static void assert_meta(const har_windows *w, const char *key, const char *want)
{
    const char *got = har_tfile_meta_get(w->file, key);
    ck_assert_msg(got && strcmp(got, want) == 0, "metadata %s = '%s', expected '%s'", key, got ? got : "(absent)",
                  want);
}

/* ---------------------------------------------------------------- tests */

START_TEST(test_uci_placement)
{
    char *root = make_uci(NULL);
    har_ingest_opts o;
    uci_opts(&o, root);
    har_windows w;
    har_ingest_log log;
    ingest_ok(&o, &w, &log);
    assert_windows(&w, ALL, 8, DEFAULT_CLASS);
    ck_assert_int_eq(log.layout, HAR_LAYOUT_UCI);
    ck_assert_int_eq(log.nfiles, 1 + 2 * (2 + NCH));
    ck_assert_int_eq(log.windows_excluded, 0);
    ck_assert_int_eq(log.bad_values, 0);
    har_windows_free(&w);
    har_ingest_log_free(&log);
    drop_uci(root);
}
END_TEST

START_TEST(test_uci_metadata)
{
    char *root = make_uci(NULL);
    har_ingest_opts o;
    uci_opts(&o, root);
    har_windows w;
    har_ingest_log log;
    ingest_ok(&o, &w, &log);
    assert_meta(&w, "test_subjects", "2,4"); /* the subjects of the test part */
    assert_meta(&w, "format", HAR_WINDOWS_FORMAT);
    assert_meta(&w, "channels", "body_acc_x,body_acc_y,body_acc_z,body_gyro_x,body_gyro_y,body_gyro_z,"
                                "total_acc_x,total_acc_y,total_acc_z");
    assert_meta(&w, "classes", "WALKING,WALKING_UPSTAIRS,WALKING_DOWNSTAIRS,SITTING,STANDING,LAYING");
    assert_meta(&w, "window", "8");
    assert_meta(&w, "stride", "4");
    assert_meta(&w, "input_digest", log.digest);
    har_windows_free(&w);
    har_ingest_log_free(&log);
    drop_uci(root);
}
END_TEST

START_TEST(test_uci_test_subjects_option)
{
    char *root = make_uci(NULL);
    har_ingest_opts o;
    uci_opts(&o, root);
    o.test_subjects = "3,5";
    har_windows w;
    har_ingest_log log;
    ingest_ok(&o, &w, &log);
    assert_meta(&w, "test_subjects", "3,5");
    har_windows_free(&w);
    har_ingest_log_free(&log);
    drop_uci(root);
}
END_TEST

START_TEST(test_uci_activities)
{
    char *root = make_uci(NULL);
    har_ingest_opts o;
    uci_opts(&o, root);
    har_err e = {0};
    ck_assert(har_idlist_parse(&o.activities, "1,2", 1, 65535, "--activities", &e) == 0);
    har_windows w;
    har_ingest_log log;
    ingest_ok(&o, &w, &log);
    /* WALKING (1) and WALKING_UPSTAIRS (2): train 0, 1, 4 and test 1 */
    static const src kept[] = {{TRAIN, 0}, {TRAIN, 1}, {TRAIN, 4}, {TEST, 1}};
    static const int cls[] = {-1, 0, 1, -1, -1, -1, -1};
    assert_windows(&w, kept, 4, cls);
    ck_assert_int_eq(log.windows_excluded, 4);
    assert_meta(&w, "classes", "WALKING,WALKING_UPSTAIRS");
    assert_meta(&w, "activity_ids", "1,2");
    /* the test subjects are the test part's, selected or not */
    assert_meta(&w, "test_subjects", "2,4");
    har_idlist_free(&o.activities);
    har_windows_free(&w);
    har_ingest_log_free(&log);
    drop_uci(root);
}
END_TEST

START_TEST(test_uci_part_train)
{
    char *root = make_uci(NULL);
    har_ingest_opts o;
    uci_opts(&o, root);
    o.uci_part = "train";
    har_windows w;
    har_ingest_log log;
    ingest_ok(&o, &w, &log);
    assert_windows(&w, ALL, 5, DEFAULT_CLASS);
    ck_assert_int_eq(log.nfiles, 1 + 2 + NCH); /* the test part is not read */
    ck_assert_ptr_null(har_tfile_meta_get(w.file, "test_subjects"));
    har_windows_free(&w);
    har_ingest_log_free(&log);
    drop_uci(root);
}
END_TEST

START_TEST(test_uci_part_test)
{
    char *root = make_uci(NULL);
    har_ingest_opts o;
    uci_opts(&o, root);
    o.uci_part = "test";
    har_windows w;
    har_ingest_log log;
    ingest_ok(&o, &w, &log);
    assert_windows(&w, ALL + 5, 3, DEFAULT_CLASS);
    assert_meta(&w, "test_subjects", "2,4");
    har_windows_free(&w);
    har_ingest_log_free(&log);
    drop_uci(root);
}
END_TEST

START_TEST(test_uci_part_invalid)
{
    char *root = make_uci(NULL);
    har_ingest_opts o;
    uci_opts(&o, root);
    o.uci_part = "both";
    ingest_fails(&o, HAR_EUSAGE, "both", NULL);
    drop_uci(root);
}
END_TEST

START_TEST(test_uci_row_mismatch)
{
    char *root = make_uci(NULL);
    write_channel(root, TRAIN, 4, 4, NULL); /* body_gyro_y_train.txt: 4 windows instead of 5 */
    har_ingest_opts o;
    uci_opts(&o, root);
    char path[4300];
    snprintf(path, sizeof path, "%s/train/Inertial Signals/body_gyro_y_train.txt", root);
    ingest_fails(&o, HAR_EDATA, path, "4 windows");
    drop_uci(root);
}
END_TEST

START_TEST(test_uci_short_row)
{
    char *root = make_uci(NULL);
    /* a line with one sample too few in the test part of total_acc_x */
    tu_sbuf b = {0};
    for (int w = 0; w < PARTS[TEST].n; w++)
        for (int t = 0; t < (w == 1 ? T - 1 : T); t++)
            tu_sbuf_printf(&b, "%.17g%s", cell(TEST, w, t, 6), t == (w == 1 ? T - 2 : T - 1) ? "\n" : " ");
    tu_write_text(tu_path(root, channel_rel(TEST, 6)), b.s);
    free(b.s);
    har_ingest_opts o;
    uci_opts(&o, root);
    char where[4300];
    snprintf(where, sizeof where, "%s/%s:2", root, channel_rel(TEST, 6));
    ingest_fails(&o, HAR_EDATA, where, "expected 8 numbers, found 7");
    drop_uci(root);
}
END_TEST

static const uci_bad BAD = {TRAIN, 2, 3, 7, "nan"}; /* total_acc_y_train.txt, line 3 */

START_TEST(test_uci_nan_drop)
{
    char *root = make_uci(&BAD);
    har_ingest_opts o;
    uci_opts(&o, root);
    o.nan = HAR_NAN_DROP;
    har_windows w;
    har_ingest_log log;
    ingest_ok(&o, &w, &log);
    static const src kept[] = {{TRAIN, 0}, {TRAIN, 1}, {TRAIN, 3}, {TRAIN, 4}, {TEST, 0}, {TEST, 1}, {TEST, 2}};
    assert_windows(&w, kept, 7, DEFAULT_CLASS);
    ck_assert_int_eq(log.dropped_windows, 1);
    ck_assert_int_eq(log.bad_values, 1);
    har_windows_free(&w);
    har_ingest_log_free(&log);
    drop_uci(root);
}
END_TEST

START_TEST(test_uci_nan_ffill)
{
    char *root = make_uci(&BAD);
    har_ingest_opts o;
    uci_opts(&o, root);
    o.nan = HAR_NAN_FFILL;
    har_windows w;
    har_ingest_log log;
    ingest_ok(&o, &w, &log);
    ck_assert_int_eq(w.n, 8);
    ck_assert_int_eq(log.bad_values, 1);
    ck_assert_int_eq(log.repaired_samples, 1);
    /* carried forward from t = 2 of the same window and channel */
    ck_assert_float_eq(w.x[((size_t)2 * T + 3) * NCH + 7], (float)cell(TRAIN, 2, 2, 7));
    ck_assert_float_eq(w.x[((size_t)2 * T + 4) * NCH + 7], (float)cell(TRAIN, 2, 4, 7));
    har_windows_free(&w);
    har_ingest_log_free(&log);
    drop_uci(root);
}
END_TEST

START_TEST(test_uci_nan_error)
{
    char *root = make_uci(&BAD);
    har_ingest_opts o;
    uci_opts(&o, root);
    char where[4300];
    snprintf(where, sizeof where, "%s/%s:3", root, channel_rel(TRAIN, 7));
    ingest_fails(&o, HAR_EDATA, where, "use --nan ffill to repair or --nan drop");
    drop_uci(root);
}
END_TEST

Suite *ucihar_suite(void)
{
    Suite *s = suite_create("ucihar");
    TCase *tc = tcase_create("uci");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_uci_placement);
    tcase_add_test(tc, test_uci_metadata);
    tcase_add_test(tc, test_uci_test_subjects_option);
    tcase_add_test(tc, test_uci_activities);
    tcase_add_test(tc, test_uci_part_train);
    tcase_add_test(tc, test_uci_part_test);
    tcase_add_test(tc, test_uci_part_invalid);
    tcase_add_test(tc, test_uci_row_mismatch);
    tcase_add_test(tc, test_uci_short_row);
    tcase_add_test(tc, test_uci_nan_drop);
    tcase_add_test(tc, test_uci_nan_ffill);
    tcase_add_test(tc, test_uci_nan_error);
    suite_add_tcase(s, tc);
    return s;
}
