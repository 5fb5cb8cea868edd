#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "infile.h"
#include "outfile.h"

#define INBUF (1 << 18)

int har_in_open(har_in *in, const char *path, har_err *e)
{
    memset(in, 0, sizeof *in);
    in->gzip = -1;
    in->fd = -1;
    if (har_is_stdio(path)) {
        in->name = "<stdin>";
        in->fd = dup(STDIN_FILENO);
    } else {
        in->name = path;
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return har_fail(e, HAR_EIO, "%s: is a directory, expected a file", path);
        in->fd = open(path, O_RDONLY);
    }
    if (in->fd < 0)
        return har_fail(e, HAR_EIO, "%s: cannot open: %s", in->name, strerror(errno));
    struct stat st;
    if (fstat(in->fd, &st) == 0 && S_ISREG(st.st_mode)) {
        in->regular = 1;
        in->file_size = (uint64_t)st.st_size;
    }
    /* A small file gets a buffer its size: ingest opens hundreds of label
     * and recording files, most far smaller than INBUF. */
    in->cap = INBUF;
    if (in->regular && in->file_size < INBUF)
        in->cap = in->file_size < 64 ? 64 : (size_t)in->file_size + 1;
    if (!(in->buf = har_malloc(in->cap, e))) {
        har_in_close(in);
        return HAR_EIO;
    }
    return 0;
}

