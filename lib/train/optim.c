/* optim.c - see optim.h.
 *
 * Each update mirrors PyTorch 1.13's _single_tensor_* functions, one float
 * operation per ATen kernel call, every intermediate rounded to float.  On
 * x86-64 (AVX2/AVX-512 kernels) PyTorch computes add(b, alpha) = a + alpha*b
 * and addcmul(t1, t2, value) = a + (value*t1)*t2 with a fused multiply-add,
 * i.e. with a single rounding, and addcdiv(t1, t2, value) = a + (value*t1)/t2
 * with two; mul_ and div by a scalar are single operations.  har does the
 * same with C99's fmaf, which is correctly rounded on every machine (glibc
 * uses the FMA instruction when the CPU has one), and the Makefile's -std=c11
 * keeps GCC from contracting the other expressions, so the results are the
 * same everywhere and match PyTorch's bit for bit on x86-64. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optim.h"
#include "core/vec.h"

static const char *const kind_names[] = {"sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop"};
#define NKINDS (sizeof kind_names / sizeof kind_names[0])

int har_optim_parse(const char *name, har_optim_kind *kind, har_err *e)
{
    for (size_t i = 0; name && i < NKINDS; i++)
        if (strcmp(name, kind_names[i]) == 0) {
            *kind = (har_optim_kind)i;
            return 0;
        }
    return har_fail(e, HAR_EUSAGE, "unknown optimizer '%s' (expected sgd, momentum, nesterov, adam, adamw or rmsprop)",
                    name ? name : "(null)");
}

const char *har_optim_name(har_optim_kind kind)
{
    return (unsigned)kind < NKINDS ? kind_names[kind] : "?";
}

void har_optim_defaults(har_optim_config *c, har_optim_kind kind)
{
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->beta1 = 0.9;
    c->beta2 = 0.999;
    c->eps = 1e-8;
    c->alpha = 0.99;
    switch (kind) {
    case HAR_OPT_SGD:
        c->lr = 1e-2;
        break;
    case HAR_OPT_MOMENTUM:
    case HAR_OPT_NESTEROV:
        c->lr = 1e-2;
        c->momentum = 0.9;
        break;
    case HAR_OPT_ADAM:
        c->lr = 1e-3;
        break;
    case HAR_OPT_ADAMW:
        c->lr = 1e-3;
        c->weight_decay = 1e-2;
        c->decoupled = 1;
        break;
    case HAR_OPT_RMSPROP:
        c->lr = 1e-2;
        break;
    }
}

int har_optim_check(const har_optim_config *c, har_err *e)
{
    if ((unsigned)c->kind >= NKINDS)
        return har_fail(e, HAR_EUSAGE, "unknown optimizer kind %d", (int)c->kind);
    const char *name = kind_names[c->kind];
    struct {
        const char *field;
        double value;
        int below_one; /* betas: [0, 1); everything else: [0, inf) */
    } ranges[] = {
        {"lr", c->lr, 0},           {"momentum", c->momentum, 0}, {"beta1", c->beta1, 1},
        {"beta2", c->beta2, 1},     {"eps", c->eps, 0},           {"alpha", c->alpha, 0},
        {"weight_decay", c->weight_decay, 0},
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        double v = ranges[i].value;
        if (!isfinite(v) || v < 0 || (ranges[i].below_one && v >= 1))
            return har_fail(e, HAR_EUSAGE, "%s: %s = %g is out of range (expected a finite value %s)", name,
                            ranges[i].field, v, ranges[i].below_one ? "in [0, 1)" : ">= 0");
    }
    if (c->kind == HAR_OPT_NESTEROV && !(c->momentum > 0))
        return har_fail(e, HAR_EUSAGE, "nesterov: momentum must be > 0");
    if (c->kind == HAR_OPT_ADAMW && !c->decoupled)
        return har_fail(e, HAR_EUSAGE, "adamw is adam with decoupled weight decay; use adam for coupled (L2) decay");
    if (c->decoupled != 0 && c->decoupled != 1)
        return har_fail(e, HAR_EUSAGE, "%s: decoupled must be 0 or 1, not %d", name, c->decoupled);
    return 0;
}

