/* test_eval_lib.c - har-eval's libraries in-process: metrics, bootstrap
 * intervals, baselines, per-subject scores and saliency checked against
 * hand counts and finite differences (the tool: tests/tools/test_eval.c). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/bootstrap.h"
#include "eval/evaluate.h"
#include "eval/saliency.h"
#include "synthetic.h"
#include "testutil.h"

/* ---- metrics --------------------------------------------------------------- */

static har_confusion *confusion_of(int k, const int64_t *cells)
{
    har_confusion *c = har_confusion_new(k);
    ck_assert_ptr_nonnull(c);
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++)
            for (int64_t m = 0; m < cells[i * k + j]; m++)
                har_confusion_add(c, i, j);
    return c;
}

/* Four classes, class 3 present but never predicted:
 *
 *   true\\pred  0  1  2  3   support
 *   0          5  1  0  0   6
 *   1          2  3  1  0   6
 *   2          1  0  2  0   3
 *   3          0  0  1  0   1        predicted: 8 4 4 0
 *
 * F1 = 2TP / (2TP + FP + FN):
 *   class 0: P 5/8, R 5/6, F1 10/14 = 5/7
 *   class 1: P 3/4, R 3/6, F1 6/10  = 0.6
 *   class 2: P 2/4, R 2/3, F1 4/7
 *   class 3: P 0 (never predicted), R 0, F1 0
 * accuracy 10/16; macro (5/7 + 0.6 + 4/7 + 0) / 4 = (9/7 + 0.6) / 4;
 * weighted (6 * 5/7 + 6 * 0.6 + 3 * 4/7 + 0) / 16 = 9.6 / 16 = 0.6. */
START_TEST(metrics_by_hand)
{
    const int64_t cells[16] = {5, 1, 0, 0, 2, 3, 1, 0, 1, 0, 2, 0, 0, 0, 1, 0};
    har_confusion *c = confusion_of(4, cells);
    double p[4], r[4], f1[4];
    har_scores s = har_confusion_scores(c, p, r, f1);
    const double want_p[4] = {5.0 / 8, 3.0 / 4, 0.5, 0}, want_r[4] = {5.0 / 6, 0.5, 2.0 / 3, 0},
                 want_f1[4] = {5.0 / 7, 0.6, 4.0 / 7, 0};
    for (int i = 0; i < 4; i++) {
        ck_assert_double_eq_tol(p[i], want_p[i], 1e-12);
        ck_assert_double_eq_tol(r[i], want_r[i], 1e-12);
        ck_assert_double_eq_tol(f1[i], want_f1[i], 1e-12);
    }
    ck_assert_double_eq_tol(s.accuracy, 10.0 / 16, 1e-12);
    ck_assert_double_eq_tol(s.macro_f1, (9.0 / 7 + 0.6) / 4, 1e-12);
    ck_assert_double_eq_tol(s.weighted_f1, 0.6, 1e-12);
    ck_assert_int_eq(har_confusion_support(c, 1), 6);
    ck_assert_int_eq(har_confusion_support(c, 3), 1);
    /* Off-diagonal cells: (1,0)=2, then the 1s in row-major order:
     * (0,1), (1,2), (2,0), (3,2). */
    har_confused_pair top[8];
    ck_assert_int_eq(har_confusion_top_pairs(c, top, 3), 3);
    ck_assert(top[0].truth == 1 && top[0].predicted == 0 && top[0].count == 2);
    ck_assert(top[1].truth == 0 && top[1].predicted == 1 && top[1].count == 1);
    ck_assert(top[2].truth == 1 && top[2].predicted == 2 && top[2].count == 1);
    ck_assert_int_eq(har_confusion_top_pairs(c, top, 8), 5);
    ck_assert(top[4].truth == 3 && top[4].predicted == 2);
    ck_assert_int_eq(har_confusion_top_pairs(c, top, 0), 0);
    /* add_matrix: twice the counts, the same scores. */
    har_confusion *d = har_confusion_new(4);
    har_confusion_add_matrix(d, c, 2);
    ck_assert_int_eq(d->n, 32);
    ck_assert_int_eq(d->counts[4], 4);
    har_scores s2 = har_confusion_scores(d, NULL, NULL, NULL);
    ck_assert_double_eq_tol(s2.macro_f1, s.macro_f1, 1e-12);
    har_confusion_free(d);
    har_confusion_free(c);
}
END_TEST

