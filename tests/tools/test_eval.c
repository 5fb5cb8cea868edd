/* test_eval.c - har-eval on a model trained on synthetic data: the
 * report agrees with itself and with the library, raw and normalised input
 * give the same scores, output is deterministic and all-or-nothing,
 * incompatible data is refused with both files named.  Its libraries
 * (metrics, bootstrap intervals, baselines, per-subject scores, saliency)
 * are tests/unit/test_eval_lib.c's. */
#define _POSIX_C_SOURCE 200809L
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/evaluate.h"
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
    cJSON *j = tu_read_json(tu_path(f.dir, "r.json"));
    ck_assert_int_eq((int)tu_json_num(j, "windows"), 40);
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
    ck_assert_double_eq_tol(tu_json_num(j, "accuracy"), trace / total, 1e-12);
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
    ck_assert_double_eq_tol(tu_json_num(j, "accuracy"), correct / 40.0, 1e-12);
    /* Under Valgrind the tool runs on the CPU Valgrind emulates, where
     * OpenBLAS and libm pick other kernels (different CPUID): the
     * probabilities then differ from the runner's in the last float bits. */
    ck_assert_double_eq_tol(tu_json_num(j, "log_loss"), p.log_loss, tu_valgrind() ? 1e-6 : 1e-12);
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
    cJSON *a = tu_read_json(tu_path(f.dir, "a.json")), *b = tu_read_json(tu_path(f.dir, "b.json"));
    ck_assert_double_eq(tu_json_num(a, "accuracy"), tu_json_num(b, "accuracy"));
    ck_assert_double_eq(tu_json_num(a, "log_loss"), tu_json_num(b, "log_loss"));
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
    /* Other channels, other classes. */
    syn_write_set_meta(tu_path(f.dir, "chan.st.gz"), 9, 16, 31, 3, "test", "gx,gy,gz", "A,B,C", 0);
    syn_write_set_meta(tu_path(f.dir, "cls.st.gz"), 9, 16, 31, 3, "test", "ax,ay,az", "A,C,B", 0);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s model.st.gz chan.st.gz", f.dir, tu_bin("har-eval")), 1);
    tu_assert_contains(err, "chan.st.gz has channels [gx,gy,gz] but the model model.st.gz was trained on [ax,ay,az]");
    free(err);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s model.st.gz %s cls.st.gz", f.dir, tu_bin("har-eval"),
                                   f.val),
                     1);
    tu_assert_contains(err, "cls.st.gz has classes [A,C,B] but the model model.st.gz was trained on [A,B,C]");
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

/* ---- the tool: outputs, determinism, baselines, saliency ----------------------- */

/* The value of the row "section,name,key" of a har-eval CSV. */
static double csv_value(const char *csv, const char *row)
{
    char needle[256];
    snprintf(needle, sizeof needle, "\n%s,", row);
    const char *p = strstr(csv, needle);
    ck_assert_msg(p != NULL, "no CSV row %s", row);
    return strtod(p + strlen(needle), NULL);
}

