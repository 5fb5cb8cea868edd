/* layout.h - the interface between the dispatcher (ingest.c) and the layout
 * readers (hapt.c, ucihar.c), and what the readers share (layout.c).  Only
 * lib/ingest/ includes it; everyone else includes ingest.h. */
#ifndef HAR_INGEST_LAYOUT_H
#define HAR_INGEST_LAYOUT_H

#include "ingest.h"

/* Records an input file in the manifest. */
int har_ingest_log_file(har_ingest_log *log, const char *root, const char *path, const char *sha,
                        int64_t rows, int64_t bad_values, int64_t repaired, har_err *e);

/* Class index of each activity id 0..max_id (-1 if not selected); checks
 * every selected id exists in acts. */
int har_ingest_classes(const har_ingest_opts *o, const har_activities *acts, const char *acts_path,
                       int32_t *class_of, int32_t max_id, har_err *e);
/* Writes the "classes" and "activity_ids" metadata of the selection. */
int har_ingest_class_meta(const har_ingest_opts *o, const har_activities *acts, har_windows *w, har_err *e);

/* Replaces NaNs in x[0], x[stride], ... x[(n-1)*stride] by the last good
 * value (leading NaNs by the first good one).  Returns the number replaced,
 * or -1 if the series has no good value at all. */
int64_t har_ffill(double *x, int64_t n, int64_t stride);

/* Appends the --nan hint to a message about a bad value; returns e->code. */
int har_ingest_nan_hint(har_err *e);

int har_ingest_hapt(const har_ingest_opts *o, har_windows *out, har_ingest_log *log, har_err *e);
int har_ingest_uci(const har_ingest_opts *o, har_windows *out, har_ingest_log *log, har_err *e);
int har_ingest_csv(const har_ingest_opts *o, har_windows *out, har_ingest_log *log, har_err *e);

/* "a,b,c" of n names, or NULL (e set); freed by the caller. */
char *har_ingest_join(const char *const *items, int n, har_err *e);

#endif
