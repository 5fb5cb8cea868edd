/* test_latency.c - har-latency on small synthetic checkpoints (the report's
 * fields and their relations, its predictions against har-eval's, bad input
 * refused), and predict_activity on a checkpoint har-train made.  The
 * batch-1 kernels behind them are tests/unit/test_latency_lib.c's.
 * No timing thresholds: the machine running the tests may be busy. */
#define _POSIX_C_SOURCE 200809L
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/evaluate.h"
#include "serve/predictor.h"
#include "nn/matvec.h"
#include "nn/model.h"
#include "core/rng.h"
#include "synthetic.h"
#include "testutil.h"

/* ---- har-latency ------------------------------------------------------- */

/* A fixture (60 training windows of 16 x 3, 20 validation ones) and a
 * checkpoint of spec trained on it for an epoch, as NAME in the fixture. */
static void trained(syn_fixture *f, const char *spec, const char *name)
{
    syn_fixture_make(f, 60);
    ck_assert_int_eq(tu_sh("cd %s && %s %s %s --stats %s --log none -m %s -e 1 -b 16 -o %s 2>/dev/null", f->dir,
                           tu_bin("har-train"), f->train, f->val, f->stats, spec, name),
                     0);
}

/* The lines of a text file (one allocation each; free both). */
static char **lines_of(const char *path, int *n, char **buf)
{
    *buf = tu_read_file(path, NULL);
    ck_assert_msg(*buf != NULL, "%s missing", path);
    int cap = 16;
    char **v = malloc((size_t)cap * sizeof *v);
    *n = 0;
    for (char *save = NULL, *s = strtok_r(*buf, "\n", &save); s; s = strtok_r(NULL, "\n", &save)) {
        if (*n == cap)
            v = realloc(v, (size_t)(cap *= 2) * sizeof *v);
        v[(*n)++] = s;
    }
    return v;
}

/* Field i (0-based) of a CSV line without quoting, copied into out. */
static const char *field(const char *line, int i, char *out, size_t size)
{
    for (; i > 0 && line; i--)
        line = (line = strchr(line, ',')) ? line + 1 : NULL;
    ck_assert_ptr_nonnull(line);
    size_t n = strcspn(line, ",");
    ck_assert(n < size);
    memcpy(out, line, n);
    out[n] = 0;
    return out;
}

/* The index of column name in a CSV header, or -1. */
static int column(const char *header, const char *name)
{
    int i = 0;
    for (const char *h = header; h; h = strchr(h, ','), h = h ? h + 1 : NULL, i++)
        if (!strncmp(h, name, strlen(name)) && (h[strlen(name)] == ',' || h[strlen(name)] == 0))
            return i;
    return -1;
}

START_TEST(help_and_version)
{
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(tu_sh_capture(&out, NULL, "%s --help", tu_bin("har-latency")), 0);
    tu_assert_contains(out, "Usage: har-latency [OPTIONS] MODEL DATA");
    tu_assert_contains(out, "CLOCK_MONOTONIC");
    tu_assert_contains(out, "openblas_set_num_threads(1)");
    tu_assert_contains(out, "nearest rank");
    tu_assert_contains(out, "margin = S / p99");
    tu_assert_contains(out, "ru_maxrss");
    tu_assert_contains(out, "Exit status:");
    free(out);
    ck_assert_int_eq(tu_sh_capture(&out, NULL, "%s --version", tu_bin("har-latency")), 0);
    tu_assert_contains(out, "har-latency (har)");
    free(out);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s", tu_bin("har-latency")), 2);
    tu_assert_contains(err, "expected MODEL and DATA");
    free(err);
}
END_TEST

