/* infile.h - reading input files that may be gzip-compressed or plain.
 *
 * zlib's gz* functions read both transparently, so every tool accepts
 * "x.txt" and "x.txt.gz", and "-" for standard input.  A truncated or corrupt
 * gzip stream is an error (zlib checks the CRC-32 and length in the trailer),
 * never a silently short file. */
#ifndef HAR_INFILE_H
#define HAR_INFILE_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "digest.h"
#include "err.h"

typedef struct {
    gzFile gz;
    const char *name;  /* for messages; "<stdin>" for "-" */
    har_sha256 *sha;   /* if set, every byte read is hashed */
    uint64_t nread;    /* decompressed bytes read so far */
} har_in;

int har_in_open(har_in *in, const char *path, har_err *e);
/* Reads exactly n bytes; a short read is an error naming `what`. */
int har_in_read(har_in *in, void *buf, size_t n, const char *what, har_err *e);
/* Succeeds only if the stream is at its end (checking the gzip trailer). */
int har_in_expect_eof(har_in *in, har_err *e);
void har_in_close(har_in *in);

/* Largest text file har reads into memory (decompressed); refuses gzip bombs. */
#define HAR_MAX_TEXT_BYTES ((size_t)1 << 30)

/* Reads a whole file into a NUL-terminated buffer (caller frees).
 * If sha_hex is not NULL it receives the SHA-256 of the decompressed bytes. */
int har_slurp(const char *path, char **buf, size_t *len, char *sha_hex, har_err *e);

/* Path of an existing file "base" or "base.gz" (caller frees), or NULL with an
 * error.  Both existing is an error: we would not know which one is meant. */
char *har_find_maybe_gz(const char *base, har_err *e);

#endif