/* A class absent from the truth but predicted once is left out of macro-F1:
 *
 *   true\\pred  0  1  2
 *   0          2  0  1     class 0: P 2/2, R 2/3, F1 4/5
 *   1          0  2  0     class 1: P 1, R 1, F1 1
 *   2          0  0  0     class 2: no support -> not in the macro mean
 *
 * accuracy 4/5, macro (0.8 + 1) / 2 = 0.9, weighted (3 * 0.8 + 2 * 1) / 5 = 0.88. */
START_TEST(metrics_absent_class)
{
    const int64_t cells[9] = {2, 0, 1, 0, 2, 0, 0, 0, 0};
    har_confusion *c = confusion_of(3, cells);
    double f1[3];
    har_scores s = har_confusion_scores(c, NULL, NULL, f1);
    ck_assert_double_eq_tol(f1[0], 0.8, 1e-12);
    ck_assert_double_eq(f1[2], 0);
    ck_assert_double_eq_tol(s.accuracy, 0.8, 1e-12);
    ck_assert_double_eq_tol(s.macro_f1, 0.9, 1e-12);
    ck_assert_double_eq_tol(s.weighted_f1, 0.88, 1e-12);
    har_confusion_free(c);
}
END_TEST

/* ---- bootstrap -------------------------------------------------------------- */

START_TEST(quantiles_by_hand)
{
    const double v[4] = {1, 2, 3, 4};
    ck_assert_double_eq(har_quantile_sorted(v, 4, 0), 1);
    ck_assert_double_eq(har_quantile_sorted(v, 4, 1), 4);
    ck_assert_double_eq_tol(har_quantile_sorted(v, 4, 0.5), 2.5, 1e-12);
    ck_assert_double_eq_tol(har_quantile_sorted(v, 4, 0.25), 1.75, 1e-12); /* h = 0.75 */
    ck_assert_double_eq(har_quantile_sorted(v, 1, 0.3), 1);
}
END_TEST

/* 10 subjects of 100 windows, 3 classes; subject s gets 50 + 5 s windows right
 * (50 % .. 95 %), so the subjects differ strongly. */
enum { BS_SUBJECTS = 10, BS_PER = 100, BS_N = BS_SUBJECTS * BS_PER };

static void spread_subjects(int32_t *truth, int32_t *pred, int32_t *subject)
{
    for (int i = 0; i < BS_N; i++) {
        int s = i / BS_PER, j = i % BS_PER;
        truth[i] = i % 3;
        pred[i] = j < 50 + 5 * s ? truth[i] : (truth[i] + 1) % 3;
        subject[i] = 100 + s;
    }
}

static int same_ci(const har_bootstrap_ci *a, const har_bootstrap_ci *b)
{
    return a->accuracy.lo == b->accuracy.lo && a->accuracy.hi == b->accuracy.hi &&
           a->macro_f1.lo == b->macro_f1.lo && a->macro_f1.hi == b->macro_f1.hi;
}

static void assert_contains(const har_interval *iv, double point)
{
    ck_assert_msg(iv->lo <= point && point <= iv->hi, "[%g, %g] misses %g", iv->lo, iv->hi, point);
}

