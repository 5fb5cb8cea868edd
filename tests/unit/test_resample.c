/* test_resample.c - the resampler (lib/ingest/resample.h) against scipy's
 * resample_poly (fixture made by tests/fixtures/gen_resample_reference.py),
 * against analytic signals at jittered times, and the timeline around it
 * (lib/ingest/timeline.h): gaps, repeated and decreasing timestamps. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/resample.h"
#include "ingest/timeline.h"
#include "io/tensorfile.h"
#include "testutil.h"

#define PI 3.14159265358979323846

static har_tfile *fixture(void)
{
    return tu_fixture("resample_reference.safetensors.gz");
}

static const double *tensor(har_tfile *f, const char *name, int64_t *n)
{
    return tu_fixture_tensor(f, name, HAR_F64, n);
}

/* Collects one channel of the output, with the times. */
typedef struct {
    double *y, *tau;
    int64_t n, cap, next_k;
    int64_t *nearest;
} sink;

static int collect(void *ctx, int64_t k, double tau, int64_t nearest, const double *y)
{
    sink *s = ctx;
    ck_assert_int_eq(k, s->next_k++); /* outputs come in order, none skipped */
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->y = realloc(s->y, (size_t)s->cap * sizeof *s->y);
        s->tau = realloc(s->tau, (size_t)s->cap * sizeof *s->tau);
        s->nearest = realloc(s->nearest, (size_t)s->cap * sizeof *s->nearest);
    }
    s->y[s->n] = y[0];
    s->tau[s->n] = tau;
    s->nearest[s->n] = nearest;
    s->n++;
    return 0;
}

static void sink_free(sink *s)
{
    free(s->y);
    free(s->tau);
    free(s->nearest);
}

/* Our output k is resample_poly's sample 10 + k (both at t0 + (10 + k)/50). */
static double versus_scipy(har_tfile *f, const char *name, double fs, double grid, int64_t *compared)
{
    char xn[32], yn[32];
    snprintf(xn, sizeof xn, "x%s", name);
    snprintf(yn, sizeof yn, "y%s", name);
    int64_t nx, ny;
    const double *x = tensor(f, xn, &nx), *ref = tensor(f, yn, &ny);
    har_resampler r;
    ck_assert_int_eq(har_resampler_init(&r, 50, grid, 1, NULL), 0);
    sink s = {0};
    for (int64_t i = 0; i < nx; i++)
        ck_assert_int_eq(har_resampler_push(&r, (double)i / fs, &x[i], collect, &s), 0);
    double worst = 0, scale = 0;
    for (int64_t k = 0; k < s.n && 10 + k < ny; k++) {
        worst = fmax(worst, fabs(s.y[k] - ref[10 + k]));
        scale = fmax(scale, fabs(ref[10 + k]));
    }
    /* Everything but the last 10 output periods (and the slope's sample). */
    ck_assert_msg(s.n >= ny - 21 && s.n <= ny - 19, "%s: %lld outputs of %lld", name, (long long)s.n,
                  (long long)ny);
    *compared = s.n;
    sink_free(&s);
    har_resampler_free(&r);
    return worst / scale;
}

START_TEST(integer_ratios_match_resample_poly)
{
    har_tfile *f = fixture();
    const struct { const char *name; double fs; } cases[] = {{"100", 100}, {"150", 150}, {"200", 200}};
    for (int i = 0; i < 3; i++) {
        int64_t n;
        /* The grid at the input's own rate: every grid point is a sample. */
        double d = versus_scipy(f, cases[i].name, cases[i].fs, cases[i].fs, &n);
        ck_assert_msg(d < 1e-12, "%s Hz: relative difference %g from resample_poly", cases[i].name, d);
        ck_assert_int_gt(n, 900);
    }
    har_tfile_free(f);
}
END_TEST

START_TEST(uneven_ratio_matches_resample_poly_closely)
{
    /* 102.5 Hz onto the default 200 Hz grid: the cubic step interpolates
     * white noise, so the two differ by what interpolation loses above
     * ~20 Hz; the signal's sines and the band below pass alike.  Measured:
     * 0.0034 of the largest output. */
    har_tfile *f = fixture();
    int64_t n;
    double d = versus_scipy(f, "102.5", 102.5, 200, &n);
    ck_assert_msg(d < 0.01, "102.5 Hz: relative difference %g from resample_poly", d);
    har_tfile_free(f);
}
END_TEST

/* Sum of sines below 10 Hz, the band of human movement. */
static double motion(double t)
{
    return 1.0 * sin(2 * PI * 0.7 * t) + 0.5 * sin(2 * PI * 3.1 * t + 1) + 0.3 * sin(2 * PI * 8.0 * t + 2);
}

