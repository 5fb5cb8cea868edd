/* augment.h - train-only data augmentation of window batches, each drawn
 * from the caller's seeded stream so a run is reproducible.
 *
 *   jitter     x += N(0, sigma^2) independently per value (sensor noise)
 *   scaling    each channel of each window multiplied by N(1, sigma^2)
 *              (device placement and calibration differences)
 *   time-warp  the time axis of each window resampled along a smooth random
 *              speed curve: speeds N(1, sigma^2) at 4 knots, interpolated,
 *              integrated and rescaled to span the window, then linear
 *              interpolation (people walk at different cadences) */
#ifndef HAR_AUGMENT_H
#define HAR_AUGMENT_H

#include "rng.h"

typedef struct {
    double jitter, scaling, time_warp; /* sigmas; 0 disables */
} har_augment;

/* 1 if any augmentation is enabled. */
int har_augment_active(const har_augment *a);

/* Augments n windows of t x c floats in place.  scratch must hold t * c
 * floats + t + 16 doubles' worth of space: use har_augment_scratch_size. */
void har_augment_batch(const har_augment *a, float *x, int n, int t, int c, har_rng *r,
                       double *scratch);
size_t har_augment_scratch_size(int t, int c);

#endif