/* Windows and correct predictions of one subject, counted from --predictions. */
static void count_subject(const char *pred_csv, int subject, int *windows, int *correct)
{
    *windows = *correct = 0;
    for (const char *line = strchr(pred_csv, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        char file[512], truth[32], pred[32];
        long long index;
        int s;
        ck_assert_int_eq(sscanf(line + 1, "%511[^,],%lld,%d,%31[^,],%31[^,]", file, &index, &s, truth, pred), 5);
        if (s == subject) {
            ++*windows;
            *correct += !strcmp(truth, pred);
        }
    }
}

static const cJSON *item(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(v != NULL, "JSON key %s", key);
    return v;
}

/* The JSON, the CSV, the predictions and the text report tell the same story;
 * the per-subject table matches a count over the predictions. */
START_TEST(outputs_agree)
{
    syn_fixture f;
    trained(&f);
    char *out = NULL;
    ck_assert_int_eq(tu_sh_capture(&out, NULL,
                                   "cd %s && %s model.st.gz %s --seed 3 --json r.json --csv r.csv "
                                   "--predictions p.csv",
                                   f.dir, tu_bin("har-eval"), f.val),
                     0);
    tu_assert_contains(out, "bootstrap 95% intervals (percentile, 1000 resamples, seed 3)");
    tu_assert_contains(out, "over windows");
    tu_assert_contains(out, "subjects (mean and std over subjects");
    tu_assert_contains(out, "worst accuracy: subject ");
    cJSON *j = tu_read_json(tu_path(f.dir, "r.json"));
    char *csv = tu_read_file(tu_path(f.dir, "r.csv"), NULL), *pred = tu_read_file(tu_path(f.dir, "p.csv"), NULL);
    ck_assert(csv && pred);
    ck_assert(!strncmp(csv, "section,name,key,value\n", 23));
    ck_assert_double_eq_tol(csv_value(csv, "summary,all,accuracy"), tu_json_num(j, "accuracy"), 1e-8);
    ck_assert_double_eq_tol(csv_value(csv, "summary,all,log_loss"), tu_json_num(j, "log_loss"), 1e-8);
    ck_assert_double_eq(csv_value(csv, "summary,all,windows"), 40);
    ck_assert_double_eq(csv_value(csv, "bootstrap,settings,resamples"), 1000);
    const cJSON *boot = item(j, "bootstrap"), *bw = item(item(boot, "windows"), "accuracy"),
                *bs = item(item(boot, "subjects"), "macro_f1");
    ck_assert_double_eq_tol(csv_value(csv, "bootstrap,windows,accuracy_lo"), cJSON_GetArrayItem(bw, 0)->valuedouble, 1e-8);
    ck_assert_double_eq_tol(csv_value(csv, "bootstrap,subjects,macro_f1_hi"), cJSON_GetArrayItem(bs, 1)->valuedouble, 1e-8);
    ck_assert(cJSON_GetArrayItem(bw, 0)->valuedouble <= tu_json_num(j, "accuracy") &&
              tu_json_num(j, "accuracy") <= cJSON_GetArrayItem(bw, 1)->valuedouble);
    /* Confusion counts in the CSV add up to the windows. */
    double total = 0;
    const char *cl[3] = {"A", "B", "C"};
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            char row[64];
            snprintf(row, sizeof row, "confusion,%s,%s", cl[a], cl[b]);
            total += csv_value(csv, row);
        }
    ck_assert_double_eq(total, 40);
    /* Per subject: 4 subjects (21..24) of 10 windows, as counted from the predictions. */
    const cJSON *rows = item(j, "per_subject");
    ck_assert_int_eq(cJSON_GetArraySize(rows), 4);
    double mean = 0;
    for (int i = 0; i < 4; i++) {
        const cJSON *row = cJSON_GetArrayItem(rows, i);
        int subject = (int)tu_json_num(row, "subject"), windows, correct;
        ck_assert_int_eq(subject, 21 + i);
        count_subject(pred, subject, &windows, &correct);
        ck_assert_int_eq(windows, 10);
        ck_assert_double_eq(tu_json_num(row, "windows"), windows);
        ck_assert_double_eq_tol(tu_json_num(row, "accuracy"), correct / 10.0, 1e-12);
        char key[64];
        snprintf(key, sizeof key, "subject,%d,accuracy", subject);
        ck_assert_double_eq_tol(csv_value(csv, key), correct / 10.0, 1e-8);
        mean += correct / 40.0;
    }
    const cJSON *sum = item(j, "subject_summary");
    ck_assert_double_eq_tol(tu_json_num(item(sum, "mean"), "accuracy"), mean, 1e-12);
    ck_assert_double_eq_tol(csv_value(csv, "subjects,mean,accuracy"), mean, 1e-8);
    ck_assert(cJSON_GetArraySize(item(j, "confusion_normalised")) == 3);
    free(csv);
    free(pred);
    free(out);
    cJSON_Delete(j);
    syn_fixture_free(&f);
}
END_TEST

