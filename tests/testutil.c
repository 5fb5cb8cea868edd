#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "data/windows.h"

#include "testutil.h"

static char *ring(void)
{
    static char bufs[8][4096];
    static int next;
    return bufs[next++ % 8];
}

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

const char *tu_bin(const char *tool)
{
    /* Absolute, so tests may cd elsewhere before running a tool. */
    static char dir[PATH_MAX];
    if (!dir[0] && !realpath(env_or("HAR_BIN", "bin"), dir))
        snprintf(dir, sizeof dir, "%s", env_or("HAR_BIN", "bin"));
    char *b = ring();
    if (snprintf(b, 4096, "%.3000s/%.64s", dir, tool) >= 4096)
        ck_abort_msg("tool path too long");
    return b;
}

const char *tu_data(void) { return env_or("HAR_DATA", "data/hapt"); }
const char *tu_python(void) { return env_or("HAR_PYTHON", "/usr/bin/python3"); }
int tu_sanitized(void) { return getenv("HAR_SANITIZE") && *getenv("HAR_SANITIZE"); }
int tu_valgrind(void) { return getenv("HAR_VALGRIND") && *getenv("HAR_VALGRIND"); }

void tu_skip(const char *test, const char *why)
{
    fprintf(stderr, "SKIPPED %s: %s\n", test, why);
}

char *tu_tmpdir(void)
{
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/har-test-XXXXXX", env_or("TMPDIR", "/tmp"));
    char *d = mkdtemp(tmpl);
    ck_assert_msg(d != NULL, "mkdtemp failed");
    return strdup(d);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void tu_rmtree(const char *dir)
{
    if (dir)
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *tu_path(const char *dir, const char *name)
{
    char *b = ring();
    snprintf(b, 4096, "%s/%s", dir, name);
    return b;
}

static int status_of(int st)
{
    if (st == -1)
        return -1;
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return -1;
}

static char *vformat(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    if (!fmt) /* never; tells GCC's sanitizer builds that fmt is not NULL */
        fmt = "";
    char probe[1];
    int n = vsnprintf(probe, sizeof probe, fmt, ap);
    char *s = malloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return s;
}

int tu_sh(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *cmd = vformat(fmt, ap);
    va_end(ap);
    fflush(NULL);
    int st = system(cmd);
    free(cmd);
    return status_of(st);
}

int tu_sh_capture(char **out, char **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *cmd = vformat(fmt, ap);
    va_end(ap);
    char *dir = tu_tmpdir();
    char o[4200], e[4200];
    snprintf(o, sizeof o, "%s/stdout", dir);
    snprintf(e, sizeof e, "%s/stderr", dir);
    size_t n = strlen(cmd) + 2 * sizeof o + 32;
    char *full = malloc(n);
    snprintf(full, n, "( %s ) >'%s' 2>'%s'", cmd, o, e);
    fflush(NULL);
    int st = status_of(system(full));
    if (out)
        *out = tu_read_file(o, NULL);
    if (err)
        *err = tu_read_file(e, NULL);
    tu_rmtree(dir);
    free(dir);
    free(full);
    free(cmd);
    return st;
}

char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            buf = realloc(buf, (cap *= 2) + 1);
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

void tu_write_file(const char *path, const char *content, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert(fwrite(content, 1, len, f) == len);
    ck_assert(fclose(f) == 0);
}

void tu_write_text(const char *path, const char *text)
{
    tu_write_file(path, text, strlen(text));
}

void tu_write_gz(const char *path, const char *content, size_t len)
{
    gzFile g = gzopen(path, "wb");
    ck_assert_msg(g != NULL, "cannot write %s", path);
    ck_assert(len == 0 || gzwrite(g, content, (unsigned)len) == (int)len);
    ck_assert(gzclose(g) == Z_OK);
}

int tu_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

int tu_same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *x = tu_read_file(a, &la), *y = tu_read_file(b, &lb);
    int same = x && y && la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

void tu_sbuf_printf(tu_sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = vformat(fmt, ap);
    va_end(ap);
    size_t need = strlen(text);
    if (b->n + need + 1 > b->cap) {
        b->cap = 2 * (b->n + need + 1);
        b->s = realloc(b->s, b->cap);
        ck_assert(b->s != NULL);
    }
    memcpy(b->s + b->n, text, need + 1);
    b->n += need;
    free(text);
}

cJSON *tu_read_json(const char *path)
{
    char *text = tu_read_file(path, NULL);
    ck_assert_msg(text != NULL, "%s missing", path);
    cJSON *j = cJSON_Parse(text);
    free(text);
    ck_assert_msg(j != NULL, "%s is not JSON", path);
    return j;
}

double tu_json_num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(cJSON_IsNumber(v), "JSON key %s", key);
    return v->valuedouble;
}

long tu_windows_to_text(const char *tensor, long first, long n, const char *txt)
{
    har_windows w;
    har_err e = {0};
    ck_assert_msg(har_windows_load(&w, tensor, &e) == 0, "%s", e.msg);
    FILE *fp = fopen(txt, "w");
    ck_assert_msg(fp != NULL, "cannot write %s", txt);
    size_t per = (size_t)w.t * (size_t)w.c;
    long wrote = 0;
    for (int64_t i = first; i < w.n && wrote < n; i++, wrote++)
        for (size_t j = 0; j < per; j++)
            fprintf(fp, "%.9g%c", (double)w.x[(size_t)i * per + j], j + 1 < per ? ' ' : '\n');
    ck_assert_int_eq(fclose(fp), 0);
    har_windows_free(&w);
    return wrote;
}

const char *tu_fixture_path(const char *file)
{
    static char path[4096];
    const char *dir = getenv("HAR_FIXTURES");
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "tests/fixtures", file);
    return path;
}

har_tfile *tu_fixture(const char *file)
{
    har_err e = {0};
    har_tfile *f = har_tfile_read(tu_fixture_path(file), &e);
    ck_assert_msg(f != NULL, "cannot read the reference fixture: %s", e.msg);
    return f;
}

const void *tu_fixture_tensor(const har_tfile *f, const char *name, har_dtype dt, int64_t *n)
{
    har_tensor *t = har_tfile_get(f, name);
    ck_assert_msg(t && t->dtype == dt, "fixture lacks %s tensor %s", har_dtype_name(dt), name);
    if (n)
        *n = har_tensor_numel(t);
    return t->data;
}
