/* train.c - the training loop (see train.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "model/checkpoint.h"
#include "train.h"
#include "core/vec.h"

/* Evaluation batches: no gradients to keep, and bigger products run faster. */
#define EVAL_BATCH 256

static const char *const stop_names[] = {"running", "completed", "early-stopped", "diverged",
                                         "interrupted"};
static const char *const monitor_names[] = {"val_loss", "val_acc", "val_f1"};

const char *har_stop_name(har_stop s)
{
    return stop_names[s];
}

const char *har_monitor_name(har_monitor m)
{
    return monitor_names[m];
}

int har_monitor_parse(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (!strcmp(s, monitor_names[i]))
            return i;
    return -1;
}

/* ---- hyperparameters ---------------------------------------------------- */

char *har_train_config_json(const har_train_config *c, har_err *e)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) {
        har_fail(e, HAR_EIO, "out of memory");
        return NULL;
    }
    cJSON_AddStringToObject(o, "model", c->spec);
    cJSON_AddStringToObject(o, "init", har_init_name(c->init));
    const har_optim_config *oc = &c->optim;
    cJSON_AddStringToObject(o, "optimizer", har_optim_name(oc->kind));
    cJSON_AddNumberToObject(o, "lr", oc->lr);
    cJSON_AddNumberToObject(o, "momentum", oc->momentum);
    cJSON_AddNumberToObject(o, "beta1", oc->beta1);
    cJSON_AddNumberToObject(o, "beta2", oc->beta2);
    cJSON_AddNumberToObject(o, "eps", oc->eps);
    cJSON_AddNumberToObject(o, "alpha", oc->alpha);
    cJSON_AddNumberToObject(o, "weight_decay", oc->weight_decay);
    cJSON_AddStringToObject(o, "decay", oc->decoupled ? "decoupled" : "coupled");
    const har_sched_config *sc = &c->schedule;
    cJSON_AddStringToObject(o, "schedule", har_sched_name(sc->kind));
    cJSON_AddNumberToObject(o, "warmup", sc->warmup);
    cJSON_AddNumberToObject(o, "min_lr", sc->min_lr);
    cJSON_AddNumberToObject(o, "step_size", sc->step_size);
    cJSON_AddNumberToObject(o, "gamma", sc->gamma);
    cJSON_AddNumberToObject(o, "plateau_factor", sc->factor);
    cJSON_AddNumberToObject(o, "plateau_patience", sc->patience);
    cJSON_AddNumberToObject(o, "epochs", c->epochs);
    cJSON_AddNumberToObject(o, "batch_size", c->batch_size);
    cJSON_AddNumberToObject(o, "patience", c->patience);
    cJSON_AddStringToObject(o, "monitor", har_monitor_name(c->monitor));
    cJSON_AddNumberToObject(o, "clip", c->clip);
    cJSON_AddNumberToObject(o, "label_smoothing", c->label_smoothing);
    cJSON_AddStringToObject(o, "class_weights", c->class_weights ? "balanced" : "none");
    cJSON_AddBoolToObject(o, "oversample", c->oversample);
    cJSON_AddNumberToObject(o, "jitter", c->augment.jitter);
    cJSON_AddNumberToObject(o, "scaling", c->augment.scaling);
    cJSON_AddNumberToObject(o, "time_warp", c->augment.time_warp);
    cJSON_AddNumberToObject(o, "rotate", c->augment.rotate);
    cJSON_AddNumberToObject(o, "rotate_share", c->augment.rotate_share);
    cJSON_AddNumberToObject(o, "overfit_batches", c->overfit_batches);
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)c->seed);
    cJSON_AddStringToObject(o, "seed", seed); /* 64-bit: a JSON number would round */
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!s)
        har_fail(e, HAR_EIO, "out of memory");
    return s;
}

/* ---- set-up ------------------------------------------------------------- */

/* Class weights N / (K n_c) from the training labels only (scikit-learn's
 * "balanced"); a class absent from training gets weight 0. */
