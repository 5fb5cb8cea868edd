/* predictor.h - what the tools reach behind har.h: the same predictor with
 * har's own error type (so a tool exits with the code the error carries) and
 * the checkpoint it holds.  Not installed; callers outside har use har.h. */
#ifndef HAR_PREDICTOR_H
#define HAR_PREDICTOR_H

#include "har.h"
#include "core/err.h"
#include "ingest/timeline.h"
#include "model/checkpoint.h"

/* har_predictor_load and har_stream_new with a har_err: NULL and e set. */
har_predictor *har_predictor_open(const char *path, har_err *e);
har_stream *har_stream_open(har_predictor *m, int stride, har_err *e);
/* The same with the timeline's parameters for har_stream_push_at (NULL:
 * har_timeline_defaults; the rate is always the chain's 50 Hz). */
har_stream *har_stream_open_timed(har_predictor *m, int stride, const har_timeline_params *timing, har_err *e);
/* What a timed stream counted: samples dropped, gaps, pieces. */
const har_timeline *har_stream_timeline(const har_stream *s);

/* The checkpoint behind m: spec, parameters, metadata, normalisation. */
const har_checkpoint *har_predictor_checkpoint(const har_predictor *m);

#endif
