/* evaluate.c - see evaluate.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bootstrap.h"
#include "evaluate.h"
#include "data/norm.h"

int har_eval_conform(const har_checkpoint *ck, const char *ck_path, har_windows *w, har_err *e)
{
    const char *name = w->file->source;
    if (har_checkpoint_fits(ck, ck_path, w, HAR_FIT_CLASSES, e))
        return e->code;
    if (!har_tfile_meta_get(w->file, "normalisation"))
        return har_standardise(w, ck->mean, ck->std, ck_path, e);
    double *mean = malloc(2 * (size_t)w->c * sizeof *mean);
    if (!mean)
        return har_fail(e, HAR_EIO, "out of memory");
    double *std = mean + w->c;
    int rc = har_norm_from_meta(w->file, w->c, mean, std, e);
    for (int j = 0; !rc && j < w->c; j++)
        /* Both sides print the same doubles with %.17g: a real match is exact. */
        if (mean[j] != ck->mean[j] || std[j] != ck->std[j])
            rc = har_fail(e, HAR_EDATA,
                          "%s was normalised with other statistics than the model %s (channel %s: "
                          "mean %.6g, std %.6g, the model's %.6g, %.6g); give the raw windows instead",
                          name, ck_path, ck->channels[j], mean[j], std[j], ck->mean[j], ck->std[j]);
    free(mean);
    return rc;
}

/* -ln softmax(z)[y] in double from the logits (precise where p is near 1),
 * at most -ln(1e-15) as scikit-learn's log_loss clips. */
static double neg_log_prob(const float *z, int K, int y)
{
    double mx = z[0], s = 0;
    for (int j = 1; j < K; j++)
        mx = z[j] > mx ? z[j] : mx;
    for (int j = 0; j < K; j++)
        s += exp((double)z[j] - mx);
    double nl = log(s) - ((double)z[y] - mx);
    return nl < -log(1e-15) ? nl : -log(1e-15);
}

int har_eval_predict(har_checkpoint *ck, const har_windows *w, har_predictions *p, har_err *e)
{
    enum { BATCH = 256 };
    memset(p, 0, sizeof *p);
    har_model *m = &ck->model;
    int K = m->nclasses;
    p->n = w->n;
    p->k = K;
    p->probs = malloc(((size_t)w->n * K + 1) * sizeof *p->probs);
    p->pred = malloc(((size_t)w->n + 1) * sizeof *p->pred);
    if (!p->probs || !p->pred || har_model_reserve(m, BATCH, e)) {
        har_predictions_free(p);
        return e && e->code ? e->code : har_fail(e, HAR_EIO, "out of memory");
    }
    size_t per = (size_t)w->t * (size_t)w->c;
    double total = 0;
    for (int64_t first = 0; first < w->n; first += BATCH) {
        int b = (int)(w->n - first < BATCH ? w->n - first : BATCH);
        const float *z = har_model_forward(m, w->x + (size_t)first * per, b, 0);
        float *pr = p->probs + (size_t)first * K;
        har_softmax_xent(z, w->y + first, b, K, NULL, 0, NULL, pr);
        for (int i = 0; i < b; i++) {
            p->pred[first + i] = har_argmax(pr + (size_t)i * K, K);
            total += neg_log_prob(z + (size_t)i * K, K, w->y[first + i]);
        }
    }
    p->log_loss = w->n ? total / (double)w->n : NAN;
    return 0;
}

void har_predictions_free(har_predictions *p)
{
    free(p->probs);
    free(p->pred);
    memset(p, 0, sizeof *p);
}

/* ---- baselines ---- */

static const char *const baseline_names[] = {"majority", "uniform", "stratified"};

int har_baseline_parse(const char *name)
{
    if (!strcmp(name, "random"))
        return HAR_BASELINE_UNIFORM;
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, baseline_names[i]))
            return i;
    return -1;
}

const char *har_baseline_name(har_baseline_kind kind)
{
    return baseline_names[kind];
}

