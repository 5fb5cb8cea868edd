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

int har_in_open(har_in *in, const char *path, har_err *e)
{
    memset(in, 0, sizeof *in);
    if (har_is_stdio(path)) {
        in->name = "<stdin>";
        int fd = dup(STDIN_FILENO);
        in->gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
        if (!in->gz && fd >= 0)
            close(fd);
    } else {
        in->name = path;
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return har_fail(e, HAR_EIO, "%s: is a directory, expected a file", path);
        in->gz = gzopen(path, "rb");
    }
    if (!in->gz)
        return har_fail(e, HAR_EIO, "%s: cannot open: %s", in->name,
                        errno ? strerror(errno) : "out of memory");
    gzbuffer(in->gz, 1 << 17);
    return 0;
}

/* Turns zlib's state after a short read into a message. */
static int read_error(har_in *in, const char *what, har_err *e)
{
    int zerr = Z_OK;
    const char *msg = gzerror(in->gz, &zerr);
    if (zerr == Z_ERRNO)
        return har_fail(e, HAR_EIO, "%s: read error: %s", in->name, strerror(errno));
    if (zerr == Z_BUF_ERROR)
        return har_fail(e, HAR_EDATA, "%s: truncated gzip stream (ends while reading %s)", in->name,
                        what);
    if (zerr != Z_OK)
        return har_fail(e, HAR_EDATA, "%s: corrupt gzip data while reading %s (%s)", in->name, what,
                        msg);
    return har_fail(e, HAR_EDATA, "%s: file ends while reading %s", in->name, what);
}

int har_in_read(har_in *in, void *buf, size_t n, const char *what, har_err *e)
{
    unsigned char *p = buf;
    while (n > 0) {
        unsigned chunk = n > (1u << 30) ? (1u << 30) : (unsigned)n;
        int got = gzread(in->gz, p, chunk);
        if (got <= 0)
            return read_error(in, what, e);
        if (in->sha)
            har_sha256_update(in->sha, p, (size_t)got);
        in->nread += (uint64_t)got;
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

int har_in_expect_eof(har_in *in, har_err *e)
{
    unsigned char c;
    int got = gzread(in->gz, &c, 1);
    if (got > 0)
        return har_fail(e, HAR_EDATA, "%s: unexpected trailing data after byte %llu", in->name,
                        (unsigned long long)in->nread);
    int zerr = Z_OK;
    gzerror(in->gz, &zerr);
    if (zerr != Z_OK)
        return read_error(in, "the end of the stream", e);
    return 0;
}

void har_in_close(har_in *in)
{
    if (in->gz)
        gzclose(in->gz);
    in->gz = NULL;
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
    size_t cap = 1 << 20, n = 0;
    char *b = har_malloc(cap + 1, e);
    int rc = b ? 0 : HAR_EIO;
    while (!rc) {
        if (n == cap) {
            if (cap >= HAR_MAX_TEXT_BYTES) {
                rc = har_fail(e, HAR_EDATA, "%s: larger than the %zu-byte limit for text input", in.name,
                              HAR_MAX_TEXT_BYTES);
                break;
            }
            cap *= 2;
            char *nb = realloc(b, cap + 1);
            if (!nb) {
                rc = har_fail(e, HAR_EIO, "%s: out of memory", in.name);
                break;
            }
            b = nb;
        }
        int got = gzread(in.gz, b + n, (unsigned)(cap - n));
        if (got < 0) {
            rc = read_error(&in, "text", e);
        } else if (got == 0) {
            int zerr = Z_OK;
            gzerror(in.gz, &zerr);
            if (zerr != Z_OK)
                rc = read_error(&in, "text", e);
            break;
        } else {
            if (in.sha)
                har_sha256_update(in.sha, b + n, (size_t)got);
            n += (size_t)got;
        }
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

char *har_find_maybe_gz(const char *base, har_err *e)
{
    size_t n = strlen(base);
    char *gz = har_malloc(n + 4, e);
    if (!gz)
        return NULL;
    memcpy(gz, base, n);
    memcpy(gz + n, ".gz", 4);
    int have_plain = access(base, F_OK) == 0, have_gz = access(gz, F_OK) == 0;
    if (have_plain && have_gz) {
        har_fail(e, HAR_EDATA, "both %s and %s exist; remove one so it is clear which to read", base,
                 gz);
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
