/* dsp.h - the causal signal chain that turns raw IMU samples into the nine
 * UCI HAR channels.
 *
 * One implementation serves both offline ingestion (har-ingest) and live
 * streams (har-infer --stream): samples are pushed one at a time and every
 * filter is causal, so a stream and a recording give bit-identical windows.
 *
 * Per axis of raw acc and raw gyro: median of the last 3 samples (before the
 * third sample, sample 0 is repeated), then a Butterworth low-pass (order 3,
 * 20 Hz at 50 Hz) -> total_acc, body_gyro.  gravity = Butterworth low-pass
 * (order 3, 0.3 Hz) of total_acc; body_acc = total_acc - gravity.  Filters
 * are direct form II transposed, initialised to the steady state of their
 * first input (scipy.signal.lfilter_zi(b, a) * x[0]). */
#ifndef HAR_DSP_H
#define HAR_DSP_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define HAR_IIR_MAX_ORDER 8

/* Digital Butterworth low-pass, designed like scipy.signal.butter(order,
 * cutoff/(fs/2)): analog prototype, pre-warping, bilinear transform.
 * b and a receive order+1 coefficients each, a[0] == 1. */
int har_butter_lowpass(int order, double cutoff_hz, double fs_hz, double *b, double *a, har_err *e);

typedef struct {
    int order;
    double b[HAR_IIR_MAX_ORDER + 1], a[HAR_IIR_MAX_ORDER + 1];
    double z[HAR_IIR_MAX_ORDER]; /* DF2T delay line */
} har_iir;

/* Copies coefficients, normalising by a[0]; the state starts at zero. */
void har_iir_init(har_iir *f, int order, const double *b, const double *a);
/* Sets the state to the steady-state response to a constant input x0. */
void har_iir_settle(har_iir *f, double x0);
/* One output sample; the arithmetic order matches scipy's lfilter. */
static inline double har_iir_step(har_iir *f, double x)
{
    double y = f->z[0] + f->b[0] * x;
    int n = f->order;
    for (int k = 1; k < n; k++)
        f->z[k - 1] = f->z[k] + x * f->b[k] - y * f->a[k];
    if (n > 0)
        f->z[n - 1] = x * f->b[n] - y * f->a[n];
    return y;
}

double har_median3(double a, double b, double c);

typedef struct {
    double fs_hz;           /* sample rate (50) */
    double noise_cutoff_hz; /* 20 */
    double gravity_cutoff_hz; /* 0.3 */
    int order;              /* 3 */
    int median;             /* median window, 3 (1 disables) */
} har_preproc_params;

extern const har_preproc_params har_preproc_defaults;

/* Raw input layout of one sample, and output channel order (UCI HAR). */
enum { HAR_RAW_AX, HAR_RAW_AY, HAR_RAW_AZ, HAR_RAW_GX, HAR_RAW_GY, HAR_RAW_GZ, HAR_RAW_CHANNELS };
#define HAR_CHANNELS 9
extern const char *const har_channel_names[HAR_CHANNELS];
extern const char *const har_channel_units[HAR_CHANNELS];
/* The accelerometer-only channel set (no gyroscope): body_acc xyz,
 * total_acc xyz, as indices into the nine. */
#define HAR_ACC_CHANNELS 6
extern const int har_acc_channels[HAR_ACC_CHANNELS];

typedef struct {
    har_preproc_params p;
    har_iir noise[HAR_RAW_CHANNELS];
    har_iir gravity[3];
    double hist[HAR_RAW_CHANNELS][2]; /* previous two raw samples, for the median */
    int64_t n;                        /* samples pushed so far */
} har_preproc;

int har_preproc_init(har_preproc *pp, const har_preproc_params *p, har_err *e);
/* Consumes one raw sample (acc in g, gyro in rad/s) and writes the nine
 * channels: body_acc xyz, body_gyro xyz, total_acc xyz. */
void har_preproc_push(har_preproc *pp, const double raw[HAR_RAW_CHANNELS], double out[HAR_CHANNELS]);

/* A one-line description of the parameters, stored in dataset metadata. */
void har_preproc_describe(const har_preproc_params *p, char *buf, size_t n);

#endif