/* The JSON report: every field, consistent with itself and the checkpoint. */
START_TEST(report_is_consistent)
{
    syn_fixture f;
    trained(&f, "gru:8,dense:3", "gru.st.gz");
    char *out = NULL;
    ck_assert_int_eq(tu_sh_capture(&out, NULL, "cd %s && %s gru.st.gz %s -n 150 -w 7 --json r.json", f.dir,
                                   tu_bin("har-latency"), f.val),
                     0);
    tu_assert_contains(out, "model        gru.st.gz: gru:8,dense:3");
    tu_assert_contains(out, "150 timed after 7 warm-up");
    tu_assert_contains(out, "(20 windows, cycled)");
    tu_assert_contains(out, "not recorded: HAPT's 1.28 s assumed");
    free(out);
    har_err e = {0};
    har_checkpoint ck;
    ck_assert_msg(har_checkpoint_load(&ck, tu_path(f.dir, "gru.st.gz"), &e) == 0, "%s", e.msg);
    cJSON *j = tu_read_json(tu_path(f.dir, "r.json"));
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(j, "spec")->valuestring, "gru:8,dense:3");
    ck_assert_double_eq(tu_json_num(j, "parameters"), (double)ck.model.nweights);
    ck_assert_double_eq(tu_json_num(j, "weight_bytes"), 4.0 * (double)ck.model.nweights);
    ck_assert_double_eq(tu_json_num(j, "windows"), 150);
    ck_assert_double_eq(tu_json_num(j, "data_windows"), 20);
    ck_assert_double_eq(tu_json_num(j, "warmup"), 7);
    ck_assert_double_eq(tu_json_num(j, "batch"), 1);
    ck_assert_double_eq(tu_json_num(j, "threads"), 1);
    const cJSON *lat = cJSON_GetObjectItemCaseSensitive(j, "latency_us");
    double mn = tu_json_num(lat, "min"), p50 = tu_json_num(lat, "p50"), p90 = tu_json_num(lat, "p90"), p99 = tu_json_num(lat, "p99");
    double mx = tu_json_num(lat, "max"), mean = tu_json_num(lat, "mean");
    ck_assert_msg(0 < mn && mn <= p50 && p50 <= p90 && p90 <= p99 && p99 <= mx,
                  "min %g p50 %g p90 %g p99 %g max %g", mn, p50, p90, p99, mx);
    ck_assert(mn <= mean && mean <= mx);
    ck_assert_double_eq_tol(tu_json_num(j, "windows_per_second"), 1e6 / mean, 1e-6 * tu_json_num(j, "windows_per_second"));
    ck_assert_double_eq(tu_json_num(j, "stride_seconds"), 1.28);
    ck_assert_double_eq_tol(tu_json_num(j, "realtime_margin_p99"), 1.28e6 / p99, 1e-9 * 1.28e6 / p99);
    ck_assert_double_eq_tol(tu_json_num(j, "realtime_load"), mean * 1e-6 / 1.28, 1e-12);
    ck_assert(tu_json_num(j, "serving_peak_rss_kib") > 0);
    ck_assert(tu_json_num(j, "peak_rss_kib") >= tu_json_num(j, "serving_peak_rss_kib"));
    cJSON_Delete(j);
    /* --stride-seconds replaces the assumed stride. */
    ck_assert_int_eq(tu_sh("cd %s && %s gru.st.gz %s -n 100 -w 0 --stride-seconds 2.5 --json s.json >/dev/null",
                           f.dir, tu_bin("har-latency"), f.val),
                     0);
    j = tu_read_json(tu_path(f.dir, "s.json"));
    ck_assert_double_eq(tu_json_num(j, "stride_seconds"), 2.5);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(j, "stride_from")->valuestring, "--stride-seconds");
    cJSON_Delete(j);
    har_checkpoint_free(&ck);
    syn_fixture_free(&f);
}
END_TEST

/* --predictions: one row per timed window, cycling through DATA, with the
 * classes har-eval predicts for the same windows (probabilities within
 * rounding: har-eval computes in batches, whose sums OpenBLAS may order
 * differently), for a recurrent model and a wide MLP.  DATA from stdin too. */
