/* evaluate.c - see evaluate.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evaluate.h"
#include "norm.h"

/* Metadata list key of w must equal the checkpoint's. */
static int same_list(const har_checkpoint *ck, const char *ck_path, const har_windows *w,
                     const char *key, har_err *e)
{
    const char *a = har_tfile_meta_get(ck->file, key), *b = har_tfile_meta_get(w->file, key);
    if (!b || strcmp(a, b))
        return har_fail(e, HAR_EDATA, "%s has %s [%s] but the model %s was trained on [%s]",
                        w->file->source, key, b ? b : "none", ck_path, a);
    return 0;
}

int har_eval_conform(const har_checkpoint *ck, const char *ck_path, har_windows *w, har_err *e)
{
    const char *name = w->file->source;
    if (w->t != ck->window || w->c != ck->nchannels)
        return har_fail(e, HAR_EDATA, "%s has windows of %d x %d but the model %s takes %d x %d", name,
                        w->t, w->c, ck_path, ck->window, ck->nchannels);
    if (same_list(ck, ck_path, w, "channels", e) || same_list(ck, ck_path, w, "classes", e))
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
