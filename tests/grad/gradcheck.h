/* gradcheck.h - finite-difference checks of backward passes.
 *
 * This runner is built with -DHAR_NN_DOUBLE, so `real` is double and every
 * layer computes in double precision.  A check compares the analytic gradient
 * of the scalar L = sum_i y_i * r_i (r a fixed random projection) with central
 * differences (L(v + h) - L(v - h)) / 2h, h = 1e-6, for every parameter and
 * every input element.  The error measure is normwise per tensor:
 *
 *     |g_analytic - g_numeric|_2 / max(|g_analytic|_2 + |g_numeric|_2, 1e-12)
 *
 * Central differences in double have truncation error O(h^2) ~ 1e-12 and
 * rounding error ~ 1e-16 |L| / h ~ 1e-10, so a correct backward pass scores
 * around 1e-9 and the bar is 1e-6; a wrong term scores around 1e-1. */
#ifndef HAR_GRADCHECK_H
#define HAR_GRADCHECK_H

#include <check.h>
#include <stdint.h>

#include "nn/model.h"

#define GC_TOL 1e-6

/* Each tests/grad/grad_NAME.c defines Suite *grad_NAME_suite(void); the
 * runner (tests/runner.c) finds them through the list make writes from the
 * file names, so they are declared there, not here. */

/* Fills v with uniform values in [-scale, scale) from seed. */
void gc_fill(real *v, size_t n, double scale, uint64_t seed);

/* Gives a made layer its own parameter buffers (random, from seed) and
 * reserves caches for B samples.  Free with gc_layer_free. */
void gc_layer_setup(har_layer *l, int B, uint64_t seed);
void gc_layer_free(har_layer *l);

/* Checks l's backward (input and parameter gradients) at a random input of
 * B samples; train selects training mode (dropout masks are replayed: the
 * layer's rng is reset to the same state before every forward).  Returns the
 * worst normwise relative error and fails the test above GC_TOL, naming the
 * layer and tensor. */
double gc_check_layer(har_layer *l, int B, int train, uint64_t seed);

/* Checks a whole model under the softmax cross-entropy loss (class weights
 * and smoothing optional): every parameter tensor and the input gradient. */
double gc_check_model(har_model *m, int B, int train, const real *class_weight,
                      double smoothing, uint64_t seed);

#endif