static void predictions_agree(const char *spec)
{
    syn_fixture f;
    trained(&f, spec, "m.st.gz");
    ck_assert_int_eq(tu_sh("cd %s && %s m.st.gz - -n 100 -w 3 --predictions p.csv < %s >/dev/null && "
                           "%s m.st.gz %s --predictions e.csv >/dev/null",
                           f.dir, tu_bin("har-latency"), f.val, tu_bin("har-eval"), f.val),
                     0);
    int np, ne;
    char *pbuf, *ebuf, a[256], b[256];
    char **p = lines_of(tu_path(f.dir, "p.csv"), &np, &pbuf), **ev = lines_of(tu_path(f.dir, "e.csv"), &ne, &ebuf);
    ck_assert_int_eq(np, 101);
    ck_assert_int_eq(ne, 21);
    ck_assert_str_eq(field(p[0], 0, a, sizeof a), "run_index");
    int e_index = column(ev[0], "index"), e_pred = column(ev[0], "predicted"), e_p0 = column(ev[0], "p_A");
    ck_assert(e_index >= 0 && e_pred >= 0 && e_p0 >= 0);
    for (int i = 0; i < 100; i++) {
        const char *row = p[i + 1];
        ck_assert_int_eq(atoi(field(row, 0, a, sizeof a)), i);
        int k = atoi(field(row, 1, a, sizeof a));
        ck_assert_int_eq(k, i % 20);
        const char *er = ev[k + 1];
        ck_assert_int_eq(atoi(field(er, e_index, b, sizeof b)), k);
        ck_assert_str_eq(field(row, 3, a, sizeof a), field(er, e_pred, b, sizeof b));
        for (int c = 0; c < 3; c++)
            ck_assert_double_eq_tol(atof(field(row, 4 + c, a, sizeof a)), atof(field(er, e_p0 + c, b, sizeof b)),
                                    1e-5);
        if (i >= 20) /* the same window again: the same bits */
            ck_assert_str_eq(strchr(strchr(row, ',') + 1, ','), strchr(strchr(p[i - 19], ',') + 1, ','));
    }
    free(p), free(ev), free(pbuf), free(ebuf);
    syn_fixture_free(&f);
}

START_TEST(predictions_match_har_eval_gru) { predictions_agree("gru:8,dense:3"); }
END_TEST

START_TEST(predictions_match_har_eval_mlp) { predictions_agree("flatten,dense:40,relu,dropout:0.3,dense:3"); }
END_TEST

START_TEST(bad_input_is_refused)
{
    syn_fixture f;
    trained(&f, "gru:8,dense:3", "gru.st.gz");
    const char *lat = tu_bin("har-latency");
    char *err = NULL;
    /* Normalised windows would be normalised twice. */
    ck_assert_int_eq(tu_sh("%s apply %s %s %s/valn.st.gz", tu_bin("har-norm"), f.stats, f.val, f.dir), 0);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s gru.st.gz valn.st.gz --json x.json", f.dir, lat), 1);
    tu_assert_contains(err, "valn.st.gz is normalised (metadata 'normalisation'); give the raw windows");
    free(err);
    ck_assert(!tu_exists(tu_path(f.dir, "x.json")));
    /* Another window length. */
    syn_write_set(tu_path(f.dir, "short.st.gz"), 9, 8, 31, 3, "test", 0);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s gru.st.gz short.st.gz", f.dir, lat), 1);
    tu_assert_contains(err, "short.st.gz has windows of 8 x 3 but the model gru.st.gz takes 16 x 3");
    free(err);
    /* Other channels. */
    syn_write_set_meta(tu_path(f.dir, "chan.st.gz"), 9, 16, 31, 3, "test", "gx,gy,gz", "A,B,C", 0);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s gru.st.gz chan.st.gz", f.dir, lat), 1);
    tu_assert_contains(err, "chan.st.gz has channels [gx,gy,gz] but the model gru.st.gz was trained on "
                            "[ax,ay,az]");
    free(err);
    /* N out of range, bad options. */
    const char *bad[] = {"-n 99", "-n 100001", "-n 5x", "-w -1", "--stride-seconds 0", "--stride-seconds x"};
    const char *says[] = {"--count: expected an integer in 100..100000, got '99'",
                          "--count: expected an integer in 100..100000, got '100001'",
                          "--count: expected an integer in 100..100000, got '5x'",
                          "--warmup: expected an integer in 0..100000, got '-1'",
                          "--stride-seconds: expected a number > 0, got '0'",
                          "--stride-seconds: expected a number > 0, got 'x'"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s gru.st.gz %s %s", f.dir, lat, f.val, bad[i]), 2);
        tu_assert_contains(err, says[i]);
        free(err);
    }
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s - - < gru.st.gz", f.dir, lat), 2);
    tu_assert_contains(err, "MODEL and DATA cannot both be standard input");
    free(err);
    /* Not a checkpoint; a missing file. */
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s %s %s", f.dir, lat, f.val, f.val), 1);
    tu_assert_contains(err, "not a har checkpoint");
    free(err);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s gru.st.gz nowhere.st.gz", f.dir, lat), 3);
    tu_assert_contains(err, "nowhere.st.gz");
    free(err);
    syn_fixture_free(&f);
}
END_TEST

