/* infile.h - reading input files that may be gzip-compressed or plain.
 *
 * Every tool accepts "x.txt" and "x.txt.gz" (and "-" for standard input):
 * a file starting with the gzip magic bytes is inflated, anything else is
 * read as is.  Concatenated gzip members are one stream (as gzip -d treats
 * them).  A truncated stream, a CRC or length mismatch, and bytes after the
 * last gzip member are errors, never a silently short or padded file. */
#ifndef HAR_INFILE_H
#define HAR_INFILE_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "digest.h"
#include "core/err.h"

typedef struct {
    int fd;
    const char *name;      /* for messages; "<stdin>" for "-" */
    har_sha256 *sha;       /* if set, every decompressed byte read is hashed */
    uint64_t nread;        /* decompressed bytes delivered so far */
    int gzip;              /* -1 undecided, 0 plain, 1 gzip */
    int member_done;       /* the current gzip member has ended */
    int fd_eof;
    z_stream z;
    int z_ready;
    unsigned char *buf;    /* compressed (or plain) input not yet consumed */
    size_t cap, len, pos;  /* buf holds cap bytes, len of them filled */
    uint64_t file_size;    /* bytes in the file, if it is a regular file */
    int regular;
} har_in;

int har_in_open(har_in *in, const char *path, har_err *e);
/* Reads exactly n bytes; a short read is an error naming `what`. */
int har_in_read(har_in *in, void *buf, size_t n, const char *what, har_err *e);
/* Reads up to n bytes; *got = 0 only at the end of the data. */
int har_in_get(har_in *in, void *buf, size_t n, size_t *got, har_err *e);
/* Succeeds only if no data is left. */
int har_in_expect_eof(har_in *in, har_err *e);
/* The most decompressed bytes that can still come: the rest of a plain
 * regular file, or for a gzip file its size times deflate's largest ratio
 * (1032:1); UINT64_MAX for a pipe.  Lets a reader refuse a header that
 * declares more data than the file can hold (a truncated file, a gzip
 * bomb) before allocating for it. */
uint64_t har_in_max_remaining(const har_in *in);
void har_in_close(har_in *in);

/* Largest text file har reads into memory (decompressed); refuses gzip bombs. */
#define HAR_MAX_TEXT_BYTES ((size_t)1 << 30)

/* Reads a whole file into a NUL-terminated buffer (caller frees).
 * If sha_hex is not NULL it receives the SHA-256 of the decompressed bytes. */
int har_slurp(const char *path, char **buf, size_t *len, char *sha_hex, har_err *e);

/* dir + "/" + name, malloc'ed. */
char *har_path_join(const char *dir, const char *name, har_err *e);
/* True if "base" or "base.gz" exists. */
int har_exists_maybe_gz(const char *base);
/* Path of an existing file "base" or "base.gz" (caller frees), or NULL with an
 * error.  Both existing is an error: we would not know which one is meant. */
char *har_find_maybe_gz(const char *base, har_err *e);

#endif