/* A row of an interval: "bootstrap,..." or a class's f1_windows_lo/hi,
 * f1_subjects_lo/hi. */
static int interval_row(const char *line, size_t len)
{
    if (strncmp(line, "bootstrap,", 10) == 0)
        return 1;
    const char *keys[] = {",f1_windows_", ",f1_subjects_"};
    for (int i = 0; i < 2; i++) {
        const char *p = strstr(line, keys[i]);
        if (p && p < line + len)
            return 1;
    }
    return 0;
}

/* Removes the interval rows of a CSV text in place. */
static void without_bootstrap_rows(char *csv)
{
    char *out = csv;
    for (char *line = csv; *line;) {
        char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
        if (!interval_row(line, len)) {
            memmove(out, line, len);
            out += len;
        }
        line += len;
    }
    *out = 0;
}

/* Same seed, same bytes; another seed moves only the intervals. */
START_TEST(same_seed_same_report)
{
    syn_fixture f;
    trained(&f);
    char eval[4096]; /* tu_bin's storage is reused after 8 calls */
    snprintf(eval, sizeof eval, "%s", tu_bin("har-eval"));
    ck_assert_int_eq(tu_sh("cd %s && %s model.st.gz %s --seed 5 --csv a.csv > a.txt && "
                           "%s model.st.gz %s --seed 5 --csv b.csv > b.txt && "
                           "%s model.st.gz %s --seed 6 --csv c.csv > c.txt",
                           f.dir, eval, f.val, eval, f.val, eval, f.val),
                     0);
    ck_assert(tu_same_file(tu_path(f.dir, "a.txt"), tu_path(f.dir, "b.txt")));
    ck_assert(tu_same_file(tu_path(f.dir, "a.csv"), tu_path(f.dir, "b.csv")));
    ck_assert(!tu_same_file(tu_path(f.dir, "a.csv"), tu_path(f.dir, "c.csv")));
    char *a = tu_read_file(tu_path(f.dir, "a.csv"), NULL), *c = tu_read_file(tu_path(f.dir, "c.csv"), NULL);
    without_bootstrap_rows(a);
    without_bootstrap_rows(c);
    ck_assert_str_eq(a, c);
    free(a);
    free(c);
    /* --bootstrap 0: no intervals anywhere; --ci changes the level. */
    char *out = NULL;
    ck_assert_int_eq(tu_sh_capture(&out, NULL, "cd %s && %s model.st.gz %s --bootstrap 0 --json n.json", f.dir,
                                   eval, f.val),
                     0);
    ck_assert(!strstr(out, "bootstrap"));
    free(out);
    cJSON *j = tu_read_json(tu_path(f.dir, "n.json"));
    ck_assert(cJSON_IsNull(item(j, "bootstrap")));
    cJSON_Delete(j);
    ck_assert_int_eq(tu_sh_capture(&out, NULL, "%s %s/model.st.gz %s --ci 0.5 --bootstrap 50", eval, f.dir,
                                   f.val),
                     0);
    tu_assert_contains(out, "bootstrap 50% intervals (percentile, 50 resamples, seed 0)");
    free(out);
    ck_assert_int_eq(tu_sh("%s %s/model.st.gz %s --ci 1 2>/dev/null", eval, f.dir, f.val), 2);
    ck_assert_int_eq(tu_sh("%s %s/model.st.gz %s --bootstrap -1 2>/dev/null", eval, f.dir, f.val), 2);
    syn_fixture_free(&f);
}
END_TEST

/* The baselines through the tool: the majority class of TRAIN (balanced: the
 * tie goes to A) scores A's share of the validation windows, 14 of 40. */