START_TEST(bootstrap_is_deterministic_and_honest)
{
    int32_t truth[BS_N], pred[BS_N], subject[BS_N];
    spread_subjects(truth, pred, subject);
    har_err e = {0};
    har_bootstrap_opts o = {500, 0.95, 7};
    har_bootstrap_ci w1, w2, w3, c1, c2, c3;
    ck_assert_int_eq(har_bootstrap_windows(truth, pred, BS_N, 3, &o, &w1, &e), 0);
    ck_assert_int_eq(har_bootstrap_windows(truth, pred, BS_N, 3, &o, &w2, &e), 0);
    ck_assert_int_eq(har_bootstrap_clusters(truth, pred, subject, BS_N, 3, &o, &c1, &e), 0);
    ck_assert_int_eq(har_bootstrap_clusters(truth, pred, subject, BS_N, 3, &o, &c2, &e), 0);
    ck_assert(same_ci(&w1, &w2));
    ck_assert(same_ci(&c1, &c2));
    o.seed = 8;
    ck_assert_int_eq(har_bootstrap_windows(truth, pred, BS_N, 3, &o, &w3, &e), 0);
    ck_assert_int_eq(har_bootstrap_clusters(truth, pred, subject, BS_N, 3, &o, &c3, &e), 0);
    ck_assert(!same_ci(&w1, &w3));
    ck_assert(!same_ci(&c1, &c3));
    /* The point estimates: accuracy (50 + 55 + ... + 95) / 1000 = 0.725. */
    har_confusion *c = har_confusion_new(3);
    for (int i = 0; i < BS_N; i++)
        har_confusion_add(c, truth[i], pred[i]);
    double f1[3];
    har_scores s = har_confusion_scores(c, NULL, NULL, f1);
    har_confusion_free(c);
    ck_assert_double_eq_tol(s.accuracy, 0.725, 1e-12);
    assert_contains(&w1.accuracy, s.accuracy);
    assert_contains(&w1.macro_f1, s.macro_f1);
    assert_contains(&c1.accuracy, s.accuracy);
    assert_contains(&c1.macro_f1, s.macro_f1);
    /* Each class's F1 interval holds its F1 and is wider over subjects. */
    for (int k = 0; k < 3; k++) {
        assert_contains(&w1.class_f1[k], f1[k]);
        assert_contains(&c1.class_f1[k], f1[k]);
        ck_assert(c1.class_f1[k].hi - c1.class_f1[k].lo > 2 * (w1.class_f1[k].hi - w1.class_f1[k].lo));
    }
    /* Windows alone: about +-1.96 sqrt(.725 .275 / 1000) = +-0.028.  Subjects
     * (accuracies 0.5 .. 0.95, sd 0.144, 10 of them): about +-0.09. */
    double ww = w1.accuracy.hi - w1.accuracy.lo, cw = c1.accuracy.hi - c1.accuracy.lo;
    ck_assert_msg(ww > 0.03 && ww < 0.08, "window interval width %g", ww);
    ck_assert_msg(cw > 2 * ww, "subject interval %g not wider than twice the window one %g", cw, ww);
    ck_assert(c1.macro_f1.hi - c1.macro_f1.lo > 2 * (w1.macro_f1.hi - w1.macro_f1.lo));
    /* A higher level widens the interval. */
    o.level = 0.5;
    har_bootstrap_ci_free(&w3);
    ck_assert_int_eq(har_bootstrap_windows(truth, pred, BS_N, 3, &o, &w3, &e), 0);
    ck_assert(w3.accuracy.hi - w3.accuracy.lo < 0.6 * (w1.accuracy.hi - w1.accuracy.lo));
    har_bootstrap_ci *all[] = {&w1, &w2, &w3, &c1, &c2, &c3};
    for (int i = 0; i < 6; i++)
        har_bootstrap_ci_free(all[i]);
}
END_TEST

START_TEST(bootstrap_edge_cases)
{
    int32_t truth[6] = {0, 1, 2, 0, 1, 2}, subject[6] = {4, 4, 4, 4, 4, 4};
    har_err e = {0};
    har_bootstrap_opts o = {100, 0.9, 1};
    har_bootstrap_ci ci;
    /* A perfect classifier: every replicate scores 1. */
    ck_assert_int_eq(har_bootstrap_windows(truth, truth, 6, 3, &o, &ci, &e), 0);
    ck_assert(ci.accuracy.lo == 1 && ci.accuracy.hi == 1 && ci.macro_f1.lo == 1);
    ck_assert(ci.class_f1[2].lo == 1 && ci.class_f1[2].hi == 1);
    har_bootstrap_ci_free(&ci);
    /* A class no window has gets no interval (NaN), not F1 0. */
    ck_assert_int_eq(har_bootstrap_windows(truth, truth, 6, 4, &o, &ci, &e), 0);
    ck_assert(isnan(ci.class_f1[3].lo) && isnan(ci.class_f1[3].hi));
    har_bootstrap_ci_free(&ci);
    /* One subject cannot be resampled. */
    ck_assert_int_eq(har_bootstrap_clusters(truth, truth, subject, 6, 3, &o, &ci, &e), HAR_EDATA);
    tu_assert_contains(e.msg, "at least 2 subjects");
    o.resamples = 0;
    ck_assert_int_eq(har_bootstrap_windows(truth, truth, 6, 3, &o, &ci, &e), HAR_EUSAGE);
}
END_TEST

/* ---- per subject ------------------------------------------------------------- */