int har_baseline_fit(har_baseline *b, har_baseline_kind kind, const har_windows *train,
                     int allow_any_split, uint64_t seed, har_err *e)
{
    const char *name = train->file->source, *split = har_tfile_meta_get(train->file, "split");
    memset(b, 0, sizeof *b);
    if (split && strcmp(split, "train") && !allow_any_split)
        return har_fail(e, HAR_EDATA,
                        "%s is the '%s' split: a baseline must be fitted on training data only "
                        "(--allow-any-split overrides)",
                        name, split);
    if (train->n == 0)
        return har_fail(e, HAR_EDATA, "%s has no windows to fit a baseline on", name);
    const char *classes = har_tfile_meta_get(train->file, "classes");
    b->kind = kind;
    b->k = train->nclasses;
    b->fit_windows = train->n;
    b->prior = har_calloc((size_t)b->k, sizeof *b->prior, e);
    if (!b->prior || !(b->classes_meta = har_strdup(classes ? classes : "", e)) ||
        !(b->classes = har_split_list(b->classes_meta, &b->k, e))) {
        har_baseline_free(b);
        return e->code;
    }
    for (int64_t i = 0; i < train->n; i++)
        b->prior[train->y[i]] += 1;
    for (int k = 1; k < b->k; k++)
        if (b->prior[k] > b->prior[b->majority])
            b->majority = k;
    for (int k = 0; k < b->k; k++)
        b->prior[k] /= (double)train->n;
    har_seed_stream(&b->rng, seed, "baseline");
    return 0;
}

int har_baseline_conform(const har_baseline *b, const char *fit_path, const har_windows *w, har_err *e)
{
    const char *classes = har_tfile_meta_get(w->file, "classes");
    if (!classes || strcmp(classes, b->classes_meta))
        return har_fail(e, HAR_EDATA, "%s has classes [%s] but the baseline was fitted on %s with [%s]",
                        w->file->source, classes ? classes : "none", fit_path, b->classes_meta);
    return 0;
}

/* A class drawn with probabilities prior[0..k) (summing to 1 up to rounding,
 * which the last class with a non-zero share absorbs). */
static int draw_class(har_rng *r, const double *prior, int k)
{
    double u = har_rng_uniform(r), cum = 0;
    int last = 0;
    for (int j = 0; j < k; j++) {
        if (prior[j] <= 0)
            continue;
        cum += prior[j];
        last = j;
        if (u < cum)
            return j;
    }
    return last;
}

/* Fills the probabilities row and returns the predicted class of one window. */
static int baseline_window(har_baseline *b, double *row)
{
    switch (b->kind) {
    case HAR_BASELINE_MAJORITY:
        for (int j = 0; j < b->k; j++)
            row[j] = j == b->majority;
        return b->majority;
    case HAR_BASELINE_UNIFORM:
        for (int j = 0; j < b->k; j++)
            row[j] = 1.0 / b->k;
        return (int)har_rng_below(&b->rng, (uint64_t)b->k);
    case HAR_BASELINE_STRATIFIED:
        memcpy(row, b->prior, (size_t)b->k * sizeof *row);
        return draw_class(&b->rng, b->prior, b->k);
    }
    return 0;
}

int har_baseline_predict(har_baseline *b, const har_windows *w, har_predictions *p, har_err *e)
{
    int K = b->k;
    memset(p, 0, sizeof *p);
    p->n = w->n;
    p->k = K;
    p->probs = malloc(((size_t)w->n * K + 1) * sizeof *p->probs);
    p->pred = malloc(((size_t)w->n + 1) * sizeof *p->pred);
    double *row = malloc((size_t)K * sizeof *row);
    if (!p->probs || !p->pred || !row) {
        free(row);
        har_predictions_free(p);
        return har_fail(e, HAR_EIO, "out of memory");
    }
    double total = 0;
    for (int64_t i = 0; i < w->n; i++) {
        p->pred[i] = baseline_window(b, row);
        for (int j = 0; j < K; j++)
            p->probs[(size_t)i * K + j] = (float)row[j];
        /* Clipped at 1e-15 as scikit-learn's log_loss: a one-hot miss costs 34.5. */
        double pt = row[w->y[i]];
        total -= log(pt > 1e-15 ? pt : 1e-15);
    }
    free(row);
    p->log_loss = w->n ? total / (double)w->n : NAN;
    return 0;
}

void har_baseline_free(har_baseline *b)
{
    free(b->classes_meta);
    free(b->classes);
    free(b->prior);
    memset(b, 0, sizeof *b);
}

/* ---- the scored set ---- */

void har_scored_init(har_scored *s, int k)
{
    memset(s, 0, sizeof *s);
    s->k = k;
}

/* realloc that keeps p and clears *ok on failure, so several arrays can be
 * grown in a row and checked once (each stays valid for har_scored_free). */