static double jittered_error(double fs, double jitter, int hole)
{
    srand(3);
    har_resampler r;
    ck_assert_int_eq(har_resampler_init(&r, 50, 200, 1, NULL), 0);
    sink s = {0};
    for (int i = 0; i < (int)(fs * 30); i++) {
        if (hole && i % 500 == 250) {
            i += hole - 1; /* drop `hole` samples */
            continue;
        }
        double t = i / fs + jitter * ((double)rand() / RAND_MAX - 0.5) / fs, x = motion(t);
        ck_assert_int_eq(har_resampler_push(&r, t, &x, collect, &s), 0);
    }
    double worst = 0;
    for (int64_t k = 0; k < s.n; k++)
        worst = fmax(worst, fabs(s.y[k] - motion(s.tau[k])));
    ck_assert_int_gt(s.n, 1400);
    sink_free(&s);
    har_resampler_free(&r);
    return worst;
}

START_TEST(jittered_input_tracks_the_signal)
{
    /* Measured: 8.4e-4 (100 Hz), 1.4e-3 (102.5 Hz, +-15 % jitter), 1.1e-3
     * (200 Hz), 2.8e-3 (55 Hz) against a signal of amplitude 1.8; the
     * bound leaves room for rounding, not for a wrong method. */
    const double rates[] = {100, 102.5, 200, 55};
    for (int i = 0; i < 4; i++) {
        double e0 = jittered_error(rates[i], 0, 0), e1 = jittered_error(rates[i], 0.3, 0);
        ck_assert_msg(e0 < 5e-3 && e1 < 2e-2, "%g Hz: error %g (regular), %g (jittered)", rates[i], e0, e1);
    }
    /* A lost sample or three costs accuracy, not stability. */
    ck_assert_double_lt(jittered_error(100, 0.3, 1), 0.05);
    ck_assert_double_lt(jittered_error(100, 0.3, 3), 0.15);
}
END_TEST

/* Amplitude of the output: sqrt(2) x its RMS (samples at 50 Hz rarely
 * fall on a sine's peaks). */
static double tone_amplitude(double f_hz, double fs)
{
    har_resampler r;
    ck_assert_int_eq(har_resampler_init(&r, 50, 200, 1, NULL), 0);
    sink s = {0};
    for (int i = 0; i < (int)(fs * 20); i++) {
        double t = i / fs, x = sin(2 * PI * f_hz * t);
        har_resampler_push(&r, t, &x, collect, &s);
    }
    double sq = 0;
    for (int64_t k = 0; k < s.n; k++)
        sq += s.y[k] * s.y[k];
    sink_free(&s);
    har_resampler_free(&r);
    return sqrt(2 * sq / (double)s.n);
}

START_TEST(anti_aliasing)
{
    /* resample_poly's filter: flat to 20 Hz, -6 dB at the output's Nyquist
     * frequency (25 Hz), at least 55 dB down from 30 Hz on (measured 55.4
     * at 30 Hz, 70.5 at 35 Hz, 68.8 at 40 Hz, 74.4 at 60 Hz, 78.2 at 90). */
    ck_assert_double_gt(tone_amplitude(10, 200), 0.99);
    ck_assert_double_gt(tone_amplitude(20, 200), 0.94);
    const double stop[] = {30, 35, 40, 60, 90};
    for (int i = 0; i < 5; i++) {
        double p = tone_amplitude(stop[i], 200);
        ck_assert_msg(20 * log10(p) < -55, "%g Hz tone only %.1f dB down", stop[i], 20 * log10(p));
    }
}
END_TEST

START_TEST(constant_and_on_grid_input)
{
    har_resampler r;
    sink s = {0};
    /* A constant stays constant (the taps sum to one). */
    ck_assert_int_eq(har_resampler_init(&r, 50, 200, 1, NULL), 0);
    for (int i = 0; i < 500; i++) {
        double t = i / 97.3 + 0.001 * (i % 3), x = 9.80665;
        har_resampler_push(&r, t, &x, collect, &s);
    }
    for (int64_t k = 0; k < s.n; k++)
        ck_assert_double_lt(fabs(s.y[k] - 9.80665), 1e-12);
    sink_free(&s);
    har_resampler_free(&r);
    /* At the output rate with grid = rate (M = 1), samples pass unchanged,
     * ten periods late, and the nearest input of output k is 10 + k. */
    memset(&s, 0, sizeof s);
    ck_assert_int_eq(har_resampler_init(&r, 50, 50, 1, NULL), 0);
    for (int i = 0; i < 300; i++) {
        double x = motion(i / 50.0) + 0.1 * (i % 7);
        har_resampler_push(&r, i / 50.0, &x, collect, &s);
    }
    ck_assert_int_eq(s.n, 300 - 22); /* the last grid point waits for two more samples */
    for (int64_t k = 0; k < s.n; k++) {
        ck_assert_double_eq(s.y[k], motion((10 + k) / 50.0) + 0.1 * ((10 + k) % 7));
        ck_assert_int_eq(s.nearest[k], 10 + k);
    }
    sink_free(&s);
    har_resampler_free(&r);
}
END_TEST