START_TEST(baselines_in_the_tool)
{
    syn_fixture f;
    syn_fixture_make(&f, 120);
    char eval[4096]; /* tu_bin's storage is reused after 8 calls */
    snprintf(eval, sizeof eval, "%s", tu_bin("har-eval"));
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(tu_sh_capture(&out, NULL, "cd %s && %s --baseline majority --fit %s %s --json m.json --csv m.csv",
                                   f.dir, eval, f.train, f.val),
                     0);
    tu_assert_contains(out, "baseline     majority (fitted on ");
    tu_assert_contains(out, "120 windows, majority class A)");
    tu_assert_contains(out, "accuracy     0.3500\n");
    free(out);
    cJSON *j = tu_read_json(tu_path(f.dir, "m.json"));
    ck_assert_double_eq_tol(tu_json_num(j, "accuracy"), 14.0 / 40, 1e-12);
    ck_assert_double_eq_tol(tu_json_num(j, "log_loss"), 26.0 / 40 * -log(1e-15), 1e-9);
    const cJSON *b = item(j, "baseline");
    ck_assert_str_eq(item(b, "kind")->valuestring, "majority");
    ck_assert_str_eq(item(b, "majority")->valuestring, "A");
    cJSON_Delete(j);
    /* Stratified: seeded and reproducible. */
    ck_assert_int_eq(tu_sh("cd %s && %s --baseline stratified --seed 1 --fit %s %s --predictions s1.csv "
                           "--bootstrap 0 >/dev/null && %s --baseline stratified --seed 1 --fit %s %s "
                           "--predictions s1b.csv --bootstrap 0 >/dev/null && %s --baseline stratified --seed 2 "
                           "--fit %s %s --predictions s2.csv --bootstrap 0 >/dev/null && "
                           "%s --baseline random --seed 1 --fit %s %s --predictions u1.csv >/dev/null && "
                           "%s --baseline random --seed 1 --fit %s %s --predictions u2.csv >/dev/null",
                           f.dir, eval, f.train, f.val, eval, f.train, f.val, eval, f.train, f.val, eval, f.train,
                           f.val, eval, f.train, f.val),
                     0);
    ck_assert(tu_same_file(tu_path(f.dir, "s1.csv"), tu_path(f.dir, "s1b.csv")));
    ck_assert(!tu_same_file(tu_path(f.dir, "s1.csv"), tu_path(f.dir, "s2.csv")));
    ck_assert(tu_same_file(tu_path(f.dir, "u1.csv"), tu_path(f.dir, "u2.csv")));
    /* Fitted on the training split only; the classes must agree. */
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s --baseline majority --fit %s %s --json x.json", f.dir,
                                   eval, f.val, f.val),
                     1);
    tu_assert_contains(err, "is the 'val' split: a baseline must be fitted on training data only");
    free(err);
    ck_assert(!tu_exists(tu_path(f.dir, "x.json")));
    syn_write_set_meta(tu_path(f.dir, "other.st.gz"), 9, 16, 30, 3, "test", "ax,ay,az", "A,B,D", 0);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s --baseline majority --fit train.st.gz other.st.gz",
                                   f.dir, eval),
                     1);
    tu_assert_contains(err, "other.st.gz has classes [A,B,D] but the baseline was fitted on train.st.gz with [A,B,C]");
    free(err);
    /* Command-line mistakes. */
    ck_assert_int_eq(tu_sh("%s --baseline majority %s 2>/dev/null", eval, f.val), 2);
    ck_assert_int_eq(tu_sh("%s --fit %s %s 2>/dev/null", eval, f.train, f.val), 2);
    ck_assert_int_eq(tu_sh("%s --baseline prior --fit %s %s 2>/dev/null", eval, f.train, f.val), 2);
    ck_assert_int_eq(tu_sh("%s --baseline majority --fit %s %s --saliency s 2>/dev/null", eval, f.train, f.val), 2);
    ck_assert_int_eq(tu_sh("%s --baseline majority --fit - - < %s 2>/dev/null", eval, f.val), 2);
    syn_fixture_free(&f);
}
END_TEST