static void *resize(void *p, size_t count, size_t size, int *ok)
{
    void *q = *ok ? realloc(p, count * size) : NULL;
    if (!q)
        *ok = 0;
    return q ? q : p;
}

static int scored_reserve(har_scored *s, int64_t need, har_err *e)
{
    if (need <= s->cap)
        return 0;
    size_t cap = (size_t)(need > 2 * s->cap ? need : 2 * s->cap);
    int ok = 1;
    s->truth = resize(s->truth, cap, sizeof *s->truth, &ok);
    s->pred = resize(s->pred, cap, sizeof *s->pred, &ok);
    s->subject = resize(s->subject, cap, sizeof *s->subject, &ok);
    s->file = resize(s->file, cap, sizeof *s->file, &ok);
    s->index = resize(s->index, cap, sizeof *s->index, &ok);
    s->probs = resize(s->probs, cap * (size_t)s->k, sizeof *s->probs, &ok);
    if (!ok)
        return har_fail(e, HAR_EIO, "out of memory");
    s->cap = (int64_t)cap;
    return 0;
}

int har_scored_append(har_scored *s, const har_windows *w, const har_predictions *p, int file,
                      har_err *e)
{
    if (w->n == 0)
        return 0;
    if (scored_reserve(s, s->n + w->n, e))
        return e->code;
    for (int64_t i = 0; i < w->n; i++) {
        int64_t at = s->n + i;
        s->truth[at] = w->y[i];
        s->pred[at] = p->pred[i];
        s->subject[at] = w->subject[i];
        s->file[at] = file;
        s->index[at] = i;
    }
    memcpy(s->probs + (size_t)s->n * s->k, p->probs, (size_t)w->n * s->k * sizeof *s->probs);
    s->nll_sum += p->log_loss * (double)w->n;
    s->n += w->n;
    return 0;
}

void har_scored_free(har_scored *s)
{
    free(s->truth);
    free(s->pred);
    free(s->subject);
    free(s->file);
    free(s->index);
    free(s->probs);
    memset(s, 0, sizeof *s);
}

/* ---- per subject ---- */

/* Mean and population standard deviation over the rows of the accuracy, or
 * of the macro-F1 if macro. */
static void mean_std(const har_subject_score *rows, size_t n, int macro, double *mean, double *std)
{
    double sum = 0, sq = 0;
    for (size_t i = 0; i < n; i++)
        sum += macro ? rows[i].macro_f1 : rows[i].accuracy;
    *mean = sum / (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = (macro ? rows[i].macro_f1 : rows[i].accuracy) - *mean;
        sq += d * d;
    }
    *std = sqrt(sq / (double)n);
}

int har_subject_table_make(har_subject_table *t, const har_scored *s, har_err *e)
{
    har_idlist ids;
    memset(t, 0, sizeof *t);
    if (s->n == 0)
        return har_fail(e, HAR_EDATA, "no windows to score per subject");
    har_confusion **c = har_confusion_by_group(s->truth, s->pred, s->subject, s->n, s->k, &ids, e);
    if (!c)
        return e->code;
    t->rows = calloc(ids.n, sizeof *t->rows);
    if (!t->rows) {
        har_confusion_free_groups(c, ids.n);
        har_idlist_free(&ids);
        return har_fail(e, HAR_EIO, "out of memory");
    }
    t->n = ids.n;
    for (size_t i = 0; i < t->n; i++) {
        har_scores sc = har_confusion_scores(c[i], NULL, NULL, NULL);
        t->rows[i] = (har_subject_score){ids.ids[i], c[i]->n, sc.accuracy, sc.macro_f1};
        if (sc.accuracy < t->rows[t->worst_accuracy].accuracy)
            t->worst_accuracy = i;
        if (sc.macro_f1 < t->rows[t->worst_macro_f1].macro_f1)
            t->worst_macro_f1 = i;
    }
    mean_std(t->rows, t->n, 0, &t->mean_accuracy, &t->std_accuracy);
    mean_std(t->rows, t->n, 1, &t->mean_macro_f1, &t->std_macro_f1);
    har_confusion_free_groups(c, ids.n);
    har_idlist_free(&ids);
    return 0;
}

void har_subject_table_free(har_subject_table *t)
{
    free(t->rows);
    memset(t, 0, sizeof *t);
}
