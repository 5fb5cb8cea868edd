/* test_parity.c - har's models against PyTorch, end to end.
 *
 * The fixture tests/fixtures/torch_reference.safetensors.gz is made by
 * tests/fixtures/gen_torch_reference.py (PyTorch is needed only to remake
 * it).  For every case in it - discovered from the file, so a new case needs
 * no change here - we
 *   1. build the har model from the case's spec string and check that its
 *      parameter names and shapes are exactly the PyTorch state_dict's,
 *   2. load the weights by name and run the float forward pass (eval mode),
 *   3. compare the logits, the cross-entropy loss (with the case's class
 *      weights and label smoothing) and d loss / d logits,
 *   4. run the backward pass and compare every parameter gradient and the
 *      gradient with respect to the input.
 * Cases without a spec test the loss alone on stored logits.
 *
 * Tolerance.  Per tensor, with a = har and b = the reference:
 *
 *     max_i |a_i - b_i|  <=  1e-5 * max(max_i |b_i|, FLT_MIN)
 *
 * i.e. the worst error relative to the tensor's scale.  An element-wise
 * relative error would be meaningless here: gradients and logits have
 * elements near zero whose relative error is dominated by rounding in the
 * larger terms that cancelled to produce them.  The reference is computed by
 * PyTorch in float64 from the same float32 parameters and inputs and rounded
 * once to float32, so what we measure is har's own float32 rounding.  float32
 * has a unit roundoff of 6e-8; a well-conditioned chain of a few dozen
 * sums/products stays around 1e-7..1e-6 of the scale (PyTorch's own float32
 * result lands 1e-7..7e-7 from the reference on these cases: the metadata key
 * "<case>/torch_f32_err"), while a wrong formula, index, gate order or
 * missing term is off by 1e-3 or (much) more.  1e-5 thus leaves an order of
 * magnitude for rounding and still catches any real bug.  FLT_MIN only keeps
 * an all-zero reference (a structurally zero gradient) from dividing by zero:
 * it then demands an exact zero.
 *
 * HAR_PARITY_VERBOSE=1 prints the worst error of every case and tensor class. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/model.h"
#include "io/tensorfile.h"
#include "testutil.h"

_Static_assert(sizeof(real) == sizeof(float), "the parity test checks the float build");

#define PARITY_TOL 1e-5
#define CASE_NAME 64
#define MAX_CASES 256

static const char *fixture_path(void)
{
    return tu_fixture_path("torch_reference.safetensors.gz");
}

static har_tfile *fixture(void)
{
    return tu_fixture("torch_reference.safetensors.gz");
}

/* The cases, in file order: every "<case>/logits" tensor names one. */
static int list_cases(const har_tfile *f, char (*names)[CASE_NAME], int max)
{
    int n = 0;
    for (size_t i = 0; i < f->ntensors && n < max; i++) {
        const char *name = f->tensors[i].name, *slash = strchr(name, '/');
        if (slash && !strcmp(slash, "/logits") && slash - name < CASE_NAME) {
            memcpy(names[n], name, (size_t)(slash - name));
            names[n][slash - name] = 0;
            n++;
        }
    }
    return n;
}

typedef struct {
    const har_tfile *f;
    const char *name;  /* the case */
    int failed;
    tu_sbuf report;    /* every failure, so one run shows them all */
    /* worst relative error per tensor class, and the worst gradient's name */
    double logits, loss, dlogits, grads, grad_x;
    char worst_grad[HAR_PARAM_NAME];
} parity_case;

static const char *cname(const parity_case *c, const char *suffix)
{
    static char buf[4][256];
    static int next;
    char *b = buf[next++ % 4];
    snprintf(b, sizeof buf[0], "%s/%s", c->name, suffix);
    return b;
}

/* Tensor <case>/<suffix> with this dtype and shape (entries < 0: any), or
 * NULL if absent and optional; any mismatch fails the test at once. */
static const har_tensor *tensor(const parity_case *c, const char *suffix, har_dtype dtype,
                                int ndim, const int64_t *shape, int optional)
{
    const char *name = cname(c, suffix);
    if (optional && !har_tfile_get(c->f, name))
        return NULL;
    har_err e = {0};
    const har_tensor *t = har_tfile_expect(c->f, name, dtype, ndim, shape, &e);
    ck_assert_msg(t != NULL, "case %s: %s", c->name, e.msg);
    return t;
}

