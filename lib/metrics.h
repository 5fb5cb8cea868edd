/* metrics.h - classification metrics from a confusion matrix, shared by
 * har-train (per-epoch curves) and har-eval. */
#ifndef HAR_METRICS_H
#define HAR_METRICS_H

#include <stdint.h>

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

/* Index of the largest of k values (first one on ties). */
int har_argmax(const float *v, int k);

#endif
