/* split.h - subject-disjoint splits, the leakage audit and the thinning of
 * a class in training outputs (har-split).
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

#include "core/err.h"
#include "io/idlist.h"

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

/* Thinning a class in the training outputs (har-split --thin-class): to
 * induce class imbalance on purpose, e.g. for a study of its effect.  Rules
 * come from "CLASS=FRACTION[,CLASS=FRACTION...]". */
typedef struct {
    char *name;      /* as given; must be one of the dataset's classes */
    int cls;         /* its index in the classes (har_thin_resolve) */
    double fraction; /* of the class's windows to keep, in (0, 1] */
} har_thin_rule;

typedef struct {
    har_thin_rule *rules;
    size_t n;
} har_thin;

/* Adds the rules of arg to t (so the option may be repeated).  HAR_EUSAGE,
 * naming the item, for one that is not CLASS=FRACTION, a fraction that is not
 * a number in (0, 1], or a class named twice (also across calls). */
int har_thin_parse(har_thin *t, const char *arg, har_err *e);
/* Looks every rule's class up among classes[0..k): HAR_EUSAGE naming an
 * unknown one and listing the classes. */
int har_thin_resolve(har_thin *t, char **classes, int k, har_err *e);
void har_thin_free(har_thin *t);

/* Thins the windows idx[0..*m) (indices into y, which holds their classes)
 * by the rules: for each rule, of the n windows of its class among them, a
 * shuffle seeded by seed and the class index picks round(fraction * n)
 * (halves up) to keep; the others leave idx, which keeps its order (*m
 * shrinks).  removed[r] and had[r] receive rule r's counts.  The same
 * windows and seed always keep the same windows; a smaller fraction keeps a
 * subset of what a larger one keeps, and one rule's choice does not depend
 * on the other rules. */
int har_thin_apply(const har_thin *t, const int32_t *y, uint64_t seed, int64_t *idx, int64_t *m,
                   int64_t *removed, int64_t *had, har_err *e);
/* The record of a thinning for metadata "thinned": for each rule
 * CLASS=FRACTION:REMOVED/HAD, comma-separated, e.g. "SITTING=0.1:1550/1722"
 * (1550 of 1722 SITTING windows removed, 172 kept); after `before` and a
 * comma when before (an earlier thinning's record) is not NULL.  Caller
 * frees. */
char *har_thin_record(const har_thin *t, const int64_t *removed, const int64_t *had, const char *before,
                      har_err *e);

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
