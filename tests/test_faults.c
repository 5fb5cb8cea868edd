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

#include "../lib/checkpoint.h"
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

START_TEST(sigkill_at_every_kind_of_moment_then_resume)
{
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

Suite *faults_suite(void)
{
    Suite *s = suite_create("faults");
    TCase *tc = tcase_create("kill");
    /* 24 killed runs and their resumptions: a few seconds, several times
     * that under sanitizers. */
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, sigkill_at_every_kind_of_moment_then_resume);
    suite_add_tcase(s, tc);
    return s;
}
