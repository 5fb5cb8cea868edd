/* test_dsp.c - the causal filter chain against scipy (fixture made by
 * tests/fixtures/gen_dsp_reference.py) and its defining properties. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/dsp.h"
#include "io/tensorfile.h"
#include "testutil.h"

static har_tfile *fixture(void)
{
    return tu_fixture("dsp_reference.safetensors.gz");
}

static const double *tensor(har_tfile *f, const char *name, int64_t *n)
{
    return tu_fixture_tensor(f, name, HAR_F64, n);
}

/* Largest |a - b| relative to the largest |b|. */
static double rel_diff(const double *a, const double *b, int64_t n, int64_t stride_a, int64_t stride_b)
{
    double worst = 0, scale = 0;
    for (int64_t i = 0; i < n; i++) {
        worst = fmax(worst, fabs(a[i * stride_a] - b[i * stride_b]));
        scale = fmax(scale, fabs(b[i * stride_b]));
    }
    return worst / scale;
}

static void check_design(har_tfile *f, double cutoff, const char *bname, const char *aname)
{
    double b[4], a[4];
    int64_t nb, na;
    ck_assert_int_eq(har_butter_lowpass(3, cutoff, 50.0, b, a, NULL), 0);
    const double *rb = tensor(f, bname, &nb), *ra = tensor(f, aname, &na);
    ck_assert_int_eq(nb, 4);
    ck_assert_int_eq(na, 4);
    /* Same algorithm in a different arithmetic order: a few ulps apart. */
    ck_assert_msg(rel_diff(b, rb, 4, 1, 1) < 1e-13, "%s differs from scipy: %g", bname, rel_diff(b, rb, 4, 1, 1));
    ck_assert_msg(rel_diff(a, ra, 4, 1, 1) < 1e-13, "%s differs from scipy: %g", aname, rel_diff(a, ra, 4, 1, 1));
}

START_TEST(butterworth_matches_scipy)
{
    har_tfile *f = fixture();
    check_design(f, 20.0, "butter20_b", "butter20_a");
    check_design(f, 0.3, "butter03_b", "butter03_a");
    har_tfile_free(f);
}
END_TEST

static void check_lfilter(har_tfile *f, double cutoff, const char *ref_name, double tol)
{
    int64_t n, nref;
    const double *raw = tensor(f, "raw", &n), *ref = tensor(f, ref_name, &nref);
    int64_t len = n / 6;
    ck_assert_int_eq(nref, len);
    double b[4], a[4];
    har_butter_lowpass(3, cutoff, 50.0, b, a, NULL);
    har_iir flt;
    har_iir_init(&flt, 3, b, a);
    har_iir_settle(&flt, raw[0]);
    double *y = malloc((size_t)len * sizeof *y);
    for (int64_t i = 0; i < len; i++)
        y[i] = har_iir_step(&flt, raw[i * 6]);
    double d = rel_diff(y, ref, len, 1, 1);
    ck_assert_msg(d < tol, "%s: relative difference %g >= %g", ref_name, d, tol);
    free(y);
}

/* Tolerances: the coefficients differ from scipy's by ~1 ulp, and the 0.3 Hz
 * filter's poles lie close to z = 1, which amplifies coefficient rounding by
 * roughly 1/(1 - |p|)^3 ~ 1e4; 1e-9 still catches any real error (a wrong
 * coefficient or state update shows up at 1e-3 or worse). */
START_TEST(lfilter_matches_scipy)
{
    har_tfile *f = fixture();
    check_lfilter(f, 20.0, "lfilter20_x0", 1e-12);
    check_lfilter(f, 0.3, "lfilter03_x0", 1e-9);
    har_tfile_free(f);
}
END_TEST

