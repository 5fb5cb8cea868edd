/* split.h - subject-disjoint splits and the leakage audit (har-split).
 *
 * Windows of one volunteer are strongly correlated, so a model evaluated on
 * windows of a subject it was trained on looks far better than it is.  Splits
 * are therefore made of whole subjects, and every set of outputs is audited:
 * for each pair of outputs that must be disjoint, the subjects they share
 * (must be none). */
#ifndef HAR_SPLIT_H
#define HAR_SPLIT_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "idlist.h"

typedef struct {
    char name[32];       /* "train", "val", "test", "fold03-train", ... */
    int fold;            /* 0: not part of a fold (shared by all folds) */
    har_idlist subjects;
} har_split_part;

typedef struct {
    har_split_part *parts;
    size_t n;
} har_split_plan;

typedef struct {
    const har_idlist *test; /* test subjects (may be empty) */
    const har_idlist *val;  /* explicit validation subjects, or NULL */
    int val_count;          /* > 0: draw this many validation subjects */
    int folds;              /* > 0: K folds over the non-test subjects */
    int loso;               /* leave-one-subject-out over the non-test subjects */
    uint64_t seed;          /* for val_count and folds */
} har_split_opts;

/* Assigns the subjects present in the data to outputs.  Within each fold
 * (and without folds), train, val and test partition `present`. */
int har_split_plan_make(const har_idlist *present, const har_split_opts *o, har_split_plan *plan, har_err *e);
void har_split_plan_free(har_split_plan *plan);

typedef struct {
    char *name, *file;
    int fold;             /* pairs are audited within a fold and against fold 0 */
    har_idlist subjects;  /* subjects actually present in the output */
    int64_t windows;
} har_audit_item;

typedef struct {
    size_t a, b;
    har_idlist shared;
} har_audit_pair;

typedef struct {
    har_audit_item *items;
    size_t nitems;
    har_audit_pair *pairs;
    size_t npairs;
    int64_t shared_total; /* sum of |shared| over pairs: 0 means no leakage */
} har_audit;

/* Adds an output (copies name, file and subjects). */
int har_audit_add(har_audit *a, const char *name, const char *file, int fold, const har_idlist *subjects,
                  int64_t windows, har_err *e);
/* Computes the pairwise intersections. */
int har_audit_run(har_audit *a, har_err *e);
void har_audit_print(FILE *out, const har_audit *a);
void har_audit_csv(FILE *out, const har_audit *a);
void har_audit_free(har_audit *a);

#endif
