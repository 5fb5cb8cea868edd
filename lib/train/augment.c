/* augment.c - rotation, time-warp, scaling and jitter of window batches. */
#include <math.h>
#include <string.h>

#include "augment.h"

#define WARP_KNOTS 4

int har_augment_active(const har_augment *a)
{
    return a->jitter > 0 || a->scaling > 0 || a->time_warp > 0 || (a->rotate > 0 && a->ntriads > 0);
}

size_t har_augment_scratch_size(int t, int c)
{
    return (size_t)t * (size_t)c + (size_t)t + WARP_KNOTS + 2;
}

/* Names n[0..2] (lengths l) are P_x, P_y, P_z. */
static int is_triad(const char *const n[3], const size_t l[3])
{
    if (l[0] < 3 || l[1] != l[0] || l[2] != l[0] || n[0][l[0] - 2] != '_')
        return 0;
    return !memcmp(n[0], n[1], l[0] - 1) && !memcmp(n[0], n[2], l[0] - 1) && n[0][l[0] - 1] == 'x' &&
           n[1][l[0] - 1] == 'y' && n[2][l[0] - 1] == 'z';
}

int har_augment_find_triads(har_augment *a, const char *channels, int c)
{
    a->ntriads = 0;
    const char *p = channels, *name[3] = {0};
    size_t len[3] = {0};
    for (int ch = 0; ch < c && p; ch++) { /* the last three names, in place */
        const char *end = strchr(p, ',');
        name[0] = name[1], len[0] = len[1];
        name[1] = name[2], len[1] = len[2];
        name[2] = p, len[2] = end ? (size_t)(end - p) : strlen(p);
        p = end ? end + 1 : NULL;
        if (ch >= 2 && is_triad(name, len) && a->ntriads < HAR_AUGMENT_MAX_TRIADS)
            a->triad[a->ntriads++] = ch - 2;
    }
    return a->ntriads;
}

/* Turns every triad of one window by one random rotation (Rodrigues'
 * formula), in raw units: x -> raw -> R raw -> x. */
static void rotate(float *x, int t, int c, const har_augment *a, har_rng *r)
{
    double u[3], len;
    do {
        for (int k = 0; k < 3; k++)
            u[k] = har_rng_normal(r);
        len = sqrt(u[0] * u[0] + u[1] * u[1] + u[2] * u[2]);
    } while (len < 1e-9);
    for (int k = 0; k < 3; k++)
        u[k] /= len;
    double angle = a->rotate * (2 * har_rng_uniform(r) - 1) * 3.14159265358979323846 / 180;
    double s = sin(angle), cs = cos(angle), v = 1 - cs;
    double R[3][3] = {
        {cs + u[0] * u[0] * v, u[0] * u[1] * v - u[2] * s, u[0] * u[2] * v + u[1] * s},
        {u[1] * u[0] * v + u[2] * s, cs + u[1] * u[1] * v, u[1] * u[2] * v - u[0] * s},
        {u[2] * u[0] * v - u[1] * s, u[2] * u[1] * v + u[0] * s, cs + u[2] * u[2] * v},
    };
    for (int k = 0; k < a->ntriads; k++) {
        int f = a->triad[k];
        for (int i = 0; i < t; i++) {
            float *xi = x + (size_t)i * c + f;
            double raw[3];
            for (int j = 0; j < 3; j++)
                raw[j] = a->std ? (double)xi[j] * a->std[f + j] + a->mean[f + j] : xi[j];
            for (int j = 0; j < 3; j++) {
                double turned = R[j][0] * raw[0] + R[j][1] * raw[1] + R[j][2] * raw[2];
                xi[j] = (float)(a->std ? (turned - a->mean[f + j]) / a->std[f + j] : turned);
            }
        }
    }
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
        if (a->rotate > 0 && a->ntriads > 0 && (a->rotate_share >= 1 || har_rng_uniform(r) < a->rotate_share))
            rotate(xw, t, c, a, r);
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
