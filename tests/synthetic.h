/* synthetic.h - small synthetic window datasets for the training and
 * evaluation tests: learnable in a second, with every metadata key the tools
 * check. */
#ifndef HAR_TEST_SYNTHETIC_H
#define HAR_TEST_SYNTHETIC_H

#include <stdint.h>

/* n windows of t x 3 channels, 3 classes "A,B,C": class k carries a sine wave
 * on channel k over noise, with channel offsets so normalisation matters.
 * Subjects first_subject .. first_subject+3, labels y = i % 3 (the last one
 * 99 if bad_label).  split is recorded in the metadata (har-norm fit wants
 * "train"). */
void syn_write_set(const char *path, int64_t n, int t, int first_subject, uint64_t seed,
                   const char *split, int bad_label);

/* syn_write_set with other metadata: channels and classes are comma lists
 * of 3 names each (labels stay i % 3, or 99 for the last if bad_label). */
void syn_write_set_meta(const char *path, int64_t n, int t, int first_subject, uint64_t seed,
                        const char *split, const char *channels, const char *classes, int bad_label);

/* n windows of 4 x 3 Gaussian noise with the given labels (into classes
 * "A,B,C") and subjects: for scores that depend on the labels only. */
void syn_write_labels(const char *path, const int32_t *y, const int32_t *subject, int64_t n,
                      const char *split);

/* A temporary directory with train.st.gz (n windows, subjects 1-4),
 * val.st.gz (n/3, subjects 21-24), stats.st.gz (har-norm fit on train) and
 * the path for a log.csv. */
typedef struct {
    char *dir;
    char train[512], val[512], stats[512], log[512];
} syn_fixture;

void syn_fixture_make(syn_fixture *f, int64_t n);
void syn_fixture_free(syn_fixture *f);

#endif
