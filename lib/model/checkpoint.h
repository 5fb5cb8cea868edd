/* checkpoint.h - a trained model on disk: one tensor file any har tool (and
 * PyTorch, via safetensors) can read.
 *
 *   <parameter name>   F32   every model parameter under its PyTorch name
 *                            ("0.weight", "1.weight_ih_l0", "3.body.0.bias")
 *   norm.mean          F64 [C]  the per-channel normalisation fitted on the
 *   norm.std           F64 [C]  training split, applied to raw input
 *   train.*                  the training state --resume needs (optimizer
 *                            moments, random streams, per-epoch history)
 *
 * Metadata: format=har-checkpoint/1, spec, classes, channels, units, window,
 * sample_rate_hz, hyperparameters (JSON), seed, epoch, best_epoch, stop
 * reason so far, tool, tool_version, git_commit, train_digest, val_digest.
 * Nothing in it depends on the clock, so one command and seed always give
 * the same bytes. */
#ifndef HAR_CHECKPOINT_H
#define HAR_CHECKPOINT_H

#include "core/err.h"
#include "nn/model.h"
#include "io/tensorfile.h"

#define HAR_CHECKPOINT_FORMAT "har-checkpoint/1"
/* Largest output of one layer for one window (values) a checkpoint may ask
 * for: 2^26 floats = 256 MB, some thousand times what any model here needs. */
#define HAR_CHECKPOINT_MAX_ACTIVATION ((size_t)1 << 26)

typedef struct {
    har_tfile *file;        /* everything as read */
    har_model model;        /* built from "spec", weights loaded */
    char **classes;         /* from "classes" (one allocation) */
    char **channels;
    int nclasses, nchannels;
    int window;             /* T */
    const double *mean, *std; /* [nchannels], point into file */
} har_checkpoint;

/* Reads and validates a checkpoint: format, spec, classes, channels, every
 * parameter present with the right shape and finite, normalisation stats. */
int har_checkpoint_load(har_checkpoint *ck, const char *path, har_err *e);
/* The same from a file already read (takes ownership of f, also on error). */
int har_checkpoint_from_tfile(har_checkpoint *ck, har_tfile *f, har_err *e);
void har_checkpoint_free(har_checkpoint *ck);

/* Adds every parameter of m to f under its name (F32). */
int har_checkpoint_put_weights(har_tfile *f, const har_model *m, har_err *e);
/* Copies the parameters of f into m, checking names, shapes and finiteness. */
int har_checkpoint_get_weights(const har_tfile *f, har_model *m, har_err *e);

#endif
