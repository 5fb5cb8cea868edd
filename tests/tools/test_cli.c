/* test_cli.c - what every tool promises on the command line: --help,
 * --version, exit codes, diagnostics on stderr only, and no partial output. */
#include <stdlib.h>
#include <string.h>

#include "data/windows.h"
#include "testutil.h"

static const char *const tools[] = {"har-ingest", "har-split", "har-norm"};
#define NTOOLS (sizeof tools / sizeof tools[0])

START_TEST(help_and_version)
{
    for (size_t i = 0; i < NTOOLS; i++) {
        char *out = NULL, *err = NULL;
        ck_assert_int_eq(tu_sh_capture(&out, &err, "%s --help", tu_bin(tools[i])), 0);
        tu_assert_contains(out, "Usage:");
        tu_assert_contains(out, "Exit status:");
        ck_assert_str_eq(err, "");
        free(out);
        free(err);
        ck_assert_int_eq(tu_sh_capture(&out, &err, "%s --version", tu_bin(tools[i])), 0);
        tu_assert_contains(out, tools[i]);
        tu_assert_contains(out, "(har) ");
        free(out);
        free(err);
    }
}
END_TEST

START_TEST(bad_options_exit_2)
{
    for (size_t i = 0; i < NTOOLS; i++) {
        char *err = NULL;
        ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s --no-such-option x", tu_bin(tools[i])), 2);
        tu_assert_contains(err, "--help");
        free(err);
    }
    char *err = NULL;
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s --window 0 x", tu_bin("har-ingest")), 2);
    tu_assert_contains(err, "--window");
    free(err);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s --nan maybe x", tu_bin("har-ingest")), 2);
    tu_assert_contains(err, "--nan");
    free(err);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s --audit only-one", tu_bin("har-split")), 2);
    free(err);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s frobnicate x", tu_bin("har-norm")), 2);
    tu_assert_contains(err, "frobnicate");
    free(err);
}
END_TEST

START_TEST(missing_input_exit_3)
{
    char *err = NULL;
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s /nonexistent/dir -o /dev/null", tu_bin("har-ingest")), 3);
    tu_assert_contains(err, "/nonexistent/dir");
    free(err);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s fit /nonexistent.safetensors.gz -o /dev/null", tu_bin("har-norm")), 3);
    tu_assert_contains(err, "/nonexistent.safetensors.gz");
    free(err);
}
END_TEST

/* A tiny HAPT-layout dataset: one experiment of n samples, segments given
 * as "activity start end" triples; sample i of acc is "1 0.5 -0.25" unless
 * bad_line says otherwise. */
static void tiny_hapt(const char *dir, int n, const char *segments, int bad_line)
{
    ck_assert_int_eq(tu_sh("mkdir -p '%s/RawData'", dir), 0);
    tu_write_text(tu_path(dir, "activity_labels.txt"), "1 WALKING\n2 WALKING_UPSTAIRS\n3 WALKING_DOWNSTAIRS\n"
                                                       "4 SITTING\n5 STANDING\n6 LAYING\n");
    ck_assert_int_eq(tu_sh("echo '%s' | awk '{print 1, 7, $1, $2, $3}' > '%s/RawData/labels.txt'", segments, dir), 0);
    ck_assert_int_eq(tu_sh("awk 'BEGIN{for(i=1;i<=%d;i++) print (i==%d ? \"nan\" : 1+i%%7/10), 0.5, -0.25}' "
                           "> '%s/RawData/acc_exp01_user07.txt'",
                           n, bad_line, dir),
                     0);
    ck_assert_int_eq(tu_sh("awk 'BEGIN{for(i=1;i<=%d;i++) print 0.1, -0.2, i%%5/10}' > '%s/RawData/gyro_exp01_user07.txt'",
                           n, dir),
                     0);
}

