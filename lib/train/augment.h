/* augment.h - train-only data augmentation of window batches, each drawn
 * from the caller's seeded stream so a run is reproducible.
 *
 *   jitter     x += N(0, sigma^2) independently per value (sensor noise)
 *   scaling    each channel of each window multiplied by N(1, sigma^2)
 *              (device placement and calibration differences)
 *   time-warp  the time axis of each window resampled along a smooth random
 *              speed curve: speeds N(1, sigma^2) at 4 knots, interpolated,
 *              integrated and rescaled to span the window, then linear
 *              interpolation (people walk at different cadences)
 *   rotate     each window's xyz vectors (every triad of channels named P_x,
 *              P_y, P_z: accelerations and angular velocities alike) turned
 *              by one rotation, about an axis uniform on the sphere, by an
 *              angle uniform in [-max, max] degrees (the phone worn at another
 *              angle: belts sit differently on different bodies).  It is done
 *              in raw units, so the windows' normalisation must be given.
 *              Only a share of the windows is turned (a draw per window when
 *              the share is below 1): the model still sees the usual angles.
 * Per window the order is rotate, time-warp, scaling, jitter; an augmentation
 * that is off draws no random numbers, so enabling one does not change the
 * others' draws in runs without it. */
#ifndef HAR_AUGMENT_H
#define HAR_AUGMENT_H

#include "core/rng.h"

#define HAR_AUGMENT_MAX_TRIADS 16

typedef struct {
    double jitter, scaling, time_warp; /* sigmas; 0 disables */
    double rotate;                     /* largest angle in degrees; 0 disables */
    double rotate_share;               /* share of windows rotated, (0, 1] */
    /* For rotate: the first channel of each x, y, z triad, and the
     * normalisation x = (raw - mean) / std the windows carry (NULL: raw). */
    int ntriads;
    int triad[HAR_AUGMENT_MAX_TRIADS];
    const double *mean, *std;
} har_augment;

/* Finds the triads in a comma-separated channel list of c names: three
 * consecutive names P_x, P_y, P_z with the same P.  Fills a->triad and
 * a->ntriads (at most HAR_AUGMENT_MAX_TRIADS) and returns their number. */
int har_augment_find_triads(har_augment *a, const char *channels, int c);

/* 1 if any augmentation is enabled. */
int har_augment_active(const har_augment *a);

/* Augments n windows of t x c floats in place.  scratch must hold t * c
 * floats + t + 16 doubles' worth of space: use har_augment_scratch_size. */
void har_augment_batch(const har_augment *a, float *x, int n, int t, int c, har_rng *r,
                       double *scratch);
size_t har_augment_scratch_size(int t, int c);

#endif