static int make_class_weights(har_trainer *t, har_err *e)
{
    int k = t->model.nclasses;
    int64_t *count = har_calloc((size_t)k, sizeof *count, e);
    t->class_weight = har_calloc((size_t)k, sizeof *t->class_weight, e);
    if (!count || !t->class_weight) {
        free(count);
        return HAR_EIO;
    }
    for (int64_t i = 0; i < t->train->n; i++)
        count[t->train->y[i]]++;
    for (int c = 0; c < k; c++)
        t->class_weight[c] = count[c] ? (float)((double)t->train->n / ((double)k * count[c])) : 0;
    free(count);
    return 0;
}

static int make_decay_mask(har_trainer *t, har_err *e)
{
    const har_model *m = &t->model;
    t->decay = har_calloc(m->nweights ? m->nweights : 1, 1, e);
    if (!t->decay)
        return HAR_EIO;
    for (int i = 0; i < m->nparams; i++) {
        const har_param *p = &m->params[i];
        int decays = p->kind == HAR_P_WEIGHT || p->kind == HAR_P_RECURRENT;
        memset(t->decay + p->offset, decays, p->size);
    }
    return 0;
}

int har_trainer_init(har_trainer *t, const har_train_config *cfg, const har_windows *train,
                     const har_windows *val, har_err *e)
{
    memset(t, 0, sizeof *t);
    t->cfg = *cfg;
    t->train = train;
    t->val = val;
    if (train->n < 1)
        return har_fail(e, HAR_EDATA, "%s: the training split is empty", train->file->source);
    if (val && val->n < 1)
        return har_fail(e, HAR_EDATA, "%s: the validation split is empty", val->file->source);
    if (!val && cfg->patience > 0)
        return har_fail(e, HAR_EUSAGE, "early stopping (patience %d) needs a validation split to watch; "
                                       "without one use patience 0", cfg->patience);
    if (!val && cfg->schedule.kind == HAR_SCHED_PLATEAU)
        return har_fail(e, HAR_EUSAGE, "the plateau schedule needs a validation split to watch");
    if (har_model_build(&t->model, cfg->spec, (har_shape){train->t, train->c}, train->nclasses, e))
        return e->code;
    har_model_init(&t->model, cfg->init, cfg->seed);
    t->shard[0] = &t->model;
    for (int p = 1; p < HAR_TRAIN_SHARDS; p++) {
        if (har_model_build_shared(&t->replica[p - 1], &t->model, e))
            return e->code;
        t->shard[p] = &t->replica[p - 1];
    }
    if (!(t->team = har_team_new(cfg->threads < 1 ? 1 : cfg->threads, e)))
        return e->code;
    /* Independent streams for dropout and for data order/augmentation. */
    har_rng_seed(&t->dropout_rng, cfg->seed ^ 0x64726f706f7574ULL); /* "dropout" */
    har_rng_seed(&t->rng, cfg->seed ^ 0x62617463686573ULL);       /* "batches" */
    int B = cfg->batch_size, K = t->model.nclasses;
    size_t per = (size_t)train->t * (size_t)train->c;
    t->norder = train->n;
    t->hcols = HAR_H_FIXED;
    t->group_names = har_calloc((size_t)t->model.nparams + 1, sizeof *t->group_names, e);
    t->group_of = har_calloc((size_t)t->model.nparams + 1, sizeof *t->group_of, e);
    t->group_sq = har_calloc((size_t)t->model.nparams + 1, sizeof *t->group_sq, e);
    t->order = har_malloc((size_t)train->n * sizeof *t->order, e);
    t->bx = har_malloc((size_t)B * per * sizeof *t->bx, e);
    t->by = har_malloc((size_t)B * sizeof *t->by, e);
    int maxb = B > EVAL_BATCH ? B : EVAL_BATCH;
    t->dlogits = har_malloc((size_t)B * K * sizeof *t->dlogits, e);
    t->logits = har_malloc((size_t)maxb * K * sizeof *t->logits, e);
    t->probs = har_malloc((size_t)maxb * K * sizeof *t->probs, e);
    t->aug_scratch = har_malloc(har_augment_scratch_size(train->t, train->c) * sizeof(double), e);
    t->conf = har_confusion_new(K);
    if (!t->group_names || !t->group_of || !t->group_sq || !t->order || !t->bx || !t->by || !t->dlogits ||
        !t->logits || !t->probs || !t->aug_scratch || !t->conf)
        return har_fail(e, HAR_EIO, "out of memory");
    t->ngroups = har_model_groups(&t->model, t->group_names, t->group_of, t->model.nparams + 1);
    t->hcols = HAR_H_FIXED + 2 * t->ngroups;
    for (int p = 0; p < HAR_TRAIN_SHARDS; p++)
        if (har_model_reserve(t->shard[p], (maxb + HAR_TRAIN_SHARDS - 1) / HAR_TRAIN_SHARDS, e))
            return e->code;
    if (make_decay_mask(t, e) ||
        (cfg->class_weights && make_class_weights(t, e)) ||
        har_optim_init(&t->optim, &cfg->optim, t->model.nweights, t->decay, e))
        return e->code;
    har_sched_config sc = cfg->schedule;
    sc.lr = cfg->optim.lr;
    sc.epochs = cfg->epochs;
    sc.mode_max = 0; /* plateau watches the validation loss */
    if (har_sched_init(&t->schedule, &sc, e))
        return e->code;
    t->best_value = NAN;
    return 0;
}