/* Which buffers a configuration keeps. */
static int uses_m(const har_optim_config *c)
{
    return c->kind == HAR_OPT_MOMENTUM || c->kind == HAR_OPT_NESTEROV || c->kind == HAR_OPT_ADAM ||
           c->kind == HAR_OPT_ADAMW || (c->kind == HAR_OPT_RMSPROP && c->momentum > 0);
}

static int uses_v(const har_optim_config *c)
{
    return c->kind == HAR_OPT_ADAM || c->kind == HAR_OPT_ADAMW || c->kind == HAR_OPT_RMSPROP;
}

static const char *m_name(const har_optim_config *c)
{
    return (c->kind == HAR_OPT_ADAM || c->kind == HAR_OPT_ADAMW) ? "exp_avg" : "momentum_buffer";
}

static const char *v_name(const har_optim_config *c)
{
    return c->kind == HAR_OPT_RMSPROP ? "square_avg" : "exp_avg_sq";
}

int har_optim_init(har_optim *o, const har_optim_config *c, size_t n, const unsigned char *decay,
                   har_err *e)
{
    memset(o, 0, sizeof *o);
    if (har_optim_check(c, e))
        return e ? e->code : HAR_EUSAGE;
    if (n > SIZE_MAX / sizeof(float))
        return har_fail(e, HAR_EIO, "optimizer: %zu values is too many", n);
    o->cfg = *c;
    o->n = n;
    if (decay) {
        if (!(o->decay = har_malloc(n, e)))
            goto fail;
        memcpy(o->decay, decay, n);
    }
    if (uses_m(c) && !(o->m = har_calloc(n, sizeof(float), e)))
        goto fail;
    if (uses_v(c) && !(o->v = har_calloc(n, sizeof(float), e)))
        goto fail;
    return 0;
fail:
    har_optim_free(o);
    return HAR_EIO;
}

void har_optim_free(har_optim *o)
{
    if (!o)
        return;
    free(o->decay);
    free(o->m);
    free(o->v);
    o->decay = NULL;
    o->m = o->v = NULL;
    o->n = 0;
    o->step = 0;
}

void har_optim_reset(har_optim *o)
{
    o->step = 0;
    if (o->m)
        memset(o->m, 0, o->n * sizeof *o->m);
    if (o->v)
        memset(o->v, 0, o->n * sizeof *o->v);
}

/* Each update below is one HAR_VEC_INLINE function of a value i and its
 * gradient d, used twice: by kernels for the common case (no coupled decay,
 * and for momentum not the first step), vectorised, which pass d = g[i] and
 * constant flags that fold away; and by a general loop for the rest, which
 * passes the decayed gradient and the flags of the step.  The expressions are
 * the same ones in both, so the results are too. */

/* d_p.add(param, alpha=wd): coupled (L2) decay where the mask allows. */
HAR_VEC_INLINE float coupled_grad(size_t i, const float *w, const float *g, const unsigned char *mask,
                                  float fwd)
{
    return fwd != 0 && (!mask || mask[i]) ? fmaf(fwd, w[i], g[i]) : g[i];
}

/* Adam / AdamW: PyTorch's non-capturable branch. */
typedef struct {
    float b1, one_b1, b2, one_b2, bc2_sqrt, eps, neg_step;
} adam_consts;

HAR_VEC_INLINE void adam_at(size_t i, float *restrict w, float d, float *restrict m, float *restrict v,
                            adam_consts k)
{
    m[i] = fmaf(k.one_b1, d, m[i] * k.b1);            /* exp_avg.mul_(b1).add_(grad, alpha=1-b1) */
    v[i] = fmaf(k.one_b2 * d, d, v[i] * k.b2);        /* exp_avg_sq.mul_(b2).addcmul_(grad, grad, 1-b2) */
    float denom = sqrtf(v[i]) / k.bc2_sqrt + k.eps;   /* (exp_avg_sq.sqrt() / bc2_sqrt).add_(eps) */
    w[i] = w[i] + k.neg_step * m[i] / denom;          /* param.addcdiv_(exp_avg, denom, -step_size) */
}

