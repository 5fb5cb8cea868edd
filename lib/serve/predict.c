/* predict.c - see har.h: one window at a time, and live streams. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predictor.h"
#include "core/vec.h"
#include "data/windows.h"
#include "eval/metrics.h"
#include "ingest/dsp.h"
#include "ingest/timeline.h"

/* har.h promises these without including the headers that define them. */
_Static_assert(HAR_STREAM_CHANNELS == HAR_RAW_CHANNELS, "har.h's stream channels are dsp.h's raw channels");
_Static_assert(HAR_PREDICT_REFUSED == HAR_EDATA, "predict_activity refuses with HAR_EDATA");

struct har_predictor {
    har_checkpoint ck;
    float *x;        /* [T, C] the normalised window */
    float *p;        /* [K] probabilities */
    /* [T, C] the statistics repeated for every sample: normalising is then
     * one vectorised pass over the window */
    double *mean_row, *std_row;
    char error[sizeof(har_err){0}.msg]; /* as long as a har_err message */
};

static int set_error(har_predictor *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->error, sizeof m->error, fmt, ap);
    va_end(ap);
    return HAR_EDATA;
}

har_predictor *har_predictor_open(const char *path, har_err *e)
{
    har_predictor *m = har_malloc(sizeof *m, e);
    if (!m)
        return NULL;
    memset(m, 0, sizeof *m);
    if (har_checkpoint_load(&m->ck, path, e)) {
        free(m);
        return NULL;
    }
    /* Batch 1 only: every prediction takes the same arithmetic path. */
    size_t n = (size_t)m->ck.window * (size_t)m->ck.nchannels;
    if (!(m->x = har_malloc(n * sizeof *m->x, e)) ||
        !(m->p = har_malloc((size_t)m->ck.nclasses * sizeof *m->p, e)) ||
        !(m->mean_row = har_malloc(n * sizeof *m->mean_row, e)) ||
        !(m->std_row = har_malloc(n * sizeof *m->std_row, e)) || har_model_reserve(&m->ck.model, 1, e)) {
        har_predictor_free(m);
        return NULL;
    }
    har_model_freeze(&m->ck.model); /* a predictor's weights never change */
    for (size_t i = 0; i < n; i++) {
        m->mean_row[i] = m->ck.mean[i % (size_t)m->ck.nchannels];
        m->std_row[i] = m->ck.std[i % (size_t)m->ck.nchannels];
    }
    return m;
}

void har_predictor_free(har_predictor *m)
{
    if (!m)
        return;
    har_checkpoint_free(&m->ck);
    free(m->x);
    free(m->p);
    free(m->mean_row);
    free(m->std_row);
    free(m);
}

/* The arithmetic of har_standardise (har-norm, har-eval), value by value. */
HAR_VEC_INLINE void standardise_at(size_t i, float *restrict out, const float *restrict in,
                                   const double *restrict mean, const double *restrict std)
{
    out[i] = (float)(((double)in[i] - mean[i]) / std[i]);
}

/* The same 8 values at a time, as GCC vectors (its vectoriser at -O2 leaves
 * a loop that mixes float and double alone): subtraction and division are
 * the same IEEE operations, value by value. */
typedef float f8 __attribute__((vector_size(32)));
typedef double d8 __attribute__((vector_size(64)));
typedef uint32_t u16v __attribute__((vector_size(64)));

HAR_VEC_KERNEL static void standardise(float *restrict out, const float *restrict in, const double *restrict mean,
                                       const double *restrict std, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        f8 x, y;
        d8 mu, sd;
        memcpy(&x, in + i, sizeof x);
        memcpy(&mu, mean + i, sizeof mu);
        memcpy(&sd, std + i, sizeof sd);
        y = __builtin_convertvector((__builtin_convertvector(x, d8) - mu) / sd, f8);
        memcpy(out + i, &y, sizeof y);
    }
    for (; i < n; i++)
        standardise_at(i, out, in, mean, std);
}