/*   window   0  1  2  3  4  5  6  7
 *   subject  7  3  7  5  3  7  5  3
 *   true     0  1  2  0  1  0  1  2
 *   pred     0  1  1  0  0  0  1  2
 *
 * subject 3 (windows 1 4 7): 2 of 3 right; class 1 P 1 R 1/2 F1 2/3, class 2
 *           F1 1 (class 0 only predicted: left out) -> macro 5/6
 * subject 5 (3 6): both right -> accuracy 1, macro 1
 * subject 7 (0 2 5): 2 of 3; class 0 F1 1, class 2 F1 0 -> macro 1/2
 * accuracy: mean 7/9, population std sqrt(((-1)^2 + 2^2 + (-1)^2) / 81 / 3) = sqrt(2)/9
 * macro-F1: mean (5/6 + 1 + 1/2) / 3 = 7/9, deviations 1/18 4/18 -5/18,
 *           std sqrt(42 / 324 / 3) = sqrt(14)/18
 * worst accuracy: subjects 3 and 7 tie, the first (3); worst macro-F1: 7. */
START_TEST(subject_table_by_hand)
{
    int32_t subject[8] = {7, 3, 7, 5, 3, 7, 5, 3}, truth[8] = {0, 1, 2, 0, 1, 0, 1, 2},
            pred[8] = {0, 1, 1, 0, 0, 0, 1, 2};
    har_scored s = {.k = 3, .n = 8, .truth = truth, .pred = pred, .subject = subject};
    har_subject_table t;
    har_err e = {0};
    ck_assert_int_eq(har_subject_table_make(&t, &s, &e), 0);
    ck_assert_int_eq(t.n, 3);
    const int32_t ids[3] = {3, 5, 7};
    const int64_t windows[3] = {3, 2, 3};
    const double acc[3] = {2.0 / 3, 1, 2.0 / 3}, f1[3] = {5.0 / 6, 1, 0.5};
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(t.rows[i].subject, ids[i]);
        ck_assert_int_eq(t.rows[i].windows, windows[i]);
        ck_assert_double_eq_tol(t.rows[i].accuracy, acc[i], 1e-12);
        ck_assert_double_eq_tol(t.rows[i].macro_f1, f1[i], 1e-12);
    }
    ck_assert_double_eq_tol(t.mean_accuracy, 7.0 / 9, 1e-12);
    ck_assert_double_eq_tol(t.std_accuracy, sqrt(2.0) / 9, 1e-12);
    ck_assert_double_eq_tol(t.mean_macro_f1, 7.0 / 9, 1e-12);
    ck_assert_double_eq_tol(t.std_macro_f1, sqrt(14.0) / 18, 1e-12);
    ck_assert_int_eq(t.rows[t.worst_accuracy].subject, 3);
    ck_assert_int_eq(t.rows[t.worst_macro_f1].subject, 7);
    har_subject_table_free(&t);
}
END_TEST

/* ---- baselines ---------------------------------------------------------------- */

/* Writes and loads n windows with labels y (subjects i % 5 + 1). */
static void labelled(har_windows *w, const char *dir, const char *name, const int32_t *y, int64_t n,
                     const char *split)
{
    int32_t *subject = malloc((size_t)n * sizeof *subject);
    for (int64_t i = 0; i < n; i++)
        subject[i] = (int32_t)(i % 5) + 1;
    syn_write_labels(tu_path(dir, name), y, subject, n, split);
    free(subject);
    har_err e = {0};
    ck_assert_msg(har_windows_load(w, tu_path(dir, name), &e) == 0, "%s", e.msg);
}

/* Training labels B x5, A x3, C x2; scored labels A x6, B x3, C x1: the
 * majority class comes from training (B), so accuracy is B's share of the
 * scored data, 3/10, although A is the majority there. */
