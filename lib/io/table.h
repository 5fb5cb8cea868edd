/* table.h - numeric text tables: one row per line, a fixed number of
 * whitespace-separated numbers per row (HAPT recordings, UCI HAR v1 files).
 *
 * A malformed row (wrong number of fields, blank line) is always an error
 * naming file and line.  A bad value (unparsable, NaN, Inf) is an error in
 * strict mode; otherwise it is stored as NaN and counted, and the caller
 * repairs or drops it according to its policy. */
#ifndef HAR_TABLE_H
#define HAR_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "core/err.h"

typedef struct {
    double *v;           /* rows x cols, row-major */
    int64_t rows;
    int cols;
    int64_t bad_values;  /* values stored as NaN (non-strict mode) */
    int64_t bad_rows;    /* rows holding at least one of them */
} har_table;

/* cols == 0 takes the column count from the first row.  If strict and a
 * value is bad, returns HAR_EDATA and sets *bad_value (if not NULL) to 1 so
 * the caller can suggest its repair options.  sha_hex (optional) receives the
 * SHA-256 of the decompressed file. */
int har_table_read(const char *path, int cols, int strict, har_table *t, char *sha_hex, int *bad_value,
                   har_err *e);
/* The same on a file's (decompressed) content in memory; path names it in
 * messages.  buf need not be NUL-terminated. */
int har_table_parse(const char *buf, size_t len, const char *path, int cols, int strict, har_table *t,
                    int *bad_value, har_err *e);
void har_table_free(har_table *t);

/* Reads a column of integers (y_*.txt, subject_*.txt); any bad value is an
 * error.  *out is malloc'ed. */
int har_table_read_ints(const char *path, int32_t **out, int64_t *n, char *sha_hex, har_err *e);

#endif
