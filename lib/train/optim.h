/* optim.h - optimizers and gradient clipping on flat float buffers.
 *
 * A model keeps all its parameters in one float buffer w[n] and their
 * gradients in g[n] (see nn/nn.h), so an optimizer is a loop over n values.
 * Each update reproduces PyTorch 1.13's single-tensor implementation
 * (torch.optim.SGD / Adam / AdamW / RMSprop) operation by operation in float:
 * hyperparameters are cast to float where PyTorch casts a Python scalar to
 * the tensor's dtype, scalar-only terms (bias corrections, lr / bc1,
 * 1 - lr*wd) are computed in double first, as Python does, and the
 * multiply-adds PyTorch's x86-64 kernels fuse are fused (fmaf), so the
 * results equal PyTorch's bit for bit there (see optim.c).  The arithmetic
 * runs in a fixed order on one thread, so results depend only on the inputs.
 *
 * Per value i, with d = g (the gradient) and lr the learning rate passed to
 * the step:
 *
 *   decay, decoupled (AdamW style, any optimizer; before the update):
 *                 w *= 1 - lr*wd                             where decay[i]
 *   decay, coupled (L2):  d = g + wd*w                       where decay[i]
 *   sgd:          w -= lr*d
 *   momentum:     m = mom*m + d  (m = d on the first step);  w -= lr*m
 *   nesterov:     m = mom*m + d  (m = d on the first step);  w -= lr*(d + mom*m)
 *   adam, adamw:  t += 1;  m = b1*m + (1-b1)*d;  v = b2*v + (1-b2)*d*d
 *                 w -= (lr/(1-b1^t)) * m / (sqrt(v)/sqrt(1-b2^t) + eps)
 *   rmsprop:      v = alpha*v + (1-alpha)*d*d;  a = sqrt(v) + eps
 *                 mom == 0: w -= lr*d/a        mom > 0: m = mom*m + d/a;  w -= lr*m
 *
 * (SGD dampening is 0; Adam's amsgrad, RMSprop's centered variant and
 * "maximize" are not provided.)  adamw is adam with decoupled decay. */
#ifndef HAR_OPTIM_H
#define HAR_OPTIM_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "io/tensorfile.h"

typedef enum {
    HAR_OPT_SGD,
    HAR_OPT_MOMENTUM,
    HAR_OPT_NESTEROV,
    HAR_OPT_ADAM,
    HAR_OPT_ADAMW,
    HAR_OPT_RMSPROP
} har_optim_kind;

/* "sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop" (exact,
 * lower case).  Anything else fails with HAR_EUSAGE and a message listing
 * the valid names. */
int har_optim_parse(const char *name, har_optim_kind *kind, har_err *e);
/* The name har_optim_parse accepts for kind ("?" if out of range). */
const char *har_optim_name(har_optim_kind kind);

/* Hyperparameters; fields an optimizer does not use are ignored. */
typedef struct {
    har_optim_kind kind;
    double lr;           /* base learning rate (the schedule starts from it).  PyTorch's
                            defaults: adam/adamw 1e-3, rmsprop 1e-2; SGD has none
                            in PyTorch, har uses 1e-2 */
    double momentum;     /* momentum, nesterov: 0.9 (PyTorch's default 0 means plain
                            SGD, which is "sgd" here); rmsprop: 0 (off) */
    double beta1, beta2; /* adam, adamw: 0.9, 0.999 */
    double eps;          /* adam, adamw, rmsprop: 1e-8 */
    double alpha;        /* rmsprop smoothing constant: 0.99 */
    double weight_decay; /* 0, except adamw: 1e-2 */
    int decoupled;       /* 0: decay added to the gradient (L2); 1: w *= 1 - lr*wd
                            before the step.  adamw: always 1 */
} har_optim_config;

