/* explog.h - the experiment log: one CSV row per training run, appended
 * under an exclusive lock (flock), so parallel runs (make -j) never
 * interleave or lose rows.  The header is written when the file is new or
 * empty; a header that differs from ours is refused rather than mixed. */
#ifndef HAR_EXPLOG_H
#define HAR_EXPLOG_H

#include "err.h"

/* Appends one row (n fields, CSV-quoted as needed) below `header` (n names). */
int har_explog_append(const char *path, const char *const *header, const char *const *fields, int n,
                      har_err *e);

/* Appends s to the growing buffer as one RFC 4180 CSV field. */
int har_csv_field(char **buf, size_t *len, size_t *cap, const char *s, har_err *e);

#endif