HAR_VEC_KERNEL static void adam_kernel(float *restrict w, const float *restrict g,
                                       float *restrict m, float *restrict v, adam_consts k,
                                       size_t n)
{
    HAR_VEC_LOOP(i, n, adam_at(i, w, g[i], m, v, k));
}

static void adam_update(har_optim *o, float *w, const float *g, double lr, float fwd)
{
    const har_optim_config *c = &o->cfg;
    double t = (double)o->step;
    double bc1 = 1.0 - pow(c->beta1, t), bc2 = 1.0 - pow(c->beta2, t);
    double step_size = lr / bc1, bc2_sqrt = sqrt(bc2);
    adam_consts k = {
        .b1 = (float)c->beta1, .one_b1 = (float)(1.0 - c->beta1),
        .b2 = (float)c->beta2, .one_b2 = (float)(1.0 - c->beta2),
        .bc2_sqrt = (float)bc2_sqrt, .eps = (float)c->eps, .neg_step = (float)-step_size,
    };
    if (fwd == 0) {
        adam_kernel(w, g, o->m, o->v, k, o->n);
        return;
    }
    for (size_t i = 0; i < o->n; i++)
        adam_at(i, w, coupled_grad(i, w, g, o->decay, fwd), o->m, o->v, k);
}

/* param.mul_(1 - lr * weight_decay) on the decayed parameters (AdamW's
 * decoupled decay).  The factor is 1 + mask (keep - 1): keep - 1 is exact
 * (Sterbenz), so it is keep or 1 exactly, and w * 1 leaves the others as they
 * are; arithmetic rather than a select so the loop vectorises. */
HAR_VEC_INLINE void decay_at(size_t i, float *restrict w, const unsigned char *restrict mask,
                             float keep_minus_1)
{
    w[i] = w[i] * (1.0f + (float)mask[i] * keep_minus_1);
}

HAR_VEC_KERNEL static void decay_kernel(float *restrict w, const unsigned char *restrict mask,
                                        float keep_minus_1, size_t n)
{
    HAR_VEC_LOOP(i, n, decay_at(i, w, mask, keep_minus_1));
}

typedef struct {
    float a, one_a, eps, mom, neg_lr;
} rmsprop_consts;

/* momentum: whether the optimizer keeps a momentum buffer m. */
HAR_VEC_INLINE void rmsprop_at(size_t i, float *restrict w, float d, float *restrict m, float *restrict v,
                               rmsprop_consts k, int momentum)
{
    v[i] = fmaf(k.one_a * d, d, v[i] * k.a);          /* square_avg.mul_(alpha).addcmul_(grad, grad, 1-alpha) */
    float avg = sqrtf(v[i]) + k.eps;                  /* square_avg.sqrt().add_(eps) */
    if (momentum) {
        m[i] = m[i] * k.mom + d / avg;                /* buf.mul_(momentum).addcdiv_(grad, avg): value 1 */
        w[i] = fmaf(k.neg_lr, m[i], w[i]);            /* param.add_(buf, alpha=-lr) */
    } else {
        w[i] = w[i] + k.neg_lr * d / avg;             /* param.addcdiv_(grad, avg, value=-lr) */
    }
}

HAR_VEC_KERNEL static void rmsprop_kernel(float *restrict w, const float *restrict g, float *restrict v,
                                          rmsprop_consts k, size_t n)
{
    HAR_VEC_LOOP(i, n, rmsprop_at(i, w, g[i], NULL, v, k, 0));
}

HAR_VEC_KERNEL static void rmsprop_momentum_kernel(float *restrict w, const float *restrict g,
                                                   float *restrict m, float *restrict v,
                                                   rmsprop_consts k, size_t n)
{
    HAR_VEC_LOOP(i, n, rmsprop_at(i, w, g[i], m, v, k, 1));
}

static void rmsprop_update(har_optim *o, float *w, const float *g, double lr, float fwd)
{
    const har_optim_config *c = &o->cfg;
    const rmsprop_consts k = {.a = (float)c->alpha, .one_a = (float)(1.0 - c->alpha), .eps = (float)c->eps,
                              .mom = (float)c->momentum, .neg_lr = (float)-lr};
    if (fwd == 0 && o->m)
        rmsprop_momentum_kernel(w, g, o->m, o->v, k, o->n);
    else if (fwd == 0)
        rmsprop_kernel(w, g, o->v, k, o->n);
    else
        for (size_t i = 0; i < o->n; i++)
            rmsprop_at(i, w, coupled_grad(i, w, g, o->decay, fwd), o->m, o->v, k, o->m != NULL);
}