void har_trainer_free(har_trainer *t)
{
    har_team_free(t->team);
    for (int p = 0; p < HAR_TRAIN_SHARDS - 1; p++)
        har_model_free(&t->replica[p]); /* before the model whose weights they use */
    har_model_free(&t->model);
    free(t->logits);
    har_optim_free(&t->optim);
    free(t->history);
    free(t->trace);
    free(t->group_names);
    free(t->group_of);
    free(t->group_sq);
    free(t->order);
    free(t->bx);
    free(t->by);
    free(t->dlogits);
    free(t->probs);
    free(t->aug_scratch);
    free(t->class_weight);
    free(t->decay);
    har_confusion_free(t->conf);
    memset(t, 0, sizeof *t);
}

/* ---- one epoch ---------------------------------------------------------- */

/* Fills t->order with this epoch's sample sequence. */
static void epoch_order(har_trainer *t)
{
    const har_windows *w = t->train;
    if (t->cfg.overfit_batches > 0) {
        /* The same fixed windows every epoch: the first epoch's draw, shuffled. */
        har_rng fixed;
        har_rng_seed(&fixed, t->cfg.seed ^ 0x6f766572666974ULL); /* "overfit" */
        for (int64_t i = 0; i < w->n; i++)
            t->order[i] = i;
        for (int64_t i = w->n - 1; i > 0; i--) {
            int64_t j = (int64_t)har_rng_below(&fixed, (uint64_t)i + 1), tmp = t->order[i];
            t->order[i] = t->order[j];
            t->order[j] = tmp;
        }
        int64_t keep = (int64_t)t->cfg.overfit_batches * t->cfg.batch_size;
        t->norder = keep < w->n ? keep : w->n;
        return;
    }
    t->norder = w->n;
    if (t->cfg.oversample) {
        /* Class-balanced draw with replacement: a class, then one of its windows.
         * Classes absent from the training split are skipped. */
        int K = t->model.nclasses;
        int64_t *start = calloc((size_t)K + 1, sizeof *start), *byclass = t->order;
        int64_t *idx = malloc((size_t)w->n * sizeof *idx);
        if (start && idx) {
            for (int64_t i = 0; i < w->n; i++)
                start[w->y[i] + 1]++;
            for (int c = 0; c < K; c++)
                start[c + 1] += start[c];
            int64_t *fill = calloc((size_t)K, sizeof *fill);
            if (fill) {
                for (int64_t i = 0; i < w->n; i++)
                    idx[start[w->y[i]] + fill[w->y[i]]++] = i;
                free(fill);
                int present = 0, cls[256];
                for (int c = 0; c < K && present < 256; c++)
                    if (start[c + 1] > start[c])
                        cls[present++] = c;
                for (int64_t i = 0; i < w->n; i++) {
                    int c = cls[har_rng_below(&t->rng, (uint64_t)present)];
                    int64_t nc = start[c + 1] - start[c];
                    byclass[i] = idx[start[c] + (int64_t)har_rng_below(&t->rng, (uint64_t)nc)];
                }
                free(start);
                free(idx);
                return;
            }
        }
        free(start);
        free(idx); /* out of memory: fall back to a plain shuffle */
    }
    for (int64_t i = 0; i < w->n; i++)
        t->order[i] = i;
    for (int64_t i = w->n - 1; i > 0; i--) {
        int64_t j = (int64_t)har_rng_below(&t->rng, (uint64_t)i + 1), tmp = t->order[i];
        t->order[i] = t->order[j];
        t->order[j] = tmp;
    }
}