START_TEST(reset_starts_a_fresh_piece)
{
    /* After reset the output is that of a new resampler, bit for bit. */
    har_resampler a, b;
    sink sa = {0}, sb = {0};
    ck_assert_int_eq(har_resampler_init(&a, 50, 200, 1, NULL), 0);
    ck_assert_int_eq(har_resampler_init(&b, 50, 200, 1, NULL), 0);
    for (int i = 0; i < 400; i++) {
        double x = motion(i / 100.0);
        har_resampler_push(&a, i / 100.0, &x, NULL, NULL);
    }
    har_resampler_reset(&a);
    for (int i = 0; i < 400; i++) {
        double t = 7 + i / 103.0, x = motion(t);
        har_resampler_push(&a, t, &x, collect, &sa);
        har_resampler_push(&b, t, &x, collect, &sb);
    }
    ck_assert_int_eq(sa.n, sb.n);
    ck_assert_int_eq(memcmp(sa.y, sb.y, (size_t)sa.n * sizeof *sa.y), 0);
    sink_free(&sa);
    sink_free(&sb);
    har_resampler_free(&a);
    har_resampler_free(&b);
}
END_TEST

START_TEST(resampler_rejects_bad_parameters)
{
    har_resampler r;
    har_err e = {0};
    ck_assert_int_ne(har_resampler_init(&r, 50, 75, 1, &e), 0); /* not a multiple */
    ck_assert_ptr_nonnull(strstr(e.msg, "times the output rate"));
    ck_assert_int_ne(har_resampler_init(&r, 0, 200, 1, &e), 0);
    ck_assert_int_ne(har_resampler_init(&r, 50, 200, 0, &e), 0);
    ck_assert_int_ne(har_resampler_init(&r, 50, 50 * 65, 1, &e), 0);
}
END_TEST

/* ---- the timeline ---- */

typedef struct {
    int64_t n, pieces[8], last_piece;
} piece_count;

static int count_pieces(void *ctx, int64_t piece, int64_t k, int64_t nearest, double t, const double out[9])
{
    piece_count *c = ctx;
    (void)k, (void)nearest, (void)t, (void)out;
    ck_assert_int_lt(piece, 8);
    c->pieces[piece]++;
    c->n++;
    c->last_piece = piece;
    return 0;
}

START_TEST(timeline_splits_at_gaps_and_polices_timestamps)
{
    har_timeline tl;
    piece_count c = {0};
    har_timeline_params p = har_timeline_defaults;
    ck_assert_int_eq(har_timeline_init(&tl, &p, count_pieces, &c, NULL), 0);
    double raw[6] = {0.1, -0.2, 0.98, 0.01, 0.02, 0.03};
    /* 4 s at 100 Hz, a 0.5 s gap, 4 s more: two pieces of (4 s - 0.4 s) x 50. */
    for (int i = 0; i < 400; i++)
        ck_assert_int_eq(har_timeline_push(&tl, i / 100.0, raw, NULL), 0);
    for (int i = 0; i < 400; i++)
        ck_assert_int_eq(har_timeline_push(&tl, 4.49 + i / 100.0, raw, NULL), 0);
    ck_assert_int_eq(tl.gaps, 1);
    ck_assert_int_eq(tl.piece, 1);
    ck_assert_double_lt(fabs(tl.longest_gap_s - 0.5), 1e-9);
    ck_assert_int_ge(c.pieces[0], 178);
    ck_assert_int_le(c.pieces[0], 180);
    ck_assert_int_eq(c.pieces[0], c.pieces[1]);
    /* A repeated timestamp is an error by default, naming what happened. */
    har_err e = {0};
    ck_assert_int_eq(har_timeline_push(&tl, 8.48, raw, &e), HAR_EDATA);
    ck_assert_ptr_nonnull(strstr(e.msg, "repeats"));
    ck_assert_int_eq(har_timeline_push(&tl, 8.0, raw, &e), HAR_EDATA);
    ck_assert_ptr_nonnull(strstr(e.msg, "before"));
    har_timeline_free(&tl);
    /* ... and counted and skipped under the drop policy. */
    p.bad_time = HAR_TIME_DROP;
    ck_assert_int_eq(har_timeline_init(&tl, &p, count_pieces, &c, NULL), 0);
    double ts[] = {0, 0.01, 0.01, 0.02, 0.015, 0.03};
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(har_timeline_push(&tl, ts[i], raw, NULL), 0);
    ck_assert_int_eq(tl.dropped_equal, 1);
    ck_assert_int_eq(tl.dropped_backwards, 1);
    ck_assert_int_eq(tl.kept, 4);
    ck_assert_int_eq(tl.pushed, 6);
    har_timeline_free(&tl);
}
END_TEST

Suite *resample_suite(void)
{
    Suite *s = suite_create("resample");
    TCase *tc = tcase_create("resample");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, integer_ratios_match_resample_poly);
    tcase_add_test(tc, uneven_ratio_matches_resample_poly_closely);
    tcase_add_test(tc, jittered_input_tracks_the_signal);
    tcase_add_test(tc, anti_aliasing);
    tcase_add_test(tc, constant_and_on_grid_input);
    tcase_add_test(tc, reset_starts_a_fresh_piece);
    tcase_add_test(tc, resampler_rejects_bad_parameters);
    tcase_add_test(tc, timeline_splits_at_gaps_and_polices_timestamps);
    suite_add_tcase(s, tc);
    return s;
}