typedef struct {
    float mom, neg_lr;
} sgd_consts;

/* kind: sgd, momentum or nesterov; first: the first step, where the momentum
 * buffer starts as d. */
HAR_VEC_INLINE void sgd_at(size_t i, float *restrict w, float d, float *restrict m, sgd_consts k,
                           har_optim_kind kind, int first)
{
    if (kind != HAR_OPT_SGD) {
        m[i] = first ? d : m[i] * k.mom + d;          /* buf = clone(d_p) | buf.mul_(mom).add_(d_p) */
        d = kind == HAR_OPT_NESTEROV ? fmaf(k.mom, m[i], d) : m[i]; /* d_p.add(buf, alpha=mom) | buf */
    }
    w[i] = fmaf(k.neg_lr, d, w[i]);                   /* param.add_(d_p, alpha=-lr) */
}

HAR_VEC_KERNEL static void sgd_kernel(float *restrict w, const float *restrict g, sgd_consts k, size_t n)
{
    HAR_VEC_LOOP(i, n, sgd_at(i, w, g[i], NULL, k, HAR_OPT_SGD, 0));
}

HAR_VEC_KERNEL static void momentum_kernel(float *restrict w, const float *restrict g, float *restrict m,
                                           sgd_consts k, size_t n)
{
    HAR_VEC_LOOP(i, n, sgd_at(i, w, g[i], m, k, HAR_OPT_MOMENTUM, 0));
}

HAR_VEC_KERNEL static void nesterov_kernel(float *restrict w, const float *restrict g, float *restrict m,
                                           sgd_consts k, size_t n)
{
    HAR_VEC_LOOP(i, n, sgd_at(i, w, g[i], m, k, HAR_OPT_NESTEROV, 0));
}

static void sgd_update(har_optim *o, float *w, const float *g, double lr, float fwd)
{
    const sgd_consts k = {.mom = (float)o->cfg.momentum, .neg_lr = (float)-lr};
    const har_optim_kind kind = o->cfg.kind;
    const int first = o->step == 0;
    if (fwd == 0 && kind == HAR_OPT_SGD)
        sgd_kernel(w, g, k, o->n);
    else if (fwd == 0 && !first && kind == HAR_OPT_MOMENTUM)
        momentum_kernel(w, g, o->m, k, o->n);
    else if (fwd == 0 && !first && kind == HAR_OPT_NESTEROV)
        nesterov_kernel(w, g, o->m, k, o->n);
    else
        for (size_t i = 0; i < o->n; i++)
            sgd_at(i, w, coupled_grad(i, w, g, o->decay, fwd), o->m, k, kind, first);
}

int har_optim_step(har_optim *o, float *w, const float *g, double lr, har_err *e)
{
    if (!isfinite(lr) || lr < 0)
        return har_fail(e, HAR_EUSAGE, "%s: learning rate %g is not a finite value >= 0", kind_names[o->cfg.kind], lr);
    const har_optim_config *c = &o->cfg;
    float coupled = 0;
    if (c->weight_decay != 0) {
        if (c->decoupled) {
            /* param.mul_(1 - lr * weight_decay), as AdamW. */
            const float keep = (float)(1.0 - lr * c->weight_decay);
            if (o->decay && keep >= 0.5f) /* keep - 1 exact: see decay_at */
                decay_kernel(w, o->decay, keep - 1.0f, o->n);
            else if (o->decay)
                for (size_t i = 0; i < o->n; i++)
                    w[i] = o->decay[i] ? w[i] * keep : w[i];
            else
                for (size_t i = 0; i < o->n; i++)
                    w[i] = w[i] * keep;
        } else {
            coupled = (float)c->weight_decay;
        }
    }
    switch (c->kind) {
    case HAR_OPT_SGD:
    case HAR_OPT_MOMENTUM:
    case HAR_OPT_NESTEROV:
        sgd_update(o, w, g, lr, coupled);
        o->step++;
        break;
    case HAR_OPT_ADAM:
    case HAR_OPT_ADAMW:
        o->step++; /* Adam's bias correction uses the incremented count */
        adam_update(o, w, g, lr, coupled);
        break;
    case HAR_OPT_RMSPROP:
        rmsprop_update(o, w, g, lr, coupled);
        o->step++;
        break;
    }
    return 0;
}