static const char *meta(const parity_case *c, const char *key)
{
    return har_tfile_meta_get(c->f, cname(c, key));
}

static int meta_int(const parity_case *c, const char *key)
{
    const char *v = meta(c, key);
    char *end;
    ck_assert_msg(v != NULL, "case %s: metadata %s missing", c->name, cname(c, key));
    long n = strtol(v, &end, 10);
    ck_assert_msg(end != v && !*end && n > 0 && n < 1000000, "case %s: bad %s \"%s\"", c->name,
                  key, v);
    return (int)n;
}

/* Compares n values of got with the F32 reference tensor <case>/<what>;
 * returns the relative error (see the tolerance above) and records a failure. */
static double compare(parity_case *c, const char *what, const float *got, size_t n)
{
    const har_tensor *t = har_tfile_get(c->f, cname(c, what));
    if (!t || t->dtype != HAR_F32 || (size_t)har_tensor_numel(t) != n) {
        c->failed++;
        tu_sbuf_printf(&c->report, "\n  case %s: reference %s missing or not F32 with %zu values",
                       c->name, what, n);
        return INFINITY;
    }
    const float *ref = t->data;
    double scale = 0, worst = -1;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        scale = fmax(scale, fabs((double)ref[i]));
        double d = fabs((double)got[i] - (double)ref[i]);
        if (d > worst || isnan(d)) {
            worst = isnan(d) ? INFINITY : d;
            at = i;
        }
    }
    double rel = worst / fmax(scale, FLT_MIN);
    if (!(rel <= PARITY_TOL)) {
        c->failed++;
        tu_sbuf_printf(&c->report,
                       "\n  case %s: %s: max |har - torch| = %.3g at [%zu] (har %.9g, torch %.9g), "
                       "tensor scale %.3g: relative %.3g > %g",
                       c->name, what, worst, at, (double)got[at], (double)ref[at], scale, rel,
                       PARITY_TOL);
    }
    return rel;
}

/* The har parameter names and shapes must be exactly the state_dict's. */
static void check_names(parity_case *c, const har_model *m)
{
    tu_sbuf bad = {0};
    char prefix[CASE_NAME + 8];
    snprintf(prefix, sizeof prefix, "%s/param/", c->name);
    size_t plen = strlen(prefix);
    for (int i = 0; i < m->nparams; i++) {
        const har_param *p = &m->params[i];
        char full[256];
        snprintf(full, sizeof full, "%s%s", prefix, p->name);
        const har_tensor *t = har_tfile_get(c->f, full);
        if (!t) {
            tu_sbuf_printf(&bad, "\n    har has %s, PyTorch does not", p->name);
            continue;
        }
        int same = t->dtype == HAR_F32 && t->ndim == p->ndim;
        for (int d = 0; same && d < p->ndim; d++)
            same = t->shape[d] == p->shape[d];
        if (!same) {
            char hs[64] = "", ts[64] = "";
            for (int d = 0; d < p->ndim; d++)
                snprintf(hs + strlen(hs), sizeof hs - strlen(hs), "%s%lld", d ? "," : "",
                         (long long)p->shape[d]);
            for (int d = 0; d < t->ndim; d++)
                snprintf(ts + strlen(ts), sizeof ts - strlen(ts), "%s%lld", d ? "," : "",
                         (long long)t->shape[d]);
            tu_sbuf_printf(&bad, "\n    %s: har shape [%s], PyTorch %s [%s]", p->name, hs,
                           har_dtype_name(t->dtype), ts);
        }
    }
    for (size_t i = 0; i < c->f->ntensors; i++) {
        const char *name = c->f->tensors[i].name;
        if (!strncmp(name, prefix, plen) && !har_model_param(m, name + plen))
            tu_sbuf_printf(&bad, "\n    PyTorch has %s, har does not", name + plen);
    }
    ck_assert_msg(bad.n == 0, "case %s (\"%s\"): parameter names differ from PyTorch's:%s",
                  c->name, m->spec, bad.s);
}