/* Counts the non-comment lines of the channel file whose abs_grad is nan, and all of them. */
static void channel_rows(const char *text, int *rows, int *nan_rows)
{
    *rows = *nan_rows = 0;
    for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
        if (*line == '#' || *line == '\n')
            continue;
        int k, c;
        char v[32];
        ck_assert_int_eq(sscanf(line, "%d %d %31s", &k, &c, v), 3);
        ++*rows;
        *nan_rows += !strcmp(v, "nan");
    }
}

START_TEST(saliency_in_the_tool)
{
    syn_fixture f;
    trained(&f);
    char eval[4096]; /* tu_bin's storage is reused after 8 calls */
    snprintf(eval, sizeof eval, "%s", tu_bin("har-eval"));
    ck_assert_int_eq(tu_sh("cd %s && %s model.st.gz %s --saliency all >/dev/null && "
                           "%s model.st.gz %s --saliency one --saliency-windows 5 >/dev/null",
                           f.dir, eval, f.val, eval, f.val),
                     0);
    char *all = tu_read_file(tu_path(f.dir, "all-channels.dat"), NULL);
    char *one = tu_read_file(tu_path(f.dir, "one-channels.dat"), NULL);
    char *time = tu_read_file(tu_path(f.dir, "all-time.dat"), NULL);
    ck_assert(all && one && time);
    int rows, nans;
    channel_rows(all, &rows, &nans);
    ck_assert_int_eq(rows, 9);
    ck_assert_int_eq(nans, 0);
    /* Window 5 is of class C (labels i % 3): only C's row has values. */
    channel_rows(one, &rows, &nans);
    ck_assert_int_eq(rows, 9);
    ck_assert_int_eq(nans, 6);
    tu_assert_contains(one, "\n2 0 ");
    ck_assert(!strstr(one, "\n2 0 nan"));
    int lines = 0;
    for (char *p = time; *p; p++)
        lines += *p == '\n';
    ck_assert_int_eq(lines, 17);
    free(all);
    free(one);
    free(time);
    /* Out of range, or without --saliency: command-line errors, nothing written. */
    ck_assert_int_eq(tu_sh("cd %s && %s model.st.gz %s --saliency bad --saliency-windows 40 >/dev/null 2>&1", f.dir, eval, f.val),
                     2);
    ck_assert(!tu_exists(tu_path(f.dir, "bad-channels.dat")));
    ck_assert_int_eq(tu_sh("cd %s && %s model.st.gz %s --saliency-windows 3 2>/dev/null", f.dir, eval, f.val), 2);
    ck_assert_int_eq(tu_sh("cd %s && %s model.st.gz %s --saliency - 2>/dev/null", f.dir, eval, f.val), 2);
    syn_fixture_free(&f);
}
END_TEST

/* The channel file's values: v[(k * C + c) * 2 + j], j = 0 |grad|, 1 grad x input. */
static void channel_values(const char *dir, const char *prefix, int C, double *v)
{
    char name[256];
    snprintf(name, sizeof name, "%s-channels.dat", prefix);
    char *text = tu_read_file(tu_path(dir, name), NULL);
    ck_assert_msg(text != NULL, "no %s", name);
    for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
        int k, c;
        double a, g;
        if (*line != '#' && sscanf(line, "%d %d %lf %lf", &k, &c, &a, &g) == 4) {
            v[(k * C + c) * 2] = a;
            v[(k * C + c) * 2 + 1] = g;
        }
    }
    free(text);
}

/* --saliency-windows LIST: the maps of a list are the per-class means of
 * the maps of its windows run one at a time; a range over every window is
 * the run without --saliency-windows, byte for byte; a position past the
 * data is a command-line error naming it, with nothing written. */
