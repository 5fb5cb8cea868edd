/* resample.h - samples at irregular times -> a uniform rate, anti-aliased,
 * one input sample at a time.
 *
 * Two stages, both causal with a fixed delay:
 *
 * 1. Onto a uniform grid at grid_hz (an integer multiple M of the output
 *    rate; 200 Hz for a 50 Hz output by default) by cubic Hermite
 *    interpolation between neighbouring samples, the slope at each sample
 *    being the centred difference (x[i+1] - x[i-1]) / (t[i+1] - t[i-1])
 *    (one-sided at a piece's first sample): Catmull-Rom on uneven spacing.
 *    A grid point equal to a sample's time takes the sample itself, so
 *    input already on the grid passes through unchanged.
 * 2. From the grid to the output rate by the FIR low-pass of
 *    scipy.signal.resample_poly(x, 1, M): firwin(20 M + 1, 1/M,
 *    window=('kaiser', 5.0)) normalised to unit DC gain, i.e. a
 *    Kaiser-windowed sinc cut off at the output's Nyquist frequency, reaching
 *    10 output periods each side.  Output sample k sits on grid point
 *    10 M + k M, so uniformly sampled input at grid_hz gives exactly
 *    resample_poly's output (its samples 10, 11, ...).
 *
 * Output times are t_first + 10/rate + k/rate, k = 0, 1, ...: the first and
 * the last 10 output periods of a piece give no output (the filter would
 * reach past the data), which makes the delay fixed (0.2 s at 50 Hz plus two
 * input samples for the slopes).  Offline ingestion and a live stream push
 * the same samples in the same order through this code and get the same
 * bits.
 *
 * Sources faster than grid_hz/2 would alias in stage 1: raise grid_hz.
 * Holes are bridged by the interpolation; the caller splits a piece at a gap
 * longer than it accepts (timeline.h). */
#ifndef HAR_RESAMPLE_H
#define HAR_RESAMPLE_H

#include <stdint.h>

#include "core/err.h"

#define HAR_RESAMPLE_HALF_PERIODS 10 /* filter half-width, in output periods */
#define HAR_RESAMPLE_BETA 5.0        /* Kaiser window parameter */
#define HAR_RESAMPLE_MAX_CHANNELS 8
#define HAR_RESAMPLE_MAX_FACTOR 64   /* grid_hz / rate */

typedef struct {
    double rate_hz, grid_hz;
    int factor, channels;         /* M = grid_hz / rate_hz */
    double *taps;                 /* 20 M + 1, summing to 1 */
    int ntaps;
    /* stage 1: the last four input samples (oldest first) */
    double in_t[4], in_x[4][HAR_RESAMPLE_MAX_CHANNELS];
    int64_t in_n;                 /* samples pushed in this piece */
    double t_first;
    int64_t grid_n;               /* grid points produced */
    /* stage 2: the last ntaps grid points, circular */
    double *ring;                 /* ntaps x channels */
    int64_t *ring_nearest;        /* index of the input sample nearest to each */
    int64_t k;                    /* outputs produced */
} har_resampler;

/* One output sample: index k (0 = the first of the piece), its time, the
 * index of the input sample nearest to that time (counted from the piece's
 * first; the earlier on a tie) and the channel values. */
typedef int (*har_resample_emit)(void *ctx, int64_t k, double tau, int64_t nearest, const double *y);

/* grid_hz must be an integer multiple (1..64) of rate_hz. */
int har_resampler_init(har_resampler *r, double rate_hz, double grid_hz, int channels, har_err *e);
void har_resampler_free(har_resampler *r);
/* Starts a new piece: forgets every held sample (after a gap). */
void har_resampler_reset(har_resampler *r);
/* Pushes one sample at time t (seconds from any fixed origin), strictly
 * later than the piece's previous one (the caller checks).  Calls emit for
 * every output sample that became computable; a non-zero return from emit
 * stops the push and is returned. */
int har_resampler_push(har_resampler *r, double t, const double *x, har_resample_emit emit, void *ctx);

#endif
