/* predictor.h - what the tools reach behind har.h: the same predictor with
 * har's own error type (so a tool exits with the code the error carries) and
 * the checkpoint it holds.  Not installed; callers outside har use har.h. */
#ifndef HAR_PREDICTOR_H
#define HAR_PREDICTOR_H

#include "har.h"
#include "core/err.h"
#include "model/checkpoint.h"

/* har_predictor_load and har_stream_new with a har_err: NULL and e set. */
har_predictor *har_predictor_open(const char *path, har_err *e);
har_stream *har_stream_open(har_predictor *m, int stride, har_err *e);

/* The checkpoint behind m: spec, parameters, metadata, normalisation. */
const har_checkpoint *har_predictor_checkpoint(const har_predictor *m);

#endif