START_TEST(saliency_window_list)
{
    syn_fixture f;
    trained(&f);
    char eval[4096];
    snprintf(eval, sizeof eval, "%s", tu_bin("har-eval"));
    enum { K = 3, C = 3, NW = 7 };
    const int ids[NW] = {3, 5, 6, 7, 8, 20, 31}; /* of class i % 3: A 3,6; B 7,31; C 5,8,20 */
    int count[K] = {0};
    for (int w = 0; w < NW; w++)
        count[ids[w] % 3]++;
    ck_assert_int_eq(tu_sh("cd %s && %s model.st.gz %s --bootstrap 0 --saliency list --saliency-windows 31,20,3,5,6-8,7 >/dev/null",
                           f.dir, eval, f.val),
                     0);
    double list[K * C * 2], mean[K * C * 2] = {0}, one[K * C * 2];
    channel_values(f.dir, "list", C, list);
    for (int w = 0; w < NW; w++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "w%d", ids[w]);
        ck_assert_int_eq(tu_sh("cd %s && %s model.st.gz %s --bootstrap 0 --saliency %s --saliency-windows %d >/dev/null",
                               f.dir, eval, f.val, prefix, ids[w]),
                         0);
        channel_values(f.dir, prefix, C, one);
        int k = ids[w] % 3;
        for (int i = k * C * 2; i < (k + 1) * C * 2; i++)
            mean[i] += one[i] / count[k];
    }
    for (int i = 0; i < K * C * 2; i++)
        ck_assert_msg(fabs(list[i] - mean[i]) <= 1e-6 * fabs(mean[i]) + 1e-12,
                      "value %d: list %.9g, mean of the single windows %.9g", i, list[i], mean[i]);
    /* A range over all 40 windows is the run without --saliency-windows. */
    ck_assert_int_eq(tu_sh("cd %s && %s model.st.gz %s --bootstrap 0 --saliency all >/dev/null && "
                           "%s model.st.gz %s --bootstrap 0 --saliency range --saliency-windows 0-39 >/dev/null",
                           f.dir, eval, f.val, eval, f.val),
                     0);
    ck_assert(tu_same_file(tu_path(f.dir, "all-channels.dat"), tu_path(f.dir, "range-channels.dat")));
    ck_assert(tu_same_file(tu_path(f.dir, "all-time.dat"), tu_path(f.dir, "range-time.dat")));
    /* Positions are counted over the DATA files in order: window 45 is the
     * second copy's window 5. */
    ck_assert_int_eq(tu_sh("cd %s && %s model.st.gz %s %s --bootstrap 0 --saliency second --saliency-windows 45 >/dev/null",
                           f.dir, eval, f.val, f.val),
                     0);
    ck_assert(tu_same_file(tu_path(f.dir, "w5-channels.dat"), tu_path(f.dir, "second-channels.dat")));
    /* Past the data, malformed or empty: exit 2, the first bad position named, nothing written. */
    char *err = NULL;
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s model.st.gz %s --saliency bad --saliency-windows 3,40", f.dir, eval,
                                   f.val),
                     2);
    tu_assert_contains(err, "--saliency-windows 40: the DATA have only 40 windows (positions 0 to 39)");
    free(err);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s model.st.gz %s --saliency bad --saliency-windows 38-45", f.dir, eval,
                                   f.val),
                     2);
    tu_assert_contains(err, "--saliency-windows 40 and 5 more: the DATA have only 40 windows");
    free(err);
    ck_assert(!tu_exists(tu_path(f.dir, "bad-channels.dat")) && !tu_exists(tu_path(f.dir, "bad-time.dat")));
    const char *malformed[] = {"5-3", "x", "none", "''", "-1", "1,,2"};
    for (int i = 0; i < 6; i++)
        ck_assert_msg(tu_sh("cd %s && %s model.st.gz %s --saliency bad --saliency-windows %s 2>/dev/null", f.dir, eval, f.val,
                            malformed[i]) == 2,
                      "--saliency-windows %s", malformed[i]);
    syn_fixture_free(&f);
}
END_TEST

