/* augment.c - jitter, scaling and time-warp of window batches. */
#include <math.h>
#include <string.h>

#include "augment.h"

#define WARP_KNOTS 4

int har_augment_active(const har_augment *a)
{
    return a->jitter > 0 || a->scaling > 0 || a->time_warp > 0;
}

size_t har_augment_scratch_size(int t, int c)
{
    return (size_t)t * (size_t)c + (size_t)t + WARP_KNOTS + 2;
}

/* Resamples one window along a random monotone time map. */
static void time_warp(float *x, int t, int c, double sigma, har_rng *r, double *scratch)
{
    double *copy = scratch, *pos = scratch + (size_t)t * c, speed[WARP_KNOTS];
    for (int k = 0; k < WARP_KNOTS; k++) {
        speed[k] = 1 + sigma * har_rng_normal(r);
        if (speed[k] < 0.1) /* keep the map strictly increasing */
            speed[k] = 0.1;
    }
    /* Integrate the piecewise-linear speed curve to get source positions. */
    pos[0] = 0;
    for (int i = 1; i < t; i++) {
        double u = (double)(i - 1) / (t > 2 ? t - 2 : 1) * (WARP_KNOTS - 1);
        int k = (int)u < WARP_KNOTS - 1 ? (int)u : WARP_KNOTS - 2;
        double f = u - k;
        pos[i] = pos[i - 1] + (1 - f) * speed[k] + f * speed[k + 1];
    }
    double span = pos[t - 1] > 0 ? pos[t - 1] : 1;
    for (size_t i = 0; i < (size_t)t * c; i++)
        copy[i] = x[i];
    for (int i = 0; i < t; i++) {
        double s = pos[i] / span * (t - 1);
        int j = (int)s;
        if (j >= t - 1)
            j = t - 2 >= 0 ? t - 2 : 0;
        double f = t > 1 ? s - j : 0;
        for (int ch = 0; ch < c; ch++) {
            double a = copy[(size_t)j * c + ch];
            double b = t > 1 ? copy[(size_t)(j + 1) * c + ch] : a;
            x[(size_t)i * c + ch] = (float)(a + f * (b - a));
        }
    }
}

void har_augment_batch(const har_augment *a, float *x, int n, int t, int c, har_rng *r,
                       double *scratch)
{
    size_t per = (size_t)t * (size_t)c;
    for (int w = 0; w < n; w++) {
        float *xw = x + (size_t)w * per;
        if (a->time_warp > 0 && t > 2)
            time_warp(xw, t, c, a->time_warp, r, scratch);
        if (a->scaling > 0)
            for (int ch = 0; ch < c; ch++) {
                float s = (float)(1 + a->scaling * har_rng_normal(r));
                for (int i = 0; i < t; i++)
                    xw[(size_t)i * c + ch] *= s;
            }
        if (a->jitter > 0)
            for (size_t i = 0; i < per; i++)
                xw[i] += (float)(a->jitter * har_rng_normal(r));
    }
}
