/* test_faults.c - fault injection: har-train killed with SIGKILL at every
 * kind of moment, then resumed.
 *
 * The moments come from tests/fault/killat.c, an LD_PRELOAD shim built next
 * to the test runner (libkillat.so) that SIGKILLs the process at its N-th
 * output call (write, fsync, rename...).  A reference run counts the calls;
 * the test then kills fresh runs at evenly spaced calls from the first to
 * the last, which lands inside checkpoint writes, between a temporary file's
 * fsync and its rename, and between epochs.  After every kill the files on
 * disk must load, and resuming must finish with bytes identical to the run
 * that was never interrupted. */
#define _GNU_SOURCE
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/checkpoint.h"
#include "synthetic.h"
#include "testutil.h"

/* The shim, built by the Makefile next to this test runner. */
static const char *shim_path(void)
{
    static char path[PATH_MAX];
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    ck_assert_msg(n > 0, "cannot find the test runner's path");
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    snprintf(path, sizeof path, "%.4000s/libkillat.so", exe);
    ck_assert_msg(tu_exists(path), "%s is missing (make builds it with the tests)", path);
    return path;
}

/* The environment prefix that preloads the shim.  ASan wants its runtime
 * first in the library list; the shim only forwards calls, so that check is
 * turned off for these runs. */
static const char *preload(void)
{
    static char env[PATH_MAX + 256];
    const char *asan = getenv("ASAN_OPTIONS");
    snprintf(env, sizeof env, "ASAN_OPTIONS='%s%sverify_asan_link_order=0' LD_PRELOAD='%s'", asan ? asan : "",
             asan && *asan ? ":" : "", shim_path());
    return env;
}

/* A checkpoint file on disk, if any, is whole: it loads. */
static void assert_loads_if_present(const char *dir, const char *name, long k)
{
    const char *path = tu_path(dir, name);
    if (!tu_exists(path))
        return;
    har_checkpoint ck;
    har_err e = {0};
    ck_assert_msg(har_checkpoint_load(&ck, path, &e) == 0, "after a kill at output call %ld, %s does not load: %s",
                  k, name, e.msg);
    har_checkpoint_free(&ck);
}

/* A small trained model in f's folder, for the tools that read one. */
static void train_small_model(const syn_fixture *f, char *ckpt, size_t n)
{
    snprintf(ckpt, n, "%s/model.st.gz", f->dir);
    ck_assert_int_eq(tu_sh("%s %s %s --stats %s -m flatten,dense:16,relu,dense:3 -e 1 --log none -o %s 2>/dev/null",
                           tu_bin("har-train"), f->train, f->val, f->stats, ckpt),
                     0);
}

