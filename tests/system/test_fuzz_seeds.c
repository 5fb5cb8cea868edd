/* test_fuzz_seeds.c - every fuzz target's seeds (tests/fuzz/corpus/<target>/)
 * replayed through its harness in make check, one test per target.
 *
 * make fuzz needs clang and minutes per target, so it is not part of make
 * check; but its harnesses check properties of the parsers (what a loaded
 * file must satisfy, that text formats back to what it parsed, that failure
 * comes with a message) on valid and near-valid seed inputs.  Replayed here
 * through tests/fuzz/replay.c (built by make into HAR_FUZZ_REPLAY, under
 * ASan/UBSan with SANITIZE=...), a change that breaks one of those
 * properties or crashes on a seed fails make check.  The targets are found
 * from tests/fuzz/fuzz_<target>.c, so a new target is replayed too. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define MAX_TARGETS 64

static char targets[MAX_TARGETS][64];
static int ntargets;

/* The targets, from the harnesses' file names (sorted, so the loop test's
 * indices name the same target every run). */
static int by_name(const void *a, const void *b) { return strcmp(a, b); }
static void find_targets(void)
{
    DIR *d = opendir("tests/fuzz");
    if (!d)
        return;
    for (struct dirent *de; (de = readdir(d)) && ntargets < MAX_TARGETS;) {
        size_t n = strlen(de->d_name);
        if (strncmp(de->d_name, "fuzz_", 5) == 0 && n > 7 && strcmp(de->d_name + n - 2, ".c") == 0 &&
            n - 7 < sizeof targets[0])
            snprintf(targets[ntargets++], sizeof targets[0], "%.*s", (int)(n - 7), de->d_name + 5);
    }
    closedir(d);
    qsort(targets, (size_t)ntargets, sizeof targets[0], by_name);
}

/* Where make put the replay binaries (build/fuzz-replay, or
 * build/sanitize/fuzz-replay for the sanitizer build). */
static const char *replay_dir(void)
{
    const char *dir = getenv("HAR_FUZZ_REPLAY");
    return dir && *dir ? dir : "build/fuzz-replay";
}

/* Regular files in dir (the seeds; hidden names skipped as replay does). */
static int count_seeds(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *de; (de = readdir(d));)
        n += de->d_name[0] != '.';
    closedir(d);
    return n;
}

START_TEST(seeds_replay_cleanly)
{
    const char *t = targets[_i];
    char corpus[256], bin[4096], want[64];
    snprintf(corpus, sizeof corpus, "tests/fuzz/corpus/%s", t);
    int seeds = count_seeds(corpus);
    ck_assert_msg(seeds > 0, "fuzz target %s has no seeds in %s", t, corpus);
    snprintf(bin, sizeof bin, "%s/%s", replay_dir(), t);
    ck_assert_msg(tu_exists(bin), "%s is missing (make check-system builds it)", bin);
    char *out = NULL, *err = NULL;
    int rc = tu_sh_capture(&out, &err, "'%s' '%s'", bin, corpus);
    ck_assert_msg(rc == 0, "fuzz target %s: a seed of %s fails its harness (exit %d):\n%s", t, corpus, rc,
                  err ? err : "");
    snprintf(want, sizeof want, "replay: %d inputs\n", seeds);
    ck_assert_msg(out && strcmp(out, want) == 0, "fuzz target %s: replay printed '%s', expected '%s'", t,
                  out ? out : "", want);
    free(out);
    free(err);
}
END_TEST

/* The targets are there to be found (a test run from elsewhere than the
 * source tree, or a renamed folder, must not pass by replaying nothing),
 * and an input that cannot be read is an error, not an empty run. */
START_TEST(targets_found_and_missing_input_fails)
{
    ck_assert_msg(ntargets > 0, "no tests/fuzz/fuzz_<target>.c found: the tests must run from the source tree");
    char bin[4096];
    snprintf(bin, sizeof bin, "%s/%s", replay_dir(), targets[0]);
    char *err = NULL;
    ck_assert_int_eq(tu_sh_capture(NULL, &err, "'%s' tests/fuzz/corpus/no-such-target", bin), 2);
    tu_assert_contains(err, "no-such-target: cannot read it");
    free(err);
}
END_TEST

Suite *fuzz_seeds_suite(void)
{
    find_targets();
    Suite *s = suite_create("fuzz_seeds");
    TCase *tc = tcase_create("replay");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, targets_found_and_missing_input_fails);
    tcase_add_loop_test(tc, seeds_replay_cleanly, 0, ntargets);
    suite_add_tcase(s, tc);
    return s;
}
