/* test_norm.c - per-channel statistics and z-score normalisation (norm.c).
 *
 * The statistics are what every later stage (training, checkpoints,
 * inference) divides by, so they are checked against values worked out by
 * hand, and the fit/bind/apply guards against misuse (fitting on test data,
 * normalising twice, mismatched channels) are each exercised. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/norm.h"
#include "core/rng.h"
#include "data/windows.h"
#include "testutil.h"

static void assert_close(double got, double want, double rel, const char *what)
{
    ck_assert_msg(fabs(got - want) <= rel * fabs(want), "%s: got %.17g, want %.17g (rel tol %g)", what, got, want,
                  rel);
}

/* ---- har_channel_stats ---------------------------------------------------- */

START_TEST(stats_by_hand)
{
    /* 4 rows x 2 channels.
     * channel 0: 2, 4, 4, 6   -> mean 4, deviations -2,0,0,2, var 8/4 = 2
     * channel 1: -1, -1, 3, 7 -> mean 2, deviations -3,-3,1,5, var 44/4 = 11 */
    const float x[] = {2, -1, 4, -1, 4, 3, 6, 7};
    double mean[2], std[2], mn[2], mx[2];
    har_channel_stats(x, 4, 2, mean, std, mn, mx);
    ck_assert(mean[0] == 4.0 && mean[1] == 2.0);
    assert_close(std[0], sqrt(2.0), 1e-15, "std[0]");
    assert_close(std[1], sqrt(11.0), 1e-15, "std[1]");
    ck_assert(mn[0] == 2.0 && mx[0] == 6.0 && mn[1] == -1.0 && mx[1] == 7.0);
}
END_TEST

START_TEST(stats_optional_outputs)
{
    /* One row: population std is 0 (not NaN as a sample std would be). */
    const float x[] = {5.5f, -3.0f, 0.25f};
    double std[3], mx[3];
    har_channel_stats(x, 1, 3, NULL, std, NULL, mx);
    for (int j = 0; j < 3; j++) {
        ck_assert(std[j] == 0.0);
        ck_assert(mx[j] == (double)x[j]);
    }
}
END_TEST

/* Noise of a few sixteenths around 1e6: float32 holds 1e6 + k/16 exactly. */
static float *offset_data(int64_t rows)
{
    float *x = malloc((size_t)rows * sizeof *x);
    har_rng r;
    har_rng_seed(&r, 99);
    for (int64_t i = 0; i < rows; i++)
        x[i] = (float)(1e6 + ((double)har_rng_below(&r, 9) - 4.0) / 16.0);
    return x;
}

/* Reference mean and std: subtracting the exact offset first leaves small
 * numbers (exact in double), for which two passes are accurate to ~1e-15. */
static void reference_stats(const float *x, int64_t rows, double *mean, double *std)
{
    double s = 0, ss = 0;
    for (int64_t i = 0; i < rows; i++)
        s += (double)x[i] - 1e6;
    double m = s / (double)rows;
    for (int64_t i = 0; i < rows; i++)
        ss += ((double)x[i] - 1e6 - m) * ((double)x[i] - 1e6 - m);
    *mean = 1e6 + m;
    *std = sqrt(ss / (double)rows);
}

/* What a one-pass E[x^2] - E[x]^2 implementation would report. */
static double naive_std(const float *x, int64_t rows)
{
    double s = 0, ss = 0;
    for (int64_t i = 0; i < rows; i++) {
        s += x[i];
        ss += (double)x[i] * x[i];
    }
    double m = s / (double)rows, var = ss / (double)rows - m * m;
    return sqrt(var > 0 ? var : 0);
}

START_TEST(stats_large_offset)
{
    const int64_t rows = 10007; /* not a power of two, so the mean is not exact */
    float *x = offset_data(rows);
    double mean, std;
    har_channel_stats(x, rows, 1, &mean, &std, NULL, NULL);
    double want_mean, want;
    reference_stats(x, rows, &want_mean, &want);
    ck_assert(want > 0.1 && want < 0.2); /* ~sqrt(60/9)/16 */
    assert_close(std, want, 1e-9, "std around 1e6");
    assert_close(mean, want_mean, 1e-15, "mean around 1e6");
    /* The case is hard: the naive formula misses by far more than 1e-9. */
    double naive = naive_std(x, rows);
    ck_assert_msg(fabs(naive - want) > 1e-9 * want, "naive %.17g vs %.17g: case not discriminating", naive, want);
    free(x);
}
END_TEST

/* ---- building datasets ---------------------------------------------------- */

/* n windows x T=8 x 3 channels "ax,ay,az" with different offsets and scales,
 * so mixing up channels or using a single mean/std would be caught. */
