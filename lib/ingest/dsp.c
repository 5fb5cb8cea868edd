#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dsp.h"

#define PI 3.14159265358979323846

const har_preproc_params har_preproc_defaults = {
    .fs_hz = 50.0, .noise_cutoff_hz = 20.0, .gravity_cutoff_hz = 0.3, .order = 3, .median = 3};

const char *const har_channel_names[HAR_CHANNELS] = {
    "body_acc_x",  "body_acc_y",  "body_acc_z",  "body_gyro_x", "body_gyro_y",
    "body_gyro_z", "total_acc_x", "total_acc_y", "total_acc_z"};
const int har_acc_channels[HAR_ACC_CHANNELS] = {0, 1, 2, 6, 7, 8};
const char *const har_channel_units[HAR_CHANNELS] = {"g",     "g",     "g", "rad/s", "rad/s",
                                                     "rad/s", "g", "g", "g"};

int har_butter_lowpass(int order, double cutoff_hz, double fs_hz, double *b, double *a, har_err *e)
{
    if (order < 1 || order > HAR_IIR_MAX_ORDER)
        return har_fail(e, HAR_EUSAGE, "filter order %d outside 1..%d", order, HAR_IIR_MAX_ORDER);
    if (!(fs_hz > 0) || !(cutoff_hz > 0) || !(cutoff_hz < fs_hz / 2))
        return har_fail(e, HAR_EUSAGE, "cut-off %g Hz must lie strictly between 0 and fs/2 = %g Hz",
                        cutoff_hz, fs_hz / 2);
    /* scipy's convention: digital frequencies normalised so Nyquist = 1, and
     * the bilinear transform taken with fs = 2, i.e. s = 4 (z-1)/(z+1). */
    const double wn = cutoff_hz / (fs_hz / 2), fs2 = 4.0;
    const double warped = 4.0 * tan(PI * wn / 2.0);
    double complex pz[HAR_IIR_MAX_ORDER];
    double complex gain_den = 1.0;
    for (int i = 0; i < order; i++) {
        /* Analog prototype pole -exp(j*pi*m/(2N)), m = -N+1, -N+3, ..., N-1. */
        int m = -order + 1 + 2 * i;
        double complex p = -cexp(I * PI * m / (2.0 * order)) * warped;
        pz[i] = (fs2 + p) / (fs2 - p);
        gain_den *= fs2 - p;
    }
    /* All N zeros sit at z = -1; k = warped^N / prod(fs2 - p). */
    double k = pow(warped, order) / creal(gain_den);
    /* b = k * (1 + z^-1)^N: binomial coefficients. */
    double binom = 1.0;
    for (int i = 0; i <= order; i++) {
        b[i] = k * binom;
        binom = binom * (order - i) / (i + 1);
    }
    /* a = poly(poles): expand prod (1 - p_i z^-1). */
    double complex poly[HAR_IIR_MAX_ORDER + 1] = {1.0};
    for (int i = 0; i < order; i++)
        for (int j = i + 1; j >= 1; j--)
            poly[j] -= pz[i] * poly[j - 1];
    for (int i = 0; i <= order; i++)
        a[i] = creal(poly[i]);
    return 0;
}

void har_iir_init(har_iir *f, int order, const double *b, const double *a)
{
    memset(f, 0, sizeof *f);
    f->order = order;
    for (int i = 0; i <= order; i++) {
        f->b[i] = b[i] / a[0];
        f->a[i] = a[i] / a[0];
    }
}

void har_iir_settle(har_iir *f, double x0)
{
    /* For constant input x the output is G x with G = sum(b) / sum(a), and
     * each delay holds z[k] = sum_{j>k} (b[j] - a[j] G) x.  This is the
     * unique solution lfilter_zi finds with a linear solve. */
    double sb = 0, sa = 0;
    for (int i = 0; i <= f->order; i++) {
        sb += f->b[i];
        sa += f->a[i];
    }
    double g = sb / sa, acc = 0;
    for (int k = f->order - 1; k >= 0; k--) {
        acc += f->b[k + 1] - f->a[k + 1] * g;
        f->z[k] = acc * x0;
    }
}

double har_median3(double a, double b, double c)
{
    if (a > b) {
        double t = a;
        a = b;
        b = t;
    }
    /* now a <= b */
    return c <= a ? a : c >= b ? b : c;
}

int har_preproc_init(har_preproc *pp, const har_preproc_params *p, har_err *e)
{
    memset(pp, 0, sizeof *pp);
    if (p->median != 1 && p->median != 3)
        return har_fail(e, HAR_EUSAGE, "median window must be 1 or 3, got %d", p->median);
    double nb[HAR_IIR_MAX_ORDER + 1], na[HAR_IIR_MAX_ORDER + 1];
    double gb[HAR_IIR_MAX_ORDER + 1], ga[HAR_IIR_MAX_ORDER + 1];
    if (har_butter_lowpass(p->order, p->noise_cutoff_hz, p->fs_hz, nb, na, e) ||
        har_butter_lowpass(p->order, p->gravity_cutoff_hz, p->fs_hz, gb, ga, e))
        return e ? e->code : HAR_EUSAGE;
    pp->p = *p;
    for (int c = 0; c < HAR_RAW_CHANNELS; c++)
        har_iir_init(&pp->noise[c], p->order, nb, na);
    for (int c = 0; c < 3; c++)
        har_iir_init(&pp->gravity[c], p->order, gb, ga);
    return 0;
}

void har_preproc_push(har_preproc *pp, const double raw[HAR_RAW_CHANNELS], double out[HAR_CHANNELS])
{
    double smooth[HAR_RAW_CHANNELS];
    for (int c = 0; c < HAR_RAW_CHANNELS; c++) {
        double x = raw[c];
        if (pp->n == 0) {
            pp->hist[c][0] = pp->hist[c][1] = x;
            har_iir_settle(&pp->noise[c], x); /* median of three equal samples is x */
        }
        double m = pp->p.median == 3 ? har_median3(pp->hist[c][0], pp->hist[c][1], x) : x;
        pp->hist[c][0] = pp->hist[c][1];
        pp->hist[c][1] = x;
        smooth[c] = har_iir_step(&pp->noise[c], m);
    }
    for (int c = 0; c < 3; c++) {
        double total = smooth[HAR_RAW_AX + c];
        if (pp->n == 0)
            har_iir_settle(&pp->gravity[c], total);
        double gravity = har_iir_step(&pp->gravity[c], total);
        out[0 + c] = total - gravity;          /* body_acc */
        out[3 + c] = smooth[HAR_RAW_GX + c];   /* body_gyro */
        out[6 + c] = total;                    /* total_acc */
    }
    pp->n++;
}

void har_preproc_describe(const har_preproc_params *p, char *buf, size_t n)
{
    snprintf(buf, n,
             "causal median of last %d samples; Butterworth order %d low-pass %g Hz (fs %g Hz) -> "
             "total_acc, body_gyro; gravity = Butterworth order %d low-pass %g Hz of total_acc; "
             "body_acc = total_acc - gravity; direct form II transposed, state initialised to the "
             "steady state of the first sample",
             p->median, p->order, p->noise_cutoff_hz, p->fs_hz, p->order, p->gravity_cutoff_hz);
}
