/* resample.c - the two-stage resampler of resample.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resample.h"

#define PI 3.14159265358979323846

/* Modified Bessel function of the first kind, order 0: its power series,
 * summed until the terms stop mattering (about 20 terms for x <= 5). */
static double bessel_i0(double x)
{
    double sum = 1, term = 1, q = x * x / 4;
    for (int m = 1; m < 200 && term > sum * 1e-17; m++) {
        term *= q / ((double)m * m);
        sum += term;
    }
    return sum;
}

/* firwin(20 M + 1, 1/M, window=('kaiser', 5.0)), scaled to sum 1.  The
 * sinc is exactly zero at the non-zero multiples of M (sin(pi m) is not). */
static int design_taps(har_resampler *r, har_err *e)
{
    const int M = r->factor, half = HAR_RESAMPLE_HALF_PERIODS * M;
    r->ntaps = 2 * half + 1;
    r->taps = malloc((size_t)r->ntaps * sizeof *r->taps);
    if (!r->taps)
        return har_fail(e, HAR_EIO, "out of memory");
    double sum = 0, i0beta = bessel_i0(HAR_RESAMPLE_BETA);
    for (int n = 0; n < r->ntaps; n++) {
        int m = n - half;
        double x = (double)m / M, w = (double)m / half;
        double sinc = m == 0 ? 1 : m % M == 0 ? 0 : sin(PI * x) / (PI * x);
        r->taps[n] = sinc / M * bessel_i0(HAR_RESAMPLE_BETA * sqrt(1 - w * w)) / i0beta;
        sum += r->taps[n];
    }
    for (int n = 0; n < r->ntaps; n++)
        r->taps[n] /= sum;
    return 0;
}

int har_resampler_init(har_resampler *r, double rate_hz, double grid_hz, int channels, har_err *e)
{
    memset(r, 0, sizeof *r);
    if (!(rate_hz > 0 && rate_hz <= 1e5))
        return har_fail(e, HAR_EUSAGE, "output rate %g Hz outside (0, 1e5]", rate_hz);
    double m = grid_hz / rate_hz;
    if (!(m >= 1 && m <= HAR_RESAMPLE_MAX_FACTOR && m == floor(m)))
        return har_fail(e, HAR_EUSAGE, "resampling grid %g Hz must be 1 to %d times the output rate %g Hz",
                        grid_hz, HAR_RESAMPLE_MAX_FACTOR, rate_hz);
    if (channels < 1 || channels > HAR_RESAMPLE_MAX_CHANNELS)
        return har_fail(e, HAR_EUSAGE, "resampler channels %d outside 1..%d", channels,
                        HAR_RESAMPLE_MAX_CHANNELS);
    r->rate_hz = rate_hz;
    r->grid_hz = grid_hz;
    r->factor = (int)m;
    r->channels = channels;
    if (design_taps(r, e))
        return HAR_EIO;
    r->ring = malloc((size_t)r->ntaps * (size_t)channels * sizeof *r->ring);
    r->ring_nearest = malloc((size_t)r->ntaps * sizeof *r->ring_nearest);
    if (!r->ring || !r->ring_nearest) {
        har_resampler_free(r);
        return har_fail(e, HAR_EIO, "out of memory");
    }
    return 0;
}

void har_resampler_free(har_resampler *r)
{
    free(r->taps);
    free(r->ring);
    free(r->ring_nearest);
    memset(r, 0, sizeof *r);
}

void har_resampler_reset(har_resampler *r)
{
    r->in_n = r->grid_n = r->k = 0;
}

/* Stage 2: one grid point in; an output once the filter's reach is filled. */
static int grid_point(har_resampler *r, const double *v, int64_t nearest, har_resample_emit emit, void *ctx)
{
    const int C = r->channels, M = r->factor, half = HAR_RESAMPLE_HALF_PERIODS * M;
    int64_t slot = r->grid_n % r->ntaps;
    memcpy(r->ring + slot * C, v, (size_t)C * sizeof *v);
    r->ring_nearest[slot] = nearest;
    r->grid_n++;
    int64_t centre = half + r->k * M;
    if (r->grid_n < centre + half + 1)
        return 0;
    double y[HAR_RESAMPLE_MAX_CHANNELS] = {0};
    for (int j = 0; j < r->ntaps; j++) {
        if (r->taps[j] == 0)
            continue;
        const double *g = r->ring + ((centre - half + j) % r->ntaps) * C;
        for (int c = 0; c < C; c++)
            y[c] += r->taps[j] * g[c];
    }
    double tau = r->t_first + (double)centre / r->grid_hz;
    int rc = emit ? emit(ctx, r->k, tau, r->ring_nearest[centre % r->ntaps], y) : 0;
    r->k++;
    return rc;
}

/* Slope at held sample j (0..3) from its neighbours; one-sided at the
 * piece's first sample. */
static double slope(const har_resampler *r, int j, int c, int first)
{
    int a = first ? j : j - 1;
    return (r->in_x[j + 1][c] - r->in_x[a][c]) / (r->in_t[j + 1] - r->in_t[a]);
}

int har_resampler_push(har_resampler *r, double t, const double *x, har_resample_emit emit, void *ctx)
{
    const int C = r->channels;
    memmove(r->in_t, r->in_t + 1, 3 * sizeof *r->in_t);
    memmove(r->in_x, r->in_x + 1, 3 * sizeof *r->in_x);
    r->in_t[3] = t;
    memcpy(r->in_x[3], x, (size_t)C * sizeof *x);
    if (r->in_n++ == 0)
        r->t_first = t;
    if (r->in_n < 3)
        return 0;
    /* Samples 1 and 2 (of the four held) bound the interval now complete:
     * sample 3 gives sample 2's slope, sample 0 sample 1's. */
    const int first = r->in_n == 3; /* held sample 1 is the piece's first */
    const double t0 = r->in_t[1], t1 = r->in_t[2], h = t1 - t0;
    const int64_t i0 = r->in_n - 3;
    for (;;) {
        double g = r->t_first + (double)r->grid_n / r->grid_hz;
        if (!(g < t1))
            return 0;
        double s = (g - t0) / h, v[HAR_RESAMPLE_MAX_CHANNELS];
        double s2 = s * s, s3 = s2 * s;
        double h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s, h01 = -2 * s3 + 3 * s2, h11 = s3 - s2;
        for (int c = 0; c < C; c++)
            v[c] = h00 * r->in_x[1][c] + h10 * h * slope(r, 1, c, first) + h01 * r->in_x[2][c] +
                   h11 * h * slope(r, 2, c, 0);
        int rc = grid_point(r, v, g - t0 <= t1 - g ? i0 : i0 + 1, emit, ctx);
        if (rc)
            return rc;
    }
}
