/* test_stream_timed.c - har-infer --stream --timestamps (har_stream_push_at)
 * on real GeoTec recordings at the phone's own irregular ~100 Hz: every
 * window har-ingest cuts from a recording is the window the stream
 * classifies at the same start, bit for bit, with all nine channels, with
 * the accelerometer alone, and across a gap. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/windows.h"
#include "testutil.h"

static char *work;

static const char *geotec(const char *rel)
{
    const char *root = getenv("HAR_GEOTEC");
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/raw/DATA/%s", root && *root ? root : "data/geotec", rel);
    return buf;
}

#define LAYOUT "--acc x_acc,y_acc,z_acc --acc-unit m/s2 --time timestamp --time-unit ms --label label " \
               "--subject '^s([0-9]+)/' --bad-timestamps drop --window 50 --stride 25 --window-label majority"
#define STREAM "--stream --timestamps --time-unit ms --acc-unit m/s2 --bad-timestamps drop --stride 25"

/* Recordings s01_01 (streamed), s02_01 (training) and s03_01 (validation),
 * and a small model on each channel set: flatten + dense, one epoch. */
static void setup(void)
{
    work = tu_tmpdir();
    for (int s = 1; s <= 3; s++)
        ck_assert_int_eq(tu_sh("mkdir -p '%1$s/d%2$d/s0%2$d' && cp '%3$s' '%1$s/d%2$d/s0%2$d/'", work, s,
                               geotec(s == 1 ? "s01/s01_01_sp.csv.gz" : s == 2 ? "s02/s02_01_sp.csv.gz"
                                                                               : "s03/s03_01_sp.csv.gz")),
                         0);
    char ingest[4096], norm[4096], train[4096];
    snprintf(ingest, sizeof ingest, "%s", tu_bin("har-ingest"));
    snprintf(norm, sizeof norm, "%s", tu_bin("har-norm"));
    snprintf(train, sizeof train, "%s", tu_bin("har-train"));
    for (int acc_only = 0; acc_only <= 1; acc_only++)
        ck_assert_int_eq(
            tu_sh("cd '%1$s' && for s in 1 2 3; do %2$s -q " LAYOUT " %5$s d$s -o %6$sw$s.st.gz || exit 1; done && "
                  "%3$s fit %6$sw2.st.gz -o %6$sstats.st.gz && "
                  "%4$s -q %6$sw2.st.gz %6$sw3.st.gz --stats %6$sstats.st.gz -m flatten,dense:5 -e 1 --log none "
                  "-o %6$sm.st.gz",
                  work, ingest, norm, train, acc_only ? "--gyro ''" : "--gyro x_gyro,y_gyro,z_gyro",
                  acc_only ? "acc-" : ""),
            0);
}

static void teardown(void)
{
    tu_rmtree(work);
    free(work);
}

/* Every window of the ingested file equals the streamed window with its
 * start; returns how many were compared. */
static int64_t compare(const char *ingested, const char *on_csv, const char *win_txt)
{
    har_windows w;
    har_err e = {0};
    ck_assert_msg(har_windows_load(&w, ingested, &e) == 0, "%s", e.msg);
    size_t per = (size_t)w.t * (size_t)w.c, nl = 0, cap = 0;
    int64_t *starts = NULL;
    float *wins = NULL;
    FILE *on = fopen(on_csv, "r"), *win = fopen(win_txt, "r");
    ck_assert(on && win);
    char line[1 << 16];
    ck_assert_ptr_nonnull(fgets(line, sizeof line, on)); /* header */
    while (fgets(line, sizeof line, on)) {
        if (nl == cap) {
            cap = cap ? 2 * cap : 64;
            starts = realloc(starts, cap * sizeof *starts);
            wins = realloc(wins, cap * per * sizeof *wins);
        }
        starts[nl] = strtoll(line, NULL, 10);
        ck_assert_ptr_nonnull(fgets(line, sizeof line, win));
        char *p = line;
        for (size_t j = 0; j < per; j++)
            wins[nl * per + j] = strtof(p, &p);
        nl++;
    }
    fclose(on);
    fclose(win);
    for (int64_t i = 0; i < w.n; i++) {
        size_t k = 0;
        while (k < nl && starts[k] != w.start[i])
            k++;
        ck_assert_msg(k < nl, "no streamed window starts at %lld", (long long)w.start[i]);
        ck_assert_msg(memcmp(wins + k * per, w.x + (size_t)i * per, per * sizeof(float)) == 0,
                      "window at %lld differs between the stream and har-ingest", (long long)w.start[i]);
    }
    int64_t n = w.n;
    ck_assert_int_ge((int64_t)nl, n);
    free(starts);
    free(wins);
    har_windows_free(&w);
    return n;
}

