/* test_split_tool.c - har-split, the tool: --thin-class end to end (the
 * plans, the audit and the window operations it is built from are
 * tests/unit/test_split.c's).  Each output is checked window by window
 * against the input it was split from. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/windows.h"
#include "io/idlist.h"
#include "synthetic.h"
#include "testutil.h"

/* ---- har-split --thin-class ------------------------------------------------- */

static har_windows load_windows(const char *path)
{
    har_windows w;
    har_err e = {0};
    ck_assert_msg(har_windows_load(&w, path, &e) == 0, "%s", e.msg);
    return w;
}

/* Checks an output of a split of `in` (classes A, B, C): its windows are, in
 * order and intact, in's windows of the subjects it lists (split_subjects)
 * with class k thinned to round(keep[k] n); its metadata "thinned" is the
 * record of that (NULL: no key).  Returns the windows it has. */
static int64_t check_output(const har_windows *in, const char *path, const double keep[3], const char *names)
{
    har_windows out = load_windows(path);
    har_idlist subj;
    ck_assert_int_eq(har_idlist_parse(&subj, har_tfile_meta_get(out.file, "split_subjects"), 0, INT32_MAX, "", NULL),
                     0);
    int64_t had[3] = {0}, got[3] = {0}, j = 0;
    size_t row = (size_t)in->t * (size_t)in->c;
    for (int64_t i = 0; i < in->n; i++)
        had[in->y[i]] += har_idlist_contains(&subj, in->subject[i]);
    for (int64_t k = 0; k < out.n; k++, j++) { /* a subsequence of in */
        while (j < in->n && memcmp(in->x + j * row, out.x + k * row, row * sizeof(float)))
            j++;
        ck_assert_msg(j < in->n && in->y[j] == out.y[k] && in->subject[j] == out.subject[k],
                      "%s: window %lld is not the next window of the input", path, (long long)k);
        got[out.y[k]]++;
    }
    char want[256] = "";
    for (int k = 0; k < 3; k++) {
        int64_t kept = llround(keep[k] * (double)had[k]);
        ck_assert_msg(got[k] == kept, "%s: class %d has %lld windows, not %lld", path, k, (long long)got[k],
                      (long long)kept);
        if (names && strchr(names, "ABC"[k]))
            snprintf(want + strlen(want), sizeof want - strlen(want), "%s%c=%g:%lld/%lld", *want ? "," : "",
                     "ABC"[k], keep[k], (long long)(had[k] - kept), (long long)had[k]);
    }
    const char *rec = har_tfile_meta_get(out.file, "thinned");
    if (names)
        ck_assert_msg(rec && !strcmp(rec, want), "%s: thinned = '%s', expected '%s'", path, rec ? rec : "(none)",
                      want);
    else
        ck_assert_msg(!rec, "%s: has thinned = '%s'", path, rec);
    int64_t n = out.n;
    har_idlist_free(&subj);
    har_windows_free(&out);
    return n;
}

/* Train/val/test: the training output is thinned exactly as documented and
 * says so (metadata, stderr, audit); validation and test keep every window;
 * the same command gives the same bytes; -q is quiet. */
