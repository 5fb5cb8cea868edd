/* train.h - the training loop: mini-batch SGD-family training of a model on a
 * window dataset, with validation, early stopping on a validation metric,
 * divergence detection and exact save/restore of the whole state.
 *
 * The loop reads top to bottom in train.c: shuffle (or oversample), gather a
 * batch, augment, forward, loss, backward, gradient norms, clip, step.  The
 * checkpoint file is model/checkpoint's (the trainer adds its state to it);
 * the tool (har-train) owns the curves, the step trace and the experiment
 * log. */
#ifndef HAR_TRAIN_H
#define HAR_TRAIN_H

#include <signal.h>
#include <stdint.h>

#include "augment.h"
#include "core/err.h"
#include "eval/metrics.h"
#include "nn/model.h"
#include "optim.h"
#include "schedule.h"
#include "core/team.h"
#include "io/tensorfile.h"
#include "data/windows.h"

typedef enum { HAR_MONITOR_LOSS, HAR_MONITOR_ACC, HAR_MONITOR_F1 } har_monitor;
typedef enum {
    HAR_STOP_NONE,        /* still running */
    HAR_STOP_COMPLETED,   /* ran every epoch */
    HAR_STOP_EARLY,       /* validation metric stopped improving for `patience` epochs */
    HAR_STOP_DIVERGED,    /* non-finite loss or gradient */
    HAR_STOP_INTERRUPTED  /* SIGINT / SIGTERM */
} har_stop;

const char *har_stop_name(har_stop s);
const char *har_monitor_name(har_monitor m);
int har_monitor_parse(const char *s); /* -1 if unknown */

typedef struct {
    const char *spec;
    har_init init;
    har_optim_config optim;
    har_sched_config schedule;  /* lr and epochs are filled in from optim and epochs */
    int epochs, batch_size;
    int patience;              /* 0 = no early stopping */
    har_monitor monitor;
    double clip;               /* max global gradient norm; 0 = off */
    double label_smoothing;
    int class_weights;         /* 1: weight classes by N / (K n_c) of the training split */
    int oversample;            /* 1: draw each epoch's batches class-balanced, with replacement */
    har_augment augment;
    int overfit_batches;       /* >0: train on this many fixed batches only */
    uint64_t seed;
    int threads;               /* threads computing the shards (not a hyperparameter:
                                  results do not depend on it); < 1 means 1 */
} har_train_config;

/* Every batch is cut into this many shards, computed by replicas of the model
 * (on as many threads as cfg.threads) and their gradients summed in shard
 * order: the arithmetic is the same whatever the thread count. */
#define HAR_TRAIN_SHARDS 2

/* Every hyperparameter as a JSON object (canonical, key order fixed): stored
 * in checkpoints and the experiment log, compared on --resume. */
char *har_train_config_json(const har_train_config *c, har_err *e);

/* Columns of one epoch's history (all deterministic: no timings). */
enum {
    HAR_H_EPOCH, HAR_H_TRAIN_LOSS, HAR_H_TRAIN_ACC, HAR_H_TRAIN_F1, HAR_H_VAL_LOSS, HAR_H_VAL_ACC,
    HAR_H_VAL_F1, HAR_H_LR, HAR_H_GRAD_NORM, HAR_H_FIXED /* then L2, L1 per group */
};

typedef struct {
    har_train_config cfg;
    har_model model;
    har_optim optim;
    har_sched schedule;
    const har_windows *train, *val;
    har_rng rng;              /* shuffling, oversampling, augmentation */
    har_rng dropout_rng;      /* seeds each shard's dropout stream, step by step */
    har_model replica[HAR_TRAIN_SHARDS - 1]; /* shards 1..: model's weights, own gradients */
    har_model *shard[HAR_TRAIN_SHARDS];      /* &model, &replica[0], ... */
    har_team *team;
    int epoch;                /* epochs completed */
    int best_epoch;           /* 0 = none yet */
    double best_value;        /* monitored value at best_epoch */
    int bad_epochs;           /* epochs since the best */
    har_stop stop;
    char stop_detail[256];    /* e.g. where it diverged */
    /* per-epoch history: rows of hcols doubles */
    double *history;
    int hcols, hrows, hcap;
    /* gradient-norm groups (one per layer with parameters) */
    int ngroups;
    char (*group_names)[HAR_PARAM_NAME];
    int *group_of;
    double *group_sq;         /* per-step scratch */
    /* buffers reused by every step */
    int64_t *order, norder;
    float *bx, *logits, *dlogits, *probs;
    int32_t *by;
    double *aug_scratch;
    float *class_weight;      /* NULL unless cfg.class_weights */
    unsigned char *decay;     /* weight decay applies (weights, not biases or norms) */
    har_confusion *conf;
    /* per-step trace, when on: rows of HAR_TRACE_COLS doubles */
    int tracing, trace_truncated; /* truncated: out of memory ended the trace */
    double *trace;
    int64_t ntrace, trace_cap;
} har_trainer;

/* A step of the trace: epoch, step (both from 1), learning rate, loss, global
 * gradient norm (before clipping; NaN when the loss was not finite). */
enum { HAR_TRACE_EPOCH, HAR_TRACE_STEP, HAR_TRACE_LR, HAR_TRACE_LOSS, HAR_TRACE_GRAD_NORM, HAR_TRACE_COLS };

/* Starts recording every training step from now on, the diverged one too:
 * what the per-epoch means hide when a run blows up inside an epoch. */
void har_trainer_trace_steps(har_trainer *t);

/* Builds and initialises the model (seeded), the optimizer and the schedule
 * for these datasets.  val may be NULL, with patience 0 and no plateau
 * schedule: then every epoch is "best", so the latest one is kept. */
int har_trainer_init(har_trainer *t, const har_train_config *cfg, const har_windows *train,
                     const har_windows *val, har_err *e);
void har_trainer_free(har_trainer *t);

/* Loss, accuracy and macro-F1 of the model on w (evaluation mode). */
int har_trainer_evaluate(har_trainer *t, const har_windows *w, double *loss, har_scores *s);

/* Runs one epoch: training then validation, appends a history row, updates
 * the schedule, the best epoch and t->stop.  *improved is set when this epoch
 * is the new best by validation.  A set *interrupt stops between steps with
 * HAR_STOP_INTERRUPTED (the epoch is then not counted).  Returns 0, or an
 * error for things that are not training outcomes. */
int har_trainer_epoch(har_trainer *t, volatile sig_atomic_t *interrupt, int *improved,
                      har_err *e);

/* Writes the weights, hyperparameters and the whole training state into f;
 * har_trainer_restore reads it back so training continues bit-identically. */
int har_trainer_save(const har_trainer *t, har_tfile *f, har_err *e);
int har_trainer_restore(har_trainer *t, const har_tfile *f, har_err *e);

/* har_trainer_save as a har_checkpoint_state_fn (state: the trainer), for
 * har_checkpoint_save. */
int har_trainer_state(const void *trainer, har_tfile *f, har_err *e);

/* Continues the run from the checkpoint at path: refused (see
 * har_checkpoint_check_resume) unless it was made with t's configuration on
 * the splits with these digests; then the whole state is restored. */
int har_trainer_resume(har_trainer *t, const char *path, const char *train_digest, const char *val_digest,
                       har_err *e);

#endif