/* --saliency-windows LIST makes the maps the deprecated --window LIST
 * makes, byte for byte; the old spelling warns once however often it is
 * given (the last list counts), the new one not at all. */
START_TEST(renamed_saliency_windows_still_work)
{
    syn_fixture f;
    trained(&f);
    char eval[4096];
    snprintf(eval, sizeof eval, "%s", tu_bin("har-eval"));
    char *err = NULL;
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s model.st.gz %s --bootstrap 0 --saliency new "
                                   "--saliency-windows 3,5-7 > /dev/null", f.dir, eval, f.val),
                     0);
    ck_assert_str_eq(err, "");
    free(err);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s model.st.gz %s --bootstrap 0 --saliency old "
                                   "--window 9 --window 3,5-7 > /dev/null", f.dir, eval, f.val),
                     0);
    ck_assert_str_eq(err, "har-eval: --window is deprecated, use --saliency-windows\n");
    free(err);
    ck_assert(tu_same_file(tu_path(f.dir, "new-channels.dat"), tu_path(f.dir, "old-channels.dat")));
    ck_assert(tu_same_file(tu_path(f.dir, "new-time.dat"), tu_path(f.dir, "old-time.dat")));
    /* Its errors name the spelling that was typed. */
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s model.st.gz %s --saliency bad --window 5-3", f.dir,
                                   eval, f.val),
                     2);
    tu_assert_contains(err, "har-eval: --window is deprecated, use --saliency-windows\n"
                            "har-eval: --window: cannot parse '5-3'");
    free(err);
    syn_fixture_free(&f);
}
END_TEST

/* One bad DATA file among good ones: exit 1, nothing on stdout, no file. */
START_TEST(bad_input_leaves_no_output)
{
    syn_fixture f;
    trained(&f);
    syn_write_set(tu_path(f.dir, "short.st.gz"), 9, 8, 31, 3, "test", 0);
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(tu_sh_capture(&out, &err,
                                   "cd %s && %s model.st.gz %s short.st.gz --json r.json --csv r.csv "
                                   "--predictions p.csv --saliency s",
                                   f.dir, tu_bin("har-eval"), f.val),
                     1);
    ck_assert_str_eq(out, "");
    tu_assert_contains(err, "short.st.gz has windows of 8 x 3");
    const char *files[] = {"r.json", "r.csv", "p.csv", "s-channels.dat", "s-time.dat"};
    for (int i = 0; i < 5; i++)
        ck_assert_msg(!tu_exists(tu_path(f.dir, files[i])), "%s was written", files[i]);
    free(out);
    free(err);
    /* An output on standard output replaces the report. */
    ck_assert_int_eq(tu_sh_capture(&out, NULL, "cd %s && %s model.st.gz %s --json -", f.dir, tu_bin("har-eval"), f.val),
                     0);
    cJSON *j = cJSON_Parse(out);
    ck_assert_ptr_nonnull(j);
    ck_assert_double_eq(tu_json_num(j, "windows"), 40);
    cJSON_Delete(j);
    free(out);
    ck_assert_int_eq(tu_sh("cd %s && %s model.st.gz %s --json r.json --csv r.json 2>/dev/null", f.dir,
                           tu_bin("har-eval"), f.val),
                     2);
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
    tcase_add_test(tc, outputs_agree);
    tcase_add_test(tc, same_seed_same_report);
    tcase_add_test(tc, baselines_in_the_tool);
    tcase_add_test(tc, saliency_in_the_tool);
    tcase_add_test(tc, saliency_window_list);
    tcase_add_test(tc, renamed_saliency_windows_still_work);
    tcase_add_test(tc, bad_input_leaves_no_output);
    suite_add_tcase(s, tc);
    return s;
}