/* Adds this step's L2 and L1 gradient norm of each group (layer) into l2 and
 * l1 (summed over the epoch's steps, averaged at its end); returns the sum of
 * squares of all gradients. */
static double group_norms(const har_trainer *t, double *l2, double *l1)
{
    const har_model *m = &t->model;
    double *sq = t->group_sq;
    memset(sq, 0, (size_t)t->ngroups * sizeof *sq);
    for (int i = 0; i < m->nparams; i++) {
        const har_param *p = &m->params[i];
        const float *g = m->dw + p->offset;
        double s = 0, a = 0;
        har_grad_sums(g, p->size, &s, &a);
        sq[t->group_of[i]] += s;
        l1[t->group_of[i]] += a;
    }
    double total = 0;
    for (int g = 0; g < t->ngroups; g++) {
        l2[g] += sqrt(sq[g]);
        total += sq[g];
    }
    return total;
}

static int history_row(har_trainer *t, double **row, har_err *e)
{
    if (t->hrows == t->hcap) {
        int cap = t->hcap ? 2 * t->hcap : 64;
        double *h = realloc(t->history, (size_t)cap * t->hcols * sizeof *h);
        if (!h)
            return har_fail(e, HAR_EIO, "out of memory");
        t->history = h;
        t->hcap = cap;
    }
    *row = t->history + (size_t)t->hrows * t->hcols;
    memset(*row, 0, (size_t)t->hcols * sizeof **row);
    return 0;
}

static double monitored(const har_trainer *t, const double *row)
{
    switch (t->cfg.monitor) {
    case HAR_MONITOR_LOSS: return row[HAR_H_VAL_LOSS];
    case HAR_MONITOR_ACC: return row[HAR_H_VAL_ACC];
    case HAR_MONITOR_F1: return row[HAR_H_VAL_F1];
    }
    return row[HAR_H_VAL_LOSS];
}

/* ---- sharded forward and backward ---------------------------------------- */

typedef struct {
    har_trainer *t;
    const float *x;       /* [b, T, C] */
    int b, train;
} shard_job;

/* Shard p's rows of a batch of b: [*first, *first + *n). */
static void shard_rows(int b, int p, int *first, int *n)
{
    *first = (int)((int64_t)b * p / HAR_TRAIN_SHARDS);
    *n = (int)((int64_t)b * (p + 1) / HAR_TRAIN_SHARDS) - *first;
}

static void shard_forward(void *ctx, int p)
{
    shard_job *j = ctx;
    har_trainer *t = j->t;
    int first, n, K = t->model.nclasses;
    size_t per = (size_t)t->model.in.t * (size_t)t->model.in.f;
    shard_rows(j->b, p, &first, &n);
    if (n == 0)
        return;
    const float *z = har_model_forward(t->shard[p], j->x + (size_t)first * per, n, j->train);
    memcpy(t->logits + (size_t)first * K, z, (size_t)n * K * sizeof *z);
}

static void shard_backward(void *ctx, int p)
{
    shard_job *j = ctx;
    har_trainer *t = j->t;
    int first, n;
    shard_rows(j->b, p, &first, &n);
    har_model_zero_grad(t->shard[p]);
    if (n > 0)
        har_model_backward(t->shard[p], t->dlogits + (size_t)first * t->model.nclasses, NULL, n);
}

/* Logits of b windows into t->logits; in training, each shard's dropout
 * stream is first seeded from dropout_rng, in shard order. */