START_TEST(bad_data_leaves_previous_output)
{
    char *dir = tu_tmpdir(), *err = NULL;
    const char *ds = tu_path(dir, "ds"), *out = tu_path(dir, "out.safetensors.gz");
    tiny_hapt(ds, 400, "1 1 300", 150);
    tu_write_text(out, "previous good content");
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s '%s' -o '%s'", tu_bin("har-ingest"), ds, out), 1);
    tu_assert_contains(err, "acc_exp01_user07.txt:150");
    tu_assert_contains(err, "--nan");
    char *kept = tu_read_file(out, NULL);
    ck_assert_str_eq(kept, "previous good content");
    /* No temporary file left behind either. */
    ck_assert_int_eq(tu_sh("ls -A '%s' | grep -q '^\\.out'", dir), 1);
    free(kept);
    free(err);
    /* With a repair policy the same data succeeds and reports the repair. */
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s '%s' --nan ffill -o '%s'", tu_bin("har-ingest"), ds, out), 0);
    tu_assert_contains(err, "1 bad values, 1 samples repaired");
    free(err);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s '%s' --nan drop -o '%s'", tu_bin("har-ingest"), ds, out), 0);
    tu_assert_contains(err, "windows dropped");
    free(err);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* stdout carries only data; the summary goes to stderr, and without a
 * terminal there is no progress output (no carriage returns). */
START_TEST(diagnostics_only_on_stderr)
{
    char *dir = tu_tmpdir(), *out = NULL, *err = NULL;
    const char *ds = tu_path(dir, "ds"), *file = tu_path(dir, "w.safetensors.gz");
    tiny_hapt(ds, 600, "1 1 300\n4 301 600", 0);
    ck_assert_int_eq(tu_sh_capture(&out, &err, "%s '%s' -o '%s'", tu_bin("har-ingest"), ds, file), 0);
    ck_assert_str_eq(out, "");
    tu_assert_contains(err, "wrote 6 windows");
    ck_assert_ptr_null(strchr(err, '\r'));
    free(out);
    free(err);
    ck_assert_int_eq(tu_sh_capture(&out, &err, "%s -q '%s' -o '%s'", tu_bin("har-ingest"), ds, file), 0);
    ck_assert_str_eq(out, "");
    ck_assert_str_eq(err, "");
    free(out);
    free(err);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* A file-size limit (a full disk as far as the tool can tell) gives a clear
 * message and exit 3, and no output file. */
START_TEST(file_size_limit_fails_cleanly)
{
    char *dir = tu_tmpdir(), *err = NULL;
    const char *ds = tu_path(dir, "ds"), *file = tu_path(dir, "w.safetensors.gz");
    tiny_hapt(ds, 20000, "1 1 20000", 0);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "ulimit -f 8; %s -q '%s' -o '%s'", tu_bin("har-ingest"), ds, file), 3);
    tu_assert_contains(err, "write failed");
    ck_assert(!tu_exists(file));
    ck_assert_int_eq(tu_sh("ls -A '%s' | grep -q '^\\.w'", dir), 1);
    free(err);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(refuses_ambiguous_gz_and_txt)
{
    char *dir = tu_tmpdir(), *err = NULL;
    const char *ds = tu_path(dir, "ds");
    tiny_hapt(ds, 400, "1 1 300", 0);
    ck_assert_int_eq(tu_sh("gzip -k '%s/RawData/acc_exp01_user07.txt'", ds), 0);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s '%s' -o /dev/null", tu_bin("har-ingest"), ds), 1);
    tu_assert_contains(err, "acc_exp01_user07.txt.gz");
    free(err);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Users 1..n, one 400-sample recording each, one WALKING segment of 300
 * samples (3 windows), ingested into dir/w.safetensors.gz. */
static void multi_user_windows(const char *dir, int n)
{
    const char *ds = tu_path(dir, "ds");
    tiny_hapt(ds, 400, "1 1 300", 0);
    ck_assert_int_eq(tu_sh("cd '%s/RawData' && rm -f *_exp01_* && : > labels.txt && for u in $(seq 1 %d); do "
                           "e=$(printf %%02d $u); awk 'BEGIN{for(i=1;i<=400;i++) print 1+i%%7/10, 0.5, -0.25}' "
                           "> acc_exp${e}_user${e}.txt; awk 'BEGIN{for(i=1;i<=400;i++) print 0.1, -0.2, i%%5/10}' "
                           "> gyro_exp${e}_user${e}.txt; echo $u $u 1 1 300 >> labels.txt; done",
                           ds, n),
                     0);
    ck_assert_int_eq(tu_sh("%s -q '%s' -o '%s/w.safetensors.gz'", tu_bin("har-ingest"), ds, dir), 0);
}

/* No output of a multi-output run is replaced unless all are written: an
 * output path that is a directory fails before anything is renamed. */
START_TEST(split_commits_all_or_nothing)
{
    char *dir = tu_tmpdir(), *err = NULL;
    multi_user_windows(dir, 4);
    ck_assert_int_eq(tu_sh("mkdir '%s/p-val.safetensors.gz'", dir), 0);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd '%s' && %s -q --test-subjects 4 --val-subjects 3 -o p w.safetensors.gz",
                                   dir, tu_bin("har-split")),
                     3);
    tu_assert_contains(err, "p-val.safetensors.gz: is a directory");
    ck_assert_int_eq(tu_sh("cd '%s' && ls -A | grep -q -e '^p-train' -e '^p-test' -e '^p-audit' -e '^\\.p'", dir), 1);
    free(err);
    /* And the report of har-ingest goes with its dataset. */
    ck_assert_int_eq(tu_sh("mkdir '%s/r.md'", dir), 0);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "cd '%s' && %s -q ds --report r.md -o x.safetensors.gz", dir,
                                   tu_bin("har-ingest")),
                     3);
    ck_assert(!tu_exists(tu_path(dir, "x.safetensors.gz")));
    free(err);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Auditing k-fold outputs pairs only outputs of the same fold (and the
 * shared test set): folds share training subjects by design. */
