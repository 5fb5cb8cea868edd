/* evaluate.h - a checkpoint (or a baseline without a model) applied to window
 * datasets: compatibility checks, the checkpoint's own normalisation, batched
 * predictions, the scored set they make and its per-subject breakdown.
 * Used by har-eval; the same steps serve any later consumer of a checkpoint. */
#ifndef HAR_EVALUATE_H
#define HAR_EVALUATE_H

#include <stdint.h>

#include "model/checkpoint.h"
#include "metrics.h"
#include "core/rng.h"
#include "data/windows.h"

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

/* Predictions without a model, for what a model must beat.  A baseline is
 * fitted on the training split only, like everything else: the majority class
 * and the class frequencies come from there, never from the scored data.
 *
 *   majority    always the most frequent training class (the lowest index on
 *               ties); probabilities one-hot, so each miss costs -ln(1e-15)
 *               in log loss after scikit-learn's clipping
 *   uniform     a class drawn uniformly at random; probabilities 1/K
 *   stratified  a class drawn with the training class frequencies; those
 *               frequencies are its probabilities */
typedef enum { HAR_BASELINE_MAJORITY, HAR_BASELINE_UNIFORM, HAR_BASELINE_STRATIFIED } har_baseline_kind;

typedef struct {
    har_baseline_kind kind;
    int k;
    char *classes_meta;  /* the training set's "classes" metadata */
    char **classes;      /* split from it */
    double *prior;       /* [k] training class frequencies */
    int majority;
    int64_t fit_windows;
    har_rng rng;         /* the random draws of uniform and stratified */
} har_baseline;

/* "majority", "uniform", "stratified" ("random" is uniform); -1 if unknown. */
int har_baseline_parse(const char *name);
const char *har_baseline_name(har_baseline_kind kind);

/* Fits on train (refused if its metadata marks it as another split than
 * "train", unless allow_any_split); seed drives the random draws. */
int har_baseline_fit(har_baseline *b, har_baseline_kind kind, const har_windows *train,
                     int allow_any_split, uint64_t seed, har_err *e);
/* w must have the training set's classes (names, in order; both files named). */
int har_baseline_conform(const har_baseline *b, const char *fit_path, const har_windows *w, har_err *e);
/* Predicts every window of w, continuing b's random stream. */
int har_baseline_predict(har_baseline *b, const har_windows *w, har_predictions *p, har_err *e);
void har_baseline_free(har_baseline *b);

/* Every scored window of a run, in the order of the DATA files: what the
 * report, the bootstrap and the per-subject table are computed from. */
typedef struct {
    int k;
    int64_t n, cap;
    int32_t *truth, *pred, *subject;
    int32_t *file;      /* index of the DATA file the window came from */
    int64_t *index;     /* position of the window in that file */
    float *probs;       /* [n, k] */
    double nll_sum;     /* sum of -ln p(true class), clipped as in log_loss */
} har_scored;

void har_scored_init(har_scored *s, int k);
/* Appends the windows of w (file number `file`) with their predictions p. */
int har_scored_append(har_scored *s, const har_windows *w, const har_predictions *p, int file,
                      har_err *e);
void har_scored_free(har_scored *s);

/* The scores of one subject. */
typedef struct {
    int32_t subject;
    int64_t windows;
    double accuracy, macro_f1;
} har_subject_score;

/* How well the model generalises across people: every subject scored on its
 * own windows, then the mean and population standard deviation over subjects
 * (each subject counts once, whatever its window count) and the worst. */
typedef struct {
    har_subject_score *rows; /* sorted by subject id */
    size_t n;
    double mean_accuracy, std_accuracy, mean_macro_f1, std_macro_f1;
    size_t worst_accuracy, worst_macro_f1; /* row of the lowest score (first on ties) */
} har_subject_table;

int har_subject_table_make(har_subject_table *t, const har_scored *s, har_err *e);
void har_subject_table_free(har_subject_table *t);

#endif