static double *run_chain(const double *raw, int64_t len)
{
    har_preproc pp;
    ck_assert_int_eq(har_preproc_init(&pp, &har_preproc_defaults, NULL), 0);
    double *out = malloc((size_t)len * HAR_CHANNELS * sizeof *out);
    for (int64_t i = 0; i < len; i++)
        har_preproc_push(&pp, raw + i * HAR_RAW_CHANNELS, out + i * HAR_CHANNELS);
    return out;
}

START_TEST(chain_matches_scipy)
{
    har_tfile *f = fixture();
    int64_t n, nchain;
    const double *raw = tensor(f, "raw", &n), *chain = tensor(f, "chain", &nchain);
    int64_t len = n / HAR_RAW_CHANNELS;
    ck_assert_int_eq(nchain, len * HAR_CHANNELS);
    ck_assert_str_eq(har_tfile_meta_get(f, "chain_channels"),
                     "body_acc_x,body_acc_y,body_acc_z,body_gyro_x,body_gyro_y,body_gyro_z,total_acc_x,total_acc_y,"
                     "total_acc_z");
    double *out = run_chain(raw, len);
    for (int c = 0; c < HAR_CHANNELS; c++) {
        double d = rel_diff(out + c, chain + c, len, HAR_CHANNELS, HAR_CHANNELS);
        ck_assert_msg(d < 1e-9, "channel %s differs from scipy by %g", har_channel_names[c], d);
    }
    free(out);
    har_tfile_free(f);
}
END_TEST

/* Causal: the output at sample i never depends on later samples, so a
 * stream cut anywhere gives bit-identical outputs up to the cut. */
START_TEST(chain_is_causal)
{
    har_tfile *f = fixture();
    int64_t n;
    const double *raw = tensor(f, "raw", &n);
    int64_t len = n / HAR_RAW_CHANNELS, cut = len / 3;
    double *full = run_chain(raw, len), *part = run_chain(raw, cut);
    ck_assert(memcmp(full, part, (size_t)cut * HAR_CHANNELS * sizeof *full) == 0);
    free(full);
    free(part);
    har_tfile_free(f);
}
END_TEST

/* Steady-state start: a constant signal passes unchanged from sample 0
 * (no start-up transient), and gravity then equals total_acc.  Tolerance:
 * the 0.3 Hz filter's DC gain sum(b)/sum(a) divides by sum(a) ~ 6e-5, so it
 * is exact only to ~eps/6e-5 ~ 4e-12. */
START_TEST(constant_input_has_no_transient)
{
    double raw[HAR_RAW_CHANNELS] = {0.98, -0.12, 0.31, 0.02, -0.4, 1.5}, out[HAR_CHANNELS];
    har_preproc pp;
    ck_assert_int_eq(har_preproc_init(&pp, &har_preproc_defaults, NULL), 0);
    for (int i = 0; i < 500; i++) {
        har_preproc_push(&pp, raw, out);
        for (int c = 0; c < 3; c++) {
            ck_assert_msg(fabs(out[c]) < 1e-10, "body_acc[%d] = %g at sample %d", c, out[c], i);
            ck_assert_msg(fabs(out[6 + c] - raw[c]) < 1e-12, "total_acc[%d] off at sample %d", c, i);
            ck_assert_msg(fabs(out[3 + c] - raw[3 + c]) < 1e-12, "body_gyro[%d] off at sample %d", c, i);
        }
    }
}
END_TEST