/* ---- state export / import ------------------------------------------- */

static int state_name(char *buf, size_t cap, const char *prefix, const char *name, har_err *e)
{
    int k = snprintf(buf, cap, "%s%s", prefix ? prefix : "", name);
    if (k < 0 || (size_t)k >= cap)
        return har_fail(e, HAR_EUSAGE, "optimizer state name prefix '%s' is too long", prefix);
    return 0;
}

static int save_buffer(har_tfile *f, const char *prefix, const char *name, const float *data, size_t n,
                       har_err *e)
{
    char key[512];
    if (state_name(key, sizeof key, prefix, name, e))
        return e ? e->code : HAR_EUSAGE;
    int64_t shape[1] = {(int64_t)n};
    har_tensor *t = har_tfile_add(f, key, HAR_F32, 1, shape, e);
    if (!t)
        return e ? e->code : HAR_EIO;
    if (n)
        memcpy(t->data, data, n * sizeof *data);
    return 0;
}

int har_optim_save(const har_optim *o, har_tfile *f, const char *prefix, har_err *e)
{
    char key[512];
    int64_t none[1] = {0};
    if (state_name(key, sizeof key, prefix, "optimizer", e) ||
        har_tfile_meta_set(f, key, kind_names[o->cfg.kind], e))
        return e ? e->code : HAR_EIO;
    if (state_name(key, sizeof key, prefix, "step", e))
        return e ? e->code : HAR_EUSAGE;
    har_tensor *t = har_tfile_add(f, key, HAR_I64, 0, none, e);
    if (!t)
        return e ? e->code : HAR_EIO;
    memcpy(t->data, &o->step, sizeof o->step);
    if (o->m && save_buffer(f, prefix, m_name(&o->cfg), o->m, o->n, e))
        return e ? e->code : HAR_EIO;
    if (o->v && save_buffer(f, prefix, v_name(&o->cfg), o->v, o->n, e))
        return e ? e->code : HAR_EIO;
    return 0;
}

/* Finds <prefix>name: a checked F32 [n] buffer when wanted, and an error when
 * present but not wanted (the state of a differently configured optimizer). */
static int load_buffer(const har_optim *o, const har_tfile *f, const char *prefix, const char *name, int wanted,
                       const float **out, har_err *e)
{
    char key[512];
    if (state_name(key, sizeof key, prefix, name, e))
        return e ? e->code : HAR_EUSAGE;
    if (!wanted) {
        if (har_tfile_get(f, key))
            return har_fail(e, HAR_EDATA, "optimizer state has %s, which %s%s does not keep", key,
                            kind_names[o->cfg.kind], o->cfg.kind == HAR_OPT_RMSPROP ? " without momentum" : "");
        return 0;
    }
    int64_t shape[1] = {(int64_t)o->n};
    har_tensor *t = har_tfile_expect(f, key, HAR_F32, 1, shape, e);
    if (!t)
        return e ? (e->code = HAR_EDATA) : HAR_EDATA;
    const float *x = t->data;
    int second_moment = strcmp(name, "exp_avg_sq") == 0 || strcmp(name, "square_avg") == 0;
    for (size_t i = 0; i < o->n; i++)
        if (!isfinite(x[i]) || (second_moment && x[i] < 0))
            return har_fail(e, HAR_EDATA, "optimizer state %s[%zu] = %g is invalid", key, i, (double)x[i]);
    *out = x;
    return 0;
}