START_TEST(thin_class_in_the_tool)
{
    char *dir = tu_tmpdir(), *err = NULL;
    syn_write_set(tu_path(dir, "in.st.gz"), 480, 4, 1, 5, "all", 0); /* subjects 1-4, 40 of each class each */
    har_windows in = load_windows(tu_path(dir, "in.st.gz"));
    const char *opts = "--test-subjects 4 --val-subjects 2 --thin-class A=0.25 --thin-class C=0.5 --seed 9";
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s %s -o p in.st.gz", dir, tu_bin("har-split"), opts), 0);
    tu_assert_contains(err, "train: thinned A to 0.25: removed 60 of 80 windows, kept 20\n");
    tu_assert_contains(err, "train: thinned C to 0.5: removed 40 of 80 windows, kept 40\n");
    free(err);
    const double thinned[3] = {0.25, 1, 0.5}, all[3] = {1, 1, 1};
    ck_assert_int_eq(check_output(&in, tu_path(dir, "p-train.safetensors.gz"), thinned, "AC"), 140);
    ck_assert_int_eq(check_output(&in, tu_path(dir, "p-val.safetensors.gz"), all, NULL), 120);
    ck_assert_int_eq(check_output(&in, tu_path(dir, "p-test.safetensors.gz"), all, NULL), 120);
    char *csv = tu_read_file(tu_path(dir, "p-audit.csv"), NULL);
    tu_assert_contains(csv, "output,train,,p-train.safetensors.gz,140,2,1 3\n");
    free(csv);
    har_windows tr = load_windows(tu_path(dir, "p-train.safetensors.gz"));
    tu_assert_contains(har_tfile_meta_get(tr.file, "arguments"), "--thin-class A=0.25 --thin-class C=0.5 --seed 9");
    ck_assert_str_eq(har_tfile_meta_get(tr.file, "split_seed"), "9");
    har_windows_free(&tr);
    /* The same command again: the same bytes.  With -q: nothing on stderr. */
    ck_assert_int_eq(tu_sh("cd %s && mv p-train.safetensors.gz first.st.gz && mv p-val.safetensors.gz first-val.st.gz",
                           dir),
                     0);
    ck_assert_int_eq(tu_sh("cd %s && %s %s -o p in.st.gz 2>/dev/null", dir, tu_bin("har-split"), opts), 0);
    ck_assert_int_eq(tu_sh("cd %s && cmp -s first.st.gz p-train.safetensors.gz && cmp -s first-val.st.gz "
                           "p-val.safetensors.gz", dir),
                     0);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s -q %s -o q in.st.gz", dir, tu_bin("har-split"), opts), 0);
    ck_assert_str_eq(err, "");
    free(err);
    har_windows_free(&in);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* --folds: every fold's training output is thinned, its validation output
 * and the test output are not. */
START_TEST(thin_class_in_folds)
{
    char *dir = tu_tmpdir(), *err = NULL;
    syn_write_set(tu_path(dir, "in.st.gz"), 600, 4, 1, 6, "all", 0);
    syn_write_set(tu_path(dir, "more.st.gz"), 600, 4, 5, 7, "all", 0);
    /* subjects 1-8 in one file: the second set's windows appended */
    har_windows a = load_windows(tu_path(dir, "in.st.gz")), b = load_windows(tu_path(dir, "more.st.gz")), in;
    har_err e = {0};
    int64_t n = a.n;
    ck_assert_int_eq(har_windows_resize(&a, a.n + b.n, &e), 0);
    memcpy(a.x + n * 12, b.x, (size_t)b.n * 12 * sizeof(float));
    memcpy(a.y + n, b.y, (size_t)b.n * sizeof *a.y);
    memcpy(a.subject + n, b.subject, (size_t)b.n * sizeof *a.subject);
    memcpy(a.recording + n, b.recording, (size_t)b.n * sizeof *a.recording);
    memcpy(a.start + n, b.start, (size_t)b.n * sizeof *a.start);
    ck_assert_msg(har_tfile_write(a.file, tu_path(dir, "all.st.gz"), &e) == 0, "%s", e.msg);
    har_windows_free(&a);
    har_windows_free(&b);
    in = load_windows(tu_path(dir, "all.st.gz"));
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd %s && %s --test-subjects 8 --folds 3 --seed 2 --thin-class B=0.3 "
                                               "-o k all.st.gz",
                                   dir, tu_bin("har-split")),
                     0);
    const double thinned[3] = {1, 0.3, 1}, all[3] = {1, 1, 1};
    for (int f = 1; f <= 3; f++) {
        char name[64];
        snprintf(name, sizeof name, "k-fold%02d-train.safetensors.gz", f);
        check_output(&in, tu_path(dir, name), thinned, "B");
        snprintf(name, sizeof name, "fold%02d-train: thinned B to 0.3: removed ", f);
        tu_assert_contains(err, name);
        snprintf(name, sizeof name, "k-fold%02d-val.safetensors.gz", f);
        check_output(&in, tu_path(dir, name), all, NULL);
    }
    check_output(&in, tu_path(dir, "k-test.safetensors.gz"), all, NULL);
    ck_assert(!strstr(err, "val: thinned") && !strstr(err, "test: thinned"));
    free(err);
    har_windows_free(&in);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* How a pipeline thins: an existing training split, normalised by har-norm
 * apply, re-split with --test-subjects none into PREFIX-train, which keeps
 * the normalisation and trains against the normalised validation split.
 * Thinned again, the record grows. */
