/* report.h - the sanity report of a window dataset (har-ingest --report).
 *
 * Shapes, windows per class and per subject, per-channel min/max/mean/std,
 * NaN/Inf count, and (when an ingest log is given) everything that was
 * skipped, repaired or dropped, with the manifest of input files.  Written as
 * a short text summary, Markdown or long-format CSV.  Contains no timings, so
 * the same data always gives the same report. */
#ifndef HAR_REPORT_H
#define HAR_REPORT_H

#include <stdio.h>

#include "ingest.h"
#include "data/windows.h"

typedef enum { HAR_REPORT_TEXT, HAR_REPORT_MARKDOWN, HAR_REPORT_CSV } har_report_format;

/* Picks the format from a file name: .md -> Markdown, .csv -> CSV, else -1. */
int har_report_format_for(const char *path);

/* log may be NULL. */
int har_report_write(FILE *out, har_report_format fmt, const har_windows *w, const har_ingest_log *log,
                     har_err *e);

#endif