/* Is a value infinite or NaN (all-ones exponent)?  16 at a time. */
HAR_VEC_KERNEL static int any_nonfinite(const float *restrict v, size_t n)
{
    const uint32_t ones = 0x7f800000u;
    u16v bad = {0};
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        u16v u;
        memcpy(&u, v + i, sizeof u);
        bad |= (u16v)((u & ones) == ones);
    }
    uint32_t any = 0;
    for (int l = 0; l < 16; l++)
        any |= bad[l];
    for (; i < n; i++) {
        uint32_t u;
        memcpy(&u, v + i, sizeof u);
        any |= (u & ones) == ones;
    }
    return any != 0;
}

/* Normalises value by value and names the first one that is not finite,
 * before or after: the slow path, taken only to say what went wrong. */
static int standardise_checked(har_predictor *m, const float *window, int T, int C)
{
    const har_checkpoint *ck = &m->ck;
    for (int t = 0; t < T; t++)
        for (int j = 0; j < C; j++) {
            size_t i = (size_t)t * (size_t)C + (size_t)j;
            if (!isfinite(window[i]))
                return set_error(m, "sample %d, channel %s is %s", t, ck->channels[j],
                                 isnan(window[i]) ? "NaN" : "infinite");
            standardise_at(i, m->x, window, m->mean_row, m->std_row);
            if (!isfinite(m->x[i]))
                return set_error(m, "sample %d, channel %s (%g) overflows after normalising", t,
                                 ck->channels[j], (double)window[i]);
        }
    return 0;
}

int predict_activity(har_predictor *m, const float *window, int T, int C, int *label, float *probs)
{
    const har_checkpoint *ck = &m->ck;
    if (T != ck->window || C != ck->nchannels)
        return set_error(m, "window of %d x %d, but the model takes %d x %d (samples x channels)", T, C,
                         ck->window, ck->nchannels);
    size_t n = (size_t)T * (size_t)C;
    /* One check, after: a value that is not finite stays so when
     * normalised (the statistics are finite), so the normalised window
     * answers for the raw one too. */
    standardise(m->x, window, m->mean_row, m->std_row, n);
    int rc;
    if (any_nonfinite(m->x, n) && (rc = standardise_checked(m, window, T, C)))
        return rc;
    const int K = ck->nclasses;
    const real *z = har_model_forward(&m->ck.model, m->x, 1, 0);
    /* The softmax of har-eval, so both report the same probabilities; the
     * loss it also computes (against class 0) is not used. */
    const int32_t none = 0;
    har_softmax_xent(z, &none, 1, K, NULL, 0, NULL, m->p);
    if (label)
        *label = har_argmax(m->p, K);
    if (probs)
        memcpy(probs, m->p, (size_t)K * sizeof *probs);
    return 0;
}

int har_predictor_window(const har_predictor *m) { return m->ck.window; }
int har_predictor_channels(const har_predictor *m) { return m->ck.nchannels; }
int har_predictor_classes(const har_predictor *m) { return m->ck.nclasses; }
const char *har_predictor_error(const har_predictor *m) { return m->error; }
const har_checkpoint *har_predictor_checkpoint(const har_predictor *m) { return &m->ck; }

const char *har_predictor_class_name(const har_predictor *m, int label)
{
    return label >= 0 && label < m->ck.nclasses ? m->ck.classes[label] : NULL;
}

const char *har_predictor_channel_name(const har_predictor *m, int channel)
{
    return channel >= 0 && channel < m->ck.nchannels ? m->ck.channels[channel] : NULL;
}

const char *har_predictor_metadata(const har_predictor *m, const char *key)
{
    return har_tfile_meta_get(m->ck.file, key);
}

/* Copies e's message into err (errlen bytes, terminated). */
static void copy_error(const har_err *e, char *err, size_t errlen)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", e->msg[0] ? e->msg : "out of memory");
}

har_predictor *har_predictor_load(const char *path, char *err, size_t errlen)
{
    har_err e = {0};
    har_predictor *m = har_predictor_open(path, &e);
    if (!m)
        copy_error(&e, err, errlen);
    else if (err && errlen)
        err[0] = 0;
    return m;
}