START_TEST(thin_class_of_a_normalised_split)
{
    syn_fixture f;
    syn_fixture_make(&f, 240);
    ck_assert_int_eq(tu_sh("cd %s && %s apply stats.st.gz train.st.gz train-norm.st.gz && "
                           "%s apply stats.st.gz val.st.gz val-norm.st.gz && "
                           "%s -q --test-subjects none --thin-class A=0.2 --seed 4 -o t train-norm.st.gz",
                           f.dir, tu_bin("har-norm"), tu_bin("har-norm"), tu_bin("har-split")),
                     0);
    har_windows src = load_windows(tu_path(f.dir, "train-norm.st.gz"));
    const double keep[3] = {0.2, 1, 1};
    /* check_output reads split_subjects, which the re-split records */
    ck_assert_int_eq(check_output(&src, tu_path(f.dir, "t-train.safetensors.gz"), keep, "A"), 240 - 64);
    har_windows t = load_windows(tu_path(f.dir, "t-train.safetensors.gz"));
    const char *keys[] = {"normalisation", "norm_mean", "norm_std", "norm_digest", "classes", "channels"};
    for (int i = 0; i < 6; i++)
        ck_assert_str_eq(har_tfile_meta_get(t.file, keys[i]), har_tfile_meta_get(src.file, keys[i]));
    ck_assert_str_eq(har_tfile_meta_get(t.file, "split"), "train");
    tu_assert_contains(har_tfile_meta_get(t.file, "lineage"), "har-norm");
    ck_assert(!tu_exists(tu_path(f.dir, "t-test.safetensors.gz")) && !tu_exists(tu_path(f.dir, "t-val.safetensors.gz")));
    ck_assert_int_eq(tu_sh("cd %s && %s -q t-train.safetensors.gz val-norm.st.gz -m flatten,dense:8,dense:3 -e 1 "
                           "-o m.st.gz --log none",
                           f.dir, tu_bin("har-train")),
                     0);
    /* Thinning the thinned file: its record comes first. */
    ck_assert_int_eq(tu_sh("cd %s && %s -q --test-subjects none --thin-class A=0.5 -o u t-train.safetensors.gz", f.dir,
                           tu_bin("har-split")),
                     0);
    har_windows u = load_windows(tu_path(f.dir, "u-train.safetensors.gz"));
    ck_assert_str_eq(har_tfile_meta_get(u.file, "thinned"), "A=0.2:64/80,A=0.5:8/16");
    har_windows_free(&u);
    har_windows_free(&t);
    har_windows_free(&src);
    syn_fixture_free(&f);
}
END_TEST

/* Bad --thin-class arguments: exit 2, a clear message, nothing written. */
START_TEST(thin_class_bad_arguments)
{
    char *dir = tu_tmpdir();
    syn_write_set(tu_path(dir, "in.st.gz"), 60, 4, 1, 5, "all", 0);
    const struct {
        const char *args, *message;
    } bad[] = {
        {"--thin-class D=0.5", "--thin-class: in.st.gz: unknown class 'D' (the classes are A,B,C)"},
        {"--thin-class A=0", "--thin-class: the fraction in 'A=0' is not a number in (0, 1]"},
        {"--thin-class A=1.5", "is not a number in (0, 1]"},
        {"--thin-class A=half", "is not a number in (0, 1]"},
        {"--thin-class A", "--thin-class: 'A' is not CLASS=FRACTION"},
        {"--thin-class A=0.5,B=0.5,A=0.2", "--thin-class: class A is named twice"},
        {"--thin-class A=0.5 --thin-class A=0.5", "--thin-class: class A is named twice"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *err = NULL;
        ck_assert_msg(tu_sh_capture(NULL, &err, "cd %s && %s --test-subjects 4 %s -o p in.st.gz", dir,
                                    tu_bin("har-split"), bad[i].args) == 2,
                      "%s", bad[i].args);
        tu_assert_contains(err, bad[i].message);
        free(err);
    }
    ck_assert_int_eq(tu_sh("cd %s && %s --audit --thin-class A=0.5 in.st.gz in.st.gz 2>/dev/null", dir,
                           tu_bin("har-split")),
                     2);
    ck_assert(!tu_exists(tu_path(dir, "p-train.safetensors.gz")) && !tu_exists(tu_path(dir, "p-audit.csv")));
    tu_rmtree(dir);
    free(dir);
}
END_TEST

Suite *split_tool_suite(void)
{
    Suite *s = suite_create("split_tool");
    TCase *tool = tcase_create("har-split");
    tcase_set_timeout(tool, 60);
    tcase_add_test(tool, thin_class_in_the_tool);
    tcase_add_test(tool, thin_class_in_folds);
    tcase_add_test(tool, thin_class_of_a_normalised_split);
    tcase_add_test(tool, thin_class_bad_arguments);
    suite_add_tcase(s, tool);
    return s;
}
