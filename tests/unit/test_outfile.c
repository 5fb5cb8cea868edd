/* test_outfile.c - the crash-safe outputs every artifact is written through
 * (lib/io/outfile.c): a hidden temporary next to the target, renamed over it
 * only once every byte is on disk, so the previous file survives any
 * failure, and several outputs committed as one.
 *
 * Most tests write tensor files (har_tfile_write goes through har_out, as
 * the tools do); what the file holds does not matter here, only which file
 * a reader finds afterwards. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "io/outfile.h"
#include "io/tensorfile.h"
#include "testutil.h"

#define PATH_BYTES 4096

/* ---- helpers ---------------------------------------------------------- */

static void join(char *out, const char *dir, const char *name)
{
    snprintf(out, PATH_BYTES, "%s/%s", dir, name);
}

/* Deterministic pseudo-random bytes (an LCG): incompressible test data. */
static void fill_bytes(void *p, size_t n, uint32_t seed)
{
    unsigned char *b = p;
    uint32_t x = seed * 2654435761u + 12345u;
    for (size_t i = 0; i < n; i++) {
        x = x * 1664525u + 1013904223u;
        b[i] = (unsigned char)(x >> 24);
    }
}

/* Number of entries in dir besides . and ..; *hidden gets how many start
 * with '.', i.e. leftover ".name.XXXXXX" temporaries. */
static int dir_entries(const char *dir, int *hidden)
{
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot list %s", dir);
    int n = 0;
    *hidden = 0;
    for (struct dirent *de; (de = readdir(d));) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        n++;
        if (de->d_name[0] == '.')
            (*hidden)++;
    }
    closedir(d);
    return n;
}

static void assert_file_text(const char *path, const char *want)
{
    char *got = tu_read_file(path, NULL);
    ck_assert_msg(got != NULL, "%s is missing", path);
    ck_assert_str_eq(got, want);
    free(got);
}

static void write_ok(const har_tfile *f, const char *path)
{
    har_err e = {0};
    int rc = har_tfile_write(f, path, &e);
    ck_assert_msg(rc == 0, "write %s failed (%d): %s", path, rc, e.msg);
}

static har_tfile *read_ok(const char *path)
{
    har_err e = {0};
    har_tfile *f = har_tfile_read(path, &e);
    ck_assert_msg(f != NULL, "read %s failed: %s", path, e.msg);
    return f;
}

static har_tensor *add(har_tfile *f, const char *name, har_dtype dt, int ndim, const int64_t *shape)
{
    har_err e = {0};
    har_tensor *t = har_tfile_add(f, name, dt, ndim, shape, &e);
    ck_assert_msg(t != NULL, "add '%s': %s", name, e.msg);
    return t;
}

static void meta(har_tfile *f, const char *key, const char *value)
{
    har_err e = {0};
    ck_assert_msg(har_tfile_meta_set(f, key, value, &e) == 0, "meta_set: %s", e.msg);
}

/* Two tensors and a metadata key (test_tensorfile.c's sample() covers every
 * dtype; here any content that must come back whole will do). */
static har_tfile *sample(void)
{
    static const float f32[] = {-0.0f, 1.5f, -2.25f, 3.0f, 4.5f, 6.0f};
    static const int64_t s_f32[] = {2, 3}, s_u8[] = {64};
    har_err e = {0};
    har_tfile *f = har_tfile_new(&e);
    ck_assert(f != NULL);
    memcpy(add(f, "f32", HAR_F32, 2, s_f32)->data, f32, sizeof f32);
    fill_bytes(add(f, "u8", HAR_U8, 1, s_u8)->data, 64, 1);
    meta(f, "zeta", "inserted first");
    return f;
}