/* ---- streams ---- */

struct har_stream {
    har_predictor *m;
    har_preproc pp;
    int stride, t, c;
    int sel[HAR_CHANNELS]; /* the model's channels among the chain's nine */
    float *ring;     /* [T, C] the last T filtered samples, oldest at n % T */
    double *ring_t;  /* [T] their times (timed streams) */
    float *window;   /* [T, C] the ring in time order */
    float *probs;    /* [K] */
    /* timed streams (har_stream_push_at): timestamps -> resampled samples,
     * queued until har_stream_next classifies them */
    int timed;       /* -1 not yet known, 0 har_stream_push, 1 har_stream_push_at */
    har_timeline tl;
    double origin;   /* the first timestamp */
    double *queue, *queue_t;
    int64_t *queue_piece;
    int64_t qhead, qlen, qcap;
    int64_t piece, piece_n; /* current piece; samples of it in the ring */
};

/* The stream rebuilds windows with the default filter chain; a model
 * trained on anything else would be fed different windows.  The model may
 * take the nine channels or the six accelerometer ones, in the chain's
 * order. */
static int stream_compatible(const har_checkpoint *ck, int *sel, har_err *e)
{
    const char *src = ck->file->source ? ck->file->source : "<checkpoint>";
    if (ck->nchannels != HAR_CHANNELS && ck->nchannels != HAR_ACC_CHANNELS)
        return har_fail(e, HAR_EDATA, "%s: streams produce the %d UCI channels (or the %d accelerometer ones), "
                        "but the model takes %d", src, HAR_CHANNELS, HAR_ACC_CHANNELS, ck->nchannels);
    for (int j = 0; j < ck->nchannels; j++) {
        sel[j] = ck->nchannels == HAR_CHANNELS ? j : har_acc_channels[j];
        if (strcmp(ck->channels[j], har_channel_names[sel[j]]))
            return har_fail(e, HAR_EDATA, "%s: channel %d is %s, but streams produce %s there", src, j,
                            ck->channels[j], har_channel_names[sel[j]]);
    }
    char want[600];
    har_preproc_describe(&har_preproc_defaults, want, sizeof want);
    const char *pre = har_tfile_meta_get(ck->file, "preprocessing");
    if (!pre || strcmp(pre, want))
        return har_fail(e, HAR_EDATA,
                        "%s: the model's windows were preprocessed as \"%s\"; streams use \"%s\"", src,
                        pre ? pre : "(not recorded)", want);
    const char *fs = har_tfile_meta_get(ck->file, "sample_rate_hz");
    if (!fs || strtod(fs, NULL) != har_preproc_defaults.fs_hz)
        return har_fail(e, HAR_EDATA, "%s: sample rate %s Hz, streams run at %g Hz", src, fs ? fs : "unknown",
                        har_preproc_defaults.fs_hz);
    return 0;
}

/* A resampled sample of a timed stream: queued for har_stream_next. */
static int enqueue(void *ctx, int64_t piece, int64_t k, int64_t nearest, double t, const double out[HAR_CHANNELS])
{
    har_stream *s = ctx;
    (void)k, (void)nearest;
    if (s->qhead > 0 && s->qhead == s->qlen)
        s->qhead = s->qlen = 0;
    if (s->qlen == s->qcap) {
        if (s->qhead > 0) { /* slide the unread part to the front */
            int64_t n = s->qlen - s->qhead;
            memmove(s->queue, s->queue + s->qhead * HAR_CHANNELS, (size_t)(n * HAR_CHANNELS) * sizeof *s->queue);
            memmove(s->queue_t, s->queue_t + s->qhead, (size_t)n * sizeof *s->queue_t);
            memmove(s->queue_piece, s->queue_piece + s->qhead, (size_t)n * sizeof *s->queue_piece);
            s->qhead = 0;
            s->qlen = n;
        } else {
            int64_t cap = s->qcap ? 2 * s->qcap : 16;
            double *q = realloc(s->queue, (size_t)(cap * HAR_CHANNELS) * sizeof *q);
            if (q)
                s->queue = q;
            double *qt = q ? realloc(s->queue_t, (size_t)cap * sizeof *qt) : NULL;
            if (qt)
                s->queue_t = qt;
            int64_t *qp = qt ? realloc(s->queue_piece, (size_t)cap * sizeof *qp) : NULL;
            if (!qp)
                return HAR_EIO;
            s->queue_piece = qp;
            s->qcap = cap;
        }
    }
    memcpy(s->queue + s->qlen * HAR_CHANNELS, out, HAR_CHANNELS * sizeof *out);
    s->queue_t[s->qlen] = t;
    s->queue_piece[s->qlen] = piece;
    s->qlen++;
    return 0;
}

