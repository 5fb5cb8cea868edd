/* test_eval.c - har-eval on a model trained on synthetic data: the report
 * agrees with itself and with the library, raw and normalised input give the
 * same scores, incompatible data is refused with both files named. */
#define _POSIX_C_SOURCE 200809L
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/evaluate.h"
#include "synthetic.h"
#include "testutil.h"

/* A fixture plus model.st.gz trained on it for a few epochs. */
static void trained(syn_fixture *f)
{
    syn_fixture_make(f, 120);
    ck_assert_int_eq(tu_sh("cd %s && %s %s %s --stats %s --log none -m flatten,dense:16,relu,dense:3 "
                           "-e 4 -b 16 -o model.st.gz 2>/dev/null",
                           f->dir, tu_bin("har-train"), f->train, f->val, f->stats),
                     0);
}

static cJSON *read_json(const char *path)
{
    char *text = tu_read_file(path, NULL);
    ck_assert_ptr_nonnull(text);
    cJSON *j = cJSON_Parse(text);
    free(text);
    ck_assert_ptr_nonnull(j);
    return j;
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(cJSON_IsNumber(v), "JSON key %s", key);
    return v->valuedouble;
}

START_TEST(help_and_version)
{
    char *out = NULL;
    ck_assert_int_eq(tu_sh_capture(&out, NULL, "%s --help", tu_bin("har-eval")), 0);
    tu_assert_contains(out, "MODEL DATA...");
    tu_assert_contains(out, "Exit status:");
    free(out);
    ck_assert_int_eq(tu_sh("%s --version >/dev/null", tu_bin("har-eval")), 0);
    ck_assert_int_eq(tu_sh("%s 2>/dev/null", tu_bin("har-eval")), 2);
}
END_TEST

/* The JSON report is consistent: supports add up to the windows, accuracy is
 * the confusion matrix's trace over n, and both match what the library
 * computes from the checkpoint directly. */
START_TEST(report_is_consistent)
{
    syn_fixture f;
    trained(&f);
    char *out = NULL;
    ck_assert_int_eq(tu_sh_capture(&out, NULL, "cd %s && %s model.st.gz %s --json r.json", f.dir,
                                   tu_bin("har-eval"), f.val),
                     0);
    tu_assert_contains(out, "model        flatten,dense:16,relu,dense:3 (");
    tu_assert_contains(out, "windows      40 (4 subjects)");
    tu_assert_contains(out, "most confused");
    free(out);
    cJSON *j = read_json(tu_path(f.dir, "r.json"));
    ck_assert_int_eq((int)num(j, "windows"), 40);
    const cJSON *cm = cJSON_GetObjectItemCaseSensitive(j, "confusion");
    ck_assert_int_eq(cJSON_GetArraySize(cm), 3);
    double trace = 0, total = 0;
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) {
            double v = cJSON_GetArrayItem(cJSON_GetArrayItem(cm, i), k)->valuedouble;
            total += v;
            trace += i == k ? v : 0;
        }
    ck_assert_double_eq(total, 40);
    ck_assert_double_eq_tol(num(j, "accuracy"), trace / total, 1e-12);
    /* The library on the same files: the same predictions and log loss. */
    har_checkpoint ck;
    har_windows w;
    har_predictions p;
    har_err e = {0};
    ck_assert_msg(har_checkpoint_load(&ck, tu_path(f.dir, "model.st.gz"), &e) == 0, "%s", e.msg);
    ck_assert_msg(har_windows_load(&w, f.val, &e) == 0, "%s", e.msg);
    ck_assert_msg(har_eval_conform(&ck, "model", &w, &e) == 0, "%s", e.msg);
    ck_assert_msg(har_eval_predict(&ck, &w, &p, &e) == 0, "%s", e.msg);
    int correct = 0;
    for (int64_t i = 0; i < w.n; i++) {
        correct += p.pred[i] == w.y[i];
        double s = 0;
        for (int k = 0; k < 3; k++)
            s += p.probs[i * 3 + k];
        ck_assert_double_eq_tol(s, 1, 1e-5);
    }
    ck_assert_double_eq_tol(num(j, "accuracy"), correct / 40.0, 1e-12);
    ck_assert_double_eq_tol(num(j, "log_loss"), p.log_loss, 1e-12);
    ck_assert_msg(correct >= 36, "a separable task: %d of 40 right", correct);
    har_predictions_free(&p);
    har_windows_free(&w);
    har_checkpoint_free(&ck);
    cJSON_Delete(j);
    syn_fixture_free(&f);
}
END_TEST

/* Raw windows are normalised with the checkpoint's statistics; windows
 * normalised by har-norm with the same statistics score identically. */
START_TEST(raw_and_normalised_input_agree)
{
    syn_fixture f;
    trained(&f);
    ck_assert_int_eq(tu_sh("%s apply %s %s %s/valn.st.gz", tu_bin("har-norm"), f.stats, f.val, f.dir), 0);
    ck_assert_int_eq(tu_sh("cd %s && %s model.st.gz %s --json a.json >/dev/null && "
                           "%s model.st.gz valn.st.gz --json b.json >/dev/null",
                           f.dir, tu_bin("har-eval"), f.val, tu_bin("har-eval")),
                     0);
    cJSON *a = read_json(tu_path(f.dir, "a.json")), *b = read_json(tu_path(f.dir, "b.json"));
    ck_assert_double_eq(num(a, "accuracy"), num(b, "accuracy"));
    ck_assert_double_eq(num(a, "log_loss"), num(b, "log_loss"));
    cJSON_Delete(a);
    cJSON_Delete(b);
    syn_fixture_free(&f);
}
END_TEST

START_TEST(incompatible_data_is_refused)
{
    syn_fixture f;
    trained(&f);
    char *err = NULL;
    /* Another window length. */
    syn_write_set(tu_path(f.dir, "short.st.gz"), 9, 8, 31, 3, "test", 0);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s model.st.gz short.st.gz", f.dir,
                                   tu_bin("har-eval")),
                     1);
    tu_assert_contains(err, "short.st.gz has windows of 8 x 3 but the model model.st.gz takes 16 x 3");
    free(err);
    /* Normalised with other statistics (fitted on the validation set). */
    ck_assert_int_eq(tu_sh("cd %s && %s fit --allow-any-split %s -o vstats.st.gz && "
                           "%s apply vstats.st.gz %s valv.st.gz",
                           f.dir, tu_bin("har-norm"), f.val, tu_bin("har-norm"), f.val),
                     0);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s model.st.gz valv.st.gz --json x.json",
                                   f.dir, tu_bin("har-eval")),
                     1);
    tu_assert_contains(err, "was normalised with other statistics than the model model.st.gz");
    free(err);
    ck_assert(!tu_exists(tu_path(f.dir, "x.json")));
    /* Not a checkpoint. */
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s %s %s", f.dir, tu_bin("har-eval"), f.val,
                                   f.val),
                     1);
    tu_assert_contains(err, "not a har checkpoint");
    free(err);
    syn_fixture_free(&f);
}
END_TEST

Suite *eval_suite(void)
{
    Suite *s = suite_create("eval");
    TCase *tc = tcase_create("har-eval");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, help_and_version);
    tcase_add_test(tc, report_is_consistent);
    tcase_add_test(tc, raw_and_normalised_input_agree);
    tcase_add_test(tc, incompatible_data_is_refused);
    suite_add_tcase(s, tc);
    return s;
}
