/* evaluate.h - a checkpoint applied to window datasets: compatibility checks,
 * the checkpoint's own normalisation, batched predictions and their scores.
 * Used by har-eval; the same steps serve any later consumer of a checkpoint. */
#ifndef HAR_EVALUATE_H
#define HAR_EVALUATE_H

#include <stdint.h>

#include "checkpoint.h"
#include "metrics.h"
#include "windows.h"

/* Makes w fit for ck: the same window length, channels and classes (names, in
 * order; the message names both files), then the checkpoint's normalisation:
 * raw windows are standardised with the stored statistics; windows already
 * normalised must carry the same statistics in their metadata, else they are
 * refused (a model fed differently scaled input gives meaningless scores). */
int har_eval_conform(const har_checkpoint *ck, const char *ck_path, har_windows *w, har_err *e);

typedef struct {
    int64_t n;
    int k;
    float *probs;      /* [n, k] softmax probabilities */
    int32_t *pred;     /* [n] argmax (first on ties) */
    double log_loss;   /* mean -ln p(true class), p clipped at 1e-15 as scikit-learn */
} har_predictions;

/* Runs ck's model (inference mode: no dropout) over w in batches. */
int har_eval_predict(har_checkpoint *ck, const har_windows *w, har_predictions *p, har_err *e);
void har_predictions_free(har_predictions *p);

#endif