static void forward_batch(har_trainer *t, const float *x, int b, int train)
{
    if (train)
        for (int p = 0; p < HAR_TRAIN_SHARDS; p++)
            har_rng_seed(&t->shard[p]->rng, har_rng_u64(&t->dropout_rng));
    shard_job j = {.t = t, .x = x, .b = b, .train = train};
    har_team_run(t->team, shard_forward, &j, HAR_TRAIN_SHARDS);
}

HAR_VEC_KERNEL static void add_kernel(float *restrict acc, const float *restrict v, size_t n)
{
    size_t i = 0;
    for (; i < HAR_VEC_FLOOR(n); i += 16)
        for (int k = 0; k < 16; k++)
            acc[i + k] += v[i + k];
    for (; i < n; i++)
        acc[i] += v[i];
}

/* Gradients of the batch in t->model.dw: the shards' sums, added in order. */
static void backward_batch(har_trainer *t, int b)
{
    shard_job j = {.t = t, .b = b};
    har_team_run(t->team, shard_backward, &j, HAR_TRAIN_SHARDS);
    for (int p = 1; p < HAR_TRAIN_SHARDS; p++)
        add_kernel(t->model.dw, t->shard[p]->dw, t->model.nweights);
}

/* Trains on one batch; returns 1 if the loss or a gradient is non-finite. */
static int train_step(har_trainer *t, int B, double lr, double *loss, double *gnorm, double *sq,
                      double *l1, har_err *e)
{
    har_model *m = &t->model;
    int K = m->nclasses;
    forward_batch(t, t->bx, B, 1);
    *loss = har_softmax_xent(t->logits, t->by, B, K, t->class_weight, t->cfg.label_smoothing,
                             t->dlogits, t->probs);
    for (int i = 0; i < B; i++)
        har_confusion_add(t->conf, t->by[i], har_argmax(t->probs + (size_t)i * K, K));
    if (!isfinite(*loss))
        return 1;
    backward_batch(t, B);
    double sumsq = group_norms(t, sq, l1);
    if (har_clip_to_norm(m->dw, m->nweights, t->cfg.clip, sumsq, gnorm, e))
        return 1; /* a non-finite gradient: nothing was changed */
    har_optim_step(&t->optim, m->w, m->dw, lr, e);
    return 0;
}

void har_trainer_trace_steps(har_trainer *t)
{
    t->tracing = 1;
}

/* Appends a step to the trace; out of memory ends the trace (and says so in
 * trace_truncated), not the run. */
static void trace_step(har_trainer *t, int64_t step, double lr, double loss, double gnorm)
{
    if (!t->tracing)
        return;
    if (t->ntrace == t->trace_cap) {
        int64_t cap = t->trace_cap ? 2 * t->trace_cap : 1024;
        double *p = realloc(t->trace, (size_t)cap * HAR_TRACE_COLS * sizeof *p);
        if (!p) {
            t->tracing = 0;
            t->trace_truncated = 1;
            return;
        }
        t->trace = p;
        t->trace_cap = cap;
    }
    double *r = t->trace + (size_t)t->ntrace++ * HAR_TRACE_COLS;
    r[HAR_TRACE_EPOCH] = t->epoch + 1;
    r[HAR_TRACE_STEP] = (double)step + 1;
    r[HAR_TRACE_LR] = lr;
    r[HAR_TRACE_LOSS] = loss;
    r[HAR_TRACE_GRAD_NORM] = gnorm;
}

