/* har.h - the public C API: classify raw IMU windows, or a live stream of raw
 * samples, with a checkpoint from har-train.
 *
 *   har_err e = {0};
 *   har_predictor *m = har_load_model("model.safetensors.gz", &e);
 *   int label;
 *   float probs[16];                       (har_model_classes(m) values)
 *   if (!m || predict_activity(m, window, 128, 9, &label, probs))
 *       ... har_model_error(m) or e.msg says why ...
 *   printf("%s %.3f\n", har_class_name(m, label), probs[label]);
 *   har_free_model(m);
 *
 * A window is T x C floats, time-major, channels in the model's order (UCI:
 * body_acc xyz, body_gyro xyz, total_acc xyz) and in raw units (g, rad/s):
 * the normalisation fitted on the training split is stored in the checkpoint
 * and applied here with the same arithmetic as har-norm, so serving cannot
 * drift from training.  Predictions are computed one window at a time, always
 * the same way, so they are reproducible bit for bit.
 *
 * The streaming API takes raw samples one at a time (ax ay az in g, gx gy gz
 * in rad/s at the model's sample rate), runs them through the causal filter
 * chain of har-ingest (dsp.h: one implementation) and predicts every stride
 * once a full window is buffered.  Its memory is fixed: one window. */
#ifndef HAR_H
#define HAR_H

#include <stdint.h>

#include "model/checkpoint.h"
#include "ingest/dsp.h"
#include "core/err.h"

typedef struct har_predictor har_predictor;

/* Loads and validates a checkpoint; NULL (and e set) on failure. */
har_predictor *har_load_model(const char *path, har_err *e);
void har_free_model(har_predictor *m);

/* Classifies one raw window of T x C floats: *label receives the class index
 * (may be NULL), probs (may be NULL) the har_model_classes(m) softmax
 * probabilities.  Returns 0, or HAR_EDATA if T or C differ from the model or
 * a value is not finite (har_model_error says which). */
int predict_activity(har_predictor *m, const float *window, int T, int C, int *label, float *probs);

int har_model_window(const har_predictor *m);   /* T */
int har_model_channels(const har_predictor *m); /* C */
int har_model_classes(const har_predictor *m);  /* K */
const char *har_class_name(const har_predictor *m, int label);
/* The last error of predict_activity or the streaming calls. */
const char *har_model_error(const har_predictor *m);
/* The checkpoint behind m: spec, parameters, metadata. */
const har_checkpoint *har_model_checkpoint(const har_predictor *m);

typedef struct har_stream har_stream;

/* One prediction of a stream.  window and probs point into the stream and
 * stay valid until the next push. */
typedef struct {
    int64_t start;       /* index of the window's first sample (0 = first pushed) */
    int label;
    const float *probs;  /* [K] */
    const float *window; /* [T, C] the raw (filtered, un-normalised) window */
} har_stream_prediction;

/* A stream predicting every `stride` samples (0: the stride the model's
 * training windows used, metadata "stride").  Refused (NULL, e set) if the
 * model was not trained on the nine channels of har-ingest's filter chain
 * with its default parameters, since the windows would differ. */
har_stream *har_stream_new(har_predictor *m, int stride, har_err *e);
void har_stream_free(har_stream *s);

/* Pushes one raw sample.  Returns 1 with *out filled when a window completed
 * and was classified, 0 when more samples are needed, -1 if a value is not
 * finite (the sample is not consumed) or the window could not be classified
 * (a value overflows after normalising); har_model_error says which.  (-1,
 * not HAR_EDATA: that is 1, the value of success here.) */
int har_stream_push(har_stream *s, const double raw[HAR_RAW_CHANNELS], har_stream_prediction *out);

/* Samples pushed so far. */
int64_t har_stream_samples(const har_stream *s);

#endif