/* -n/--count N times N windows, as the deprecated --windows N still does,
 * with one warning; the new spellings print nothing on standard error. */
START_TEST(renamed_count_still_works)
{
    syn_fixture f;
    trained(&f, "flatten,dense:3", "mlp.st.gz");
    const char *lat = tu_bin("har-latency");
    const char *spelling[] = {"-n 120", "--count 120", "--windows 120"};
    for (int i = 0; i < 3; i++) {
        char *err = NULL;
        ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s mlp.st.gz %s -w 0 %s --json c%d.json > /dev/null",
                                       f.dir, lat, f.val, spelling[i], i),
                         0);
        ck_assert_str_eq(err, i < 2 ? "" : "har-latency: --windows is deprecated, use --count (-n)\n");
        free(err);
        char name[16];
        snprintf(name, sizeof name, "c%d.json", i);
        cJSON *j = tu_read_json(tu_path(f.dir, name));
        ck_assert_double_eq(tu_json_num(j, "windows"), 120);
        cJSON_Delete(j);
    }
    syn_fixture_free(&f);
}
END_TEST

/* predict_activity on raw windows against har_eval_predict on the same
 * file: the same labels, probabilities within rounding. */
START_TEST(predict_activity_agrees_with_eval)
{
    syn_fixture f;
    trained(&f, "gru:8:readout=mean,dense:3", "gru.st.gz");
    har_err e = {0};
    har_windows raw, w;
    har_checkpoint ck;
    har_predictions p;
    const char *model = tu_path(f.dir, "gru.st.gz");
    har_predictor *m = har_predictor_open(model, &e);
    ck_assert_msg(m != NULL, "%s", e.msg);
    ck_assert_msg(har_windows_load(&raw, f.val, &e) == 0 && har_windows_load(&w, f.val, &e) == 0 &&
                      har_checkpoint_load(&ck, model, &e) == 0 && har_eval_conform(&ck, model, &w, &e) == 0 &&
                      har_eval_predict(&ck, &w, &p, &e) == 0,
                  "%s", e.msg);
    size_t per = (size_t)raw.t * (size_t)raw.c;
    for (int64_t i = 0; i < raw.n; i++) {
        int label;
        float probs[3];
        ck_assert_int_eq(predict_activity(m, raw.x + (size_t)i * per, raw.t, raw.c, &label, probs), 0);
        ck_assert_int_eq(label, p.pred[i]);
        for (int k = 0; k < 3; k++)
            ck_assert_double_eq_tol(probs[k], p.probs[i * 3 + k], 1e-6);
    }
    /* A value that is not finite is still named (the slow path). */
    raw.x[4 * 3 + 1] = NAN;
    ck_assert_int_eq(predict_activity(m, raw.x, raw.t, raw.c, NULL, NULL), HAR_EDATA);
    tu_assert_contains(har_predictor_error(m), "sample 4, channel ay is NaN");
    raw.x[4 * 3 + 1] = 3e38f;
    ck_assert_int_eq(predict_activity(m, raw.x, raw.t, raw.c, NULL, NULL), HAR_EDATA);
    tu_assert_contains(har_predictor_error(m), "sample 4, channel ay (3e+38) overflows after normalising");
    har_predictions_free(&p);
    har_checkpoint_free(&ck);
    har_windows_free(&w);
    har_windows_free(&raw);
    har_predictor_free(m);
    syn_fixture_free(&f);
}
END_TEST

Suite *latency_suite(void)
{
    Suite *s = suite_create("latency");
    TCase *tool = tcase_create("har-latency");
    tcase_set_timeout(tool, 60);
    tcase_add_test(tool, help_and_version);
    tcase_add_test(tool, report_is_consistent);
    tcase_add_test(tool, renamed_count_still_works);
    tcase_add_test(tool, predictions_match_har_eval_gru);
    tcase_add_test(tool, predictions_match_har_eval_mlp);
    tcase_add_test(tool, bad_input_is_refused);
    suite_add_tcase(s, tool);
    TCase *kernels = tcase_create("batch-1 kernels");
    tcase_set_timeout(kernels, 60);
    tcase_add_test(kernels, predict_activity_agrees_with_eval);
    suite_add_tcase(s, kernels);
    return s;
}