int har_trainer_epoch(har_trainer *t, volatile sig_atomic_t *interrupt, int *improved,
                      har_err *e)
{
    const har_windows *w = t->train;
    size_t per = (size_t)w->t * (size_t)w->c;
    int B = t->cfg.batch_size, G = t->ngroups;
    double *row;
    *improved = 0;
    if (history_row(t, &row, e))
        return e->code;
    double *sq = row + HAR_H_FIXED, *l1 = sq + G;
    epoch_order(t);
    int64_t steps = (t->norder + B - 1) / B;
    double loss_sum = 0, norm_sum = 0;
    har_confusion_reset(t->conf);
    for (int64_t s = 0; s < steps; s++) {
        if (interrupt && *interrupt) {
            t->stop = HAR_STOP_INTERRUPTED;
            snprintf(t->stop_detail, sizeof t->stop_detail, "interrupted in epoch %d at step %lld",
                     t->epoch + 1, (long long)s + 1);
            return 0;
        }
        int64_t first = s * B;
        int b = (int)(t->norder - first < B ? t->norder - first : B);
        for (int i = 0; i < b; i++) {
            int64_t k = t->order[first + i];
            memcpy(t->bx + (size_t)i * per, w->x + (size_t)k * per, per * sizeof *t->bx);
            t->by[i] = w->y[k];
        }
        if (har_augment_active(&t->cfg.augment))
            har_augment_batch(&t->cfg.augment, t->bx, b, w->t, w->c, &t->rng, t->aug_scratch);
        double lr = har_sched_lr(&t->schedule, t->epoch, s, steps);
        double loss, gnorm = 0;
        if (train_step(t, b, lr, &loss, &gnorm, sq, l1, e)) {
            trace_step(t, s, lr, loss, isfinite(loss) ? gnorm : NAN);
            t->stop = HAR_STOP_DIVERGED;
            snprintf(t->stop_detail, sizeof t->stop_detail,
                     "diverged in epoch %d at step %lld of %lld: %s is %g (learning rate %g)",
                     t->epoch + 1, (long long)s + 1, (long long)steps,
                     isfinite(loss) ? "the gradient norm" : "the loss", isfinite(loss) ? gnorm : loss,
                     lr);
            return 0;
        }
        trace_step(t, s, lr, loss, gnorm);
        loss_sum += loss * b;
        norm_sum += gnorm;
        row[HAR_H_LR] = lr;
    }
    har_scores ts = har_confusion_scores(t->conf, NULL, NULL, NULL);
    row[HAR_H_EPOCH] = t->epoch + 1;
    row[HAR_H_TRAIN_LOSS] = loss_sum / (double)t->norder;
    row[HAR_H_TRAIN_ACC] = ts.accuracy;
    row[HAR_H_TRAIN_F1] = ts.macro_f1;
    row[HAR_H_GRAD_NORM] = norm_sum / (double)steps;
    for (int g = 0; g < G; g++) { /* mean of the per-step norms */
        sq[g] /= (double)steps;
        l1[g] /= (double)steps;
    }
    if (t->val) {
        har_scores vs;
        double vloss;
        if (har_trainer_evaluate(t, t->val, &vloss, &vs))
            return har_fail(e, HAR_EIO, "out of memory");
        row[HAR_H_VAL_LOSS] = vloss;
        row[HAR_H_VAL_ACC] = vs.accuracy;
        row[HAR_H_VAL_F1] = vs.macro_f1;
    } else {
        row[HAR_H_VAL_LOSS] = row[HAR_H_VAL_ACC] = row[HAR_H_VAL_F1] = NAN;
    }
    t->hrows++;
    t->epoch++;
    if (t->val && !isfinite(row[HAR_H_VAL_LOSS])) {
        t->stop = HAR_STOP_DIVERGED;
        snprintf(t->stop_detail, sizeof t->stop_detail,
                 "diverged in epoch %d: the validation loss is %g", t->epoch, row[HAR_H_VAL_LOSS]);
        return 0;
    }
    /* Without validation no score may choose the epoch: the latest is kept
     * (its epoch count chosen beforehand, e.g. by cross-validation). */
    double v = t->val ? monitored(t, row) : row[HAR_H_TRAIN_LOSS];
    int lower_is_better = t->val ? t->cfg.monitor == HAR_MONITOR_LOSS : 1;
    if (t->best_epoch == 0 || !t->val || (lower_is_better ? v < t->best_value : v > t->best_value)) {
        t->best_epoch = t->epoch;
        t->best_value = v;
        t->bad_epochs = 0;
        *improved = 1;
    } else {
        t->bad_epochs++;
    }
    har_sched_epoch_end(&t->schedule, t->val ? row[HAR_H_VAL_LOSS] : row[HAR_H_TRAIN_LOSS]);
    if (t->cfg.patience > 0 && t->bad_epochs >= t->cfg.patience) {
        t->stop = HAR_STOP_EARLY;
        snprintf(t->stop_detail, sizeof t->stop_detail,
                 "early-stopped after epoch %d: no better %s for %d epochs (best %.6g at epoch %d)",
                 t->epoch, har_monitor_name(t->cfg.monitor), t->cfg.patience, t->best_value,
                 t->best_epoch);
    } else if (t->epoch >= t->cfg.epochs) {
        t->stop = HAR_STOP_COMPLETED;
        snprintf(t->stop_detail, sizeof t->stop_detail, "completed %d epochs", t->epoch);
    }
    return 0;
}

