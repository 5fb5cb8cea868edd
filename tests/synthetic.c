/* synthetic.c - see synthetic.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/rng.h"
#include "data/windows.h"
#include "synthetic.h"
#include "testutil.h"

/* A dataset of n windows of t x 3 with every metadata key the tools check. */
static void start_set(har_windows *w, int64_t n, int t, const char *split, const char *channels,
                      const char *classes)
{
    har_err e = {0};
    ck_assert_msg(har_windows_alloc(w, n, t, 3, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(har_tfile_meta_set(w->file, "format", "har-windows/1", &e), 0);
    ck_assert_int_eq(har_tfile_meta_set(w->file, "channels", channels, &e), 0);
    ck_assert_int_eq(har_tfile_meta_set(w->file, "units", "g,g,g", &e), 0);
    ck_assert_int_eq(har_tfile_meta_set(w->file, "classes", classes, &e), 0);
    ck_assert_int_eq(har_tfile_meta_set(w->file, "split", split, &e), 0);
}

static void finish_set(har_windows *w, const char *path)
{
    har_err e = {0};
    ck_assert_msg(har_tfile_write(w->file, path, &e) == 0, "%s", e.msg);
    har_windows_free(w);
}

void syn_write_set_meta(const char *path, int64_t n, int t, int first_subject, uint64_t seed,
                        const char *split, const char *channels, const char *classes, int bad_label)
{
    har_windows w;
    start_set(&w, n, t, split, channels, classes);
    har_rng r;
    har_rng_seed(&r, seed);
    for (int64_t i = 0; i < n; i++) {
        int k = (int)(i % 3);
        double phase = 6.28 * har_rng_uniform(&r);
        for (int s = 0; s < t; s++)
            for (int c = 0; c < 3; c++)
                w.x[((size_t)i * t + s) * 3 + c] =
                    (float)(5.0 * c + 0.5 * har_rng_normal(&r) + (c == k ? 1 + sin(phase + 0.8 * s) : 0));
        w.y[i] = bad_label && i == n - 1 ? 99 : k;
        w.subject[i] = first_subject + (int32_t)(i % 4);
        w.recording[i] = -1;
        w.start[i] = -1;
    }
    finish_set(&w, path);
}

void syn_write_set(const char *path, int64_t n, int t, int first_subject, uint64_t seed,
                   const char *split, int bad_label)
{
    syn_write_set_meta(path, n, t, first_subject, seed, split, "ax,ay,az", "A,B,C", bad_label);
}

void syn_write_labels(const char *path, const int32_t *y, const int32_t *subject, int64_t n,
                      const char *split)
{
    har_windows w;
    start_set(&w, n, 4, split, "ax,ay,az", "A,B,C");
    har_rng r;
    har_rng_seed(&r, (uint64_t)n);
    for (size_t i = 0; i < (size_t)n * 4 * 3; i++)
        w.x[i] = (float)har_rng_normal(&r);
    for (int64_t i = 0; i < n; i++) {
        w.y[i] = y[i];
        w.subject[i] = subject[i];
        w.recording[i] = -1;
        w.start[i] = -1;
    }
    finish_set(&w, path);
}

void syn_fixture_make(syn_fixture *f, int64_t n)
{
    f->dir = tu_tmpdir();
    snprintf(f->train, sizeof f->train, "%s/train.st.gz", f->dir);
    snprintf(f->val, sizeof f->val, "%s/val.st.gz", f->dir);
    snprintf(f->stats, sizeof f->stats, "%s/stats.st.gz", f->dir);
    snprintf(f->log, sizeof f->log, "%s/log.csv", f->dir);
    syn_write_set(f->train, n, 16, 1, 11, "train", 0);
    syn_write_set(f->val, n / 3, 16, 21, 12, "val", 0);
    ck_assert_int_eq(tu_sh("%s fit %s -o %s", tu_bin("har-norm"), f->train, f->stats), 0);
}

void syn_fixture_free(syn_fixture *f)
{
    tu_rmtree(f->dir);
    free(f->dir);
}