START_TEST(sigkill_at_every_kind_of_moment_then_resume)
{
    if (tu_valgrind()) {
        /* The preloaded shim would count (and kill) the Valgrind wrapper's
         * and Valgrind's own output calls, not har-train's. */
        tu_skip("sigkill_at_every_kind_of_moment_then_resume", "the LD_PRELOAD shim cannot see through Valgrind");
        return;
    }
    syn_fixture f;
    syn_fixture_make(&f, 240);
    /* --resume is not recorded in the checkpoint, so one command line
     * serves the reference and every interrupted run. */
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "%s %s %s --stats %s -m gru:8,dense:3 -e 6 --patience 0 --jitter 0.05 --log none "
             "-o run.st.gz --checkpoint run-last.st.gz --steps steps.csv --threads 1",
             tu_bin("har-train"), f.train, f.val, f.stats);
    ck_assert_int_eq(tu_sh("cd %s && %s HAR_KILL_COUNT=count %s 2>/dev/null", f.dir, preload(), cmd), 0);
    char *count = tu_read_file(tu_path(f.dir, "count"), NULL);
    ck_assert_ptr_nonnull(count);
    long calls = atol(count);
    free(count);
    ck_assert_msg(calls >= 20, "only %ld output calls to kill at", calls);
    ck_assert_int_eq(tu_sh("cd %s && mv run.st.gz ref.st.gz && mv run-last.st.gz ref-last.st.gz && "
                           "mv steps.csv ref-steps.csv",
                           f.dir),
                     0);

    const int moments = 24;
    long last = 0;
    int tried = 0;
    for (int i = 0; i < moments; i++) {
        long k = 1 + (long)i * (calls - 1) / (moments - 1);
        if (k == last)
            continue;
        last = k;
        tried++;
        ck_assert_int_eq(tu_sh("cd %s && rm -f run.st.gz run-last.st.gz steps.csv .run*", f.dir), 0);
        int rc = tu_sh("cd %s && %s HAR_KILL_AT=%ld %s 2>/dev/null", f.dir, preload(), k, cmd);
        ck_assert_msg(rc == 128 + SIGKILL, "the kill at output call %ld of %ld: exit %d", k, calls, rc);
        assert_loads_if_present(f.dir, "run-last.st.gz", k);
        assert_loads_if_present(f.dir, "run.st.gz", k);
        const char *resume = tu_exists(tu_path(f.dir, "run-last.st.gz")) ? "--resume run-last.st.gz" : "";
        char *err = NULL;
        rc = tu_sh_capture(NULL, &err, "cd %s && %s %s", f.dir, cmd, resume);
        ck_assert_msg(rc == 0, "resuming after the kill at output call %ld: exit %d: %s", k, rc, err);
        free(err);
        ck_assert_msg(tu_same_file(tu_path(f.dir, "ref.st.gz"), tu_path(f.dir, "run.st.gz")),
                      "best checkpoint differs after the kill at output call %ld", k);
        ck_assert_msg(tu_same_file(tu_path(f.dir, "ref-last.st.gz"), tu_path(f.dir, "run-last.st.gz")),
                      "last checkpoint differs after the kill at output call %ld", k);
        ck_assert_msg(tu_same_file(tu_path(f.dir, "ref-steps.csv"), tu_path(f.dir, "steps.csv")),
                      "step trace differs after the kill at output call %ld", k);
    }
    ck_assert_int_ge(tried, 20);
    syn_fixture_free(&f);
}
END_TEST

/* A file-size limit (RLIMIT_FSIZE, as `ulimit -f` sets) far below what a
 * tool writes: every tool fails with exit 3 and a message naming the file
 * and the cause, leaves no output (not even a hidden temporary file), and a
 * previous output of the same name keeps its bytes. */
START_TEST(file_size_limit_fails_cleanly_everywhere)
{
    if (tu_valgrind()) {
        /* The limit would bind memcheck's own log file too: Valgrind, not the
         * tool, dies of SIGXFSZ. */
        tu_skip("file_size_limit_fails_cleanly_everywhere", "the file-size limit applies to Valgrind's log file");
        return;
    }
    syn_fixture f;
    syn_fixture_make(&f, 240);
    char ckpt[600];
    train_small_model(&f, ckpt, sizeof ckpt);
    struct {
        /* fmt: %1$s tool, %2$s train, %3$s val, %4$s stats, %5$s model, %6$s out, %7$s HAPT folder */
        const char *what, *fmt;
        const char *tool;
    } cases[] = {
        {"har-norm fit", "%1$s fit %2$s -o %6$s", "har-norm"},
        {"har-norm apply", "%1$s apply %4$s %2$s -o %6$s", "har-norm"},
        {"har-split", "%1$s -q --test-subjects none --val-count 1 --seed 1 -o %6$s %2$s", "har-split"},
        {"har-train", "%1$s %2$s %3$s --stats %4$s -m flatten,dense:32,relu,dense:3 -e 1 --log none -o %6$s",
         "har-train"},
        {"har-eval --csv", "%1$s %5$s %3$s --csv %6$s", "har-eval"},
        {"har-ingest", "%1$s -q %7$s -o %6$s", "har-ingest"},
    };
    /* Two recordings of the dataset for har-ingest. */
    char data[PATH_MAX], hapt[600];
    ck_assert(realpath(tu_data(), data) != NULL);
    snprintf(hapt, sizeof hapt, "%s/hapt", f.dir);
    ck_assert_int_eq(tu_sh("set -e; mkdir -p %s/RawData; cd %s; ln -s %s/RawData/acc_exp01_* %s/RawData/gyro_exp01_* "
                           "RawData/; zcat %s/RawData/labels.txt.gz | awk '$1 == 1' > RawData/labels.txt; "
                           "ln -s %s/activity_labels.txt.gz .",
                           hapt, hapt, data, data, data, data),
                     0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *dir = tu_tmpdir(), out[700], cmd[4096];
        /* har-split writes PREFIX-train.st.gz ...: the prefix's first output. */
        int split = strcmp(cases[i].tool, "har-split") == 0;
        snprintf(out, sizeof out, "%s/out%s", dir, split ? "" : ".st.gz");
        snprintf(cmd, sizeof cmd, cases[i].fmt, tu_bin(cases[i].tool), f.train, f.val, f.stats, ckpt, out, hapt);
        const char *written = split ? tu_path(dir, "out-train.st.gz") : out;
        /* A previous good output of the same name. */
        tu_write_text(written, "previous output\n");
        char *err = NULL;
        /* The limit binds the tool's files only: its messages go through a
         * pipe, which no file-size limit applies to. */
        int rc = tu_sh_capture(NULL, &err, "bash -o pipefail -c 'prlimit --fsize=64 %s 2>&1 >/dev/null | cat >&2'", cmd);
        ck_assert_msg(rc == 3, "%s under a 64-byte file-size limit: exit %d, expected 3: %s", cases[i].what, rc, err);
        ck_assert_msg(err && strstr(err, "File too large"), "%s: no 'File too large' in: %s", cases[i].what, err);
        ck_assert_msg(strstr(err, dir), "%s: the message does not name the file: %s", cases[i].what, err);
        char *prev = tu_read_file(written, NULL);
        ck_assert_msg(prev && !strcmp(prev, "previous output\n"), "%s: the previous output was changed", cases[i].what);
        free(prev);
        /* Nothing else is left in the folder: no partial output, no temporary file. */
        char *ls = NULL;
        ck_assert_int_eq(tu_sh_capture(&ls, NULL, "ls -A %s", dir), 0);
        ck_assert_msg(!strcmp(ls, split ? "out-train.st.gz\n" : "out.st.gz\n"), "%s left behind:\n%s", cases[i].what,
                      ls);
        free(ls);
        free(err);
        tu_rmtree(dir);
        free(dir);
    }
    syn_fixture_free(&f);
}
END_TEST

