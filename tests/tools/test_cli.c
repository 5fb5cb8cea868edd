/* test_cli.c - what every tool promises on the command line: --help,
 * --version, exit codes, diagnostics on stderr only, no partial output, and
 * one vocabulary (lib/cli/opt.h): shared options, one message form for a
 * bad value, renamed options whose old spellings still work and warn. */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
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

/* ---- the shared vocabulary (lib/cli/opt.h) ---------------------------- */

/* Runs f in a child process whose standard error goes to a file, since the
 * har_opt_* parsers exit on a bad value; returns the child's exit status and
 * (in *err, caller frees) what it wrote.  Messages name the program "har":
 * the runner never calls har_cli_init. */
static int run_captured(void (*f)(void), char **err)
{
    char *dir = tu_tmpdir(), file[4200];
    snprintf(file, sizeof file, "%s/err", dir);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (!freopen(file, "w", stderr) || !freopen("/dev/null", "w", stdout))
            _exit(99);
        f();
        exit(0);
    }
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    *err = tu_read_file(file, NULL);
    ck_assert_ptr_nonnull(*err);
    tu_rmtree(dir);
    free(dir);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static const char *const formats[] = {"csv", "json", NULL};
static const char *const policies[] = {"error", "ffill", "drop", NULL};
static void int_garbage(void) { har_opt_int("5x", 1, 10, "--n"); }
static void int_above(void) { har_opt_int("11", 1, 10, "--n"); }
static void int_empty(void) { har_opt_int("", 1, 10, "--n"); }
static void long_below(void) { har_opt_long("-3", 0, 100000, "--bootstrap"); }
static void double_closed(void) { har_opt_double("1.5", 0, 1, "--p"); }
static void double_at_least(void) { har_opt_double("-1", 0, INFINITY, "--x"); }
static void double_nan(void) { har_opt_double("nan", 0, 1, "--p"); }
static void double_overflow(void) { har_opt_double("1e999", 0, INFINITY, "--x"); }
static void double_trailing(void) { har_opt_double("0.5s", 0, 1, "--p"); }
static void open_above(void) { har_opt_double_open("0", 0, INFINITY, "--stride-seconds"); }
static void open_between(void) { har_opt_double_open("1", 0, 1, "--ci"); }
static void seed_negative(void) { har_opt_seed("-1", "--seed"); }
static void seed_too_big(void) { har_opt_seed("18446744073709551616", "--seed"); }
static void choice_two(void) { har_opt_choice("xml", formats, "--format"); }
static void choice_three(void) { har_opt_choice("Drop", policies, "--nan"); }
static void threads_option(void) { har_opt_threads("3", 2, 2); }
static void threads_env(void)
{
    setenv("HAR_THREADS", "0", 1);
    har_opt_threads(NULL, 2, 2);
}
static void unknown_option(void) { har_opt_common('?', NULL); }

/* Every parser's message, whole: "OPT: expected WHAT, got 'VALUE'", the
 * --help hint, exit 2. */