START_TEST(median3_picks_the_middle)
{
    const double v[3] = {1.0, 2.0, 3.0};
    const int perm[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    for (int p = 0; p < 6; p++)
        ck_assert(har_median3(v[perm[p][0]], v[perm[p][1]], v[perm[p][2]]) == 2.0);
    ck_assert(har_median3(5, 5, 1) == 5);
    ck_assert(har_median3(1, 5, 5) == 5);
    ck_assert(har_median3(-1, -1, -1) == -1);
}
END_TEST

/* A spike lasting one sample never reaches the output through the median. */
START_TEST(median_removes_single_spike)
{
    har_preproc_params p = har_preproc_defaults;
    har_preproc a, b;
    ck_assert_int_eq(har_preproc_init(&a, &p, NULL), 0);
    ck_assert_int_eq(har_preproc_init(&b, &p, NULL), 0);
    double out_a[HAR_CHANNELS], out_b[HAR_CHANNELS];
    for (int i = 0; i < 100; i++) {
        double clean[HAR_RAW_CHANNELS] = {1, 0, 0, 0, 0, 0}, spiky[HAR_RAW_CHANNELS] = {1, 0, 0, 0, 0, 0};
        if (i == 50)
            spiky[0] = 40.0;
        har_preproc_push(&a, clean, out_a);
        har_preproc_push(&b, spiky, out_b);
        ck_assert(memcmp(out_a, out_b, sizeof out_a) == 0);
    }
}
END_TEST

START_TEST(design_rejects_bad_parameters)
{
    double b[HAR_IIR_MAX_ORDER + 1], a[HAR_IIR_MAX_ORDER + 1];
    har_err e = {0};
    ck_assert_int_eq(har_butter_lowpass(3, 25.0, 50.0, b, a, &e), HAR_EUSAGE);
    tu_assert_contains(e.msg, "fs/2");
    ck_assert_int_eq(har_butter_lowpass(3, 0.0, 50.0, b, a, &e), HAR_EUSAGE);
    ck_assert_int_eq(har_butter_lowpass(0, 5.0, 50.0, b, a, &e), HAR_EUSAGE);
    ck_assert_int_eq(har_butter_lowpass(HAR_IIR_MAX_ORDER + 1, 5.0, 50.0, b, a, &e), HAR_EUSAGE);
    har_preproc_params p = har_preproc_defaults;
    p.median = 2;
    har_preproc pp;
    ck_assert_int_eq(har_preproc_init(&pp, &p, &e), HAR_EUSAGE);
}
END_TEST

/* Unit DC gain and -3 dB at the cut-off, for several orders: the defining
 * properties of a Butterworth low-pass, independent of scipy. */
START_TEST(butterworth_frequency_response)
{
    for (int order = 1; order <= HAR_IIR_MAX_ORDER; order++) {
        double b[HAR_IIR_MAX_ORDER + 1], a[HAR_IIR_MAX_ORDER + 1], fc = 7.0, fs = 50.0;
        ck_assert_int_eq(har_butter_lowpass(order, fc, fs, b, a, NULL), 0);
        double gain[2];
        const double freqs[2] = {0.0, fc};
        for (int k = 0; k < 2; k++) {
            double w = 2 * 3.14159265358979323846 * freqs[k] / fs, nr = 0, ni = 0, dr = 0, di = 0;
            for (int i = 0; i <= order; i++) {
                nr += b[i] * cos(w * i);
                ni -= b[i] * sin(w * i);
                dr += a[i] * cos(w * i);
                di -= a[i] * sin(w * i);
            }
            gain[k] = sqrt((nr * nr + ni * ni) / (dr * dr + di * di));
        }
        ck_assert_msg(fabs(gain[0] - 1.0) < 1e-12, "order %d DC gain %g", order, gain[0]);
        ck_assert_msg(fabs(gain[1] - sqrt(0.5)) < 1e-12, "order %d gain at cut-off %g", order, gain[1]);
    }
}
END_TEST

Suite *dsp_suite(void)
{
    Suite *s = suite_create("dsp");
    TCase *tc = tcase_create("filters");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, butterworth_matches_scipy);
    tcase_add_test(tc, lfilter_matches_scipy);
    tcase_add_test(tc, chain_matches_scipy);
    tcase_add_test(tc, chain_is_causal);
    tcase_add_test(tc, constant_input_has_no_transient);
    tcase_add_test(tc, median3_picks_the_middle);
    tcase_add_test(tc, median_removes_single_spike);
    tcase_add_test(tc, design_rejects_bad_parameters);
    tcase_add_test(tc, butterworth_frequency_response);
    suite_add_tcase(s, tc);
    return s;
}
