/* metrics.h - classification metrics from a confusion matrix, shared by
 * har-train (per-epoch curves) and har-eval. */
#ifndef HAR_METRICS_H
#define HAR_METRICS_H

#include <stdint.h>

#include "core/err.h"
#include "io/idlist.h"

typedef struct {
    int k;             /* classes */
    int64_t *counts;   /* k x k, counts[true * k + predicted] */
    int64_t n;
} har_confusion;

/* NULL when out of memory. */
har_confusion *har_confusion_new(int k);
void har_confusion_free(har_confusion *c);
void har_confusion_reset(har_confusion *c);
void har_confusion_add(har_confusion *c, int truth, int predicted);
/* Adds `times` copies of every count of src (same k) to dst: a whole group of
 * windows at once, as the cluster bootstrap draws a subject. */
void har_confusion_add_matrix(har_confusion *dst, const har_confusion *src, int64_t times);
/* One confusion matrix per distinct group id (e.g. subject) of n windows:
 * groups receives the sorted ids, and matrix g holds the windows of group
 * groups->ids[g].  NULL (e set) when out of memory.  Free the matrices with
 * har_confusion_free_groups and the ids with har_idlist_free. */
har_confusion **har_confusion_by_group(const int32_t *truth, const int32_t *pred, const int32_t *group,
                                       int64_t n, int k, har_idlist *groups, har_err *e);
void har_confusion_free_groups(har_confusion **c, size_t n);
/* Windows whose true class is `truth` (the row sum). */
int64_t har_confusion_support(const har_confusion *c, int truth);

typedef struct {
    double accuracy;
    double macro_f1;    /* unweighted mean of per-class F1 over classes with support > 0 */
    double weighted_f1; /* per-class F1 weighted by support */
} har_scores;

/* Per-class precision, recall, F1 (arrays of k, may be NULL) and summary
 * scores.  A class never predicted has precision 0 (and F1 0), as in
 * scikit-learn with zero_division=0; classes absent from the truth are left
 * out of the macro mean, so a subset of subjects is scored on what it has. */
har_scores har_confusion_scores(const har_confusion *c, double *precision, double *recall,
                                double *f1);

/* An off-diagonal cell: `count` windows of class `truth` predicted as `predicted`. */
typedef struct {
    int truth, predicted;
    int64_t count;
} har_confused_pair;

/* The most confused pairs: up to max non-zero off-diagonal cells, largest
 * first, ties in row-major order (so the list never depends on sorting
 * details).  Returns how many were written to out. */
int har_confusion_top_pairs(const har_confusion *c, har_confused_pair *out, int max);

/* Index of the largest of k values (first one on ties). */
int har_argmax(const float *v, int k);

#endif
