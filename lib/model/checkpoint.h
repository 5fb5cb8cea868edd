/* checkpoint.h - a trained model on disk: one tensor file any har tool (and
 * PyTorch, via safetensors) can read.  Everything about that file is here:
 * saving it, loading it, whether a run may resume from it, and whether a
 * dataset fits the model it holds.
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
#include "data/windows.h"
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

/* ---- saving ---------------------------------------------------------------- */

/* Where a checkpoint comes from: what it records besides the model's
 * parameters and training state. */
typedef struct {
    const har_windows *train;  /* the training split: window shape, classes,
                                  channels, units, sample rate, stride,
                                  preprocessing and digest are copied from it */
    const char *val_digest;    /* the validation split's digest, or "none" */
    const double *mean, *std;  /* the normalisation fitted on train [train->c] */
    const char *tool;          /* "har-train" */
    int argc;                  /* the command that trained it, minus what */
    char *const *argv;         /* cannot change the result (provenance) */
    const char *git_commit;    /* the tools' commit */
    const char *blas_kernels;  /* OpenBLAS's kernels (they round differently) */
} har_checkpoint_origin;

/* Adds the model's parameters and the state a resumed run needs to f (in
 * the training module: har_trainer_save), in a fixed order. */
typedef int har_checkpoint_state_fn(const void *state, har_tfile *f, har_err *e);

/* Writes a checkpoint to path atomically: the normalisation, what
 * add_state(state, ...) adds, then the metadata of o.  The same arguments
 * give the same bytes. */
int har_checkpoint_save(const har_checkpoint_origin *o, har_checkpoint_state_fn *add_state,
                        const void *state, const char *path, har_err *e);

/* ---- resuming --------------------------------------------------------------- */

/* May a run with these hyperparameters (the JSON of the training
 * configuration) on these splits continue from the checkpoint f read from
 * path?  0, or HAR_EUSAGE (other hyperparameters) / HAR_EDATA (other data)
 * with both sides in the message. */
int har_checkpoint_check_resume(const har_tfile *f, const char *path, const char *hyperparameters,
                                const char *train_digest, const char *val_digest, har_err *e);

/* ---- does a dataset fit the model ------------------------------------------- */

enum {
    HAR_FIT_RAW = 1,     /* refuse normalised windows: the caller normalises
                            them with the checkpoint's statistics itself */
    HAR_FIT_CLASSES = 2  /* the classes must be the model's, in its order */
};
/* Checks that the windows w can go through the model of ck (read from
 * ck_path): the window length and channel count, the channels' names and
 * order, and per flags the classes and rawness.  0, or HAR_EDATA naming both
 * files and what differs. */
int har_checkpoint_fits(const har_checkpoint *ck, const char *ck_path, const har_windows *w, int flags,
                        har_err *e);

/* ---- the model's parameters ------------------------------------------------- */

/* Adds every parameter of m to f under its name (F32). */
int har_checkpoint_put_weights(har_tfile *f, const har_model *m, har_err *e);
/* Copies the parameters of f into m, checking names, shapes and finiteness. */
int har_checkpoint_get_weights(const har_tfile *f, har_model *m, har_err *e);

#endif
