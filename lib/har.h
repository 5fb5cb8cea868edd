/* har.h - the public C API of har: classify raw IMU windows, or a live stream
 * of raw samples, with a checkpoint made by har-train.
 *
 *   char why[256];
 *   har_predictor *m = har_predictor_load("model.safetensors.gz", why, sizeof why);
 *   if (!m)
 *       ... why says which file and what is wrong ...
 *   int label;
 *   float probs[16];                      (har_predictor_classes(m) values)
 *   if (predict_activity(m, window, 128, 9, &label, probs) == 0)
 *       printf("%s %.3f\n", har_predictor_class_name(m, label), probs[label]);
 *   else
 *       ... har_predictor_error(m) says why ...
 *   har_predictor_free(m);
 *
 * Link: -lhar plus its dependencies (-lcjson -lz -lcrypto -lopenblas -lm
 * -pthread).  This header needs only the C standard headers; the types are
 * opaque, so the library can change inside without breaking a caller.
 *
 * A window is T x C floats, time-major (sample 0's C channels, then sample
 * 1's, ...), channels in the model's order (har_predictor_channel_name; the
 * UCI set: body_acc xyz, body_gyro xyz, total_acc xyz) and in raw units (g,
 * rad/s).  The normalisation fitted on the training split is stored in the
 * checkpoint and applied here with the same arithmetic as har-norm, so
 * serving cannot drift from training: the probabilities are those har-eval
 * reports for the same window, bit for bit, and the same window always gives
 * the same bits.
 *
 * Threads: a predictor (and a stream on it) keeps its scratch space and last
 * error inside, so give each thread its own predictor; different predictors
 * share nothing. */
#ifndef HAR_H
#define HAR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* predict_activity's return when it refuses a window (wrong shape, a value
 * that is not finite before or after normalising). */
#define HAR_PREDICT_REFUSED 1

/* The raw values of one stream sample: ax ay az in g, gx gy gz in rad/s (a
 * model of the six accelerometer channels ignores gx gy gz). */
#define HAR_STREAM_CHANNELS 6

typedef struct har_predictor har_predictor;
typedef struct har_stream har_stream;

/* ---- a predictor: one checkpoint, ready to classify ---------------------- */

/* Loads and validates a checkpoint (format, spec, every parameter, the
 * normalisation).  Returns NULL on failure, with a one-line message naming
 * the file in err (errlen bytes, always terminated; err may be NULL). */
har_predictor *har_predictor_load(const char *path, char *err, size_t errlen);
/* Frees m; free its streams first (they use it).  NULL is fine. */
void har_predictor_free(har_predictor *m);

/* Classifies one raw window of T x C floats.  *label receives the class
 * index (label may be NULL), probs the har_predictor_classes(m) softmax
 * probabilities (probs may be NULL).  Returns 0, or HAR_PREDICT_REFUSED if T
 * or C are not the model's or a value is not finite (har_predictor_error
 * says which sample and channel); window is never modified.  Named as the
 * product has always named it: the one call a deployment makes. */
int predict_activity(har_predictor *m, const float *window, int T, int C, int *label, float *probs);

int har_predictor_window(const har_predictor *m);   /* T: samples per window */
int har_predictor_channels(const har_predictor *m); /* C */
int har_predictor_classes(const har_predictor *m);  /* K */
/* The name of class label (0..K-1) or channel (0..C-1); NULL out of range.
 * The strings live as long as m. */
const char *har_predictor_class_name(const har_predictor *m, int label);
const char *har_predictor_channel_name(const har_predictor *m, int channel);
/* A metadata value of the checkpoint ("spec", "classes", "channels",
 * "units", "sample_rate_hz", "stride", "hyperparameters", "seed",
 * "git_commit", ...: the keys har-train writes), or NULL if it has none.
 * The string lives as long as m. */
const char *har_predictor_metadata(const har_predictor *m, const char *key);
/* Why the last predict_activity or stream call on m failed ("" if none
 * has).  Valid until the next call on m. */
const char *har_predictor_error(const har_predictor *m);

/* ---- a stream: raw samples in, a prediction every stride samples ---------- */

/* One prediction of a stream.  window and probs point into the stream and
 * stay valid until the next push. */
typedef struct {
    int64_t start;       /* index of the window's first sample at the model's rate
                            (0 = the first sample, or the first timestamp) */
    double time_s;       /* the same in seconds (start / rate, or the time since
                            the first timestamp) */
    int label;
    const float *probs;  /* [K] */
    const float *window; /* [T, C] the raw (filtered, un-normalised) window */
} har_stream_prediction;

/* A stream on m predicting every stride samples (0: the stride of the
 * model's training windows).  Samples go through har-ingest's causal filter
 * chain (one implementation), so the windows are those har-ingest would
 * cut.  Returns NULL if the model was not trained on the nine channels of
 * that chain (or its six accelerometer ones) with its default parameters
 * (the windows would differ), or stride is negative; har_predictor_error(m)
 * says why.  Memory is fixed: one window (timed streams add the resampler's
 * 0.2 s of samples). */
har_stream *har_stream_new(har_predictor *m, int stride);
void har_stream_free(har_stream *s); /* NULL is fine */

/* Pushes one raw sample.  Returns 1 with *out filled when a window completed
 * and was classified, 0 when more samples are needed, -1 if a value is not
 * finite (the sample is not consumed) or the window was refused (a value
 * overflows after normalising); har_predictor_error says which. */
int har_stream_push(har_stream *s, const double raw[HAR_STREAM_CHANNELS], har_stream_prediction *out);

/* Pushes one sample taken at time t (seconds from any fixed origin; small
 * numbers keep precision, e.g. seconds since the stream began) at the
 * device's own rate, regular or not.  Samples are resampled to the model's
 * rate as har-ingest resamples a recording of the generic layout (the same
 * code: the windows are those it cuts, bit for bit, 0.2 s late), and an
 * interval over 0.1 s restarts the filters (no window spans a gap).
 * Returns like har_stream_push; one sample can complete more than one
 * window, so after a 1 call har_stream_next until it returns 0.  A
 * timestamp that does not increase is refused (-1, the sample not
 * consumed).  A stream takes either har_stream_push or har_stream_push_at. */
int har_stream_push_at(har_stream *s, double t, const double raw[HAR_STREAM_CHANNELS], har_stream_prediction *out);
/* The next window a har_stream_push_at completed: 1 with *out, 0 when none
 * is left, -1 if it was refused. */
int har_stream_next(har_stream *s, har_stream_prediction *out);

/* Samples pushed so far (timed streams: counting dropped ones). */
int64_t har_stream_samples(const har_stream *s);

#ifdef __cplusplus
}
#endif

#endif
