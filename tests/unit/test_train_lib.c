/* test_train_lib.c - the pieces har-train is made of, in-process: metrics,
 * augmentation, the experiment log, the load average it records and the
 * thread team (the tool: tests/tools/test_train.c). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/team.h"
#include "data/norm.h"
#include "eval/metrics.h"
#include "train/augment.h"
#include "train/explog.h"
#include "testutil.h"

/* ---- pieces ----------------------------------------------------------------- */

START_TEST(metrics_by_hand)
{
    har_confusion *c = har_confusion_new(3);
    /* truth 0: 0,0,1   truth 1: 1,1   truth 2: 0 */
    int pairs[][2] = {{0, 0}, {0, 0}, {0, 1}, {1, 1}, {1, 1}, {2, 0}};
    for (int i = 0; i < 6; i++)
        har_confusion_add(c, pairs[i][0], pairs[i][1]);
    double p[3], r[3], f1[3];
    har_scores s = har_confusion_scores(c, p, r, f1);
    ck_assert(fabs(s.accuracy - 4.0 / 6) < 1e-12);
    ck_assert(fabs(p[0] - 2.0 / 3) < 1e-12 && fabs(r[0] - 2.0 / 3) < 1e-12);
    ck_assert(fabs(f1[1] - 0.8) < 1e-12); /* p 2/3, r 1 */
    ck_assert(f1[2] == 0);
    ck_assert(fabs(s.macro_f1 - (2.0 / 3 + 0.8 + 0) / 3) < 1e-12);
    ck_assert(fabs(s.weighted_f1 - (3 * 2.0 / 3 + 2 * 0.8) / 6) < 1e-12);
    har_confusion_free(c);
    float v[4] = {0.1f, 0.7f, 0.7f, 0.2f};
    ck_assert_int_eq(har_argmax(v, 4), 1);
}
END_TEST

START_TEST(augment_is_seeded_and_sized)
{
    enum { N = 200, T = 64, C = 3 };
    float *x = malloc(sizeof(float) * N * T * C), *y = malloc(sizeof(float) * N * T * C);
    double *scratch = malloc(har_augment_scratch_size(T, C) * sizeof(double));
    for (int i = 0; i < N * T * C; i++)
        x[i] = y[i] = 1.0f;
    har_augment a = {.jitter = 0.1};
    har_rng r1, r2;
    har_rng_seed(&r1, 5);
    har_rng_seed(&r2, 5);
    har_augment_batch(&a, x, N, T, C, &r1, scratch);
    har_augment_batch(&a, y, N, T, C, &r2, scratch);
    ck_assert(memcmp(x, y, sizeof(float) * N * T * C) == 0);
    double s = 0, ss = 0;
    for (int i = 0; i < N * T * C; i++) {
        s += x[i] - 1;
        ss += (x[i] - 1) * (x[i] - 1);
    }
    double mean = s / (N * T * C), sd = sqrt(ss / (N * T * C) - mean * mean);
    ck_assert_msg(fabs(mean) < 0.005 && fabs(sd - 0.1) < 0.005, "jitter mean %g sd %g", mean, sd);
    /* A time warp keeps a constant signal constant and a ramp monotone. */
    har_augment w = {.time_warp = 0.3};
    for (int t = 0; t < T; t++)
        for (int c = 0; c < C; c++)
            x[t * C + c] = c == 0 ? (float)t : 2.0f;
    har_augment_batch(&w, x, 1, T, C, &r1, scratch);
    ck_assert(x[0] == 0.0f && fabsf(x[(T - 1) * C] - (T - 1)) < 1e-4f);
    for (int t = 1; t < T; t++) {
        ck_assert(x[t * C] >= x[(t - 1) * C]);
        ck_assert(x[t * C + 1] == 2.0f);
    }
    free(x);
    free(y);
    free(scratch);
}
END_TEST

/* Dot products of the raw triads at 0 and 4, and their norms, at step t. */
static void triad_geometry(const float *x, const double *mean, const double *std, int t, double g[3])
{
    double a[3], b[3];
    for (int j = 0; j < 3; j++) {
        a[j] = x[t * 7 + j] * std[j] + mean[j];
        b[j] = x[t * 7 + 4 + j] * std[4 + j] + mean[4 + j];
    }
    g[0] = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    g[1] = a[0] * a[0] + a[1] * a[1] + a[2] * a[2];
    g[2] = b[0] * b[0] + b[1] * b[1] + b[2] * b[2];
}

