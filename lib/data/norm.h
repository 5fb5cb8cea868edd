/* norm.h - per-channel standardisation, fitted on training windows only.
 *
 * A STATS file is a tensor file with "mean" F64 [C] and "std" F64 [C]
 * (population std over every window and timestep, computed in double with two
 * passes) and metadata format=har-norm-stats/1, channels, count, fit_split,
 * fit_digest.  The same stats are later stored in checkpoints, so inference
 * normalises exactly as training did. */
#ifndef HAR_NORM_H
#define HAR_NORM_H

#include <stdint.h>

#include "core/err.h"
#include "io/tensorfile.h"
#include "windows.h"

#define HAR_NORM_FORMAT "har-norm-stats/1"

/* Mean, population std, min and max of each of c channels over rows x c
 * floats.  Any output pointer may be NULL. */
void har_channel_stats(const float *x, int64_t rows, int c, double *mean, double *std, double *min,
                       double *max);

/* Builds a STATS file from w.  Refuses a constant or non-finite channel, and
 * (unless allow_any_split) a dataset whose metadata "split" is anything but
 * "train" (fold training sets are "train" too). */
har_tfile *har_norm_fit(const har_windows *w, int allow_any_split, har_err *e);

typedef struct {
    int c;
    const double *mean, *std; /* point into file */
    const har_tfile *file;
} har_norm_stats;

/* Validates a STATS file (shapes, finite, std > 0) and binds s to it. */
int har_norm_bind(har_norm_stats *s, const har_tfile *stats, har_err *e);

/* Standardises w in place: x' = (x - mean) / std, computed in double.
 * Checks channel names against the stats and refuses a dataset that is
 * already normalised.  Records metadata "normalisation", "norm_digest" and the
 * stats themselves, "norm_mean" and "norm_std" (comma lists, exact %.17g), so
 * a normalised file carries what a checkpoint needs to normalise raw input. */
int har_norm_apply(const har_norm_stats *s, har_windows *w, har_err *e);

/* The arithmetic of har_norm_apply alone, x' = (x - mean) / std per channel
 * in double, for any holder of the statistics (a checkpoint, har-eval): one
 * implementation for training and serving.  sname names the statistics'
 * source in the message when a value overflows.  Sets no metadata. */
int har_standardise(har_windows *w, const double *mean, const double *std, const char *sname, har_err *e);

/* Reads "norm_mean" and "norm_std" of a normalised dataset (c channels). */
int har_norm_from_meta(const har_tfile *f, int c, double *mean, double *std, har_err *e);

#endif
