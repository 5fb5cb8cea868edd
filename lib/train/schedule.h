/* schedule.h - learning-rate schedules.
 *
 * The trainer asks for the learning rate before every optimizer step with
 * har_sched_lr(s, epoch, batch, nbatches) (epoch and batch counted from 0,
 * nbatches = optimizer steps per epoch) and reports the validation metric once
 * per epoch with har_sched_epoch_end.  With lr the base rate:
 *
 *   constant  lr
 *   step      lr * gamma^floor(epoch / step_size), the product taken one factor
 *             at a time as torch.optim.lr_scheduler.StepLR does when stepped
 *             once per epoch (so the values are bit-identical to PyTorch's)
 *   cosine    linear warmup, then cosine annealing, as a function of the
 *             training progress at the end of the step, in fractional epochs,
 *                 p = epoch + (batch + 1) / nbatches        (0 < p <= epochs)
 *             p <= W:  lr * p / W
 *             p >  W:  min_lr + (lr - min_lr) * (1 + cos(pi * (p - W) / (E - W))) / 2
 *             (W = warmup epochs, may be fractional, 0 = none; E = epochs).  The
 *             first step already gets a non-zero rate, the warmup ends at the
 *             base rate exactly at p = W, and the last step of the last epoch
 *             runs at min_lr.  Without warmup and with one step per epoch this
 *             is torch's CosineAnnealingLR(T_max=E, eta_min=min_lr) after
 *             epoch + 1 calls of step().
 *   plateau   torch.optim.lr_scheduler.ReduceLROnPlateau: after each epoch,
 *             the metric is "better" if  metric < best*(1 - threshold)  (mode
 *             min, relative), > best*(1 + threshold) (max, relative), or
 *             < best - threshold / > best + threshold (absolute).  Better:
 *             best = metric, bad epochs = 0; otherwise bad epochs += 1.  In
 *             cooldown (counter > 0) the counter drops by one and bad epochs
 *             are reset to 0.  When bad epochs > patience: new = max(lr*factor,
 *             min_lr), taken only if lr - new > eps; cooldown counter =
 *             cooldown; bad epochs = 0.  A NaN metric is never better, so it
 *             counts as a bad epoch, as in PyTorch.
 *
 * The state (current rate, best, bad epochs, cooldown counter, epochs ended)
 * is a plain struct: copy it, or save/load it with a checkpoint to resume
 * exactly. */
#ifndef HAR_SCHEDULE_H
#define HAR_SCHEDULE_H

#include <stdint.h>

#include "core/err.h"
#include "io/tensorfile.h"

typedef enum { HAR_SCHED_CONSTANT, HAR_SCHED_STEP, HAR_SCHED_COSINE, HAR_SCHED_PLATEAU } har_sched_kind;

/* "constant", "step", "cosine", "plateau" (exact, lower case); anything else
 * is HAR_EUSAGE with a message listing the valid names. */
int har_sched_parse(const char *name, har_sched_kind *kind, har_err *e);
const char *har_sched_name(har_sched_kind kind); /* "?" if out of range */

typedef struct {
    har_sched_kind kind;
    double lr;          /* base learning rate (the optimizer's) */
    /* step */
    int step_size;      /* epochs between decays; 10 (StepLR has no default) */
    double gamma;       /* 0.1 (StepLR) */
    /* cosine */
    int epochs;         /* E, the length of the run: required (> 0) */
    double warmup;      /* W epochs of linear warmup, 0 <= W < E; 0 */
    /* cosine and plateau */
    double min_lr;      /* cosine's eta_min and plateau's min_lr: 0 */
    /* plateau (ReduceLROnPlateau defaults) */
    int mode_max;       /* 0: mode 'min' (a loss), 1: 'max' (accuracy, F1) */
    double factor;      /* 0.1, in [0, 1) */
    int patience;       /* 10 */
    double threshold;   /* 1e-4 */
    int threshold_abs;  /* 0: threshold_mode 'rel', 1: 'abs' */
    int cooldown;       /* 0 */
    double eps;         /* 1e-8: smaller reductions are skipped */
} har_sched_config;

/* Defaults of kind (above) with base rate lr. */
void har_sched_defaults(har_sched_config *c, har_sched_kind kind, double lr);
/* HAR_EUSAGE naming the field for anything out of range (all values finite;
 * lr, gamma > 0 ... see the field comments). */
int har_sched_check(const har_sched_config *c, har_err *e);

typedef struct {
    double lr;                /* plateau: the current rate; others: the base rate */
    double best;              /* plateau: best metric so far (+-inf before the first) */
    int64_t epoch;            /* epochs ended (har_sched_epoch_end calls) */
    int64_t bad_epochs;       /* plateau: epochs without improvement */
    int64_t cooldown_counter; /* plateau: epochs of cooldown left */
} har_sched_state;

typedef struct {
    har_sched_config cfg;
    har_sched_state st;
} har_sched;

int har_sched_init(har_sched *s, const har_sched_config *c, har_err *e);

/* The rate for step `batch` (0-based) of `nbatches` in epoch `epoch`.
 * nbatches < 1 counts as 1 and batch is clamped to [0, nbatches), epochs past
 * the end of a cosine schedule give min_lr. */
double har_sched_lr(const har_sched *s, int64_t epoch, int64_t batch, int64_t nbatches);

/* Ends an epoch with its validation metric (used by plateau only).  Returns 1
 * if the rate was reduced, else 0. */
int har_sched_epoch_end(har_sched *s, double metric);

/* Saves the state as F64 scalars <prefix>lr, <prefix>best and I64 scalars
 * <prefix>epoch, <prefix>bad_epochs, <prefix>cooldown_counter, with metadata
 * <prefix>scheduler = the kind's name. */
int har_sched_save(const har_sched *s, har_tfile *f, const char *prefix, har_err *e);
/* Restores it into a schedule made by har_sched_init with the same kind;
 * HAR_EDATA (s unchanged) for another kind, missing tensors, a rate that is
 * not finite and >= 0, a NaN best or negative counters. */
int har_sched_load(har_sched *s, const har_tfile *f, const char *prefix, har_err *e);

#endif