/* Standard output on a full disk (/dev/full): every tool that writes there,
 * --help and --version included, exits 3 and says so, instead of exiting 0
 * with its output lost. */
START_TEST(full_disk_on_standard_output)
{
    syn_fixture f;
    syn_fixture_make(&f, 240);
    char ckpt[600];
    train_small_model(&f, ckpt, sizeof ckpt);
    static const char *const tools[] = {"har-ingest", "har-split", "har-norm",   "har-train",
                                        "har-eval",   "har-infer", "har-latency"};
    char cmd[4096];
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++) {
        for (int v = 0; v < 2; v++) {
            snprintf(cmd, sizeof cmd, "%s %s", tu_bin(tools[i]), v ? "--version" : "--help");
            char *err = NULL;
            int rc = tu_sh_capture(NULL, &err, "%s > /dev/full", cmd);
            ck_assert_msg(rc == 3 && strstr(err, "No space left on device"), "%s > /dev/full: exit %d: %s", cmd, rc,
                          err);
            free(err);
        }
    }
    const char *cases[][2] = {
        {"har-norm", "show %4$s"},
        {"har-norm", "apply %4$s %3$s -"},
        {"har-split", "--audit %2$s %3$s"},
        {"har-eval", "%5$s %3$s"},
        {"har-infer", "--input-format tensor %5$s %3$s"},
        {"har-latency", "%5$s %3$s -n 100"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[2048];
        snprintf(args, sizeof args, cases[i][1], "", f.train, f.val, f.stats, ckpt);
        snprintf(cmd, sizeof cmd, "%s %s", tu_bin(cases[i][0]), args);
        char *err = NULL;
        int rc = tu_sh_capture(NULL, &err, "%s > /dev/full", cmd);
        ck_assert_msg(rc == 3 && strstr(err, "No space left on device"), "%s > /dev/full: exit %d: %s", cmd, rc,
                      err);
        free(err);
    }
    syn_fixture_free(&f);
}
END_TEST

Suite *faults_suite(void)
{
    Suite *s = suite_create("faults");
    TCase *tc = tcase_create("kill");
    /* 24 killed runs and their resumptions: a few seconds, several times
     * that under sanitizers. */
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, sigkill_at_every_kind_of_moment_then_resume);
    tcase_add_test(tc, file_size_limit_fails_cleanly_everywhere);
    tcase_add_test(tc, full_disk_on_standard_output);
    suite_add_tcase(s, tc);
    return s;
}