static void build(har_windows *w, int64_t n, uint64_t seed)
{
    har_err e = {0};
    ck_assert_msg(har_windows_alloc(w, n, 8, 3, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(har_tfile_meta_set(w->file, "channels", "ax,ay,az", &e), 0);
    ck_assert_int_eq(har_tfile_meta_set(w->file, "classes", "WALKING,SITTING", &e), 0);
    ck_assert_int_eq(har_windows_refresh_classes(w, &e), 0);
    const double offset[3] = {9.81, -0.5, 250.0}, scale[3] = {0.3, 2.0, 40.0};
    har_rng r;
    har_rng_seed(&r, seed);
    size_t cells = (size_t)n * 8;
    for (size_t i = 0; i < cells; i++)
        for (int j = 0; j < 3; j++)
            w->x[i * 3 + (size_t)j] = (float)(offset[j] + scale[j] * (har_rng_uniform(&r) - 0.5));
    for (int64_t i = 0; i < n; i++)
        w->subject[i] = 1 + (int32_t)(i % 4);
}

static har_tfile *fit_ok(const har_windows *w)
{
    har_err e = {0};
    har_tfile *f = har_norm_fit(w, 0, &e);
    ck_assert_msg(f != NULL, "fit: %s", e.msg);
    return f;
}

/* ---- fit / bind / apply ---------------------------------------------------- */

START_TEST(fit_shapes_and_values)
{
    har_windows w;
    build(&w, 50, 1);
    har_tfile *f = fit_ok(&w);
    const int64_t c[1] = {3};
    har_tensor *m = har_tfile_expect(f, "mean", HAR_F64, 1, c, NULL);
    har_tensor *s = har_tfile_expect(f, "std", HAR_F64, 1, c, NULL);
    ck_assert(m && s);
    double want_m[3], want_s[3];
    har_channel_stats(w.x, w.n * w.t, w.c, want_m, want_s, NULL, NULL);
    for (int j = 0; j < 3; j++) {
        ck_assert(((double *)m->data)[j] == want_m[j]);
        ck_assert(((double *)s->data)[j] == want_s[j]);
    }
    ck_assert_str_eq(har_tfile_meta_get(f, "format"), HAR_NORM_FORMAT);
    ck_assert_str_eq(har_tfile_meta_get(f, "channels"), "ax,ay,az");
    ck_assert_str_eq(har_tfile_meta_get(f, "count"), "400");
    ck_assert_str_eq(har_tfile_meta_get(f, "fit_split"), "unknown");
    har_tfile_free(f);
    har_windows_free(&w);
}
END_TEST

START_TEST(apply_standardises)
{
    har_windows w;
    build(&w, 200, 2);
    ck_assert_int_eq(har_tfile_meta_set(w.file, "split", "train", NULL), 0);
    har_tfile *f = fit_ok(&w);
    har_norm_stats st;
    har_err e = {0};
    ck_assert_msg(har_norm_bind(&st, f, &e) == 0, "bind: %s", e.msg);
    ck_assert_int_eq(st.c, 3);
    ck_assert_msg(har_norm_apply(&st, &w, &e) == 0, "apply: %s", e.msg);
    double mean[3], std[3];
    har_channel_stats(w.x, w.n * w.t, w.c, mean, std, NULL, NULL);
    /* Each stored value is rounded to float32 (relative error <= 2^-24 ~ 6e-8)
     * and |x'| <= ~1.8 for uniform data, so mean and std of the stored values
     * are off by at most ~1e-7; 1e-5 leaves room without hiding a real error
     * (a wrong mean or std would be off by orders of magnitude more). */
    for (int j = 0; j < 3; j++) {
        ck_assert_msg(fabs(mean[j]) < 1e-5, "channel %d mean %g", j, mean[j]);
        ck_assert_msg(fabs(std[j] - 1.0) < 1e-5, "channel %d std %g", j, std[j]);
    }
    ck_assert_str_eq(har_tfile_meta_get(f, "fit_split"), "train");
    ck_assert_ptr_nonnull(har_tfile_meta_get(w.file, "normalisation"));
    ck_assert_ptr_nonnull(har_tfile_meta_get(w.file, "norm_digest"));
    /* A second application is refused: normalising twice is silent damage. */
    ck_assert_int_eq(har_norm_apply(&st, &w, &e), HAR_EDATA);
    tu_assert_contains(e.msg, "already normalised");
    har_tfile_free(f);
    har_windows_free(&w);
}
END_TEST

START_TEST(fit_refuses_constant_channel)
{
    har_windows w;
    build(&w, 10, 3);
    for (int64_t i = 0; i < w.n * w.t; i++)
        w.x[i * 3 + 1] = 4.25f; /* ay constant */
    har_err e = {0};
    ck_assert_ptr_null(har_norm_fit(&w, 0, &e));
    ck_assert_int_eq(e.code, HAR_EDATA);
    tu_assert_contains(e.msg, "channel ay");
    har_windows_free(&w);
}
END_TEST

static void expect_split_refused(const char *split)
{
    har_windows w;
    build(&w, 10, 4);
    ck_assert_int_eq(har_tfile_meta_set(w.file, "split", split, NULL), 0);
    har_err e = {0};
    ck_assert_ptr_null(har_norm_fit(&w, 0, &e));
    ck_assert_int_eq(e.code, HAR_EUSAGE);
    tu_assert_contains(e.msg, split);
    /* --allow-any-split is the explicit override. */
    har_tfile *f = har_norm_fit(&w, 1, &e);
    ck_assert_msg(f != NULL, "%s", e.msg);
    ck_assert_str_eq(har_tfile_meta_get(f, "fit_split"), split);
    har_tfile_free(f);
    har_windows_free(&w);
}

START_TEST(fit_refuses_eval_splits)
{
    expect_split_refused("test");
    expect_split_refused("val");
}
END_TEST

START_TEST(fit_refuses_normalised)
{
    har_windows w;
    build(&w, 10, 5);
    ck_assert_int_eq(har_tfile_meta_set(w.file, "normalisation", "per-channel z-score (har-norm)", NULL), 0);
    har_err e = {0};
    ck_assert_ptr_null(har_norm_fit(&w, 1, &e));
    ck_assert_int_eq(e.code, HAR_EDATA);
    tu_assert_contains(e.msg, "already normalised");
    har_windows_free(&w);
}
END_TEST

/* A stats file with the given format and per-channel values. */
static har_tfile *stats_file(const char *format, const double *mean, const double *std, int c)
{
    har_tfile *f = har_tfile_new(NULL);
    const int64_t shape[1] = {c};
    har_tensor *m = har_tfile_add(f, "mean", HAR_F64, 1, shape, NULL);
    har_tensor *s = har_tfile_add(f, "std", HAR_F64, 1, shape, NULL);
    ck_assert(m && s);
    memcpy(m->data, mean, (size_t)c * sizeof *mean);
    memcpy(s->data, std, (size_t)c * sizeof *std);
    if (format)
        ck_assert_int_eq(har_tfile_meta_set(f, "format", format, NULL), 0);
    ck_assert_int_eq(har_tfile_meta_set(f, "channels", "ax,ay,az", NULL), 0);
    return f;
}

static void expect_bind_error(const char *format, double std1, const char *needle)
{
    const double mean[3] = {0, 1, 2}, std[3] = {1, std1, 3};
    har_tfile *f = stats_file(format, mean, std, 3);
    har_norm_stats st;
    har_err e = {0};
    ck_assert_int_eq(har_norm_bind(&st, f, &e), HAR_EDATA);
    tu_assert_contains(e.msg, needle);
    har_tfile_free(f);
}

START_TEST(bind_refuses_bad_stats)
{
    expect_bind_error(HAR_NORM_FORMAT, 0.0, "channel 1");
    expect_bind_error(HAR_NORM_FORMAT, -2.0, "channel 1");
    expect_bind_error(HAR_NORM_FORMAT, NAN, "channel 1");
    expect_bind_error(HAR_NORM_FORMAT, INFINITY, "channel 1");
    expect_bind_error("har-windows/1", 1.0, "not a normalisation stats file");
    expect_bind_error(NULL, 1.0, "missing");
    /* And the good file binds. */
    const double mean[3] = {0, 1, 2}, std[3] = {1, 2, 3};
    har_tfile *f = stats_file(HAR_NORM_FORMAT, mean, std, 3);
    har_norm_stats st;
    ck_assert_int_eq(har_norm_bind(&st, f, NULL), 0);
    ck_assert(st.c == 3 && st.std[2] == 3.0 && st.file == f);
    har_tfile_free(f);
}
END_TEST

START_TEST(bind_refuses_shape_mismatch)
{
    const double mean[3] = {0, 1, 2}, std[2] = {1, 2};
    har_tfile *f = har_tfile_new(NULL);
    const int64_t s3[1] = {3}, s2[1] = {2};
    har_tensor *m = har_tfile_add(f, "mean", HAR_F64, 1, s3, NULL);
    har_tensor *s = har_tfile_add(f, "std", HAR_F64, 1, s2, NULL);
    memcpy(m->data, mean, sizeof mean);
    memcpy(s->data, std, sizeof std);
    ck_assert_int_eq(har_tfile_meta_set(f, "format", HAR_NORM_FORMAT, NULL), 0);
    har_norm_stats st;
    har_err e = {0};
    ck_assert_int_eq(har_norm_bind(&st, f, &e), HAR_EDATA);
    tu_assert_contains(e.msg, "std");
    har_tfile_free(f);
}
END_TEST

START_TEST(apply_refuses_channel_mismatch)
{
    const double mean[3] = {0, 0, 0}, std[3] = {1, 1, 1};
    har_tfile *f = stats_file(HAR_NORM_FORMAT, mean, std, 3);
    ck_assert_int_eq(har_tfile_meta_set(f, "channels", "gx,gy,gz", NULL), 0);
    har_norm_stats st;
    ck_assert_int_eq(har_norm_bind(&st, f, NULL), 0);
    har_windows w;
    build(&w, 4, 6);
    float first = w.x[0];
    har_err e = {0};
    ck_assert_int_eq(har_norm_apply(&st, &w, &e), HAR_EDATA);
    tu_assert_contains(e.msg, "[ax,ay,az]");
    tu_assert_contains(e.msg, "[gx,gy,gz]");
    /* Refused means untouched. */
    ck_assert(w.x[0] == first);
    ck_assert_ptr_null(har_tfile_meta_get(w.file, "normalisation"));
    har_tfile_free(f);
    har_windows_free(&w);
}
END_TEST

/* A std so small that the result overflows float is refused, instead of
 * writing infinities that every later tool would reject. */
START_TEST(apply_refuses_overflow)
{
    const double mean[3] = {0, 0, 0}, std[3] = {1, 1e-300, 1};
    har_tfile *f = stats_file(HAR_NORM_FORMAT, mean, std, 3);
    ck_assert_int_eq(har_tfile_meta_set(f, "channels", "ax,ay,az", NULL), 0);
    har_norm_stats st;
    ck_assert_int_eq(har_norm_bind(&st, f, NULL), 0);
    har_windows w;
    build(&w, 4, 6);
    har_err e = {0};
    ck_assert_int_eq(har_norm_apply(&st, &w, &e), HAR_EDATA);
    tu_assert_contains(e.msg, "overflows");
    tu_assert_contains(e.msg, "std 1e-300");
    har_tfile_free(f);
    har_windows_free(&w);
}
END_TEST

START_TEST(apply_exact_formula)
{
    /* x' = (x - mean) / std in double, then rounded once to float. */
    const double mean[3] = {1.0, -2.0, 100.0}, std[3] = {0.5, 4.0, 3.0};
    har_tfile *f = stats_file(HAR_NORM_FORMAT, mean, std, 3);
    har_norm_stats st;
    ck_assert_int_eq(har_norm_bind(&st, f, NULL), 0);
    har_windows w;
    build(&w, 3, 7);
    size_t total = (size_t)w.n * (size_t)w.t * 3;
    float *orig = malloc(total * sizeof *orig);
    memcpy(orig, w.x, total * sizeof *orig);
    ck_assert_int_eq(har_norm_apply(&st, &w, NULL), 0);
    for (size_t i = 0; i < total; i++) {
        float want = (float)(((double)orig[i] - mean[i % 3]) / std[i % 3]);
        ck_assert_msg(w.x[i] == want, "x[%zu] = %.9g, want %.9g", i, w.x[i], want);
    }
    ck_assert_str_eq(har_tfile_meta_get(w.file, "normalisation"), "per-channel z-score (har-norm)");
    free(orig);
    har_tfile_free(f);
    har_windows_free(&w);
}
END_TEST

Suite *norm_suite(void)
{
    Suite *s = suite_create("norm");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, stats_by_hand);
    tcase_add_test(tc, stats_optional_outputs);
    tcase_add_test(tc, stats_large_offset);
    tcase_add_test(tc, fit_shapes_and_values);
    tcase_add_test(tc, apply_standardises);
    tcase_add_test(tc, fit_refuses_constant_channel);
    tcase_add_test(tc, fit_refuses_eval_splits);
    tcase_add_test(tc, fit_refuses_normalised);
    tcase_add_test(tc, bind_refuses_bad_stats);
    tcase_add_test(tc, bind_refuses_shape_mismatch);
    tcase_add_test(tc, apply_refuses_channel_mismatch);
    tcase_add_test(tc, apply_exact_formula);
    tcase_add_test(tc, apply_refuses_overflow);
    suite_add_tcase(s, tc);
    return s;
}