START_TEST(shared_parsers_say_one_thing)
{
    static const struct {
        void (*f)(void);
        const char *says;
    } cases[] = {
        {int_garbage, "--n: expected an integer in 1..10, got '5x'"},
        {int_above, "--n: expected an integer in 1..10, got '11'"},
        {int_empty, "--n: expected an integer in 1..10, got ''"},
        {long_below, "--bootstrap: expected an integer in 0..100000, got '-3'"},
        {double_closed, "--p: expected a number in [0, 1], got '1.5'"},
        {double_at_least, "--x: expected a number >= 0, got '-1'"},
        {double_nan, "--p: expected a number in [0, 1], got 'nan'"},
        {double_overflow, "--x: expected a number >= 0, got '1e999'"},
        {double_trailing, "--p: expected a number in [0, 1], got '0.5s'"},
        {open_above, "--stride-seconds: expected a number > 0, got '0'"},
        {open_between, "--ci: expected a number in (0, 1), got '1'"},
        {seed_negative, "--seed: expected a non-negative integer, got '-1'"},
        {seed_too_big, "--seed: expected a non-negative integer, got '18446744073709551616'"},
        {choice_two, "--format: expected csv or json, got 'xml'"},
        {choice_three, "--nan: expected error, ffill or drop, got 'Drop'"},
        {threads_option, "--threads: expected an integer in 1..2, got '3'"},
        {threads_env, "HAR_THREADS: expected an integer in 1..2, got '0'"},
        {unknown_option, "unknown or incomplete option"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *err, want[256];
        snprintf(want, sizeof want, "har: %s\nTry 'har --help' for more information.\n", cases[i].says);
        ck_assert_msg(run_captured(cases[i].f, &err) == 2, "case %zu (%s): not exit 2", i, cases[i].says);
        ck_assert_str_eq(err, want);
        free(err);
    }
}
END_TEST

/* What the parsers accept: both ends of a closed range, neither of an open
 * one, the whole range of a seed, HAR_THREADS as --threads' default. */
START_TEST(shared_parsers_accept)
{
    ck_assert_int_eq(har_opt_int("10", 1, 10, "--n"), 10);
    ck_assert_int_eq(har_opt_int("1", 1, 10, "--n"), 1);
    ck_assert_double_eq(har_opt_double("0", 0, 1, "--p"), 0);
    ck_assert_double_eq(har_opt_double("1", 0, 1, "--p"), 1);
    ck_assert_double_eq(har_opt_double("2.5e3", 0, INFINITY, "--x"), 2500);
    ck_assert_double_eq(har_opt_double_open("0.5", 0, 1, "--ci"), 0.5);
    double v;
    ck_assert_int_eq(har_parse_double("0", 0, 1, 1, &v), -1);
    ck_assert_int_eq(har_parse_double("1", 0, 1, 1, &v), -1);
    ck_assert_int_eq(har_parse_double("inf", 0, INFINITY, 0, &v), -1);
    ck_assert_int_eq(har_parse_double(" 1", 0, 2, 0, &v), 0); /* strtod skips leading blanks */
    ck_assert(har_opt_seed("18446744073709551615", "--seed") == ULLONG_MAX);
    ck_assert(har_opt_seed("0", "--seed") == 0);
    ck_assert_int_eq(har_opt_choice("json", formats, "--format"), 1);
    ck_assert_int_eq(har_opt_choice("drop", policies, "--nan"), 2);
    unsetenv("HAR_THREADS");
    ck_assert_int_eq(har_opt_threads(NULL, 2, 2), 2);
    ck_assert_int_eq(har_opt_threads("1", 2, 2), 1);
    setenv("HAR_THREADS", "1", 1);
    ck_assert_int_eq(har_opt_threads(NULL, 2, 2), 1);
    ck_assert_int_eq(har_opt_threads("2", 2, 2), 2); /* the option wins */
    unsetenv("HAR_THREADS");
}
END_TEST

static void warn_twice_and_another(void)
{
    har_opt_deprecated("--windows", "--input-format");
    har_opt_deprecated("--windows", "--input-format");
    har_opt_deprecated("--json (flag)", "--format json");
}

/* One line per old spelling, however often it is given; the run goes on. */
START_TEST(deprecation_warns_once)
{
    char *err;
    ck_assert_int_eq(run_captured(warn_twice_and_another, &err), 0);
    ck_assert_str_eq(err, "har: --windows is deprecated, use --input-format\n"
                          "har: --json (flag) is deprecated, use --format json\n");
    free(err);
}
END_TEST

/* The tools use the shared parsers: the same message form from each, for
 * the shared options and their own. */
START_TEST(tools_say_one_thing)
{
    static const struct {
        const char *tool, *args, *says;
    } cases[] = {
        {"har-ingest", "--window 0 x", "--window: expected an integer in 1..1048576, got '0'"},
        {"har-ingest", "--nan maybe x", "--nan: expected error, ffill or drop, got 'maybe'"},
        {"har-split", "--seed -1 -o p in", "--seed: expected a non-negative integer, got '-1'"},
        {"har-split", "-s x -o p in", "--seed: expected a non-negative integer, got 'x'"},
        {"har-split", "--folds 1 -o p in", "--folds: expected an integer in 2..1000000, got '1'"},
        {"har-train", "--lr x a b", "--lr: expected a number in [0, 1e+06], got 'x'"},
        {"har-train", "-s 1.5 a b", "--seed: expected a non-negative integer, got '1.5'"},
        {"har-train", "--threads 3 a b", "--threads: expected an integer in 1..2, got '3'"},
        {"har-eval", "--ci 1 m d", "--ci: expected a number in (0, 1), got '1'"},
        {"har-eval", "-s x m d", "--seed: expected a non-negative integer, got 'x'"},
        {"har-eval", "--baseline best --fit t d", "--baseline: expected majority, uniform or stratified, got 'best'"},
        {"har-infer", "--format xml m", "--format: expected csv or json, got 'xml'"},
        {"har-infer", "--input-format csv m", "--input-format: expected text or tensor, got 'csv'"},
        {"har-infer", "--stride 0 --stream m", "--stride: expected an integer in 1..1048576, got '0'"},
        {"har-latency", "-n 99 m d", "--count: expected an integer in 100..100000, got '99'"},
        {"har-latency", "--stride-seconds -1 m d", "--stride-seconds: expected a number > 0, got '-1'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *err = NULL, want[300];
        ck_assert_msg(tu_sh_capture(NULL, &err, "%s %s", tu_bin(cases[i].tool), cases[i].args) == 2, "%s %s",
                      cases[i].tool, cases[i].args);
        snprintf(want, sizeof want, "%s: %s\nTry '%s --help' for more information.\n", cases[i].tool, cases[i].says,
                 cases[i].tool);
        ck_assert_str_eq(err, want);
        free(err);
    }
    char *err = NULL;
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "HAR_THREADS=many %s a b", tu_bin("har-train")), 2);
    tu_assert_contains(err, "har-train: HAR_THREADS: expected an integer in 1..2, got 'many'\n");
    free(err);
}
END_TEST

