/* fuzz.h - helpers shared by the libFuzzer harnesses (one target per file,
 * tests/fuzz/fuzz_<target>.c; built and run by `make fuzz`, and replayed
 * on their seeds without libFuzzer by make check: tests/fuzz/replay.c).
 *
 * Every harness is deterministic, prints nothing on the normal path (the
 * library reports through har_err, never on stdout/stderr) and frees all it
 * allocates, so LeakSanitizer can fail a run on a leak.  A harness calls
 * abort() only when a property the library promises does not hold.
 * Compiled with -D_GNU_SOURCE (memfd_create, mkdtemp). */
#ifndef HAR_FUZZ_H
#define HAR_FUZZ_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input (text parsers get what har_slurp gives
 * them: a buffer with a NUL after its last byte). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Splits the input at NUL bytes into at most max sections; returns the
 * number found.  sec[i] points into data, len[i] is its length. */
static inline int fuzz_sections(const uint8_t *data, size_t size, const uint8_t **sec, size_t *len, int max)
{
    int n = 0;
    const uint8_t *p = data, *end = data + size;
    while (n < max) {
        const uint8_t *z = memchr(p, '\0', (size_t)(end - p));
        sec[n] = p;
        len[n] = (size_t)((z ? z : end) - p);
        n++;
        if (!z)
            break;
        p = z + 1;
    }
    return n;
}

/* A stream that discards what is written to it.  Not /dev/null: where that
 * is a plain file (some sandboxes), the split target's millions of audits
 * grew it to gigabytes and the next target reading it timed out. */
static ssize_t fuzz_discard(void *cookie, const char *buf, size_t n)
{
    (void)cookie;
    (void)buf;
    return (ssize_t)n;
}
static inline FILE *fuzz_sink(void)
{
    static FILE *sink;
    if (!sink && !(sink = fopencookie(NULL, "w", (cookie_io_functions_t){.write = fuzz_discard})))
        abort();
    return sink;
}

static inline void fuzz_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w <= 0)
            abort();
        p += w;
        len -= (size_t)w;
    }
}

/* Writes (or with data == NULL removes) dir/rel. */
static inline void fuzz_put(const char *dir, const char *rel, const void *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    if (!data) {
        if (unlink(path) && errno != ENOENT)
            abort();
        return;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        abort();
    fuzz_write_all(fd, data, len);
    close(fd);
}

/* Runs the ingestion a harness set up: success must give windows of
 * HAR_CHANNELS channels (and of length t, if t > 0), failure a message. */
static inline void fuzz_ingest(const har_ingest_opts *o, int t)
{
    har_windows w;
    har_ingest_log log;
    har_err e = {0};
    if (har_ingest(o, &w, &log, &e) == 0) {
        if (w.n < 1 || w.c != HAR_CHANNELS || (t > 0 && w.t != t))
            abort();
        har_windows_free(&w);
    } else if (!e.code || !e.msg[0]) {
        abort();
    }
    har_ingest_log_free(&log);
}

static inline void fuzz_mkdir(const char *dir, const char *rel)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    if (mkdir(path, 0700) && errno != EEXIST)
        abort();
}

/* Removes a directory tree the harness made (regular files and folders). */
static inline void fuzz_rmtree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            char sub[4096];
            /* (the result checked: gcc's -Wformat-truncation, make check's replay) */
            if (snprintf(sub, sizeof sub, "%s/%s", path, de->d_name) >= (int)sizeof sub)
                abort();
            struct stat st;
            if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
                fuzz_rmtree(sub);
            else
                unlink(sub);
        }
        closedir(d);
    }
    rmdir(path);
}

/* One scratch directory per process, in memory (/dev/shm) when available,
 * removed at exit. */
static char fuzz_dir_path[256];
static void fuzz_dir_cleanup(void)
{
    if (fuzz_dir_path[0])
        fuzz_rmtree(fuzz_dir_path);
}
static inline const char *fuzz_dir(void)
{
    if (!fuzz_dir_path[0]) {
        struct stat st;
        const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0
                               ? "/dev/shm"
                               : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(fuzz_dir_path, sizeof fuzz_dir_path, "%s/har-fuzz-XXXXXX", base);
        if (!mkdtemp(fuzz_dir_path))
            abort();
        atexit(fuzz_dir_cleanup);
    }
    return fuzz_dir_path;
}

#endif