START_TEST(baseline_majority_is_fitted_on_train)
{
    char *dir = tu_tmpdir();
    const int32_t ytrain[10] = {1, 1, 0, 1, 2, 0, 1, 1, 2, 0}, ydata[10] = {0, 0, 1, 0, 0, 2, 1, 0, 1, 0};
    har_windows train, data;
    labelled(&train, dir, "train.st.gz", ytrain, 10, "train");
    labelled(&data, dir, "data.st.gz", ydata, 10, "test");
    har_baseline b;
    har_predictions p;
    har_err e = {0};
    ck_assert_msg(har_baseline_fit(&b, HAR_BASELINE_MAJORITY, &train, 0, 1, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(b.majority, 1);
    ck_assert_double_eq_tol(b.prior[0], 0.3, 1e-12);
    ck_assert_double_eq_tol(b.prior[1], 0.5, 1e-12);
    ck_assert_int_eq(har_baseline_conform(&b, "train.st.gz", &data, &e), 0);
    ck_assert_int_eq(har_baseline_predict(&b, &data, &p, &e), 0);
    int correct = 0;
    for (int i = 0; i < 10; i++) {
        ck_assert_int_eq(p.pred[i], 1);
        ck_assert(p.probs[i * 3 + 1] == 1 && p.probs[i * 3] == 0);
        correct += p.pred[i] == data.y[i];
    }
    ck_assert_int_eq(correct, 3);
    /* One-hot: 7 misses at -ln(1e-15) each, 3 hits at 0. */
    ck_assert_double_eq_tol(p.log_loss, 0.7 * -log(1e-15), 1e-9);
    har_predictions_free(&p);
    har_baseline_free(&b);
    /* Ties go to the lowest class index. */
    const int32_t ytie[4] = {2, 1, 2, 1};
    har_windows tie;
    labelled(&tie, dir, "tie.st.gz", ytie, 4, "train");
    ck_assert_int_eq(har_baseline_fit(&b, HAR_BASELINE_MAJORITY, &tie, 0, 1, &e), 0);
    ck_assert_int_eq(b.majority, 1);
    har_baseline_free(&b);
    /* Fitting on a test split is refused unless asked for. */
    ck_assert_int_eq(har_baseline_fit(&b, HAR_BASELINE_MAJORITY, &data, 0, 1, &e), HAR_EDATA);
    tu_assert_contains(e.msg, "data.st.gz is the 'test' split");
    ck_assert_int_eq(har_baseline_fit(&b, HAR_BASELINE_MAJORITY, &data, 1, 1, &e), 0);
    har_baseline_free(&b);
    har_windows_free(&tie);
    har_windows_free(&data);
    har_windows_free(&train);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Predictions of a random baseline fitted on train, seeded with seed. */
static void random_predictions(har_baseline_kind kind, const har_windows *train, const har_windows *data,
                               uint64_t seed, har_predictions *p)
{
    har_baseline b;
    har_err e = {0};
    ck_assert_msg(har_baseline_fit(&b, kind, train, 0, seed, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(har_baseline_predict(&b, data, p, &e), 0);
    har_baseline_free(&b);
}

/* Stratified and uniform: seeded and reproducible, probabilities as fitted,
 * predicted class shares close to those probabilities on 6000 windows. */
START_TEST(baseline_random_is_seeded)
{
    enum { N = 6000 };
    char *dir = tu_tmpdir();
    int32_t *ytrain = malloc(N * sizeof *ytrain), *ydata = malloc(N * sizeof *ydata);
    for (int i = 0; i < N; i++) {
        ytrain[i] = i % 10 < 6 ? 0 : i % 10 < 9 ? 1 : 2; /* 0.6, 0.3, 0.1 */
        ydata[i] = i % 3;
    }
    har_windows train, data;
    labelled(&train, dir, "train.st.gz", ytrain, N, "train");
    labelled(&data, dir, "data.st.gz", ydata, N, "test");
    const har_baseline_kind kinds[2] = {HAR_BASELINE_STRATIFIED, HAR_BASELINE_UNIFORM};
    const double shares[2][3] = {{0.6, 0.3, 0.1}, {1.0 / 3, 1.0 / 3, 1.0 / 3}};
    for (int m = 0; m < 2; m++) {
        har_predictions a, b, c;
        random_predictions(kinds[m], &train, &data, 5, &a);
        random_predictions(kinds[m], &train, &data, 5, &b);
        random_predictions(kinds[m], &train, &data, 6, &c);
        ck_assert(memcmp(a.pred, b.pred, N * sizeof *a.pred) == 0);
        ck_assert(memcmp(a.pred, c.pred, N * sizeof *a.pred) != 0);
        int count[3] = {0, 0, 0};
        for (int i = 0; i < N; i++)
            count[a.pred[i]]++;
        double ll = 0;
        for (int k = 0; k < 3; k++) {
            ck_assert_msg(fabs(count[k] / (double)N - shares[m][k]) < 0.025, "%s class %d: %d of %d",
                          har_baseline_name(kinds[m]), k, count[k], N);
            ck_assert_double_eq_tol(a.probs[k], shares[m][k], 1e-6);
            ll -= log(shares[m][k]) / 3; /* the data's classes are balanced */
        }
        ck_assert_double_eq_tol(a.log_loss, ll, 1e-9);
        har_predictions_free(&a);
        har_predictions_free(&b);
        har_predictions_free(&c);
    }
    ck_assert_int_eq(har_baseline_parse("random"), HAR_BASELINE_UNIFORM);
    ck_assert_int_eq(har_baseline_parse("stratified"), HAR_BASELINE_STRATIFIED);
    ck_assert_int_eq(har_baseline_parse("prior"), -1);
    har_windows_free(&data);
    har_windows_free(&train);
    free(ytrain);
    free(ydata);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- saliency ----------------------------------------------------------------- */

enum { SAL_T = 6, SAL_C = 3, SAL_K = 3, SAL_B = 3 };

/* A tiny model touching every kind of backward pass saliency goes through
 * (convolution, recurrence, readout, dense), with dropout: inference mode
 * must switch it off or the gradients would not match the differences. */
static void tiny_model(har_model *m)
{
    har_err e = {0};
    ck_assert_msg(har_model_build(m, "conv1d:4:3:pad=same,tanh,dropout:0.5,gru:20:readout=mean,dense:3",
                                  (har_shape){SAL_T, SAL_C}, SAL_K, &e) == 0,
                  "%s", e.msg);
    har_model_init(m, HAR_INIT_TORCH, 3);
    ck_assert_int_eq(har_model_reserve(m, 64, &e), 0);
}

static double logit(har_model *m, const float *x, int B, int b, int cls)
{
    return har_model_forward(m, x, B, 0)[b * SAL_K + cls];
}

/* d logit_true / d x against central differences, every input of every window. */
START_TEST(saliency_matches_finite_differences)
{
    har_model m;
    tiny_model(&m);
    float x[SAL_B * SAL_T * SAL_C], dx[SAL_B * SAL_T * SAL_C], dlogits[SAL_B * SAL_K];
    const int32_t y[SAL_B] = {2, 0, 1};
    har_rng r;
    har_rng_seed(&r, 9);
    for (int i = 0; i < SAL_B * SAL_T * SAL_C; i++)
        x[i] = (float)har_rng_normal(&r);
    har_saliency_gradients(&m, x, y, SAL_B, dlogits, dx);
    const float h = 1e-2f;
    double worst = 0;
    for (int b = 0; b < SAL_B; b++)
        for (int i = 0; i < SAL_T * SAL_C; i++) {
            float *xi = &x[b * SAL_T * SAL_C + i], keep = *xi;
            *xi = keep + h;
            double up = logit(&m, x, SAL_B, b, y[b]);
            *xi = keep - h;
            double down = logit(&m, x, SAL_B, b, y[b]);
            *xi = keep;
            double fd = (up - down) / (2.0 * h), g = dx[b * SAL_T * SAL_C + i];
            double err = fabs(fd - g) / fmax(1e-2, fabs(fd) + fabs(g));
            worst = fmax(worst, err);
            ck_assert_msg(err < 2e-2, "window %d input %d: gradient %g, finite difference %g", b, i, g, fd);
        }
    ck_assert_msg(worst < 2e-2, "worst relative error %g", worst);
    /* Vanishing gradients would pass the comparison trivially. */
    double norm = 0;
    for (int i = 0; i < SAL_B * SAL_T * SAL_C; i++)
        norm += fabs(dx[i]);
    ck_assert(norm > 1e-3);
    har_model_free(&m);
}
END_TEST

/* The averages per class over timesteps and over channels, from the raw
 * gradients; a class without windows is NaN and written as nan. */
START_TEST(saliency_averages)
{
    har_model m;
    tiny_model(&m);
    enum { N = 70 }; /* more than one batch of 64 */
    float *x = malloc(N * SAL_T * SAL_C * sizeof *x), *dx = malloc(N * SAL_T * SAL_C * sizeof *dx);
    float *dl = malloc(N * SAL_K * sizeof *dl);
    int32_t y[N];
    har_rng r;
    har_rng_seed(&r, 4);
    for (int i = 0; i < N * SAL_T * SAL_C; i++)
        x[i] = (float)har_rng_normal(&r);
    for (int i = 0; i < N; i++)
        y[i] = i % 2; /* class 2 has no windows */
    har_saliency s;
    har_err e = {0};
    ck_assert_int_eq(har_saliency_init(&s, SAL_K, SAL_T, SAL_C, &e), 0);
    ck_assert_int_eq(har_saliency_add(&s, &m, x, y, N, &e), 0);
    ck_assert_int_eq(s.windows[0], 35);
    ck_assert_int_eq(s.windows[2], 0);
    har_model_reserve(&m, N, &e);
    har_saliency_gradients(&m, x, y, N, dl, dx);
    double abs_ch = 0, gx_time = 0; /* class 1, channel 2 / timestep 4 */
    for (int i = 0; i < N; i++)
        if (y[i] == 1) {
            for (int t = 0; t < SAL_T; t++)
                abs_ch += fabs(dx[(i * SAL_T + t) * SAL_C + 2]);
            for (int c = 0; c < SAL_C; c++)
                gx_time += (double)dx[(i * SAL_T + 4) * SAL_C + c] * x[(i * SAL_T + 4) * SAL_C + c];
        }
    ck_assert_double_eq_tol(har_saliency_channel_mean(&s, HAR_SAL_ABS_GRAD, 1, 2), abs_ch / (35 * SAL_T), 1e-6);
    ck_assert_double_eq_tol(har_saliency_time_mean(&s, HAR_SAL_GRAD_INPUT, 1, 4), gx_time / (35 * SAL_C), 1e-6);
    ck_assert(isnan(har_saliency_channel_mean(&s, HAR_SAL_ABS_GRAD, 2, 0)));
    /* One window alone (as --saliency-windows picks) gives its gradients. */
    har_saliency one;
    ck_assert_int_eq(har_saliency_init(&one, SAL_K, SAL_T, SAL_C, &e), 0);
    ck_assert_int_eq(har_saliency_add(&one, &m, x + 7 * SAL_T * SAL_C, y + 7, 1, &e), 0);
    ck_assert_int_eq(one.windows[1], 1);
    for (int i = 0; i < SAL_T * SAL_C; i++)
        ck_assert_msg(fabs(one.abs_grad[SAL_T * SAL_C + i] - fabs(dx[7 * SAL_T * SAL_C + i])) < 1e-6,
                      "input %d: alone %g, in a batch %g", i, one.abs_grad[SAL_T * SAL_C + i],
                      fabs(dx[7 * SAL_T * SAL_C + i]));
    har_saliency_free(&one);
    /* The files: K * C data lines plus a blank line per class; T rows plus a header. */
    char *classes[] = {"A", "B", "C"}, *channels[] = {"ax", "ay", "az"};
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    har_saliency_write_channels(&s, fp, classes, channels);
    fclose(fp);
    tu_assert_contains(buf, "\n1 2 ");
    tu_assert_contains(buf, "\n2 0 nan nan \"C\" \"ax\"\n");
    int lines = 0, comments = 0;
    for (char *p = buf; *p; p++)
        if (*p == '\n') {
            lines++;
            comments += p[1] == '#';
        }
    ck_assert_int_eq(lines - (buf[0] == '#') - comments, SAL_K * SAL_C + SAL_K);
    free(buf);
    fp = open_memstream(&buf, &len);
    har_saliency_write_time(&s, fp, classes);
    fclose(fp);
    const char *header = "timestep \"abs_grad:A\" \"abs_grad:B\" \"abs_grad:C\" \"grad_x_input:A\"";
    ck_assert(!strncmp(buf, header, strlen(header)));
    lines = 0;
    for (char *p = buf; *p; p++)
        lines += *p == '\n';
    ck_assert_int_eq(lines, 1 + SAL_T);
    free(buf);
    har_saliency_free(&s);
    free(x);
    free(dx);
    free(dl);
    har_model_free(&m);
}
END_TEST

Suite *eval_lib_suite(void)
{
    Suite *s = suite_create("eval_lib");
    TCase *lib = tcase_create("library");
    tcase_set_timeout(lib, 30);
    tcase_add_test(lib, metrics_by_hand);
    tcase_add_test(lib, metrics_absent_class);
    tcase_add_test(lib, quantiles_by_hand);
    tcase_add_test(lib, bootstrap_is_deterministic_and_honest);
    tcase_add_test(lib, bootstrap_edge_cases);
    tcase_add_test(lib, subject_table_by_hand);
    tcase_add_test(lib, baseline_majority_is_fitted_on_train);
    tcase_add_test(lib, baseline_random_is_seeded);
    tcase_add_test(lib, saliency_matches_finite_differences);
    tcase_add_test(lib, saliency_averages);
    suite_add_tcase(s, lib);
    return s;
}