har_stream *har_stream_open_timed(har_predictor *m, int stride, const har_timeline_params *timing, har_err *e)
{
    const har_checkpoint *ck = &m->ck;
    int sel[HAR_CHANNELS];
    if (stream_compatible(ck, sel, e))
        return NULL;
    if (stride == 0) {
        const char *s = har_tfile_meta_get(ck->file, "stride");
        stride = s ? atoi(s) : 0;
        if (stride < 1) {
            har_fail(e, HAR_EDATA, "%s: metadata 'stride' is missing or invalid; give a stride",
                     ck->file->source ? ck->file->source : "<checkpoint>");
            return NULL;
        }
    }
    if (stride < 1) {
        har_fail(e, HAR_EUSAGE, "stride must be at least 1, got %d", stride);
        return NULL;
    }
    har_stream *s = har_malloc(sizeof *s, e);
    if (!s)
        return NULL;
    memset(s, 0, sizeof *s);
    s->m = m;
    s->stride = stride;
    s->t = ck->window;
    s->c = ck->nchannels;
    s->timed = -1;
    memcpy(s->sel, sel, sizeof sel);
    har_timeline_params tp = timing ? *timing : har_timeline_defaults;
    tp.preproc = har_preproc_defaults;
    size_t n = (size_t)s->t * (size_t)s->c;
    if (!(s->ring = har_malloc(n * sizeof *s->ring, e)) || !(s->window = har_malloc(n * sizeof *s->window, e)) ||
        !(s->ring_t = har_malloc((size_t)s->t * sizeof *s->ring_t, e)) ||
        !(s->probs = har_malloc((size_t)ck->nclasses * sizeof *s->probs, e)) ||
        har_preproc_init(&s->pp, &har_preproc_defaults, e) || har_timeline_init(&s->tl, &tp, enqueue, s, e)) {
        har_stream_free(s);
        return NULL;
    }
    return s;
}

har_stream *har_stream_open(har_predictor *m, int stride, har_err *e)
{
    return har_stream_open_timed(m, stride, NULL, e);
}

void har_stream_free(har_stream *s)
{
    if (!s)
        return;
    har_timeline_free(&s->tl);
    free(s->ring);
    free(s->ring_t);
    free(s->window);
    free(s->probs);
    free(s->queue);
    free(s->queue_t);
    free(s->queue_piece);
    free(s);
}

int64_t har_stream_samples(const har_stream *s) { return s->timed == 1 ? s->tl.pushed : s->pp.n; }

har_stream *har_stream_new(har_predictor *m, int stride)
{
    har_err e = {0};
    har_stream *s = har_stream_open(m, stride, &e);
    if (!s)
        snprintf(m->error, sizeof m->error, "%s", e.msg[0] ? e.msg : "out of memory");
    return s;
}

/* Checks the raw values a stream uses (an accelerometer-only model ignores
 * the gyroscope). */
static int check_raw(har_stream *s, const double raw[HAR_STREAM_CHANNELS], int64_t index)
{
    static const char *const raw_names[HAR_RAW_CHANNELS] = {"ax", "ay", "az", "gx", "gy", "gz"};
    int used = s->c == HAR_ACC_CHANNELS ? 3 : HAR_RAW_CHANNELS;
    for (int j = 0; j < used; j++)
        if (!isfinite(raw[j]))
            return set_error(s->m, "sample %lld: %s is %s", (long long)index, raw_names[j],
                             isnan(raw[j]) ? "NaN" : "infinite");
    return 0;
}