static void run_model_case(parity_case *c, const char *spec)
{
    int K = meta_int(c, "nclasses");
    const char *shape_text = meta(c, "in_shape");
    int T, C, used = 0;
    ck_assert_msg(shape_text && sscanf(shape_text, "%d,%d%n", &T, &C, &used) == 2 &&
                      !shape_text[used] && T > 0 && C > 0,
                  "case %s: bad in_shape metadata", c->name);
    const har_tensor *xt = tensor(c, "x", HAR_F32, 3, (int64_t[]){-1, T, C}, 0);
    int B = (int)xt->shape[0];
    const int32_t *y = tensor(c, "y", HAR_I32, 1, (int64_t[]){B}, 0)->data;
    const har_tensor *cwt = tensor(c, "class_weight", HAR_F32, 1, (int64_t[]){K}, 1);
    const char *eps_text = meta(c, "label_smoothing");
    double eps = eps_text ? strtod(eps_text, NULL) : 0;
    for (int i = 0; i < B; i++)
        ck_assert_msg(y[i] >= 0 && y[i] < K, "case %s: label %d out of range", c->name, y[i]);

    har_model m;
    har_err e = {0};
    ck_assert_msg(har_model_build(&m, spec, (har_shape){T, C}, K, &e) == 0,
                  "case %s: cannot build \"%s\": %s", c->name, spec, e.msg);
    check_names(c, &m);
    for (int i = 0; i < m.nparams; i++) {
        const har_param *p = &m.params[i];
        char suffix[HAR_PARAM_NAME + 8];
        snprintf(suffix, sizeof suffix, "param/%s", p->name);
        memcpy(m.w + p->offset, tensor(c, suffix, HAR_F32, p->ndim, p->shape, 0)->data,
               p->size * sizeof *m.w);
    }
    ck_assert_msg(har_model_reserve(&m, B, &e) == 0, "case %s: %s", c->name, e.msg);

    /* forward in eval mode, loss and d loss / d logits from har's own logits */
    const real *logits = har_model_forward(&m, xt->data, B, 0);
    real *dlogits = malloc((size_t)B * K * sizeof *dlogits);
    real *dx = malloc((size_t)B * T * C * sizeof *dx);
    ck_assert(dlogits && dx);
    c->logits = compare(c, "logits", logits, (size_t)B * K);
    const real *cw = cwt ? cwt->data : NULL;
    float loss = (float)har_softmax_xent(logits, y, B, K, cw, eps, dlogits, NULL);
    c->loss = compare(c, "loss", &loss, 1);
    c->dlogits = compare(c, "grad_logits", dlogits, (size_t)B * K);

    /* backward: every parameter gradient and the input gradient */
    har_model_zero_grad(&m);
    har_model_backward(&m, dlogits, dx, B);
    c->grads = 0;
    for (int i = 0; i < m.nparams; i++) {
        const har_param *p = &m.params[i];
        char what[HAR_PARAM_NAME + 8];
        snprintf(what, sizeof what, "grad/%s", p->name);
        double r = compare(c, what, m.dw + p->offset, p->size);
        if (!(r <= c->grads)) {
            c->grads = r;
            snprintf(c->worst_grad, sizeof c->worst_grad, "%s", p->name);
        }
    }
    c->grad_x = compare(c, "grad_x", dx, (size_t)B * T * C);
    free(dlogits);
    free(dx);
    har_model_free(&m);
}

/* Loss-only cases: stored logits, labels, class weights, smoothing. */
static void run_loss_case(parity_case *c)
{
    int K = meta_int(c, "nclasses");
    const har_tensor *zt = tensor(c, "logits", HAR_F32, 2, (int64_t[]){-1, K}, 0);
    int B = (int)zt->shape[0];
    const int32_t *y = tensor(c, "y", HAR_I32, 1, (int64_t[]){B}, 0)->data;
    const har_tensor *cwt = tensor(c, "class_weight", HAR_F32, 1, (int64_t[]){K}, 1);
    const char *eps_text = meta(c, "label_smoothing");
    double eps = eps_text ? strtod(eps_text, NULL) : 0;
    real *dlogits = malloc((size_t)B * K * sizeof *dlogits);
    ck_assert(dlogits);
    const real *cw = cwt ? cwt->data : NULL;
    float loss = (float)har_softmax_xent(zt->data, y, B, K, cw, eps, dlogits, NULL);
    c->loss = compare(c, "loss", &loss, 1);
    c->dlogits = compare(c, "grad_logits", dlogits, (size_t)B * K);
    free(dlogits);
}

