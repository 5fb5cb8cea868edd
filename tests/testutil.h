/* testutil.h - shared helpers for the Check test suites.
 *
 * The runners (tests/runner.c, one per level) are started by make with:
 *   HAR_BIN     folder of the built tools (bin or build/sanitize/bin)
 *   HAR_DATA    the vendored dataset (data/hapt)
 *   HAR_PYTHON  Debian's python3 (with python3-numpy)
 * Each test runs in its own forked process (Check's default), so a test may
 * leave global state behind without affecting others. */
#ifndef HAR_TESTUTIL_H
#define HAR_TESTUTIL_H

#include <cJSON.h>
#include <check.h>
#include <stddef.h>

#include "io/tensorfile.h"

/* Each test file tests/<level>/test_NAME.c defines Suite *NAME_suite(void);
 * the runners (tests/runner.c) find them through the list make writes from
 * the file names, so they are declared there, not here. */

/* Path of a built tool ("har-ingest") - static storage, valid until the next 8 calls. */
const char *tu_bin(const char *tool);
const char *tu_data(void);
const char *tu_python(void);
/* 1 if the tests run under sanitizers (slower; timing checks are skipped). */
int tu_sanitized(void);
/* 1 if the tools run under Valgrind (HAR_VALGRIND set by make check-valgrind):
 * far slower, and their memory is Valgrind's; such tests skip themselves and
 * say so (tu_skip). */
int tu_valgrind(void);
/* Notes on stderr that the calling test skipped its checks, and why. */
void tu_skip(const char *test, const char *why);

/* A fresh temporary directory (caller frees the string; tu_rmtree removes it). */
char *tu_tmpdir(void);
void tu_rmtree(const char *dir);
/* Joins dir and name into static storage (valid until the next 8 calls). */
const char *tu_path(const char *dir, const char *name);

/* Runs a shell command; returns its exit status (128 + signal if killed). */
int tu_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like tu_sh, but captures stdout and stderr (caller frees; either may be NULL). */
int tu_sh_capture(char **out, char **err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Whole-file helpers; tu_read_file returns NULL if the file is missing. */
char *tu_read_file(const char *path, size_t *len);
void tu_write_file(const char *path, const char *content, size_t len);
void tu_write_text(const char *path, const char *text);
/* Writes gzip-compressed content. */
void tu_write_gz(const char *path, const char *content, size_t len);
int tu_exists(const char *path);

/* The raw windows first..first+n-1 of a window tensor file as har-infer's
 * text input, one window a line, every float printed exactly (%.9g), into
 * txt; returns how many (fewer if the file holds fewer). */
long tu_windows_to_text(const char *tensor, long first, long n, const char *txt);

/* The path of a reference fixture FILE of tests/fixtures/ ($HAR_FIXTURES
 * if set), in static storage; tu_fixture reads it (asserting it reads) and
 * tu_fixture_tensor returns a tensor's data, asserting it is there with
 * dtype dt (*n its elements; n may be NULL).  The scripts that made each
 * fixture are beside it (gen_*.py). */
const char *tu_fixture_path(const char *file);
har_tfile *tu_fixture(const char *file);
const void *tu_fixture_tensor(const har_tfile *f, const char *name, har_dtype dt, int64_t *n);

/* A JSON file, parsed (asserts it exists and parses; cJSON_Delete it). */
cJSON *tu_read_json(const char *path);
/* The number under key in object o (asserts there is one). */
double tu_json_num(const cJSON *o, const char *key);

/* A growing string for building fixture files (free .s when done). */
typedef struct {
    char *s;
    size_t n, cap;
} tu_sbuf;
void tu_sbuf_printf(tu_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int tu_same_file(const char *a, const char *b);

/* Asserts that haystack contains needle, printing both otherwise. */
#define tu_assert_contains(haystack, needle)                                                      \
    ck_assert_msg((haystack) && strstr((haystack), (needle)), "expected \"%s\" in \"%s\"", (needle), \
                  (haystack) ? (haystack) : "(null)")

#endif