START_TEST(augment_rotates_vectors)
{
    har_augment a = {0};
    ck_assert_int_eq(har_augment_find_triads(&a, "acc_x,acc_y,acc_z,temp,gyro_x,gyro_y,gyro_z", 7), 2);
    ck_assert(a.triad[0] == 0 && a.triad[1] == 4);
    ck_assert_int_eq(har_augment_find_triads(&a, "acc_x,acc_y,temp,acc_z", 4), 0);
    ck_assert_int_eq(har_augment_find_triads(&a, "acc_x,gyr_y,acc_z", 3), 0);
    ck_assert_int_eq(har_augment_find_triads(&a, "acc_y,acc_x,acc_z", 3), 0);
    ck_assert_int_eq(har_augment_find_triads(&a, NULL, 3), 0);
    enum { T = 32, C = 7 };
    double mean[C] = {0.1, -0.2, 0.9, 20, 0, 0.05, -0.1}, std[C] = {0.3, 0.5, 0.2, 2, 0.4, 0.4, 0.6};
    float x[T * C], y[T * C];
    har_rng r;
    har_rng_seed(&r, 9);
    for (int i = 0; i < T * C; i++)
        x[i] = y[i] = (float)har_rng_normal(&r);
    double *scratch = malloc(har_augment_scratch_size(T, C) * sizeof(double));
    har_augment_find_triads(&a, "acc_x,acc_y,acc_z,temp,gyro_x,gyro_y,gyro_z", C);
    a.mean = mean;
    a.std = std;
    /* Off: nothing changes and nothing is drawn. */
    har_rng before = r;
    har_augment_batch(&a, y, 1, T, C, &r, scratch);
    ck_assert(!memcmp(x, y, sizeof x) && !memcmp(&before, &r, sizeof r));
    a.rotate = 60;
    a.rotate_share = 1;
    int moved = 0;
    for (int w = 0; w < 20; w++) {
        memcpy(y, x, sizeof x);
        har_augment_batch(&a, y, 1, T, C, &r, scratch);
        for (int t = 0; t < T; t++) {
            /* One rotation for every vector of the window: lengths and the
             * angles between vectors are kept, in raw units. */
            double g0[3], g1[3];
            triad_geometry(x, mean, std, t, g0);
            triad_geometry(y, mean, std, t, g1);
            for (int j = 0; j < 3; j++)
                ck_assert_msg(fabs(g1[j] - g0[j]) < 1e-5 * (1 + fabs(g0[j])), "window %d step %d: %g vs %g", w, t,
                              g1[j], g0[j]);
            ck_assert(y[t * C + 3] == x[t * C + 3]); /* not part of a triad */
            /* No vector turns by more than 60 degrees. */
            double dot = 0;
            for (int j = 0; j < 3; j++)
                dot += ((double)x[t * C + j] * std[j] + mean[j]) * ((double)y[t * C + j] * std[j] + mean[j]);
            ck_assert(dot / g0[1] > cos(60.0 * 3.14159265358979 / 180) - 1e-5);
            moved += fabsf(y[t * C] - x[t * C]) > 1e-3f;
        }
    }
    ck_assert_int_gt(moved, 20 * T / 2);
    /* A share of 0.5 leaves about half of the windows as they were. */
    a.rotate_share = 0.5;
    int kept = 0;
    for (int w = 0; w < 200; w++) {
        memcpy(y, x, sizeof x);
        har_augment_batch(&a, y, 1, T, C, &r, scratch);
        kept += !memcmp(x, y, sizeof x);
    }
    ck_assert_msg(kept > 70 && kept < 130, "%d of 200 windows kept", kept);
    free(scratch);
}
END_TEST

