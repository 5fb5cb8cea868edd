/* test_ingest_csv.c - har-ingest's generic layout (--layout csv) end to end
 * on small recordings written here: windows, labels, units, the
 * accelerometer-only channel set, --layout-file, timestamps that repeat, go
 * back or leave a gap, and bad rows. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/windows.h"
#include "testutil.h"

#define PI 3.14159265358979323846

/* A recording at ~100 Hz with jittered millisecond timestamps: 6 s, the
 * first 3 s labelled sit, the rest walk; acc in m/s2, gyro in deg/s.
 * flaw: 0 none, 1 a repeated timestamp at row 200, 2 a 0.5 s gap after row
 * 300, 3 "abc" in y_acc at row 250. */
static void write_recording(const char *path, unsigned seed, int flaw)
{
    tu_sbuf b = {0};
    tu_sbuf_printf(&b, "time_ms;ax;ay;az;gx;gy;gz;activity\n");
    long long t = 1700000000000LL;
    srand(seed);
    for (int i = 0; i < 600; i++) {
        double s = i / 100.0, walk = i >= 300;
        t += 10 + (i % 3) - 1 + (flaw == 2 && i == 300 ? 500 : 0);
        long long ts = flaw == 1 && i == 200 ? t - 10 - (i % 3) + 1 : t;
        double ax = 9.80665 * (0.1 + walk * 0.3 * sin(2 * PI * 1.8 * s)) + 0.01 * rand() / RAND_MAX;
        char ay[32];
        snprintf(ay, sizeof ay, "%.6f", 9.80665 * (0.95 + walk * 0.2 * cos(2 * PI * 1.8 * s)));
        tu_sbuf_printf(&b, "%lld;%.6f;%s;%.6f;%.4f;%.4f;%.4f;%s\n", ts, ax, flaw == 3 && i == 250 ? "abc" : ay,
                       -1.2, 10 * sin(s), 5 * walk, 0.0, walk ? "walk" : "sit");
    }
    tu_write_text(path, b.s);
    free(b.s);
}

static char *dir;

static void setup(void)
{
    dir = tu_tmpdir();
    tu_sh("mkdir -p '%s/rec/p01' '%s/rec/p02' '%s/flaw/p03'", dir, dir, dir);
    write_recording(tu_path(dir, "rec/p01/walk_p01_a.csv"), 1, 0);
    write_recording(tu_path(dir, "rec/p01/walk_p01_b.csv"), 2, 0);
    write_recording(tu_path(dir, "rec/p02/walk_p02_a.csv"), 3, 0);
}

static void teardown(void)
{
    tu_rmtree(dir);
    free(dir);
}

#define UNLABELLED_COLUMNS "--acc ax,ay,az --acc-unit m/s2 --gyro gx,gy,gz --gyro-unit deg/s --time time_ms " \
                           "--time-unit ms --subject 'p([0-9]+)/' --window 50 --stride 25"
#define COLUMNS UNLABELLED_COLUMNS " --label activity"

static har_windows load(const char *path)
{
    har_windows w;
    har_err e = {0};
    ck_assert_msg(har_windows_load(&w, path, &e) == 0, "%s", e.msg);
    return w;
}

START_TEST(recordings_become_windows)
{
    char *err = NULL;
    const char *out = tu_path(dir, "w.st.gz");
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s %s --label-map sit=SITTING,walk=WALKING '%s/rec' -o '%s'",
                                   tu_bin("har-ingest"), COLUMNS, dir, out),
                     0);
    har_windows w = load(out);
    /* Per recording: 6 s minus 0.2 s at each end -> 279 samples at 50 Hz
     * (0.2 s .. 5.78 s), windows of 50 every 25: 10 windows.  The label
     * changes at 3 s = sample 140, inside the windows starting at 100 and
     * 125: those are left out (inside rule), 4 sit and 4 walk remain. */
    ck_assert_int_eq(w.t, 50);
    ck_assert_int_eq(w.c, 9);
    ck_assert_int_eq(w.nclasses, 2);
    ck_assert_str_eq(w.classes[0], "SITTING");
    ck_assert_str_eq(w.classes[1], "WALKING");
    int64_t per_class[2] = {0}, per_subject[3] = {0};
    for (int64_t i = 0; i < w.n; i++) {
        per_class[w.y[i]]++;
        ck_assert(w.subject[i] == 1 || w.subject[i] == 2);
        per_subject[w.subject[i]]++;
    }
    ck_assert_int_eq(w.n, 3 * 8);
    ck_assert_int_eq(per_subject[1], 16);
    ck_assert_int_eq(per_class[0], 12);
    ck_assert_int_eq(per_class[1], 12);
    /* Units: total_acc_y while sitting is 0.95 g, body_gyro_x is in rad/s. */
    const float *x = w.x + 1 * 50 * 9; /* the second window of p01/walk_p01_a: sitting */
    ck_assert_double_lt(fabs(x[7] - 0.95), 0.01);
    ck_assert_ptr_nonnull(strstr(err, "3 files, 1800 rows"));
    ck_assert_ptr_nonnull(strstr(err, "6 windows mixed"));
    ck_assert_str_eq(har_tfile_meta_get(w.file, "channels"),
                     "body_acc_x,body_acc_y,body_acc_z,body_gyro_x,body_gyro_y,body_gyro_z,total_acc_x,total_acc_y,"
                     "total_acc_z");
    ck_assert_ptr_nonnull(strstr(har_tfile_meta_get(w.file, "resampling"), "resample_poly"));
    har_windows_free(&w);
    free(err);
}
END_TEST