/* Fills c with the defaults of kind listed above. */
void har_optim_defaults(har_optim_config *c, har_optim_kind kind);
/* Checks ranges as PyTorch does (lr, eps, weight_decay, momentum >= 0, betas
 * in [0, 1), alpha >= 0, all finite), plus: nesterov needs momentum > 0, adamw
 * needs decoupled = 1.  HAR_EUSAGE naming the field otherwise. */
int har_optim_check(const har_optim_config *c, har_err *e);

/* An optimizer for n values.  The state is public (and saved/restored by
 * har_optim_save/load): */
typedef struct {
    har_optim_config cfg;
    size_t n;
    unsigned char *decay; /* own copy of the decay mask, NULL = decay everywhere */
    int64_t step;         /* updates taken so far (PyTorch's state "step") */
    float *m;             /* momentum buffer (momentum, nesterov, rmsprop with momentum)
                             or exp_avg (adam, adamw); NULL when unused */
    float *v;             /* exp_avg_sq (adam, adamw) or square_avg (rmsprop); NULL when unused */
} har_optim;

/* Checks c and allocates zeroed state.  decay (n values, may be NULL = all)
 * marks with 1 the values weight decay applies to; biases and norm gains
 * usually get 0.  The mask is copied.  o is freed-safe after a failure. */
int har_optim_init(har_optim *o, const har_optim_config *c, size_t n, const unsigned char *decay,
                   har_err *e);
void har_optim_free(har_optim *o);
/* Forgets the moments and the step count (as a fresh optimizer). */
void har_optim_reset(har_optim *o);

/* One update of w[n] with gradients g[n] (not modified) at learning rate lr
 * (finite, >= 0; usually from har_sched_lr).  HAR_EUSAGE for a bad lr, and
 * then nothing changes. */
int har_optim_step(har_optim *o, float *w, const float *g, double lr, har_err *e);

/* Saves the state into f under PyTorch's state names: <prefix>step (I64
 * scalar) and, as the kind uses them, <prefix>momentum_buffer,
 * <prefix>exp_avg, <prefix>exp_avg_sq, <prefix>square_avg (F32 [n]), with
 * metadata <prefix>optimizer = the kind's name.  Exact: a load gives back the
 * same bits, so training resumes bit-identically. */
int har_optim_save(const har_optim *o, har_tfile *f, const char *prefix, har_err *e);
/* Restores a state saved by har_optim_save into an optimizer made with
 * har_optim_init for the same kind and n.  Refuses (HAR_EDATA, o unchanged)
 * another kind, missing or misshapen tensors, a negative step, non-finite
 * moments and a negative second moment. */
int har_optim_load(har_optim *o, const har_tfile *f, const char *prefix, har_err *e);

/* Global-norm clipping, torch.nn.utils.clip_grad_norm_(max_norm, norm_type=2)
 * on one flat buffer: the L2 norm of g[n] is accumulated in double (by
 * har_grad_sums); if scale = max_norm / (norm + 1e-6) is < 1, every g is multiplied by
 * it.  max_norm == 0 only measures.  *norm (may be NULL) receives the norm
 * before clipping.  A non-finite norm (a NaN or infinite gradient) is not
 * clipped: g is left unchanged and HAR_EDATA is returned, so the caller can
 * skip the step or stop.  A negative or non-finite max_norm is HAR_EUSAGE. */
int har_clip_grad_norm(float *g, size_t n, double max_norm, double *norm, har_err *e);

/* The same, given the sum of squares of g[n] already measured (the trainer
 * has it from its per-layer norms, and so reads the gradients once less). */
int har_clip_to_norm(float *g, size_t n, double max_norm, double sumsq, double *norm,
                     har_err *e);

/* Adds the sum of squares and the sum of absolute values of g[n] to *sq and
 * *abs, in double, in sixteen interleaved partial sums (so the loop vectorises)
 * combined in a fixed order: the same bits on every run and machine. */
void har_grad_sums(const float *g, size_t n, double *sq, double *abs);

#endif
