/* schedule.c - see schedule.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "schedule.h"

static const char *const kind_names[] = {"constant", "step", "cosine", "plateau"};
static const double pi = 3.14159265358979323846; /* M_PI is not ISO C; Python's math.pi */
#define NKINDS (sizeof kind_names / sizeof kind_names[0])

int har_sched_parse(const char *name, har_sched_kind *kind, har_err *e)
{
    for (size_t i = 0; name && i < NKINDS; i++)
        if (strcmp(name, kind_names[i]) == 0) {
            *kind = (har_sched_kind)i;
            return 0;
        }
    return har_fail(e, HAR_EUSAGE, "unknown learning-rate schedule '%s' (expected constant, step, cosine or plateau)",
                    name ? name : "(null)");
}

const char *har_sched_name(har_sched_kind kind)
{
    return (unsigned)kind < NKINDS ? kind_names[kind] : "?";
}

void har_sched_defaults(har_sched_config *c, har_sched_kind kind, double lr)
{
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->lr = lr;
    c->step_size = 10;
    c->gamma = 0.1;
    c->epochs = 0;
    c->warmup = 0;
    c->min_lr = 0;
    c->mode_max = 0;
    c->factor = 0.1;
    c->patience = 10;
    c->threshold = 1e-4;
    c->threshold_abs = 0;
    c->cooldown = 0;
    c->eps = 1e-8;
}

int har_sched_check(const har_sched_config *c, har_err *e)
{
    if ((unsigned)c->kind >= NKINDS)
        return har_fail(e, HAR_EUSAGE, "unknown schedule kind %d", (int)c->kind);
    const char *name = kind_names[c->kind];
    if (!isfinite(c->lr) || c->lr < 0)
        return har_fail(e, HAR_EUSAGE, "%s schedule: lr = %g must be a finite value >= 0", name, c->lr);
    switch (c->kind) {
    case HAR_SCHED_CONSTANT:
        break;
    case HAR_SCHED_STEP:
        if (c->step_size < 1)
            return har_fail(e, HAR_EUSAGE, "step schedule: step_size = %d must be >= 1", c->step_size);
        if (!isfinite(c->gamma) || c->gamma <= 0)
            return har_fail(e, HAR_EUSAGE, "step schedule: gamma = %g must be a finite value > 0", c->gamma);
        break;
    case HAR_SCHED_COSINE:
        if (c->epochs < 1)
            return har_fail(e, HAR_EUSAGE, "cosine schedule: epochs = %d must be >= 1", c->epochs);
        if (!isfinite(c->warmup) || c->warmup < 0 || c->warmup >= c->epochs)
            return har_fail(e, HAR_EUSAGE, "cosine schedule: warmup = %g epochs must be >= 0 and below epochs = %d",
                            c->warmup, c->epochs);
        if (!isfinite(c->min_lr) || c->min_lr < 0 || c->min_lr > c->lr)
            return har_fail(e, HAR_EUSAGE, "cosine schedule: min_lr = %g must be in [0, lr = %g]", c->min_lr, c->lr);
        break;
    case HAR_SCHED_PLATEAU:
        if (!isfinite(c->factor) || c->factor < 0 || c->factor >= 1)
            return har_fail(e, HAR_EUSAGE, "plateau schedule: factor = %g must be in [0, 1)", c->factor);
        if (c->patience < 0 || c->cooldown < 0)
            return har_fail(e, HAR_EUSAGE, "plateau schedule: patience (%d) and cooldown (%d) must be >= 0",
                            c->patience, c->cooldown);
        if (!isfinite(c->threshold) || c->threshold < 0)
            return har_fail(e, HAR_EUSAGE, "plateau schedule: threshold = %g must be a finite value >= 0",
                            c->threshold);
        if (!isfinite(c->min_lr) || c->min_lr < 0)
            return har_fail(e, HAR_EUSAGE, "plateau schedule: min_lr = %g must be a finite value >= 0", c->min_lr);
        if (!isfinite(c->eps) || c->eps < 0)
            return har_fail(e, HAR_EUSAGE, "plateau schedule: eps = %g must be a finite value >= 0", c->eps);
        if ((c->mode_max != 0 && c->mode_max != 1) || (c->threshold_abs != 0 && c->threshold_abs != 1))
            return har_fail(e, HAR_EUSAGE, "plateau schedule: mode_max and threshold_abs must be 0 or 1");
        break;
    }
    return 0;
}

int har_sched_init(har_sched *s, const har_sched_config *c, har_err *e)
{
    memset(s, 0, sizeof *s);
    if (har_sched_check(c, e))
        return e ? e->code : HAR_EUSAGE;
    s->cfg = *c;
    s->st.lr = c->lr;
    s->st.best = c->mode_max ? -INFINITY : INFINITY; /* ReduceLROnPlateau's mode_worse */
    return 0;
}

double har_sched_lr(const har_sched *s, int64_t epoch, int64_t batch, int64_t nbatches)
{
    const har_sched_config *c = &s->cfg;
    if (epoch < 0)
        epoch = 0;
    if (nbatches < 1)
        nbatches = 1;
    if (batch < 0)
        batch = 0;
    if (batch >= nbatches)
        batch = nbatches - 1;
    switch (c->kind) {
    case HAR_SCHED_CONSTANT:
        return c->lr;
    case HAR_SCHED_STEP: {
        /* StepLR multiplies the group's rate by gamma at every step_size-th
         * epoch; repeating the multiplications gives its exact values. */
        double lr = c->lr;
        for (int64_t k = epoch / c->step_size; k > 0 && lr != 0 && isfinite(lr); k--)
            lr *= c->gamma;
        return lr;
    }
    case HAR_SCHED_COSINE: {
        double E = c->epochs, W = c->warmup;
        double p = (double)epoch + (double)(batch + 1) / (double)nbatches;
        if (p > E)
            p = E;
        if (p <= W)
            return c->lr * p / W;
        return c->min_lr + (c->lr - c->min_lr) * (1 + cos(pi * (p - W) / (E - W))) / 2;
    }
    case HAR_SCHED_PLATEAU:
        return s->st.lr;
    }
    return c->lr;
}

