/* bootstrap.h - percentile bootstrap confidence intervals for accuracy and
 * macro-F1, over windows and over subjects.
 *
 * A test score is an estimate from a finite sample; the bootstrap tells how
 * much it would move on another sample from the same population.  Each
 * replicate draws a sample of the same size with replacement, builds its
 * confusion matrix and scores it (metrics.h); the interval is the central
 * `level` share of the replicate scores (percentile method).
 *
 * Over windows, every window is drawn independently.  But the windows of one
 * subject are correlated (same body, same phone placement, overlapping
 * windows), and a new test set would bring new subjects, not new windows of
 * the same ones: the cluster bootstrap draws whole subjects instead, which
 * shows the subject-to-subject spread that the window bootstrap hides.
 *
 * Deterministic: each scheme draws from its own stream derived from the seed
 * (har_seed_stream), so the same seed gives the same intervals whatever else
 * is computed. */
#ifndef HAR_BOOTSTRAP_H
#define HAR_BOOTSTRAP_H

#include <stdint.h>

#include "core/err.h"
#include "core/rng.h"

typedef struct {
    int resamples;  /* replicates B (>= 1) */
    double level;   /* central coverage, in (0, 1), e.g. 0.95 */
    uint64_t seed;
} har_bootstrap_opts;

typedef struct {
    double lo, hi;
} har_interval;

typedef struct {
    har_interval accuracy, macro_f1;
    /* per class (k intervals, malloc'ed: har_bootstrap_ci_free), over the
     * replicates that hold the class at all; NaN if none does */
    har_interval *class_f1;
} har_bootstrap_ci;

void har_bootstrap_ci_free(har_bootstrap_ci *ci);

/* Resamples the n windows (truth[i], pred[i] in 0..k-1). */
int har_bootstrap_windows(const int32_t *truth, const int32_t *pred, int64_t n, int k,
                          const har_bootstrap_opts *o, har_bootstrap_ci *ci, har_err *e);

/* Resamples whole clusters: cluster[i] is the subject of window i.  Each
 * replicate draws as many clusters as there are, with replacement, and takes
 * all their windows, so replicates differ in size.  Needs at least two
 * clusters (with one, every replicate is the data itself). */
int har_bootstrap_clusters(const int32_t *truth, const int32_t *pred, const int32_t *cluster,
                           int64_t n, int k, const har_bootstrap_opts *o, har_bootstrap_ci *ci,
                           har_err *e);

/* The q-quantile (q in [0, 1]) of n >= 1 sorted values, interpolating linearly
 * between neighbouring order statistics (numpy.percentile's default). */
double har_quantile_sorted(const double *v, int n, double q);

#endif