START_TEST(accelerometer_only_and_layout_file)
{
    const char *out = tu_path(dir, "acc.st.gz"), *out2 = tu_path(dir, "acc2.st.gz"), *lf = tu_path(dir, "my.layout");
    ck_assert_int_eq(tu_sh("%s -q %s --gyro '' --classes WALKING,SITTING --label-map sit=SITTING,walk=WALKING "
                           "--window-label majority '%s/rec' -o '%s'",
                           tu_bin("har-ingest"), COLUMNS, dir, out),
                     0);
    tu_write_text(lf, "# my phone\nacc = ax,ay,az\nacc-unit m/s2\ntime = time_ms\ntime-unit = ms\nlabel = activity\n"
                      "subject = p([0-9]+)/\nwindow = 50\nstride = 25\nclasses = WALKING,SITTING\n"
                      "label-map = sit=SITTING,walk=WALKING\nwindow-label = majority\n");
    ck_assert_int_eq(tu_sh("%s -q --layout-file '%s' '%s/rec' -o '%s'", tu_bin("har-ingest"), lf, dir, out2), 0);
    har_windows w = load(out), w2 = load(out2);
    ck_assert_int_eq(w.c, 6);
    ck_assert_str_eq(har_tfile_meta_get(w.file, "channels"),
                     "body_acc_x,body_acc_y,body_acc_z,total_acc_x,total_acc_y,total_acc_z");
    ck_assert_str_eq(w.classes[0], "WALKING");
    /* majority labels every window but the one centred on the change */
    ck_assert_int_eq(w.n, 3 * 10);
    ck_assert_int_eq(w.n, w2.n);
    ck_assert_int_eq(memcmp(w.x, w2.x, (size_t)w.n * 50 * 6 * sizeof(float)), 0);
    har_windows_free(&w);
    har_windows_free(&w2);
}
END_TEST

START_TEST(timestamps_and_bad_rows)
{
    char *err = NULL;
    const char *out = tu_path(dir, "f.st.gz");
    /* A repeated timestamp: an error naming file and line ... */
    write_recording(tu_path(dir, "flaw/p03/r.csv"), 4, 1);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s %s '%s/flaw' -o '%s'", tu_bin("har-ingest"), COLUMNS, dir, out),
                     1);
    ck_assert_msg(strstr(err, "flaw/p03/r.csv:202: timestamp repeats the previous sample's") != NULL, "%s", err);
    ck_assert(!tu_exists(out));
    free(err);
    /* ... or one row dropped and counted. */
    ck_assert_int_eq(
        tu_sh_capture(NULL, &err, "%s %s --bad-timestamps drop '%s/flaw' -o '%s'", tu_bin("har-ingest"), COLUMNS, dir,
                      out),
        0);
    ck_assert_ptr_nonnull(strstr(err, "timestamps: 1 repeated and 0 backwards rows dropped, 0 gaps"));
    free(err);
    /* A gap splits the recording: no window spans it. */
    write_recording(tu_path(dir, "flaw/p03/r.csv"), 4, 2);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s %s '%s/flaw' -o '%s' --report '%s/r.md'", tu_bin("har-ingest"),
                                   COLUMNS, dir, out, dir),
                     0);
    ck_assert_ptr_nonnull(strstr(err, "1 gaps (longest 0.509 s) -> 2 pieces"));
    free(err);
    char *md = tu_read_file(tu_path(dir, "r.md"), NULL);
    ck_assert_ptr_nonnull(strstr(md, "| gaps that split a recording | 1 |"));
    free(md);
    /* A value that is not a number: file, line and column. */
    write_recording(tu_path(dir, "flaw/p03/r.csv"), 4, 3);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s %s '%s/flaw' -o '%s'", tu_bin("har-ingest"), COLUMNS, dir, out),
                     1);
    ck_assert_ptr_nonnull(strstr(err, "flaw/p03/r.csv:252: column 3: 'abc' is not a finite number"));
    free(err);
    /* A label outside --classes, a missing column. */
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s %s --classes SITTING '%s/rec' -o '%s'", tu_bin("har-ingest"),
                                   COLUMNS, dir, out),
                     1);
    ck_assert_ptr_nonnull(strstr(err, "label 'sit' is not among --classes"));
    free(err);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s %s --time when '%s/rec' -o '%s'", tu_bin("har-ingest"), COLUMNS,
                                   dir, out),
                     1);
    ck_assert_ptr_nonnull(strstr(err, "walk_p01_a.csv:1: no column 'when' (--time) in the header"));
    free(err);
}
END_TEST

