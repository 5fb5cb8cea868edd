/* trainset.h - the windows a training run learns from: the training split,
 * the optional validation split, and the normalisation the checkpoint will
 * carry, loaded and checked before any training starts. */
#ifndef HAR_TRAINSET_H
#define HAR_TRAINSET_H

#include "core/err.h"
#include "data/windows.h"

typedef struct {
    har_windows train, val;
    int has_val;
    const char *val_digest;  /* val's digest, or "none" */
    double *mean, *std;      /* [train.c]: the normalisation of both splits */
} har_trainset;

/* Loads TRAIN (and VAL if val_path is not NULL) and checks that they can be
 * trained on: TRAIN holds at least two classes in its windows, not only in
 * its metadata; VAL has TRAIN's window shape, classes and channels and none
 * of its subjects.  With stats_path (har-norm fit) both are normalised with
 * it here; without, both must have been normalised with the same statistics
 * already (har-norm apply), which are read back from their metadata.
 * 0, or an error naming the file: HAR_EAUDIT for a subject in both splits,
 * HAR_EDATA otherwise. */
int har_trainset_load(har_trainset *s, const char *train_path, const char *val_path, const char *stats_path,
                      har_err *e);
void har_trainset_free(har_trainset *s);

#endif