static void assert_same_tfile(const har_tfile *a, const har_tfile *b)
{
    ck_assert_uint_eq(a->ntensors, b->ntensors);
    for (size_t i = 0; i < a->ntensors; i++) {
        const har_tensor *x = &a->tensors[i], *y = &b->tensors[i];
        ck_assert_str_eq(x->name, y->name);
        ck_assert_int_eq(x->dtype, y->dtype);
        ck_assert_int_eq(x->ndim, y->ndim);
        for (int d = 0; d < x->ndim; d++)
            ck_assert_int_eq(x->shape[d], y->shape[d]);
        ck_assert_uint_eq(x->nbytes, y->nbytes);
        ck_assert_msg(x->nbytes == 0 || memcmp(x->data, y->data, x->nbytes) == 0,
                      "tensor '%s': data differs", x->name);
    }
    ck_assert_uint_eq(a->nmeta, b->nmeta);
    for (size_t i = 0; i < a->nmeta; i++) {
        ck_assert_str_eq(a->meta[i].key, b->meta[i].key);
        ck_assert_str_eq(a->meta[i].value, b->meta[i].value);
    }
}

/* ---- har_out: atomic, crash-safe outputs ----------------------------- */

START_TEST(test_write_into_missing_directory)
{
    char *dir = tu_tmpdir(), path[PATH_BYTES];
    join(path, dir, "missing/x.st.gz");
    har_tfile *f = sample();
    har_err e = {0};
    ck_assert_int_eq(har_tfile_write(f, path, &e), HAR_EIO);
    ck_assert_int_eq(e.code, HAR_EIO);
    tu_assert_contains(e.msg, path);
    ck_assert(!tu_exists(path));
    int hidden;
    ck_assert_int_eq(dir_entries(dir, &hidden), 0);
    har_tfile_free(f);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* An output that is opened, written and then abandoned leaves the previous
 * file untouched and no temporary behind. */
START_TEST(test_abort_keeps_old_file)
{
    char *dir = tu_tmpdir(), path[PATH_BYTES];
    join(path, dir, "out.st.gz");
    tu_write_text(path, "old content\n");
    har_tfile *f = sample();
    har_out o;
    har_err e = {0};
    ck_assert_int_eq(har_out_open(&o, path, 1, &e), 0);
    /* The bytes go to a hidden ".out.st.gz.XXXXXX" next to the target. */
    ck_assert_ptr_nonnull(o.tmp);
    const char *base = strrchr(o.tmp, '/') + 1;
    ck_assert_int_eq(strncmp(base, ".out.st.gz.", 11), 0);
    ck_assert_uint_eq(strlen(base), 11 + 6);
    ck_assert(tu_exists(o.tmp));
    ck_assert_int_eq(har_tfile_write_to(f, &o, &e), 0);
    assert_file_text(path, "old content\n");
    har_out_abort(&o);
    assert_file_text(path, "old content\n");
    int hidden;
    ck_assert_int_eq(dir_entries(dir, &hidden), 1);
    ck_assert_int_eq(hidden, 0);
    har_out_abort(&o); /* twice is harmless */
    har_tfile_free(f);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Until commit the target keeps its old content; after it, the new one. */
START_TEST(test_commit_replaces_atomically)
{
    char *dir = tu_tmpdir(), path[PATH_BYTES];
    join(path, dir, "out.st.gz");
    tu_write_text(path, "old content\n");
    har_tfile *f = sample();
    har_out o;
    har_err e = {0};
    ck_assert_int_eq(har_out_open(&o, path, 1, &e), 0);
    ck_assert_int_eq(har_tfile_write_to(f, &o, &e), 0);
    assert_file_text(path, "old content\n");
    int hidden;
    ck_assert_int_eq(dir_entries(dir, &hidden), 2);
    ck_assert_int_eq(hidden, 1);
    ck_assert_msg(har_out_commit(&o, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(dir_entries(dir, &hidden), 1);
    ck_assert_int_eq(hidden, 0);
    har_tfile *g = read_ok(path);
    assert_same_tfile(f, g);
    har_out_abort(&o); /* after commit: a no-op that must not delete the file */
    ck_assert(tu_exists(path));
    har_tfile_free(g);
    har_tfile_free(f);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* A real failure halfway through: a 64 KiB file-size limit stops a 1 MiB
 * write (EFBIG, with SIGXFSZ ignored as the tools do).  The error must be
 * HAR_EIO naming the file, the old file intact, no temporary left. */
START_TEST(test_write_failing_midway_keeps_old_file)
{
    char *dir = tu_tmpdir(), path[PATH_BYTES];
    join(path, dir, "out.st.gz");
    tu_write_text(path, "old content\n");
    har_err e = {0};
    har_tfile *f = har_tfile_new(&e);
    int64_t shape[] = {1 << 20};
    fill_bytes(add(f, "noise", HAR_U8, 1, shape)->data, 1 << 20, 3);

    struct rlimit old, lim;
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 64 * 1024;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    int rc = har_tfile_write(f, path, &e);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);

    ck_assert_msg(rc == HAR_EIO, "rc %d: %s", rc, e.msg);
    tu_assert_contains(e.msg, path);
    assert_file_text(path, "old content\n");
    int hidden;
    ck_assert_int_eq(dir_entries(dir, &hidden), 1);
    ck_assert_int_eq(hidden, 0);
    har_tfile_free(f);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Renaming a file over a directory fails at commit time; the temporary must
 * still be cleaned up. */
START_TEST(test_write_over_directory_fails_cleanly)
{
    char *dir = tu_tmpdir(), sub[PATH_BYTES];
    join(sub, dir, "sub");
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    har_tfile *f = sample();
    har_err e = {0};
    ck_assert_int_eq(har_tfile_write(f, sub, &e), HAR_EIO);
    tu_assert_contains(e.msg, sub);
    int hidden;
    ck_assert_int_eq(dir_entries(dir, &hidden), 1);
    ck_assert_int_eq(hidden, 0);
    struct stat st;
    ck_assert(stat(sub, &st) == 0 && S_ISDIR(st.st_mode));
    har_tfile_free(f);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Mode of a file committed under the given umask (mkstemp alone gives 0600,
 * which would make artifacts unreadable to the group). */
static unsigned committed_mode(const char *dir, mode_t mask)
{
    char path[PATH_BYTES], name[64];
    snprintf(name, sizeof name, "mode-%03o.st.gz", (unsigned)mask);
    join(path, dir, name);
    har_err e = {0};
    har_tfile *f = har_tfile_new(&e);
    mode_t old = umask(mask);
    int rc = har_tfile_write(f, path, &e);
    umask(old);
    har_tfile_free(f);
    ck_assert_msg(rc == 0, "%s", e.msg);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    return (unsigned)(st.st_mode & 07777);
}

START_TEST(test_committed_file_mode_follows_umask)
{
    char *dir = tu_tmpdir();
    ck_assert_uint_eq(committed_mode(dir, 022), 0644);
    ck_assert_uint_eq(committed_mode(dir, 077), 0600);
    ck_assert_uint_eq(committed_mode(dir, 002), 0664);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Overwriting a good file with a good file: one file, the new content. */
START_TEST(test_write_overwrites_existing)
{
    char *dir = tu_tmpdir(), path[PATH_BYTES];
    join(path, dir, "out.st.gz");
    har_err e = {0};
    har_tfile *a = har_tfile_new(&e), *b = sample();
    meta(a, "version", "1");
    write_ok(a, path);
    write_ok(b, path);
    har_tfile *g = read_ok(path);
    assert_same_tfile(b, g);
    int hidden;
    ck_assert_int_eq(dir_entries(dir, &hidden), 1);
    ck_assert_int_eq(hidden, 0);
    har_tfile_free(g);
    har_tfile_free(a);
    har_tfile_free(b);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- several outputs committed as one -------------------------------- */

/* Opens dir/NAME as a text output holding text (stdio, as the tools' CSV
 * and text reports are written). */
static FILE *open_text(har_out *o, const char *path, const char *text)
{
    har_err e = {0};
    ck_assert_msg(har_out_open(o, path, 0, &e) == 0, "%s", e.msg);
    FILE *fp = har_out_stdio(o, &e);
    ck_assert_msg(fp != NULL, "%s", e.msg);
    ck_assert(fputs(text, fp) >= 0);
    return fp;
}

/* A write error of any output (here the second one's buffer, flushed by the
 * commit into a 64 KiB file-size limit) leaves every target as it was: the
 * outputs of one command (a split's train, validation and test files) are
 * replaced all or none, and no temporary is left behind. */
START_TEST(test_commit_all_write_error_replaces_none)
{
    char *dir = tu_tmpdir(), a[PATH_BYTES], b[PATH_BYTES];
    join(a, dir, "a.txt");
    join(b, dir, "b.txt");
    tu_write_text(a, "old a\n");
    tu_write_text(b, "old b\n");
    har_out o[2];
    open_text(&o[0], a, "new a\n");
    FILE *fb = open_text(&o[1], b, "");
    /* 256 KiB into a 512 KiB buffer: nothing reaches the file before the commit */
    static char buf[1 << 19];
    ck_assert_int_eq(setvbuf(fb, buf, _IOFBF, sizeof buf), 0);
    for (int i = 0; i < 4096; i++)
        ck_assert(fputs("0123456789abcdef0123456789abcdef0123456789abcdef012345678901234\n", fb) >= 0);

    struct rlimit old, lim;
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 64 * 1024;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    har_err e = {0};
    int rc = har_out_commit_all(o, 2, &e);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);

    ck_assert_msg(rc == HAR_EIO, "rc %d: %s", rc, e.msg);
    tu_assert_contains(e.msg, b);
    assert_file_text(a, "old a\n");
    assert_file_text(b, "old b\n");
    int hidden;
    ck_assert_int_eq(dir_entries(dir, &hidden), 2);
    ck_assert_int_eq(hidden, 0);
    har_out_abort(&o[0]); /* after a failed commit: harmless */
    har_out_abort(&o[1]);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Once every output is safely written only a rename can fail (here the
 * second target became a directory): the outputs before it are then
 * replaced already, and the error says how many. */
START_TEST(test_commit_all_rename_error_says_what_was_replaced)
{
    char *dir = tu_tmpdir(), a[PATH_BYTES], b[PATH_BYTES];
    join(a, dir, "a.txt");
    join(b, dir, "b.txt");
    tu_write_text(a, "old a\n");
    har_out o[2];
    open_text(&o[0], a, "new a\n");
    open_text(&o[1], b, "new b\n");
    ck_assert_int_eq(mkdir(b, 0755), 0);
    har_err e = {0};
    ck_assert_int_eq(har_out_commit_all(o, 2, &e), HAR_EIO);
    tu_assert_contains(e.msg, "1 of 2 outputs were already replaced");
    tu_assert_contains(e.msg, b);
    assert_file_text(a, "new a\n");
    struct stat st;
    ck_assert(stat(b, &st) == 0 && S_ISDIR(st.st_mode));
    int hidden;
    ck_assert_int_eq(dir_entries(dir, &hidden), 2);
    ck_assert_int_eq(hidden, 0);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* The same outputs without a fault: both replaced. */
START_TEST(test_commit_all_replaces_every_output)
{
    char *dir = tu_tmpdir(), a[PATH_BYTES], b[PATH_BYTES];
    join(a, dir, "a.txt");
    join(b, dir, "b.txt");
    tu_write_text(a, "old a\n");
    har_out o[2];
    open_text(&o[0], a, "new a\n");
    open_text(&o[1], b, "new b\n");
    har_err e = {0};
    ck_assert_msg(har_out_commit_all(o, 2, &e) == 0, "%s", e.msg);
    assert_file_text(a, "new a\n");
    assert_file_text(b, "new b\n");
    int hidden;
    ck_assert_int_eq(dir_entries(dir, &hidden), 2);
    ck_assert_int_eq(hidden, 0);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- suite ----------------------------------------------------------- */

Suite *outfile_suite(void)
{
    Suite *s = suite_create("outfile");
    TCase *tc = tcase_create("outfile");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_write_into_missing_directory);
    tcase_add_test(tc, test_abort_keeps_old_file);
    tcase_add_test(tc, test_commit_replaces_atomically);
    tcase_add_test(tc, test_write_failing_midway_keeps_old_file);
    tcase_add_test(tc, test_write_over_directory_fails_cleanly);
    tcase_add_test(tc, test_committed_file_mode_follows_umask);
    tcase_add_test(tc, test_write_overwrites_existing);
    suite_add_tcase(s, tc);
    TCase *all = tcase_create("commit_all");
    tcase_set_timeout(all, 60);
    tcase_add_test(all, test_commit_all_replaces_every_output);
    tcase_add_test(all, test_commit_all_write_error_replaces_none);
    tcase_add_test(all, test_commit_all_rename_error_says_what_was_replaced);
    suite_add_tcase(s, all);
    return s;
}