START_TEST(matches_pytorch)
{
    har_tfile *f = fixture();
    char(*names)[CASE_NAME] = malloc(MAX_CASES * sizeof *names);
    ck_assert(names);
    int n = list_cases(f, names, MAX_CASES);
    ck_assert_msg(_i < n, "the fixture has %d cases, test %d expected", n, _i);
    parity_case c = {.f = f, .name = names[_i]};
    const char *spec = meta(&c, "spec");
    if (spec)
        run_model_case(&c, spec);
    else
        run_loss_case(&c);
    if (getenv("HAR_PARITY_VERBOSE")) {
        if (spec)
            printf("parity %-28s logits %.2e loss %.2e dlogits %.2e grads %.2e (%s) grad_x %.2e\n",
                   c.name, c.logits, c.loss, c.dlogits, c.grads, c.worst_grad, c.grad_x);
        else
            printf("parity %-28s loss %.2e dlogits %.2e\n", c.name, c.loss, c.dlogits);
        fflush(stdout);
    }
    ck_assert_msg(c.failed == 0, "case %s%s%s%s differs from PyTorch in %d tensor(s):%s", c.name,
                  spec ? " (\"" : "", spec ? spec : "", spec ? "\")" : "", c.failed, c.report.s);
    free(c.report.s);
    free(names);
    har_tfile_free(f);
}
END_TEST

/* A guard against a fixture that silently shrank: every layer kind, the
 * spec features with their own code paths, class weights, label smoothing and
 * loss-only cases are all exercised somewhere. */
START_TEST(fixture_covers_every_layer)
{
    har_tfile *f = fixture();
    char(*names)[CASE_NAME] = malloc(MAX_CASES * sizeof *names);
    ck_assert(names);
    int n = list_cases(f, names, MAX_CASES);
    tu_sbuf specs = {0};
    int weighted = 0, smoothed = 0, loss_only = 0, models = 0;
    for (int i = 0; i < n; i++) {
        parity_case c = {.f = f, .name = names[i]};
        const char *spec = meta(&c, "spec"), *eps = meta(&c, "label_smoothing");
        if (spec) {
            tu_sbuf_printf(&specs, "%s,", spec);
            models++;
        } else {
            loss_only++;
        }
        weighted += spec && har_tfile_get(f, cname(&c, "class_weight")) != NULL;
        smoothed += spec && eps && strtod(eps, NULL) > 0;
    }
    ck_assert_int_ge(models, 10);
    ck_assert_int_ge(loss_only, 1);
    ck_assert_int_ge(weighted, 1);
    ck_assert_int_ge(smoothed, 1);
    const char *needles[] = {"dense:", "flatten,", "relu,",   "sigmoid,", "tanh",    "leakyrelu,",
                             "silu,",  "gaussian,", "elu,",   "gelu,",    "rnn:",    "gru:",
                             "lstm:",  "conv1d:",  "stride=", "dilation=", "pad=same", "pad=1",
                             "maxpool:", "avgpool:", "gap,",  "last,",    "attention,",
                             "layernorm,", "res(",  "bidir",  "layers=2", "readout=mean",
                             "readout=attention", "readout=seq"};
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++)
        ck_assert_msg(strstr(specs.s, needles[i]), "no fixture case uses \"%s\"", needles[i]);
    free(specs.s);
    free(names);
    har_tfile_free(f);
}
END_TEST

Suite *parity_suite(void)
{
    /* One forked test per case (a crash in one layer cannot hide the others);
     * the count comes from the fixture.  If it cannot be read here, one
     * iteration runs and reports why. */
    int n = 1;
    har_err e = {0};
    har_tfile *f = har_tfile_read(fixture_path(), &e);
    if (f) {
        char(*names)[CASE_NAME] = malloc(MAX_CASES * sizeof *names);
        if (names && (n = list_cases(f, names, MAX_CASES)) < 1)
            n = 1;
        free(names);
        har_tfile_free(f);
    }
    Suite *s = suite_create("parity");
    TCase *tc = tcase_create("parity");
    tcase_add_loop_test(tc, matches_pytorch, 0, n);
    tcase_add_test(tc, fixture_covers_every_layer);
    suite_add_tcase(s, tc);
    return s;
}