int har_trainer_evaluate(har_trainer *t, const har_windows *w, double *loss, har_scores *s)
{
    har_model *m = &t->model;
    int B = t->cfg.batch_size > EVAL_BATCH ? t->cfg.batch_size : EVAL_BATCH, K = m->nclasses;
    size_t per = (size_t)w->t * (size_t)w->c;
    har_confusion *conf = har_confusion_new(K);
    if (!conf)
        return HAR_EIO;
    double total = 0;
    for (int64_t first = 0; first < w->n; first += B) {
        int b = (int)(w->n - first < B ? w->n - first : B);
        forward_batch(t, w->x + (size_t)first * per, b, 0);
        /* Unweighted, unsmoothed: the validation loss measures the model, not the recipe. */
        total += har_softmax_xent(t->logits, w->y + first, b, K, NULL, 0, NULL, t->probs) * b;
        for (int i = 0; i < b; i++)
            har_confusion_add(conf, w->y[first + i], har_argmax(t->probs + (size_t)i * K, K));
    }
    *loss = total / (double)w->n;
    *s = har_confusion_scores(conf, NULL, NULL, NULL);
    har_confusion_free(conf);
    return 0;
}

/* ---- save and restore --------------------------------------------------- */

static int put_rng(har_tfile *f, const char *name, const har_rng *r, har_err *e)
{
    int64_t shape[1] = {4};
    har_tensor *t = har_tfile_add(f, name, HAR_I64, 1, shape, e);
    if (!t)
        return HAR_EIO;
    memcpy(t->data, r->s, sizeof r->s);
    return 0;
}

static int get_rng(const har_tfile *f, const char *name, har_rng *r, har_err *e)
{
    int64_t shape[1] = {4};
    har_tensor *t = har_tfile_expect(f, name, HAR_I64, 1, shape, e);
    if (!t)
        return HAR_EDATA;
    memcpy(r->s, t->data, sizeof r->s);
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
        return har_fail(e, HAR_EDATA, "%s: random state %s is all zero", f->source, name);
    return 0;
}

int har_trainer_save(const har_trainer *t, har_tfile *f, har_err *e)
{
    char *hp = har_train_config_json(&t->cfg, e);
    if (!hp)
        return HAR_EIO;
    int64_t hshape[2] = {t->hrows, t->hcols};
    int rc = har_checkpoint_put_weights(f, &t->model, e) ||
             har_optim_save(&t->optim, f, "train.optim.", e) ||
             har_sched_save(&t->schedule, f, "train.sched.", e) ||
             put_rng(f, "train.rng.batches", &t->rng, e) ||
             put_rng(f, "train.rng.dropout", &t->dropout_rng, e);
    har_tensor *h = rc ? NULL : har_tfile_add(f, "train.history", HAR_F64, 2, hshape, e);
    if (!rc && !h)
        rc = 1;
    if (h)
        memcpy(h->data, t->history, (size_t)t->hrows * t->hcols * sizeof(double));
    /* Group names, so the history's columns can be read without the tool. */
    size_t len = 1;
    for (int g = 0; g < t->ngroups; g++)
        len += strlen(t->group_names[g]) + 1;
    char *groups = rc ? NULL : har_malloc(len, e);
    if (!rc && !groups)
        rc = 1;
    if (groups) {
        groups[0] = 0;
        for (int g = 0; g < t->ngroups; g++)
            strcat(strcat(groups, g ? "," : ""), t->group_names[g]);
    }
    rc = rc || har_tfile_meta_set(f, "spec", t->model.spec, e) ||
         har_tfile_meta_set(f, "hyperparameters", hp, e) ||
         har_tfile_meta_setf(f, e, "seed", "%llu", (unsigned long long)t->cfg.seed) ||
         har_tfile_meta_setf(f, e, "epoch", "%d", t->epoch) ||
         har_tfile_meta_setf(f, e, "best_epoch", "%d", t->best_epoch) ||
         har_tfile_meta_setf(f, e, "best_value", "%.17g", t->best_value) ||
         har_tfile_meta_set(f, "monitor", har_monitor_name(t->cfg.monitor), e) ||
         har_tfile_meta_setf(f, e, "bad_epochs", "%d", t->bad_epochs) ||
         har_tfile_meta_set(f, "stop_reason", har_stop_name(t->stop), e) ||
         har_tfile_meta_set(f, "history_groups", groups, e) ||
         har_tfile_meta_setf(f, e, "parameters", "%zu", t->model.nweights);
    free(groups);
    free(hp);
    return rc ? (e && e->code ? e->code : HAR_EIO) : 0;
}

