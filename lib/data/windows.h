/* windows.h - a window dataset: the tensor file every data tool exchanges.
 *
 *   X          F32 [N, T, C]  windows, time-major, channels in UCI order
 *   y          I32 [N]        class index, 0-based into metadata "classes"
 *   subject    I32 [N]        subject (volunteer) id
 *   recording  I32 [N]        recording (HAPT experiment) id, -1 if unknown
 *   start      I64 [N]        first sample of the window in its recording (0-based), -1 if unknown
 *
 * Metadata (all strings): format=har-windows/1, channels, units, classes,
 * activity_ids (comma lists), sample_rate_hz, window, stride, preprocessing,
 * source, test_subjects, provenance (see provenance.h) and, once normalised,
 * normalisation.  Loading checks every invariant, so a tool that holds a
 * har_windows can trust it: shapes agree, labels are in range, X is finite. */
#ifndef HAR_WINDOWS_H
#define HAR_WINDOWS_H

#include <stdint.h>

#include "core/err.h"
#include "io/idlist.h"
#include "io/tensorfile.h"

#define HAR_WINDOWS_FORMAT "har-windows/1"

typedef struct {
    har_tfile *file; /* owns the tensors and metadata below */
    int64_t n;
    int t, c;
    float *x;
    int32_t *y, *subject, *recording;
    int64_t *start;
    char **classes; /* parsed from metadata "classes" */
    int nclasses;
} har_windows;

/* Takes ownership of f (freed on error too) and validates it. */
int har_windows_from_tfile(har_windows *w, har_tfile *f, har_err *e);
int har_windows_load(har_windows *w, const char *path, har_err *e);
void har_windows_free(har_windows *w);

/* A new dataset of n windows with zeroed tensors and no metadata. */
int har_windows_alloc(har_windows *w, int64_t n, int t, int c, har_err *e);

/* Grows or shrinks a dataset to m windows, keeping the first min(n, m);
 * new windows are uninitialised. */
int har_windows_resize(har_windows *w, int64_t m, har_err *e);

/* The windows idx[0..m) of src, in that order, with src's metadata. */
int har_windows_subset(const har_windows *src, const int64_t *idx, int64_t m, har_windows *dst,
                       har_err *e);

/* Re-reads "classes" after the metadata changed (for builders). */
int har_windows_refresh_classes(har_windows *w, har_err *e);

/* Splits a comma list from metadata into a NULL-terminated array (one
 * allocation; free the array only).  *count gets the number of items. */
char **har_split_list(const char *s, int *count, har_err *e);

/* Item i of a list from har_split_list, or "?" if there is none. */
const char *har_list_at(char **list, int n, int i);

/* Distinct subject ids present, sorted. */
int har_windows_subjects(const har_windows *w, har_idlist *out, har_err *e);

#endif
