/* saliency.h - which channels and which moments of a window a model looks at:
 * gradient saliency of the true class's logit with respect to the input.
 *
 * For a window x (normalised, as the model takes it) of true class y with
 * logits z, two maps of shape [T, C]:
 *
 *   |grad|        |d z_y / d x|      how strongly the logit reacts to each
 *                                    input value (sensitivity)
 *   grad x input  (d z_y / d x) * x  a signed first-order share of z_y per
 *                                    input value: positive pushes the true
 *                                    class up, negative pulls it down
 *
 * The logit, not the loss: the loss saturates for confident windows and its
 * gradient vanishes exactly where the model is surest.  Maps are summed per
 * true class and averaged on output over the class's windows and over
 * timesteps (a class x channel heatmap) or over channels (a curve over time
 * per class).  The model runs in inference mode (no dropout), in batches. */
#ifndef HAR_SALIENCY_H
#define HAR_SALIENCY_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "nn/model.h"

typedef enum { HAR_SAL_ABS_GRAD, HAR_SAL_GRAD_INPUT } har_saliency_kind;

typedef struct {
    int k, t, c;
    int64_t *windows;   /* [k] windows added per true class */
    double *abs_grad;   /* [k, t, c] sums of |d z_y / d x| */
    double *grad_input; /* [k, t, c] sums of (d z_y / d x) * x */
} har_saliency;

int har_saliency_init(har_saliency *s, int k, int t, int c, har_err *e);
void har_saliency_free(har_saliency *s);

/* dx[B, T, C] = d z_{y_b} / d x_b for a batch of B windows x[B, T, C]: one
 * forward pass in inference mode, then one backward pass with d(logits) =
 * one-hot(y), which is exactly the gradient of each window's true logit
 * (windows do not interact).  dlogits is scratch of B * nclasses; m must be
 * reserved for B.  The parameter gradients m->dw are zeroed first and left
 * holding the batch's (unused) parameter gradients.  Any B >= 1: the batch-1
 * serving path of recurrent layers keeps the same state for backward (the
 * test "one window alone" checks it against the same window in a batch). */
void har_saliency_gradients(har_model *m, const float *x, const int32_t *y, int B, float *dlogits,
                            float *dx);

/* Adds n windows x[n, T, C] with true classes y (in 0..k-1) to s. */
int har_saliency_add(har_saliency *s, har_model *m, const float *x, const int32_t *y, int64_t n,
                     har_err *e);

/* Mean of a map over the windows of class cls and over all timesteps (one
 * channel), or over all channels (one timestep).  NaN if the class has no
 * windows. */
double har_saliency_channel_mean(const har_saliency *s, har_saliency_kind kind, int cls, int channel);
double har_saliency_time_mean(const har_saliency *s, har_saliency_kind kind, int cls, int step);

/* Gnuplot data.  The channel file is long format, one line per (class,
 * channel) with a blank line after each class:
 *     class_index channel_index abs_grad grad_x_input "class" "channel"
 * drawn by  plot 'F' using 2:1:3:xtic(6):ytic(5) with image  (column 4 for
 * grad x input).  The time file has a header line, then one row per timestep:
 *     timestep "abs_grad:<class>"... "grad_x_input:<class>"...
 * Classes without windows are written as nan (gnuplot leaves them blank). */
void har_saliency_write_channels(const har_saliency *s, FILE *fp, char **classes, char **channels);
void har_saliency_write_time(const har_saliency *s, FILE *fp, char **classes);

#endif