static int meta_long(const har_tfile *f, const char *key, long lo, long hi, long *out, har_err *e)
{
    const char *s = har_tfile_meta_get(f, key);
    char *end;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || end == s || *end || v < lo || v > hi)
        return har_fail(e, HAR_EDATA, "%s: metadata '%s' must be an integer in [%ld, %ld]", f->source,
                        key, lo, hi);
    *out = v;
    return 0;
}

int har_trainer_restore(har_trainer *t, const har_tfile *f, har_err *e)
{
    long epoch, best, bad;
    const char *bv = har_tfile_meta_get(f, "best_value");
    if (meta_long(f, "epoch", 0, t->cfg.epochs, &epoch, e) ||
        meta_long(f, "best_epoch", 0, epoch, &best, e) || meta_long(f, "bad_epochs", 0, epoch, &bad, e))
        return HAR_EDATA;
    if (!bv)
        return har_fail(e, HAR_EDATA, "%s: metadata 'best_value' is missing", f->source);
    int64_t hshape[2] = {epoch, t->hcols};
    har_tensor *h = har_tfile_expect(f, "train.history", HAR_F64, 2, hshape, e);
    if (!h || har_checkpoint_get_weights(f, &t->model, e) ||
        har_optim_load(&t->optim, f, "train.optim.", e) ||
        har_sched_load(&t->schedule, f, "train.sched.", e) ||
        get_rng(f, "train.rng.batches", &t->rng, e) || get_rng(f, "train.rng.dropout", &t->dropout_rng, e))
        return e->code ? e->code : HAR_EDATA;
    t->hrows = 0;
    for (long r = 0; r < epoch; r++) {
        double *row;
        if (history_row(t, &row, e))
            return e->code;
        memcpy(row, (const double *)h->data + r * t->hcols, (size_t)t->hcols * sizeof *row);
        t->hrows++;
    }
    t->epoch = (int)epoch;
    t->best_epoch = (int)best;
    t->best_value = strtod(bv, NULL);
    t->bad_epochs = (int)bad;
    const char *stop = har_tfile_meta_get(f, "stop_reason");
    for (int k = HAR_STOP_NONE; stop && k <= HAR_STOP_EARLY; k++)
        if (!strcmp(stop, stop_names[k])) {
            t->stop = (har_stop)k; /* a finished run stays finished */
            return 0;
        }
    return har_fail(e, HAR_EDATA, "%s: metadata 'stop_reason' is '%s', expected running, completed or early-stopped",
                    f->source, stop ? stop : "missing");
}

int har_trainer_state(const void *trainer, har_tfile *f, har_err *e)
{
    return har_trainer_save(trainer, f, e);
}

int har_trainer_resume(har_trainer *t, const char *path, const char *train_digest, const char *val_digest,
                       har_err *e)
{
    har_tfile *f = har_tfile_read(path, e);
    if (!f)
        return e->code;
    char *hp = har_train_config_json(&t->cfg, e);
    int rc = !hp || har_checkpoint_check_resume(f, path, hp, train_digest, val_digest, e) ||
             har_trainer_restore(t, f, e);
    free(hp);
    har_tfile_free(f);
    return rc ? (e->code ? e->code : HAR_EIO) : 0;
}