static int is_better(const har_sched_config *c, double a, double best)
{
    if (!c->mode_max)
        return c->threshold_abs ? a < best - c->threshold : a < best * (1. - c->threshold);
    return c->threshold_abs ? a > best + c->threshold : a > best * (c->threshold + 1.);
}

int har_sched_epoch_end(har_sched *s, double metric)
{
    har_sched_state *st = &s->st;
    const har_sched_config *c = &s->cfg;
    st->epoch++;
    if (c->kind != HAR_SCHED_PLATEAU)
        return 0;
    /* ReduceLROnPlateau.step, line by line. */
    if (is_better(c, metric, st->best)) {
        st->best = metric;
        st->bad_epochs = 0;
    } else {
        st->bad_epochs++;
    }
    if (st->cooldown_counter > 0) {
        st->cooldown_counter--;
        st->bad_epochs = 0;
    }
    int reduced = 0;
    if (st->bad_epochs > c->patience) {
        double old_lr = st->lr, new_lr = fmax(old_lr * c->factor, c->min_lr);
        if (old_lr - new_lr > c->eps) {
            st->lr = new_lr;
            reduced = 1;
        }
        st->cooldown_counter = c->cooldown;
        st->bad_epochs = 0;
    }
    return reduced;
}

/* ---- state export / import --------------------------------------------- */

static int key_of(char *buf, size_t cap, const char *prefix, const char *name, har_err *e)
{
    int k = snprintf(buf, cap, "%s%s", prefix ? prefix : "", name);
    if (k < 0 || (size_t)k >= cap)
        return har_fail(e, HAR_EUSAGE, "schedule state name prefix '%s' is too long", prefix);
    return 0;
}

static int put_scalar(har_tfile *f, const char *prefix, const char *name, har_dtype dt, const void *value,
                      har_err *e)
{
    char key[512];
    int64_t none[1] = {0};
    if (key_of(key, sizeof key, prefix, name, e))
        return HAR_EUSAGE;
    har_tensor *t = har_tfile_add(f, key, dt, 0, none, e);
    if (!t)
        return e ? e->code : HAR_EIO;
    memcpy(t->data, value, 8);
    return 0;
}

static int get_scalar(const har_tfile *f, const char *prefix, const char *name, har_dtype dt, void *value,
                      har_err *e)
{
    char key[512];
    int64_t none[1] = {0};
    if (key_of(key, sizeof key, prefix, name, e))
        return HAR_EUSAGE;
    har_tensor *t = har_tfile_expect(f, key, dt, 0, none, e);
    if (!t)
        return e ? (e->code = HAR_EDATA) : HAR_EDATA;
    memcpy(value, t->data, 8);
    return 0;
}

int har_sched_save(const har_sched *s, har_tfile *f, const char *prefix, har_err *e)
{
    char key[512];
    const har_sched_state *st = &s->st;
    if (key_of(key, sizeof key, prefix, "scheduler", e) || har_tfile_meta_set(f, key, kind_names[s->cfg.kind], e) ||
        put_scalar(f, prefix, "lr", HAR_F64, &st->lr, e) || put_scalar(f, prefix, "best", HAR_F64, &st->best, e) ||
        put_scalar(f, prefix, "epoch", HAR_I64, &st->epoch, e) ||
        put_scalar(f, prefix, "bad_epochs", HAR_I64, &st->bad_epochs, e) ||
        put_scalar(f, prefix, "cooldown_counter", HAR_I64, &st->cooldown_counter, e))
        return e ? e->code : HAR_EIO;
    return 0;
}

int har_sched_load(har_sched *s, const har_tfile *f, const char *prefix, har_err *e)
{
    char key[512];
    if (key_of(key, sizeof key, prefix, "scheduler", e))
        return HAR_EUSAGE;
    const char *kind = har_tfile_meta_get(f, key);
    if (!kind)
        return har_fail(e, HAR_EDATA, "no schedule state (metadata %s is missing)", key);
    if (strcmp(kind, kind_names[s->cfg.kind]) != 0)
        return har_fail(e, HAR_EDATA, "schedule state is for %s, not %s", kind, kind_names[s->cfg.kind]);
    har_sched_state st;
    if (get_scalar(f, prefix, "lr", HAR_F64, &st.lr, e) || get_scalar(f, prefix, "best", HAR_F64, &st.best, e) ||
        get_scalar(f, prefix, "epoch", HAR_I64, &st.epoch, e) ||
        get_scalar(f, prefix, "bad_epochs", HAR_I64, &st.bad_epochs, e) ||
        get_scalar(f, prefix, "cooldown_counter", HAR_I64, &st.cooldown_counter, e))
        return e ? e->code : HAR_EDATA;
    if (!isfinite(st.lr) || st.lr < 0 || isnan(st.best) || st.epoch < 0 || st.bad_epochs < 0 ||
        st.cooldown_counter < 0)
        return har_fail(e, HAR_EDATA,
                        "invalid schedule state (lr %g, best %g, epoch %lld, bad epochs %lld, cooldown %lld)", st.lr,
                        st.best, (long long)st.epoch, (long long)st.bad_epochs, (long long)st.cooldown_counter);
    s->st = st;
    return 0;
}