/* Moves unconsumed input to the front and reads more from the file. */
static int fill(har_in *in, har_err *e)
{
    if (in->pos > 0) {
        memmove(in->buf, in->buf + in->pos, in->len - in->pos);
        in->len -= in->pos;
        in->pos = 0;
    }
    while (in->len < in->cap && !in->fd_eof) {
        ssize_t got = read(in->fd, in->buf + in->len, in->cap - in->len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return har_fail(e, HAR_EIO, "%s: read error: %s", in->name, strerror(errno));
        if (got == 0)
            in->fd_eof = 1;
        in->len += (size_t)got;
        if (got > 0)
            break; /* use what arrived; pipes deliver in pieces */
    }
    return 0;
}

/* Decides plain or gzip from the first two bytes. */
static int sniff(har_in *in, har_err *e)
{
    while (in->len - in->pos < 2 && !in->fd_eof)
        if (fill(in, e))
            return HAR_EIO;
    in->gzip = in->len - in->pos >= 2 && in->buf[in->pos] == 0x1f && in->buf[in->pos + 1] == 0x8b;
    if (in->gzip) {
        if (inflateInit2(&in->z, 15 + 16) != Z_OK) /* gzip wrapper only */
            return har_fail(e, HAR_EIO, "%s: cannot initialise zlib", in->name);
        in->z_ready = 1;
    }
    return 0;
}

/* After a gzip member: another member, the end, or trailing garbage. */
static int next_member(har_in *in, int *end, har_err *e)
{
    while (in->len - in->pos < 2 && !in->fd_eof)
        if (fill(in, e))
            return HAR_EIO;
    size_t left = in->len - in->pos;
    *end = left == 0;
    if (*end)
        return 0;
    if (left < 2 || in->buf[in->pos] != 0x1f || in->buf[in->pos + 1] != 0x8b)
        return har_fail(e, HAR_EDATA, "%s: unexpected data after the end of the gzip stream", in->name);
    inflateReset(&in->z);
    in->member_done = 0;
    return 0;
}

static int get_gzip(har_in *in, unsigned char *out, size_t n, size_t *got, har_err *e)
{
    *got = 0;
    while (*got < n) {
        if (in->member_done) {
            int end;
            if (next_member(in, &end, e))
                return e ? e->code : HAR_EDATA;
            if (end)
                return 0;
        }
        if (in->pos == in->len && !in->fd_eof && fill(in, e))
            return HAR_EIO;
        size_t want = n - *got;
        in->z.next_in = in->buf + in->pos;
        in->z.avail_in = (uInt)(in->len - in->pos);
        in->z.next_out = out + *got;
        in->z.avail_out = want > (1u << 30) ? (1u << 30) : (uInt)want;
        uInt before_out = in->z.avail_out;
        int rc = inflate(&in->z, Z_NO_FLUSH);
        in->pos = in->len - in->z.avail_in;
        *got += before_out - in->z.avail_out;
        if (rc == Z_STREAM_END) {
            in->member_done = 1;
        } else if (rc == Z_BUF_ERROR) { /* no progress possible: input exhausted */
            if (in->fd_eof && in->pos == in->len)
                return har_fail(e, HAR_EDATA, "%s: truncated gzip stream", in->name);
        } else if (rc == Z_DATA_ERROR) {
            return har_fail(e, HAR_EDATA, "%s: corrupt gzip data (%s)", in->name, in->z.msg ? in->z.msg : "?");
        } else if (rc != Z_OK) {
            return har_fail(e, HAR_EIO, "%s: zlib error %d", in->name, rc);
        }
    }
    return 0;
}

static int get_plain(har_in *in, unsigned char *out, size_t n, size_t *got, har_err *e)
{
    *got = 0;
    while (*got < n) {
        if (in->pos == in->len) {
            if (in->fd_eof)
                return 0;
            if (fill(in, e))
                return HAR_EIO;
            continue;
        }
        size_t take = in->len - in->pos < n - *got ? in->len - in->pos : n - *got;
        memcpy(out + *got, in->buf + in->pos, take);
        in->pos += take;
        *got += take;
    }
    return 0;
}

int har_in_get(har_in *in, void *buf, size_t n, size_t *got, har_err *e)
{
    *got = 0;
    if (in->gzip < 0 && sniff(in, e))
        return e ? e->code : HAR_EIO;
    int rc = in->gzip ? get_gzip(in, buf, n, got, e) : get_plain(in, buf, n, got, e);
    if (in->sha && *got)
        har_sha256_update(in->sha, buf, *got);
    in->nread += *got;
    return rc;
}

int har_in_read(har_in *in, void *buf, size_t n, const char *what, har_err *e)
{
    size_t got;
    int rc = har_in_get(in, buf, n, &got, e);
    if (rc)
        return rc;
    if (got < n)
        return har_fail(e, HAR_EDATA, "%s: file ends while reading %s", in->name, what);
    return 0;
}

int har_in_expect_eof(har_in *in, har_err *e)
{
    unsigned char c;
    size_t got;
    int rc = har_in_get(in, &c, 1, &got, e);
    if (rc)
        return rc;
    if (got)
        return har_fail(e, HAR_EDATA, "%s: unexpected trailing data after byte %llu", in->name,
                        (unsigned long long)in->nread - 1);
    return 0;
}

uint64_t har_in_max_remaining(const har_in *in)
{
    if (!in->regular)
        return UINT64_MAX;
    if (in->gzip == 0)
        return in->file_size > in->nread ? in->file_size - in->nread : 0;
    /* Deflate emits at least one bit per 258-byte match: 1032:1 at best.
     * The slack covers a gzip stream not yet recognised as one. */
    if (in->file_size > (UINT64_MAX - (1u << 20)) / 1032)
        return UINT64_MAX;
    uint64_t most = 1032 * in->file_size + (1u << 20);
    return most > in->nread ? most - in->nread : 0;
}

void har_in_close(har_in *in)
{
    if (in->z_ready)
        inflateEnd(&in->z);
    if (in->fd >= 0)
        close(in->fd);
    free(in->buf);
    in->z_ready = 0;
    in->fd = -1;
    in->buf = NULL;
}

int har_slurp(const char *path, char **buf, size_t *len, char *sha_hex, har_err *e)
{
    har_in in;
    *buf = NULL;
    *len = 0;
    if (har_in_open(&in, path, e))
        return e ? e->code : HAR_EIO;
    if (sha_hex && !(in.sha = har_sha256_new(e))) {
        har_in_close(&in);
        return HAR_EIO;
    }
    /* Room for a plain regular file in one piece (the extra byte sees its
     * end without growing); a pipe or gzip stream grows by doubling. */
    size_t cap = 1 << 16, n = 0, got = 1;
    if (in.regular)
        cap = in.file_size < 64 ? 64 : in.file_size < HAR_MAX_TEXT_BYTES ? (size_t)in.file_size + 1 : HAR_MAX_TEXT_BYTES;
    char *b = har_malloc(cap + 1, e);
    int rc = b ? 0 : HAR_EIO;
    while (!rc && got) {
        if (n == cap) {
            if (cap >= HAR_MAX_TEXT_BYTES) {
                rc = har_fail(e, HAR_EDATA, "%s: larger than the %zu-byte limit for text input", in.name,
                              HAR_MAX_TEXT_BYTES);
                break;
            }
            cap = cap > HAR_MAX_TEXT_BYTES / 2 ? HAR_MAX_TEXT_BYTES : 2 * cap;
            char *nb = realloc(b, cap + 1);
            if (!nb) {
                rc = har_fail(e, HAR_EIO, "%s: out of memory", in.name);
                break;
            }
            b = nb;
        }
        rc = har_in_get(&in, b + n, cap - n, &got, e);
        n += got;
    }
    if (in.sha) {
        char hex[HAR_SHA256_HEX];
        har_sha256_final(in.sha, hex);
        if (sha_hex)
            memcpy(sha_hex, hex, HAR_SHA256_HEX);
    }
    har_in_close(&in);
    if (rc) {
        free(b);
        return rc;
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return 0;
}

char *har_path_join(const char *dir, const char *name, har_err *e)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = har_malloc(a + b + 2, e);
    if (p) {
        memcpy(p, dir, a);
        p[a] = '/';
        memcpy(p + a + 1, name, b + 1);
    }
    return p;
}

/* base + ".gz" in a malloc'ed string. */
static char *gz_name(const char *base, har_err *e)
{
    size_t n = strlen(base);
    char *gz = har_malloc(n + 4, e);
    if (gz) {
        memcpy(gz, base, n);
        memcpy(gz + n, ".gz", 4);
    }
    return gz;
}

int har_exists_maybe_gz(const char *base)
{
    char *gz = gz_name(base, NULL);
    int found = access(base, F_OK) == 0 || (gz && access(gz, F_OK) == 0);
    free(gz);
    return found;
}

char *har_find_maybe_gz(const char *base, har_err *e)
{
    char *gz = gz_name(base, e);
    if (!gz)
        return NULL;
    int have_plain = access(base, F_OK) == 0, have_gz = access(gz, F_OK) == 0;
    if (have_plain && have_gz) {
        har_fail(e, HAR_EDATA, "both %s and %s exist; remove one so it is clear which to read", base, gz);
        free(gz);
        return NULL;
    }
    if (have_gz)
        return gz;
    free(gz);
    if (have_plain)
        return har_strdup(base, e);
    har_fail(e, HAR_EDATA, "missing file: %s (or %s.gz)", base, base);
    return NULL;
}