/* One filtered sample into the ring as sample n of the current run; when a
 * window of T ends on it at a multiple of the stride, classifies it. */
static int feed(har_stream *s, const double ch[HAR_CHANNELS], int64_t n, double t, har_stream_prediction *out)
{
    /* Stored as float, exactly as har-ingest stores its windows. */
    float *row = s->ring + (size_t)(n % s->t) * (size_t)s->c;
    for (int j = 0; j < s->c; j++)
        row[j] = (float)ch[s->sel[j]];
    s->ring_t[n % s->t] = t;
    int64_t start = n + 1 - s->t;
    if (start < 0 || start % s->stride)
        return 0;
    /* Unroll the ring: the oldest sample sits at start % T. */
    size_t rowlen = (size_t)s->c * sizeof(float), head = (size_t)(start % s->t);
    memcpy(s->window, s->ring + head * (size_t)s->c, ((size_t)s->t - head) * rowlen);
    memcpy(s->window + ((size_t)s->t - head) * (size_t)s->c, s->ring, head * rowlen);
    int label;
    if (predict_activity(s->m, s->window, s->t, s->c, &label, s->probs))
        return -1;
    double rate = har_preproc_defaults.fs_hz;
    if (s->timed == 1) {
        /* On the stream's own timeline, as har-ingest numbers the windows
         * of a recording: 0 = its first timestamp. */
        out->time_s = s->ring_t[start % s->t] - s->origin;
        out->start = llround(out->time_s * rate);
    } else {
        out->start = start;
        out->time_s = (double)start / rate;
    }
    out->label = label;
    out->probs = s->probs;
    out->window = s->window;
    return 1;
}

int har_stream_push(har_stream *s, const double raw[HAR_STREAM_CHANNELS], har_stream_prediction *out)
{
    if (s->timed == 1) {
        set_error(s->m, "this stream takes timestamped samples (har_stream_push_at)");
        return -1;
    }
    if (check_raw(s, raw, s->pp.n))
        return -1;
    s->timed = 0;
    double ch[HAR_CHANNELS];
    int64_t n = s->pp.n; /* index of this sample */
    har_preproc_push(&s->pp, raw, ch);
    return feed(s, ch, n, NAN, out);
}

int har_stream_next(har_stream *s, har_stream_prediction *out)
{
    while (s->qhead < s->qlen) {
        int64_t i = s->qhead++;
        if (s->queue_piece[i] != s->piece) { /* after a gap: no window spans it */
            s->piece = s->queue_piece[i];
            s->piece_n = 0;
        }
        int r = feed(s, s->queue + i * HAR_CHANNELS, s->piece_n++, s->queue_t[i], out);
        if (r)
            return r;
    }
    return 0;
}

int har_stream_push_at(har_stream *s, double t, const double raw[HAR_STREAM_CHANNELS], har_stream_prediction *out)
{
    if (s->timed == 0) {
        set_error(s->m, "this stream takes samples without timestamps (har_stream_push)");
        return -1;
    }
    if (check_raw(s, raw, s->tl.pushed))
        return -1;
    if (s->timed < 0) {
        s->timed = 1;
        s->origin = t;
    }
    har_err e = {0};
    double full[HAR_RAW_CHANNELS];
    memcpy(full, raw, sizeof full);
    if (s->c == HAR_ACC_CHANNELS) /* the gyroscope is not used: keep the filters finite */
        full[3] = full[4] = full[5] = 0;
    int rc = har_timeline_push(&s->tl, t, full, &e);
    if (rc) {
        set_error(s->m, "sample %lld: %s", (long long)s->tl.pushed, e.msg[0] ? e.msg : "out of memory");
        return -1;
    }
    return har_stream_next(s, out);
}

const har_timeline *har_stream_timeline(const har_stream *s)
{
    return &s->tl;
}