START_TEST(explog_locks_and_quotes)
{
    char *dir = tu_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/log.csv", dir);
    const char *h[] = {"a", "b"};
    /* 8 processes x 25 rows at once: every row arrives whole. */
    for (int p = 0; p < 8; p++)
        if (fork() == 0) {
            for (int i = 0; i < 25; i++) {
                char v[64];
                snprintf(v, sizeof v, "proc %d, row %d \"x\"", p, i);
                const char *f[] = {"r", v};
                har_err e = {0};
                if (har_explog_append(path, h, f, 2, &e)) {
                    free(dir);
                    _exit(1);
                }
            }
            /* The child's copy of dir, freed so that memcheck (make
             * check-valgrind runs this suite under it, children too) sees
             * no leak in the child's exit status. */
            free(dir);
            _exit(0);
        }
    for (int p = 0; p < 8; p++) {
        int st;
        wait(&st);
        ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    char *log = tu_read_file(path, NULL);
    int lines = 0;
    for (char *q = log; *q; q++)
        lines += *q == '\n';
    ck_assert_int_eq(lines, 201);
    ck_assert(strncmp(log, "a,b\n", 4) == 0);
    tu_assert_contains(log, "r,\"proc 3, row 7 \"\"x\"\"\"\n");
    free(log);
    const char *h2[] = {"a", "c"}, *f2[] = {"1", "2"};
    har_err e = {0};
    ck_assert_int_eq(har_explog_append(path, h2, f2, 2, &e), HAR_EDATA);
    tu_assert_contains(e.msg, "different header");
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* The load average is the first field of /proc/loadavg as written, and
 * empty when the file is missing or does not start with a number. */
START_TEST(loadavg_is_read_as_written)
{
    char *dir = tu_tmpdir(), path[512], buf[32];
    snprintf(path, sizeof path, "%s/loadavg", dir);
    const struct {
        const char *text, *want;
    } cases[] = {{"0.52 0.58 0.59 1/123 4567\n", "0.52"}, {"12.00 3.1 2.0 5/6 7\n", "12.00"},
                 {"3 1 1 1/1 1\n", "3"},                 {"0.52", "0.52"},
                 {"", ""},                                {"x0.5 1 1\n", ""},
                 {"0. 1 1\n", ""},                       {".5 1 1\n", ""},
                 {"1.2.3 1 1\n", ""},                    {"-1.0 1 1\n", ""},
                 {"0.52x 1 1\n", ""}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tu_write_text(path, cases[i].text);
        strcpy(buf, "junk");
        har_loadavg_text(path, buf, sizeof buf);
        ck_assert_msg(!strcmp(buf, cases[i].want), "'%s' gave '%s'", cases[i].text, buf);
    }
    tu_write_text(path, "123.45 1 1\n"); /* too long for the buffer: empty, not cut */
    har_loadavg_text(path, buf, 6);
    ck_assert_str_eq(buf, "");
    har_loadavg_text(tu_path(dir, "missing"), buf, sizeof buf);
    ck_assert_str_eq(buf, "");
    har_loadavg_text("/proc/loadavg", buf, sizeof buf);
    ck_assert_msg(strspn(buf, "0123456789.") == strlen(buf) && *buf, "/proc/loadavg gave '%s'", buf);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Every task of every round runs exactly once, whatever the team size, and
 * har_team_run returns only when all are done. */
typedef struct {
    int count[7];
    int round;
} team_ctx;

static void team_task(void *ctx, int i)
{
    team_ctx *c = ctx;
    struct timespec ns = {0, (long)(i % 3) * 200000}; /* uneven tasks */
    nanosleep(&ns, NULL);
    c->count[i] += c->round; /* each task owns its slot: no race */
}

START_TEST(team_runs_every_task_once)
{
    for (int threads = 1; threads <= 3; threads++) {
        har_err e = {0};
        har_team *t = har_team_new(threads, &e);
        ck_assert_ptr_nonnull(t);
        ck_assert_int_eq(har_team_threads(t), threads);
        team_ctx c = {{0}, 0};
        for (int r = 1; r <= 50; r++) {
            c.round = r;
            har_team_run(t, team_task, &c, 7);
            for (int i = 0; i < 7; i++)
                ck_assert_int_eq(c.count[i], r * (r + 1) / 2);
        }
        har_team_run(t, team_task, &c, 0); /* no tasks: returns at once */
        har_team_free(t);
    }
}
END_TEST

Suite *train_lib_suite(void)
{
    Suite *s = suite_create("train_lib");
    TCase *pieces = tcase_create("pieces");
    tcase_add_test(pieces, metrics_by_hand);
    tcase_add_test(pieces, augment_is_seeded_and_sized);
    tcase_add_test(pieces, augment_rotates_vectors);
    tcase_add_test(pieces, explog_locks_and_quotes);
    tcase_add_test(pieces, loadavg_is_read_as_written);
    tcase_add_test(pieces, team_runs_every_task_once);
    suite_add_tcase(s, pieces);
    return s;
}