START_TEST(timed_stream_equals_ingest)
{
    char *err = NULL;
    /* The CSV's columns as stream lines: time ax ay az gx gy gz. */
    ck_assert_int_eq(tu_sh("cd '%s' && zcat d1/s01/s01_01_sp.csv.gz | awk -F, 'NR > 1 { print $7, $1, $2, $3, $4, "
                           "$5, $6 }' > s.txt",
                           work),
                     0);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd '%s' && %s " STREAM " --emit-windows win.txt m.st.gz s.txt > on.csv",
                                   work, tu_bin("har-infer")),
                     0);
    /* 1351 rows, 108 of them repeat the previous timestamp (har-ingest drops the same) */
    ck_assert_ptr_nonnull(strstr(err, "1351 timestamped samples: 108 dropped for a repeated"));
    free(err);
    ck_assert_int_ge(compare(tu_path(work, "w1.st.gz"), tu_path(work, "on.csv"), tu_path(work, "win.txt")), 20);
}
END_TEST

START_TEST(accelerometer_only_stream)
{
    ck_assert_int_eq(tu_sh("cd '%s' && zcat d1/s01/s01_01_sp.csv.gz | awk -F, 'NR > 1 { print $7, $1, $2, $3 }' > "
                           "a.txt && %s -q " STREAM " --emit-windows awin.txt acc-m.st.gz a.txt > aon.csv",
                           work, tu_bin("har-infer")),
                     0);
    ck_assert_int_ge(compare(tu_path(work, "acc-w1.st.gz"), tu_path(work, "aon.csv"), tu_path(work, "awin.txt")),
                     20);
}
END_TEST

START_TEST(gap_splits_stream_and_ingest_alike)
{
    /* Rows 500-539 (0.4 s) removed: a gap over 0.1 s in both. */
    char *err = NULL;
    ck_assert_int_eq(
        tu_sh("cd '%1$s' && mkdir -p g/s01 && zcat d1/s01/s01_01_sp.csv.gz | awk 'NR < 500 || NR >= 540' > "
              "g/s01/s01_01_sp.csv && %2$s -q " LAYOUT " --gyro x_gyro,y_gyro,z_gyro g -o gw.st.gz && "
              "awk -F, 'NR > 1 { print $7, $1, $2, $3, $4, $5, $6 }' g/s01/s01_01_sp.csv > gs.txt",
              work, tu_bin("har-ingest")),
        0);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd '%s' && %s " STREAM " --emit-windows gwin.txt m.st.gz gs.txt > gon.csv",
                                   work, tu_bin("har-infer")),
                     0);
    ck_assert_msg(strstr(err, " 1 gaps over 0.1 s") != NULL, "%s", err);
    free(err);
    ck_assert_int_ge(compare(tu_path(work, "gw.st.gz"), tu_path(work, "gon.csv"), tu_path(work, "gwin.txt")), 15);
}
END_TEST

Suite *stream_timed_suite(void)
{
    Suite *s = suite_create("stream_timed");
    TCase *tc = tcase_create("geotec");
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, timed_stream_equals_ingest);
    tcase_add_test(tc, accelerometer_only_stream);
    tcase_add_test(tc, gap_splits_stream_and_ingest_alike);
    suite_add_tcase(s, tc);
    return s;
}
