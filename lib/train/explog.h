/* explog.h - the experiment log: one CSV row per training run, appended
 * under an exclusive lock (flock), so parallel runs (make -j) never
 * interleave or lose rows.  The header is written when the file is new or
 * empty; a header that differs from ours is refused rather than mixed. */
#ifndef HAR_EXPLOG_H
#define HAR_EXPLOG_H

#include <stddef.h>

#include "core/err.h"

/* Appends one row (n fields, CSV-quoted as needed) below `header` (n names). */
int har_explog_append(const char *path, const char *const *header, const char *const *fields, int n,
                      har_err *e);

/* The 1-minute load average as `path` (normally /proc/loadavg) writes it,
 * e.g. "0.52", into buf (cap bytes); "" if the file cannot be read or its
 * first field is not a plain decimal number.  Text, not a double, so the log
 * shows exactly what the kernel reported. */
void har_loadavg_text(const char *path, char *buf, size_t cap);

/* Appends s to the growing buffer as one RFC 4180 CSV field. */
int har_csv_field(char **buf, size_t *len, size_t *cap, const char *s, har_err *e);

#endif
