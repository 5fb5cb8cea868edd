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