int har_optim_load(har_optim *o, const har_tfile *f, const char *prefix, har_err *e)
{
    char key[512];
    if (state_name(key, sizeof key, prefix, "optimizer", e))
        return e ? e->code : HAR_EUSAGE;
    const char *kind = har_tfile_meta_get(f, key);
    if (!kind)
        return har_fail(e, HAR_EDATA, "no optimizer state (metadata %s is missing)", key);
    if (strcmp(kind, kind_names[o->cfg.kind]) != 0)
        return har_fail(e, HAR_EDATA, "optimizer state is for %s, not %s", kind, kind_names[o->cfg.kind]);
    if (state_name(key, sizeof key, prefix, "step", e))
        return e ? e->code : HAR_EUSAGE;
    int64_t none[1] = {0};
    har_tensor *t = har_tfile_expect(f, key, HAR_I64, 0, none, e);
    if (!t)
        return e ? (e->code = HAR_EDATA) : HAR_EDATA;
    int64_t step;
    memcpy(&step, t->data, sizeof step);
    if (step < 0)
        return har_fail(e, HAR_EDATA, "optimizer state %s = %lld is negative", key, (long long)step);
    /* Every buffer name any optimizer writes is looked at, so a state with a
     * buffer this one does not keep is refused rather than half used.
     * Nothing changes until everything has been checked. */
    static const char *const names[] = {"momentum_buffer", "exp_avg", "exp_avg_sq", "square_avg"};
    const float *m = NULL, *v = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int is_m = o->m && strcmp(names[i], m_name(&o->cfg)) == 0;
        int is_v = o->v && strcmp(names[i], v_name(&o->cfg)) == 0;
        const float *dummy = NULL;
        if (load_buffer(o, f, prefix, names[i], is_m || is_v, is_m ? &m : is_v ? &v : &dummy, e))
            return e ? e->code : HAR_EDATA;
    }
    o->step = step;
    if (o->m && o->n)
        memcpy(o->m, m, o->n * sizeof *m);
    if (o->v && o->n)
        memcpy(o->v, v, o->n * sizeof *v);
    return 0;
}

/* ---- clipping ---------------------------------------------------------- */

int har_clip_grad_norm(float *g, size_t n, double max_norm, double *norm, har_err *e)
{
    double ss = 0, abs = 0;
    har_grad_sums(g, n, &ss, &abs);
    return har_clip_to_norm(g, n, max_norm, ss, norm, e);
}

int har_clip_to_norm(float *g, size_t n, double max_norm, double sumsq, double *norm,
                     har_err *e)
{
    if (!isfinite(max_norm) || max_norm < 0)
        return har_fail(e, HAR_EUSAGE, "gradient clipping: max_norm %g is not a finite value >= 0", max_norm);
    double total = sqrt(sumsq);
    if (norm)
        *norm = total;
    if (!isfinite(total))
        return har_fail(e, HAR_EDATA, "gradient norm is %g: a gradient is NaN or infinite", total);
    if (max_norm > 0) {
        double scale = max_norm / (total + 1e-6);
        if (scale < 1)
            for (size_t i = 0; i < n; i++)
                g[i] = (float)((double)g[i] * scale);
    }
    return 0;
}

/* Sixteen partial sums per quantity (two AVX-512 vectors of doubles), added
 * in a fixed tree: the same bits on every CPU. */
static double tree16(const double *v)
{
    double p[8];
    for (int k = 0; k < 8; k++)
        p[k] = v[k] + v[k + 8];
    return ((p[0] + p[4]) + (p[1] + p[5])) + ((p[2] + p[6]) + (p[3] + p[7]));
}

HAR_VEC_KERNEL static void sums_kernel(const float *restrict g, size_t n, double *restrict sq,
                                       double *restrict abs)
{
    double s[16] = {0}, a[16] = {0};
    size_t i = 0;
    for (; i < HAR_VEC_FLOOR(n); i += 16)
        for (int k = 0; k < 16; k++) {
            double x = g[i + k];
            s[k] += x * x;
            a[k] += fabs(x);
        }
    for (int k = 0; i < n; i++, k++) {
        double x = g[i];
        s[k] += x * x;
        a[k] += fabs(x);
    }
    *sq += tree16(s);
    *abs += tree16(a);
}

void har_grad_sums(const float *g, size_t n, double *sq, double *abs)
{
    sums_kernel(g, n, sq, abs);
}