/* Labels from a segments file, by row or by time, give the windows the
 * label column gives; overlapping segments and a segment of a recording that
 * is not there are errors. */
START_TEST(segments_file_labels)
{
    const char *lab = tu_path(dir, "lab.st.gz"), *row = tu_path(dir, "row.st.gz"), *tim = tu_path(dir, "time.st.gz");
    char ingest[4096];
    snprintf(ingest, sizeof ingest, "%s", tu_bin("har-ingest"));
    /* rows 1-300 sit, 301-600 walk; by time, the timestamps of those rows */
    ck_assert_int_eq(tu_sh("cd '%s' && for r in p01/walk_p01_a p01/walk_p01_b p02/walk_p02_a; do "
                           "echo \"$r.csv 1 300 sit\"; echo \"$r.csv,301,600,walk\"; done > rows.seg && "
                           "{ echo '# recording start end label'; for r in p01/walk_p01_a p01/walk_p01_b p02/walk_p02_a; do "
                           "awk -F';' -v r=$r 'NR == 2 { a = $1 } NR == 301 { b = $1 } NR == 302 { c = $1 } END { "
                           "print r \".csv\", a, b, \"sit\"; print r \".csv\", c, $1, \"walk\" }' rec/$r.csv; done; } > time.seg",
                           dir),
                     0);
    ck_assert_int_eq(tu_sh("%s -q %s '%s/rec' -o '%s'", ingest, COLUMNS, dir, lab), 0);
    ck_assert_int_eq(tu_sh("%s -q " UNLABELLED_COLUMNS " --segments '%s/rows.seg' --segments-by row '%s/rec' -o '%s'",
                           ingest, dir, dir, row),
                     0);
    ck_assert_int_eq(tu_sh("%s -q " UNLABELLED_COLUMNS " --segments '%s/time.seg' '%s/rec' -o '%s'", ingest, dir, dir,
                           tim),
                     0);
    har_windows a = load(lab), b = load(row), c = load(tim);
    ck_assert_int_eq(a.n, b.n);
    ck_assert_int_eq(a.n, c.n);
    size_t per = (size_t)a.t * (size_t)a.c;
    ck_assert_int_eq(memcmp(a.x, b.x, (size_t)a.n * per * sizeof(float)), 0);
    ck_assert_int_eq(memcmp(a.x, c.x, (size_t)a.n * per * sizeof(float)), 0);
    ck_assert_int_eq(memcmp(a.y, b.y, (size_t)a.n * sizeof *a.y), 0);
    ck_assert_int_eq(memcmp(a.y, c.y, (size_t)a.n * sizeof *a.y), 0);
    har_windows_free(&a), har_windows_free(&b), har_windows_free(&c);
    char *err = NULL;
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd '%1$s' && printf 'p01/walk_p01_a.csv 1 300 sit\\np01/walk_p01_a.csv 300 600 walk\\n' > "
                                   "bad.seg && %2$s " UNLABELLED_COLUMNS " --segments bad.seg --segments-by row rec -o x.st.gz",
                                   dir, ingest),
                     1);
    ck_assert_msg(strstr(err, "bad.seg: lines 1 and 2: segments of p01/walk_p01_a.csv overlap") != NULL, "%s", err);
    free(err);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd '%1$s' && echo 'p09/none.csv 1 300 sit' > none.seg && "
                                   "%2$s " UNLABELLED_COLUMNS " --segments none.seg rec -o x.st.gz",
                                   dir, ingest),
                     1);
    ck_assert_msg(strstr(err, "none.seg:1: no recording p09/none.csv below rec matches --include") != NULL, "%s", err);
    free(err);
}
END_TEST

Suite *ingest_csv_suite(void)
{
    Suite *s = suite_create("ingest_csv");
    TCase *tc = tcase_create("csv");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, recordings_become_windows);
    tcase_add_test(tc, accelerometer_only_and_layout_file);
    tcase_add_test(tc, timestamps_and_bad_rows);
    tcase_add_test(tc, segments_file_labels);
    suite_add_tcase(s, tc);
    return s;
}