START_TEST(audit_understands_folds)
{
    char *dir = tu_tmpdir(), *out = NULL, *err = NULL;
    multi_user_windows(dir, 5);
    ck_assert_int_eq(tu_sh("cd '%s' && %s -q --test-subjects 5 --folds 2 --seed 3 -o k w.safetensors.gz", dir,
                           tu_bin("har-split")),
                     0);
    int rc = tu_sh_capture(&out, &err, "cd '%s' && %s --audit k-fold01-train.safetensors.gz k-fold01-val.safetensors.gz "
                                       "k-fold02-train.safetensors.gz k-fold02-val.safetensors.gz k-test.safetensors.gz",
                           dir, tu_bin("har-split"));
    ck_assert_msg(rc == 0, "audit of folds failed (%d): %s%s", rc, out, err);
    tu_assert_contains(out, "6 pairs"); /* train-val in each of 2 folds + each of 4 fold outputs with test */
    free(out);
    free(err);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* A segment end far beyond the recording is a data error naming the line of
 * labels.txt, found before any allocation based on it. */
START_TEST(huge_segment_is_a_data_error)
{
    char *dir = tu_tmpdir(), *err = NULL;
    const char *ds = tu_path(dir, "ds");
    tiny_hapt(ds, 400, "1 1 900000000000000", 0);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s -q '%s' -o /dev/null", tu_bin("har-ingest"), ds), 1);
    tu_assert_contains(err, "labels.txt:1");
    tu_assert_contains(err, "lies outside experiment 1");
    free(err);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Bad metadata in a file is bad input data (exit 1, naming the file), not a
 * bad command line. */
START_TEST(bad_test_subjects_metadata)
{
    char *dir = tu_tmpdir(), *err = NULL;
    multi_user_windows(dir, 3);
    char in[4200], bad[4200];
    snprintf(in, sizeof in, "%s/w.safetensors.gz", dir);
    snprintf(bad, sizeof bad, "%s/bad.safetensors.gz", dir);
    har_windows w;
    har_err e = {0};
    ck_assert_int_eq(har_windows_load(&w, in, &e), 0);
    ck_assert_int_eq(har_tfile_meta_set(w.file, "test_subjects", "abc", &e), 0);
    ck_assert_int_eq(har_tfile_write(w.file, bad, &e), 0);
    har_windows_free(&w);
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "%s -q -o '%s/p' '%s'", tu_bin("har-split"), dir, bad), 1);
    tu_assert_contains(err, bad);
    tu_assert_contains(err, "test_subjects");
    free(err);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

Suite *cli_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("conventions");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, help_and_version);
    tcase_add_test(tc, bad_options_exit_2);
    tcase_add_test(tc, missing_input_exit_3);
    tcase_add_test(tc, bad_data_leaves_previous_output);
    tcase_add_test(tc, diagnostics_only_on_stderr);
    tcase_add_test(tc, file_size_limit_fails_cleanly);
    tcase_add_test(tc, refuses_ambiguous_gz_and_txt);
    tcase_add_test(tc, split_commits_all_or_nothing);
    tcase_add_test(tc, audit_understands_folds);
    tcase_add_test(tc, huge_segment_is_a_data_error);
    tcase_add_test(tc, bad_test_subjects_metadata);
    suite_add_tcase(s, tc);
    return s;
}
