/* saliency.c - see saliency.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "saliency.h"

/* Windows per forward/backward pass: large enough for the GEMMs to pay off,
 * small enough that the activations of a recurrent model stay in cache. */
enum { SALIENCY_BATCH = 64 };

int har_saliency_init(har_saliency *s, int k, int t, int c, har_err *e)
{
    memset(s, 0, sizeof *s);
    size_t cells = (size_t)k * (size_t)t * (size_t)c;
    s->k = k;
    s->t = t;
    s->c = c;
    s->windows = calloc((size_t)k, sizeof *s->windows);
    s->abs_grad = calloc(cells, sizeof *s->abs_grad);
    s->grad_input = calloc(cells, sizeof *s->grad_input);
    if (!s->windows || !s->abs_grad || !s->grad_input) {
        har_saliency_free(s);
        return har_fail(e, HAR_EIO, "out of memory");
    }
    return 0;
}

void har_saliency_free(har_saliency *s)
{
    free(s->windows);
    free(s->abs_grad);
    free(s->grad_input);
    memset(s, 0, sizeof *s);
}

void har_saliency_gradients(har_model *m, const float *x, const int32_t *y, int B, float *dlogits,
                            float *dx)
{
    int K = m->nclasses;
    har_model_forward(m, x, B, 0);
    memset(dlogits, 0, (size_t)B * (size_t)K * sizeof *dlogits);
    for (int b = 0; b < B; b++)
        dlogits[(size_t)b * K + y[b]] = 1;
    /* backward adds into dw; keep it bounded although nobody reads it. */
    har_model_zero_grad(m);
    har_model_backward(m, dlogits, dx, B);
}

/* Adds one batch's gradients dx for inputs x to the per-class sums. */
static void accumulate(har_saliency *s, const float *x, const int32_t *y, const float *dx, int B)
{
    size_t per = (size_t)s->t * (size_t)s->c;
    for (int b = 0; b < B; b++) {
        double *ag = s->abs_grad + (size_t)y[b] * per, *gi = s->grad_input + (size_t)y[b] * per;
        const float *g = dx + (size_t)b * per, *in = x + (size_t)b * per;
        for (size_t i = 0; i < per; i++) {
            ag[i] += fabs((double)g[i]);
            gi[i] += (double)g[i] * (double)in[i];
        }
        s->windows[y[b]]++;
    }
}

int har_saliency_add(har_saliency *s, har_model *m, const float *x, const int32_t *y, int64_t n,
                     har_err *e)
{
    size_t per = (size_t)s->t * (size_t)s->c;
    if (m->in.t != s->t || m->in.f != s->c || m->nclasses != s->k)
        return har_fail(e, HAR_EDATA, "saliency of %d x %d windows, %d classes, but the model takes "
                                      "%d x %d, %d classes",
                        s->t, s->c, s->k, m->in.t, m->in.f, m->nclasses);
    if (har_model_reserve(m, SALIENCY_BATCH, e))
        return e->code;
    float *dlogits = malloc((size_t)SALIENCY_BATCH * (size_t)s->k * sizeof *dlogits);
    float *dx = malloc((size_t)SALIENCY_BATCH * per * sizeof *dx);
    if (!dlogits || !dx) {
        free(dlogits);
        free(dx);
        return har_fail(e, HAR_EIO, "out of memory");
    }
    for (int64_t first = 0; first < n; first += SALIENCY_BATCH) {
        int B = (int)(n - first < SALIENCY_BATCH ? n - first : SALIENCY_BATCH);
        const float *xb = x + (size_t)first * per;
        har_saliency_gradients(m, xb, y + first, B, dlogits, dx);
        accumulate(s, xb, y + first, dx, B);
    }
    free(dlogits);
    free(dx);
    return 0;
}

static const double *map_of(const har_saliency *s, har_saliency_kind kind, int cls)
{
    size_t per = (size_t)s->t * (size_t)s->c;
    return (kind == HAR_SAL_ABS_GRAD ? s->abs_grad : s->grad_input) + (size_t)cls * per;
}

double har_saliency_channel_mean(const har_saliency *s, har_saliency_kind kind, int cls, int channel)
{
    if (!s->windows[cls])
        return NAN;
    const double *map = map_of(s, kind, cls);
    double sum = 0;
    for (int t = 0; t < s->t; t++)
        sum += map[(size_t)t * s->c + channel];
    return sum / ((double)s->windows[cls] * s->t);
}

double har_saliency_time_mean(const har_saliency *s, har_saliency_kind kind, int cls, int step)
{
    if (!s->windows[cls])
        return NAN;
    const double *row = map_of(s, kind, cls) + (size_t)step * s->c;
    double sum = 0;
    for (int c = 0; c < s->c; c++)
        sum += row[c];
    return sum / ((double)s->windows[cls] * s->c);
}

/* Fixed spelling for a missing value, whatever the C library prints. */
static void put_value(FILE *fp, double v)
{
    if (isnan(v))
        fputs(" nan", fp);
    else
        fprintf(fp, " %.9g", v);
}

void har_saliency_write_channels(const har_saliency *s, FILE *fp, char **classes, char **channels)
{
    fprintf(fp, "# saliency of the true class's logit per class and channel: mean over the\n"
                "# class's windows and all %d timesteps; nan = no window of that class.\n"
                "# gnuplot: plot 'FILE' using 2:1:3:xtic(6):ytic(5) with image  (3: |grad|, "
                "4: grad x input)\n"
                "# class_index channel_index abs_grad grad_x_input class channel\n",
            s->t);
    for (int k = 0; k < s->k; k++) {
        for (int c = 0; c < s->c; c++) {
            fprintf(fp, "%d %d", k, c);
            put_value(fp, har_saliency_channel_mean(s, HAR_SAL_ABS_GRAD, k, c));
            put_value(fp, har_saliency_channel_mean(s, HAR_SAL_GRAD_INPUT, k, c));
            fprintf(fp, " \"%s\" \"%s\"\n", classes[k], channels[c]);
        }
        fputc('\n', fp);
    }
}

void har_saliency_write_time(const har_saliency *s, FILE *fp, char **classes)
{
    /* A header line, not a comment: gnuplot titles the curves from it with
     * "set key autotitle columnhead". */
    fputs("timestep", fp);
    for (int k = 0; k < s->k; k++)
        fprintf(fp, " \"abs_grad:%s\"", classes[k]);
    for (int k = 0; k < s->k; k++)
        fprintf(fp, " \"grad_x_input:%s\"", classes[k]);
    fputc('\n', fp);
    for (int t = 0; t < s->t; t++) {
        fprintf(fp, "%d", t);
        for (int k = 0; k < s->k; k++)
            put_value(fp, har_saliency_time_mean(s, HAR_SAL_ABS_GRAD, k, t));
        for (int k = 0; k < s->k; k++)
            put_value(fp, har_saliency_time_mean(s, HAR_SAL_GRAD_INPUT, k, t));
        fputc('\n', fp);
    }
}