/* Every renamed option: --help documents the new spelling and, as
 * deprecated, the old one. */
START_TEST(help_documents_renamed_options)
{
    static const struct {
        const char *tool, *new_, *old;
    } renamed[] = {
        {"har-infer", "--input-format MODE", "--windows MODE      use --input-format MODE"},
        {"har-infer", "--format FORMAT", "--json              use --format json"},
        {"har-latency", "-n, --count N", "--windows N       use --count N"},
        {"har-eval", "--saliency-windows LIST", "--window LIST     use --saliency-windows LIST"},
    };
    for (size_t i = 0; i < sizeof renamed / sizeof renamed[0]; i++) {
        char *out = NULL;
        ck_assert_int_eq(tu_sh_capture(&out, NULL, "%s --help", tu_bin(renamed[i].tool)), 0);
        tu_assert_contains(out, renamed[i].new_);
        tu_assert_contains(out, "Deprecated spelling");
        tu_assert_contains(out, renamed[i].old);
        /* the old spelling only in the deprecated part */
        ck_assert_ptr_nonnull(strstr(strstr(out, "Deprecated spelling"), renamed[i].old));
        free(out);
    }
}
END_TEST

/* -s is --seed in every tool that has a seed: the same validation subjects. */
START_TEST(seed_short_and_long_agree)
{
    char *dir = tu_tmpdir();
    multi_user_windows(dir, 6);
    ck_assert_int_eq(tu_sh("cd '%s' && %s -q --test-subjects 6 --val-count 2 -s 7 -o a w.safetensors.gz && "
                           "%s -q --test-subjects 6 --val-count 2 --seed 7 -o b w.safetensors.gz",
                           dir, tu_bin("har-split"), tu_bin("har-split")),
                     0);
    char a[4200], b[4200];
    snprintf(a, sizeof a, "%s/a-val.safetensors.gz", dir);
    snprintf(b, sizeof b, "%s/b-val.safetensors.gz", dir);
    har_windows wa, wb;
    har_err e = {0};
    ck_assert_int_eq(har_windows_load(&wa, a, &e), 0);
    ck_assert_int_eq(har_windows_load(&wb, b, &e), 0);
    ck_assert_str_eq(har_tfile_meta_get(wa.file, "split_subjects"), har_tfile_meta_get(wb.file, "split_subjects"));
    ck_assert_str_eq(har_tfile_meta_get(wa.file, "split_seed"), "7");
    har_windows_free(&wa);
    har_windows_free(&wb);
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
    TCase *vocab = tcase_create("vocabulary");
    tcase_set_timeout(vocab, 60);
    tcase_add_test(vocab, shared_parsers_say_one_thing);
    tcase_add_test(vocab, shared_parsers_accept);
    tcase_add_test(vocab, deprecation_warns_once);
    tcase_add_test(vocab, tools_say_one_thing);
    tcase_add_test(vocab, help_documents_renamed_options);
    tcase_add_test(vocab, seed_short_and_long_agree);
    suite_add_tcase(s, vocab);
    return s;
}
