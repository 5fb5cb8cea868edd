/* test_optim.c - optimizers, gradient clipping and learning-rate schedules
 * against PyTorch 1.13 (fixture made by tests/fixtures/gen_optim_reference.py,
 * which stores the gradients so the C side replays exactly the same ones),
 * plus state export/import, the decay mask, non-finite norms and names. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train/optim.h"
#include "train/schedule.h"
#include "io/tensorfile.h"
#include "testutil.h"

static har_tfile *fixture(void)
{
    return tu_fixture("optim_reference.safetensors.gz");
}

static const void *tensor(const har_tfile *f, const char *name, har_dtype dt, int64_t *n)
{
    return tu_fixture_tensor(f, name, dt, n);
}

static const void *tensorf(const har_tfile *f, const char *c, const char *field, har_dtype dt, int64_t *n)
{
    char name[256];
    snprintf(name, sizeof name, "%s.%s", c, field);
    return tensor(f, name, dt, n);
}

/* ---- optimizers against PyTorch ------------------------------------------ */

/* The fixture's cases, in its order (checked by fixture_lists_every_case). */
static const char *const opt_cases[] = {"sgd",     "momentum_l2", "nesterov",        "adam",          "adam_l2",
                                        "adamw",   "rmsprop",     "rmsprop_momentum", "sgd_decoupled", "momentum_decoupled"};
#define NOPT_CASES ((int)(sizeof opt_cases / sizeof opt_cases[0]))

typedef struct {
    har_optim_config cfg;
    const float *w0, *grads, *traj;
    const double *lr;
    const unsigned char *decay;
    int64_t n, steps;
} opt_case;

static void load_case(const har_tfile *f, const char *c, opt_case *oc)
{
    char key[256];
    snprintf(key, sizeof key, "%s.kind", c);
    const char *kind_name = har_tfile_meta_get(f, key);
    ck_assert_msg(kind_name != NULL, "fixture lacks metadata %s", key);
    har_optim_kind kind;
    har_err e = {0};
    ck_assert_msg(har_optim_parse(kind_name, &kind, &e) == 0, "%s", e.msg);
    har_optim_defaults(&oc->cfg, kind);
    int64_t nh, ng, nt, nl, nd;
    const double *hp = tensorf(f, c, "hparams", HAR_F64, &nh);
    ck_assert_int_eq(nh, 7); /* momentum, beta1, beta2, eps, alpha, weight_decay, decoupled */
    oc->cfg.momentum = hp[0];
    oc->cfg.beta1 = hp[1];
    oc->cfg.beta2 = hp[2];
    oc->cfg.eps = hp[3];
    oc->cfg.alpha = hp[4];
    oc->cfg.weight_decay = hp[5];
    oc->cfg.decoupled = (int)hp[6];
    oc->w0 = tensorf(f, c, "w0", HAR_F32, &oc->n);
    oc->grads = tensorf(f, c, "grads", HAR_F32, &ng);
    oc->traj = tensorf(f, c, "traj", HAR_F32, &nt);
    oc->lr = tensorf(f, c, "lr", HAR_F64, &nl);
    oc->decay = tensorf(f, c, "decay", HAR_U8, &nd);
    oc->steps = nl;
    ck_assert(ng == oc->steps * oc->n && nt == ng && nd == oc->n);
}

/* Worst |a - b| over values of b relative to each value's own scale. */
static double worst_rel(const float *a, const float *b, const float *scale, int64_t n)
{
    double worst = 0;
    for (int64_t i = 0; i < n; i++)
        worst = fmax(worst, fabs((double)a[i] - b[i]) / scale[i]);
    return worst;
}

/* Tolerance 1e-6 relative, per value, to the largest magnitude that value
 * takes along the trajectory.  har performs PyTorch's float32 operations in
 * PyTorch's order, fusing the multiply-adds its x86-64 (AVX2/AVX-512)
 * kernels fuse (lib/train/optim.c), and against the committed fixture the
 * trajectories are in fact bit-identical.  The tolerance leaves room for a
 * fixture regenerated with a PyTorch whose kernels round differently (no FMA:
 * one ulp, 6e-8, per operation; 20 steps of a contracting update accumulate
 * a few tens of ulps at most, and 1e-6 is ~16 ulps of the largest value).
 * Formula errors are far larger: eps inside the sqrt, a missing bias
 * correction, swapped betas, the wrong Nesterov term or decay applied to
 * masked values each move some value by 4e-2 to 2 relative here (the fixture
 * makes sqrt(v) comparable to eps for two values and varies lr every step).
 * The final moment buffers are compared the same way, relative to each
 * buffer's largest value. */
START_TEST(optimizer_matches_reference)
{
    har_tfile *f = fixture();
    const char *c = opt_cases[_i];
    opt_case oc;
    load_case(f, c, &oc);
    har_optim o;
    har_err e = {0};
    ck_assert_msg(har_optim_init(&o, &oc.cfg, (size_t)oc.n, oc.decay, &e) == 0, "%s: %s", c, e.msg);
    float *w = malloc((size_t)oc.n * sizeof *w), *scale = malloc((size_t)oc.n * sizeof *scale);
    memcpy(w, oc.w0, (size_t)oc.n * sizeof *w);
    for (int64_t i = 0; i < oc.n; i++) {
        scale[i] = fabsf(oc.w0[i]);
        for (int64_t k = 0; k < oc.steps; k++)
            scale[i] = fmaxf(scale[i], fabsf(oc.traj[k * oc.n + i]));
        ck_assert(scale[i] > 0);
    }
    for (int64_t k = 0; k < oc.steps; k++) {
        ck_assert_int_eq(har_optim_step(&o, w, oc.grads + k * oc.n, oc.lr[k], &e), 0);
        double d = worst_rel(w, oc.traj + k * oc.n, scale, oc.n);
        ck_assert_msg(d < 1e-6, "%s: step %lld differs from the reference by %g relative", c, (long long)k + 1, d);
    }
    ck_assert_int_eq(o.step, oc.steps);
    const char *bufs[2] = {"m", "v"};
    float *mine[2] = {o.m, o.v};
    for (int b = 0; b < 2; b++) {
        char key[256];
        snprintf(key, sizeof key, "%s.%s", c, bufs[b]);
        har_tensor *t = har_tfile_get(f, key);
        if (!t)
            continue;
        ck_assert_msg(mine[b] != NULL, "%s: reference has buffer %s, har keeps none", c, bufs[b]);
        ck_assert_int_eq(har_tensor_numel(t), oc.n);
        const float *ref = t->data;
        float big = 0;
        for (int64_t i = 0; i < oc.n; i++)
            big = fmaxf(big, fabsf(ref[i]));
        for (int64_t i = 0; i < oc.n; i++)
            scale[i] = big;
        double d = worst_rel(mine[b], ref, scale, oc.n);
        ck_assert_msg(d < 1e-6, "%s: final %s differs by %g relative", c, bufs[b], d);
    }
    free(w);
    free(scale);
    har_optim_free(&o);
    har_tfile_free(f);
}
END_TEST

/* Runs a case's steps on `copies` side-by-side copies of its values (the
 * decay mask tiled too, or all zeros with zero_mask); returns the final w. */
static float *run_tiled(const opt_case *oc, const har_optim_config *cfg, int copies, int zero_mask)
{
    const size_t n = (size_t)oc->n, big = n * (size_t)copies;
    float *w = malloc(big * sizeof *w), *g = malloc(big * sizeof *g);
    unsigned char *mask = calloc(big, 1);
    for (size_t i = 0; i < big; i++) {
        w[i] = oc->w0[i % n];
        mask[i] = zero_mask ? 0 : oc->decay[i % n];
    }
    har_optim o;
    har_err e = {0};
    ck_assert_msg(har_optim_init(&o, cfg, big, mask, &e) == 0, "%s", e.msg);
    for (int64_t k = 0; k < oc->steps; k++) {
        for (size_t i = 0; i < big; i++)
            g[i] = oc->grads[k * oc->n + (int64_t)(i % n)];
        ck_assert_int_eq(har_optim_step(&o, w, g, oc->lr[k], &e), 0);
    }
    har_optim_free(&o);
    free(g);
    free(mask);
    return w;
}

/* The fixture's 10 values fit in the kernels' scalar tail (HAR_VEC_FLOOR(10)
 * is 0), so optimizer_matches_reference never reaches their vectorised body.
 * Tiled 7 times (70 values: 64 in the body, 6 in the tail), every copy must
 * follow the 10-value run bit for bit.  And where the case has no decay, the
 * same run through the general loop (coupled decay with an all-zero mask,
 * which leaves every gradient as it is) must too: kernels and general loop
 * compute the same expressions. */
START_TEST(vector_body_matches_reference)
{
    har_tfile *f = fixture();
    opt_case oc;
    load_case(f, opt_cases[_i], &oc);
    float *one = run_tiled(&oc, &oc.cfg, 1, 0), *tiled = run_tiled(&oc, &oc.cfg, 7, 0);
    for (int copy = 0; copy < 7; copy++)
        ck_assert_msg(memcmp(tiled + copy * oc.n, one, (size_t)oc.n * sizeof *one) == 0,
                      "%s: copy %d of the tiled run differs from the 10-value run", opt_cases[_i], copy);
    if (oc.cfg.weight_decay == 0) {
        har_optim_config general = oc.cfg;
        general.weight_decay = 0.5;
        float *loop = run_tiled(&oc, &general, 7, 1);
        ck_assert_msg(memcmp(loop, tiled, (size_t)oc.n * 7 * sizeof *loop) == 0,
                      "%s: the general loop differs from the kernel", opt_cases[_i]);
        free(loop);
    }
    free(one);
    free(tiled);
    har_tfile_free(f);
}
END_TEST

START_TEST(fixture_lists_every_case)
{
    har_tfile *f = fixture();
    char want[1024] = "";
    for (int i = 0; i < NOPT_CASES; i++)
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s", i ? "," : "", opt_cases[i]);
    const char *got = har_tfile_meta_get(f, "optimizer_cases");
    ck_assert_msg(got && strcmp(got, want) == 0, "fixture cases '%s', test cases '%s'", got ? got : "(none)", want);
    ck_assert_str_eq(har_tfile_meta_get(f, "hparams"), "momentum,beta1,beta2,eps,alpha,weight_decay,decoupled");
    har_tfile_free(f);
}
END_TEST

/* ---- gradient clipping ----------------------------------------------------- */

/* PyTorch reduces the two tensors' float norms; har sums squares in double
 * over the flat buffer: the norms agree to float rounding (1e-6 relative is
 * ~16 ulps), the clipped values likewise. */
static void check_clip(const char *c, int expect_clipped)
{
    har_tfile *f = fixture();
    int64_t n, nout;
    const float *g0 = tensorf(f, c, "g", HAR_F32, &n), *out = tensorf(f, c, "out", HAR_F32, &nout);
    const double *max_norm = tensorf(f, c, "max_norm", HAR_F64, NULL), *ref_norm = tensorf(f, c, "norm", HAR_F64, NULL);
    ck_assert_int_eq(n, nout);
    float *g = malloc((size_t)n * sizeof *g);
    memcpy(g, g0, (size_t)n * sizeof *g);
    double norm = -1;
    har_err e = {0};
    ck_assert_int_eq(har_clip_grad_norm(g, (size_t)n, *max_norm, &norm, &e), 0);
    ck_assert_msg(fabs(norm - *ref_norm) < 1e-6 * *ref_norm, "%s: norm %.9g, torch %.9g", c, norm, *ref_norm);
    ck_assert_int_eq(expect_clipped, *ref_norm > *max_norm);
    double ss = 0;
    for (int64_t i = 0; i < n; i++) {
        ck_assert_msg(fabsf(g[i] - out[i]) <= 1e-6f * fabsf(out[i]), "%s: value %lld is %.9g, torch %.9g", c,
                      (long long)i, (double)g[i], (double)out[i]);
        ss += (double)g[i] * g[i];
    }
    if (expect_clipped) /* the clipped norm is max_norm, short by the 1e-6 guard */
        ck_assert_msg(fabs(sqrt(ss) - *max_norm) < 1e-5, "%s: clipped norm %.9g", c, sqrt(ss));
    else /* below the threshold nothing changes, bit for bit */
        ck_assert(memcmp(g, g0, (size_t)n * sizeof *g) == 0);
    free(g);
    har_tfile_free(f);
}

START_TEST(clip_above_matches_torch)
{
    check_clip("clip_above", 1);
}
END_TEST

START_TEST(clip_below_matches_torch)
{
    check_clip("clip_below", 0);
}
END_TEST

START_TEST(clip_reports_nonfinite_norm)
{
    float bad[3][4] = {{1, NAN, 2, 3}, {1, 2, INFINITY, 3}, {-INFINITY, 0, 0, 0}};
    for (int k = 0; k < 3; k++) {
        float g[4];
        memcpy(g, bad[k], sizeof g);
        double norm = 0;
        har_err e = {0};
        ck_assert_int_eq(har_clip_grad_norm(g, 4, 1.0, &norm, &e), HAR_EDATA);
        ck_assert_int_eq(e.code, HAR_EDATA);
        ck_assert(!isfinite(norm));
        tu_assert_contains(e.msg, "NaN or infinite");
        ck_assert(memcmp(g, bad[k], sizeof g) == 0); /* not hidden by clipping */
        /* Measuring only (max_norm 0) reports it too. */
        ck_assert_int_eq(har_clip_grad_norm(g, 4, 0.0, &norm, &e), HAR_EDATA);
    }
    /* Huge but finite gradients: squares summed in double do not overflow. */
    float g[4] = {3e38f, -3e38f, 3e38f, 1};
    double norm = 0;
    ck_assert_int_eq(har_clip_grad_norm(g, 4, 2.0, &norm, NULL), 0);
    ck_assert(isfinite(norm) && fabs(norm / (sqrt(3.0) * 3e38) - 1) < 1e-6);
    ck_assert(fabsf(g[0] - 2.0f / sqrtf(3.0f)) < 1e-6f && fabsf(g[1] + 2.0f / sqrtf(3.0f)) < 1e-6f);
    /* max_norm 0 measures only; a negative or NaN one is a usage error. */
    float h[2] = {3, 4};
    ck_assert_int_eq(har_clip_grad_norm(h, 2, 0.0, &norm, NULL), 0);
    ck_assert(norm == 5 && h[0] == 3 && h[1] == 4);
    ck_assert_int_eq(har_clip_grad_norm(h, 2, -1.0, &norm, NULL), HAR_EUSAGE);
    ck_assert_int_eq(har_clip_grad_norm(h, 2, NAN, &norm, NULL), HAR_EUSAGE);
    /* Nothing to clip. */
    ck_assert_int_eq(har_clip_grad_norm(NULL, 0, 1.0, &norm, NULL), 0);
    ck_assert(norm == 0);
}
END_TEST

/* ---- state export / import ------------------------------------------------- */

/* A state saved mid-run and loaded through the serialised bytes into a fresh
 * optimizer continues exactly as the uninterrupted run (memcmp, not a
 * tolerance). */
static void check_resume(const har_optim_config *cfg, const opt_case *oc, int cut)
{
    const size_t n = (size_t)oc->n, bytes = n * sizeof(float);
    har_err e = {0};
    har_optim a, b;
    ck_assert_int_eq(har_optim_init(&a, cfg, n, oc->decay, &e), 0);
    ck_assert_int_eq(har_optim_init(&b, cfg, n, oc->decay, &e), 0);
    float *wa = malloc(bytes), *wb = malloc(bytes);
    memcpy(wa, oc->w0, bytes);
    for (int k = 0; k < cut; k++)
        ck_assert_int_eq(har_optim_step(&a, wa, oc->grads + k * oc->n, oc->lr[k], &e), 0);
    har_tfile *f = har_tfile_new(&e);
    ck_assert_msg(har_optim_save(&a, f, "train.optim.", &e) == 0, "%s", e.msg);
    unsigned char *buf;
    size_t len;
    ck_assert_int_eq(har_tfile_serialize(f, &buf, &len, &e), 0);
    har_tfile *g = har_tfile_parse(buf, len, "state", &e);
    ck_assert_msg(g != NULL, "%s", e.msg);
    ck_assert_msg(har_optim_load(&b, g, "train.optim.", &e) == 0, "%s: %s", har_optim_name(cfg->kind), e.msg);
    memcpy(wb, wa, bytes);
    for (int k = cut; k < oc->steps; k++) {
        ck_assert_int_eq(har_optim_step(&a, wa, oc->grads + k * oc->n, oc->lr[k], &e), 0);
        ck_assert_int_eq(har_optim_step(&b, wb, oc->grads + k * oc->n, oc->lr[k], &e), 0);
        ck_assert_msg(memcmp(wa, wb, bytes) == 0, "%s: resumed run differs at step %d", har_optim_name(cfg->kind),
                      k + 1);
    }
    ck_assert_int_eq(a.step, b.step);
    ck_assert(!a.m == !b.m && (!a.m || memcmp(a.m, b.m, bytes) == 0));
    ck_assert(!a.v == !b.v && (!a.v || memcmp(a.v, b.v, bytes) == 0));
    free(buf);
    free(wa);
    free(wb);
    har_tfile_free(f);
    har_tfile_free(g);
    har_optim_free(&a);
    har_optim_free(&b);
}

START_TEST(state_roundtrip_is_bit_identical)
{
    har_tfile *f = fixture();
    for (int c = 0; c < NOPT_CASES; c++) {
        opt_case oc;
        load_case(f, opt_cases[c], &oc);
        for (int cut = 0; cut <= oc.steps; cut += 7)
            check_resume(&oc.cfg, &oc, cut);
    }
    har_tfile_free(f);
}
END_TEST

START_TEST(state_load_refuses_mismatch)
{
    har_err e = {0};
    har_optim_config adam, rms, rms_mom, sgd;
    har_optim_defaults(&adam, HAR_OPT_ADAM);
    har_optim_defaults(&rms, HAR_OPT_RMSPROP);
    har_optim_defaults(&rms_mom, HAR_OPT_RMSPROP);
    rms_mom.momentum = 0.5;
    har_optim_defaults(&sgd, HAR_OPT_SGD);
    har_optim a, b;
    float w[3] = {1, 2, 3}, g[3] = {0.5f, -1, 2};
    ck_assert_int_eq(har_optim_init(&a, &rms_mom, 3, NULL, &e), 0);
    ck_assert_int_eq(har_optim_step(&a, w, g, 0.1, &e), 0);
    har_tfile *f = har_tfile_new(&e);
    ck_assert_int_eq(har_optim_save(&a, f, "o.", &e), 0);
    ck_assert(har_tfile_get(f, "o.step") && har_tfile_get(f, "o.square_avg") && har_tfile_get(f, "o.momentum_buffer"));
    ck_assert_str_eq(har_tfile_meta_get(f, "o.optimizer"), "rmsprop");

    /* Another kind. */
    ck_assert_int_eq(har_optim_init(&b, &adam, 3, NULL, &e), 0);
    ck_assert_int_eq(har_optim_load(&b, f, "o.", &e), HAR_EDATA);
    tu_assert_contains(e.msg, "for rmsprop, not adam");
    ck_assert_int_eq(b.step, 0);
    har_optim_free(&b);
    /* Same kind, other configuration: a buffer it does not keep. */
    ck_assert_int_eq(har_optim_init(&b, &rms, 3, NULL, &e), 0);
    ck_assert_int_eq(har_optim_load(&b, f, "o.", &e), HAR_EDATA);
    tu_assert_contains(e.msg, "momentum_buffer");
    ck_assert_int_eq(b.step, 0);
    ck_assert(b.v[0] == 0);
    har_optim_free(&b);
    /* Other size. */
    ck_assert_int_eq(har_optim_init(&b, &rms_mom, 4, NULL, &e), 0);
    ck_assert_int_eq(har_optim_load(&b, f, "o.", &e), HAR_EDATA);
    ck_assert_int_eq(b.step, 0);
    har_optim_free(&b);
    /* Wrong prefix: no state. */
    ck_assert_int_eq(har_optim_init(&b, &rms_mom, 3, NULL, &e), 0);
    ck_assert_int_eq(har_optim_load(&b, f, "x.", &e), HAR_EDATA);
    tu_assert_contains(e.msg, "no optimizer state");
    /* Corrupt values: a negative second moment, a negative step. */
    float *sq = har_tfile_get(f, "o.square_avg")->data, keep = sq[1];
    sq[1] = -1;
    ck_assert_int_eq(har_optim_load(&b, f, "o.", &e), HAR_EDATA);
    sq[1] = NAN;
    ck_assert_int_eq(har_optim_load(&b, f, "o.", &e), HAR_EDATA);
    ck_assert_int_eq(b.step, 0);
    sq[1] = keep;
    int64_t *step = har_tfile_get(f, "o.step")->data;
    *step = -3;
    ck_assert_int_eq(har_optim_load(&b, f, "o.", &e), HAR_EDATA);
    *step = 1;
    ck_assert_int_eq(har_optim_load(&b, f, "o.", &e), 0);
    ck_assert_int_eq(b.step, 1);
    ck_assert(memcmp(a.v, b.v, sizeof w) == 0 && memcmp(a.m, b.m, sizeof w) == 0);
    har_optim_free(&b);
    /* Plain SGD keeps only the step count. */
    ck_assert_int_eq(har_optim_init(&b, &sgd, 3, NULL, &e), 0);
    har_tfile *s = har_tfile_new(&e);
    ck_assert_int_eq(har_optim_save(&b, s, "", &e), 0);
    ck_assert_int_eq((int)s->ntensors, 1);
    ck_assert_int_eq(har_optim_load(&b, s, "", &e), 0);
    har_tfile_free(s);
    har_optim_free(&b);
    har_optim_free(&a);
    har_tfile_free(f);
}
END_TEST

/* ---- decay mask ------------------------------------------------------------ */

/* With zero gradients only decay moves a value: masked-out values stay
 * bit-identical, decayed ones shrink, for every kind, coupled and decoupled.
 * An all-ones mask is NULL, an all-zeros mask is weight_decay = 0. */
START_TEST(decay_mask_exempts_values)
{
    enum { N = 6 };
    const unsigned char mask[N] = {1, 0, 1, 0, 0, 1}, ones[N] = {1, 1, 1, 1, 1, 1}, zeros[N] = {0};
    const float w0[N] = {1.5f, -2, 0.25f, 3, -0.5f, -4};
    const float grads[3][N] = {{0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f},
                               {-0.3f, 0.1f, 0.2f, -0.4f, 0.5f, 0.05f},
                               {0.2f, 0.2f, -0.1f, 0.3f, 0.1f, -0.6f}};
    for (int kind = HAR_OPT_SGD; kind <= HAR_OPT_RMSPROP; kind++)
        for (int decoupled = 0; decoupled <= 1; decoupled++) {
            if (kind == HAR_OPT_ADAMW && !decoupled)
                continue;
            har_optim_config cfg;
            har_optim_defaults(&cfg, (har_optim_kind)kind);
            cfg.weight_decay = 0.1;
            cfg.decoupled = decoupled;
            const char *what = har_optim_name((har_optim_kind)kind);
            har_err e = {0};
            har_optim o;
            float w[N], zero[N] = {0};
            memcpy(w, w0, sizeof w);
            ck_assert_int_eq(har_optim_init(&o, &cfg, N, mask, &e), 0);
            for (int k = 0; k < 5; k++) /* small lr: adaptive steps must not overshoot 0 */
                ck_assert_int_eq(har_optim_step(&o, w, zero, 1e-3, &e), 0);
            for (int i = 0; i < N; i++) {
                if (mask[i])
                    ck_assert_msg(fabsf(w[i]) < fabsf(w0[i]), "%s decoupled=%d: value %d not decayed", what, decoupled, i);
                else
                    ck_assert_msg(memcmp(&w[i], &w0[i], sizeof w[i]) == 0, "%s decoupled=%d: exempt value %d moved",
                                  what, decoupled, i);
            }
            har_optim_free(&o);

            /* Mask equivalences, with real gradients. */
            float wa[N], wb[N];
            har_optim a, b;
            har_optim_config nodecay = cfg;
            nodecay.weight_decay = 0;
            for (int pass = 0; pass < 2; pass++) {
                memcpy(wa, w0, sizeof wa);
                memcpy(wb, w0, sizeof wb);
                ck_assert_int_eq(har_optim_init(&a, &cfg, N, pass ? zeros : ones, &e), 0);
                if (kind == HAR_OPT_ADAMW && pass) /* adamw insists on decay; compare with adam */
                    har_optim_defaults(&nodecay, HAR_OPT_ADAM);
                ck_assert_int_eq(har_optim_init(&b, pass ? &nodecay : &cfg, N, NULL, &e), 0);
                for (int k = 0; k < 3; k++) {
                    ck_assert_int_eq(har_optim_step(&a, wa, grads[k], 0.05, &e), 0);
                    ck_assert_int_eq(har_optim_step(&b, wb, grads[k], 0.05, &e), 0);
                }
                ck_assert_msg(memcmp(wa, wb, sizeof wa) == 0, "%s decoupled=%d: %s mask", what, decoupled,
                              pass ? "all-zeros" : "all-ones");
                har_optim_free(&a);
                har_optim_free(&b);
            }
        }
}
END_TEST

/* The mask is copied: the caller's array may go away after init. */
START_TEST(decay_mask_is_copied)
{
    har_optim_config cfg;
    har_optim_defaults(&cfg, HAR_OPT_SGD);
    cfg.weight_decay = 0.5;
    unsigned char *mask = malloc(2);
    mask[0] = 0;
    mask[1] = 1;
    har_optim o;
    ck_assert_int_eq(har_optim_init(&o, &cfg, 2, mask, NULL), 0);
    mask[0] = 1;
    free(mask);
    float w[2] = {1, 1}, g[2] = {0, 0};
    ck_assert_int_eq(har_optim_step(&o, w, g, 1.0, NULL), 0);
    ck_assert(w[0] == 1.0f && w[1] == 0.5f);
    har_optim_free(&o);
}
END_TEST

/* ---- names and configuration ------------------------------------------------ */

START_TEST(bad_names_are_refused)
{
    const char *bad[] = {"", "Adam", "ADAMW", "adam ", " sgd", "sgdm", "adamax", "rms", "cos", "Plateau", "steps"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        har_optim_kind k = HAR_OPT_ADAM;
        har_sched_kind s = HAR_SCHED_STEP;
        har_err e = {0};
        ck_assert_int_eq(har_optim_parse(bad[i], &k, &e), HAR_EUSAGE);
        tu_assert_contains(e.msg, "unknown optimizer");
        tu_assert_contains(e.msg, "rmsprop");
        ck_assert_int_eq(k, HAR_OPT_ADAM);
        ck_assert_int_eq(har_sched_parse(bad[i], &s, &e), HAR_EUSAGE);
        tu_assert_contains(e.msg, "unknown learning-rate schedule");
        ck_assert_int_eq(s, HAR_SCHED_STEP);
    }
    har_optim_kind k;
    har_sched_kind s;
    ck_assert_int_eq(har_optim_parse(NULL, &k, NULL), HAR_EUSAGE);
    ck_assert_int_eq(har_sched_parse(NULL, &s, NULL), HAR_EUSAGE);
    const char *opt_names[] = {"sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop"};
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(har_optim_parse(opt_names[i], &k, NULL), 0);
        ck_assert_int_eq(k, i);
        ck_assert_str_eq(har_optim_name(k), opt_names[i]);
    }
    const char *sched_names[] = {"constant", "step", "cosine", "plateau"};
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(har_sched_parse(sched_names[i], &s, NULL), 0);
        ck_assert_int_eq(s, i);
        ck_assert_str_eq(har_sched_name(s), sched_names[i]);
    }
    ck_assert_str_eq(har_optim_name((har_optim_kind)99), "?");
    ck_assert_str_eq(har_sched_name((har_sched_kind)99), "?");
}
END_TEST

START_TEST(defaults_are_pytorch)
{
    har_optim_config c;
    har_optim_defaults(&c, HAR_OPT_ADAM);
    ck_assert(c.lr == 1e-3 && c.beta1 == 0.9 && c.beta2 == 0.999 && c.eps == 1e-8 && c.weight_decay == 0);
    har_optim_defaults(&c, HAR_OPT_ADAMW);
    ck_assert(c.lr == 1e-3 && c.weight_decay == 1e-2 && c.decoupled == 1);
    har_optim_defaults(&c, HAR_OPT_RMSPROP);
    ck_assert(c.lr == 1e-2 && c.alpha == 0.99 && c.eps == 1e-8 && c.momentum == 0 && c.weight_decay == 0);
    har_optim_defaults(&c, HAR_OPT_NESTEROV);
    ck_assert(c.momentum == 0.9 && c.decoupled == 0);
    har_sched_config s;
    har_sched_defaults(&s, HAR_SCHED_PLATEAU, 0.01);
    ck_assert(s.lr == 0.01 && s.mode_max == 0 && s.factor == 0.1 && s.patience == 10 && s.threshold == 1e-4 &&
              s.threshold_abs == 0 && s.cooldown == 0 && s.min_lr == 0 && s.eps == 1e-8);
    har_sched_defaults(&s, HAR_SCHED_STEP, 0.01);
    ck_assert(s.gamma == 0.1);
    for (int k = HAR_OPT_SGD; k <= HAR_OPT_RMSPROP; k++) {
        har_optim_defaults(&c, (har_optim_kind)k);
        ck_assert_int_eq(har_optim_check(&c, NULL), 0);
    }
}
END_TEST

START_TEST(bad_configs_are_refused)
{
    struct {
        har_optim_kind kind;
        const char *field;
        double value;
    } bad[] = {
        {HAR_OPT_SGD, "lr", -0.1},         {HAR_OPT_SGD, "lr", NAN},           {HAR_OPT_ADAM, "beta1", 1.0},
        {HAR_OPT_ADAM, "beta2", -0.1},     {HAR_OPT_ADAM, "eps", -1e-8},       {HAR_OPT_RMSPROP, "alpha", -0.5},
        {HAR_OPT_MOMENTUM, "momentum", -0.9}, {HAR_OPT_NESTEROV, "momentum", 0}, {HAR_OPT_ADAMW, "decoupled", 0},
        {HAR_OPT_SGD, "weight_decay", INFINITY}, {HAR_OPT_SGD, "decoupled", 2},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        har_optim_config c;
        har_optim_defaults(&c, bad[i].kind);
        const char *f = bad[i].field;
        double v = bad[i].value;
        if (!strcmp(f, "lr")) c.lr = v;
        if (!strcmp(f, "beta1")) c.beta1 = v;
        if (!strcmp(f, "beta2")) c.beta2 = v;
        if (!strcmp(f, "eps")) c.eps = v;
        if (!strcmp(f, "alpha")) c.alpha = v;
        if (!strcmp(f, "momentum")) c.momentum = v;
        if (!strcmp(f, "weight_decay")) c.weight_decay = v;
        if (!strcmp(f, "decoupled")) c.decoupled = (int)v;
        har_err e = {0};
        har_optim o;
        ck_assert_msg(har_optim_init(&o, &c, 4, NULL, &e) == HAR_EUSAGE, "%s %s=%g accepted",
                      har_optim_name(bad[i].kind), f, v);
        ck_assert_msg(strstr(e.msg, strcmp(f, "decoupled") == 0 && bad[i].kind == HAR_OPT_ADAMW ? "decoupled" : f),
                      "message '%s' does not name %s", e.msg, f);
        har_optim_free(&o); /* safe after a failed init */
    }
    /* A bad learning rate at step time changes nothing. */
    har_optim_config c;
    har_optim_defaults(&c, HAR_OPT_ADAM);
    har_optim o;
    float w[2] = {1, 2}, g[2] = {1, 1};
    ck_assert_int_eq(har_optim_init(&o, &c, 2, NULL, NULL), 0);
    har_err e = {0};
    ck_assert_int_eq(har_optim_step(&o, w, g, NAN, &e), HAR_EUSAGE);
    ck_assert_int_eq(har_optim_step(&o, w, g, -1e-3, &e), HAR_EUSAGE);
    ck_assert(w[0] == 1 && w[1] == 2 && o.step == 0 && o.m[0] == 0);
    har_optim_free(&o);

    har_sched_config s;
    har_sched sc;
    har_sched_defaults(&s, HAR_SCHED_COSINE, 0.1);
    ck_assert_int_eq(har_sched_init(&sc, &s, &e), HAR_EUSAGE); /* epochs is required */
    s.epochs = 10;
    ck_assert_int_eq(har_sched_init(&sc, &s, &e), 0);
    s.warmup = 10;
    ck_assert_int_eq(har_sched_init(&sc, &s, &e), HAR_EUSAGE);
    tu_assert_contains(e.msg, "warmup");
    s.warmup = 1;
    s.min_lr = 0.2;
    ck_assert_int_eq(har_sched_init(&sc, &s, &e), HAR_EUSAGE);
    har_sched_defaults(&s, HAR_SCHED_STEP, 0.1);
    s.step_size = 0;
    ck_assert_int_eq(har_sched_init(&sc, &s, &e), HAR_EUSAGE);
    har_sched_defaults(&s, HAR_SCHED_PLATEAU, 0.1);
    s.factor = 1.0;
    ck_assert_int_eq(har_sched_init(&sc, &s, &e), HAR_EUSAGE);
    tu_assert_contains(e.msg, "factor");
    s.factor = 0.5;
    s.patience = -1;
    ck_assert_int_eq(har_sched_init(&sc, &s, &e), HAR_EUSAGE);
    har_sched_defaults(&s, HAR_SCHED_CONSTANT, -0.1);
    ck_assert_int_eq(har_sched_init(&sc, &s, &e), HAR_EUSAGE);
}
END_TEST

/* ---- schedules against PyTorch --------------------------------------------- */

/* StepLR multiplies one factor at a time in double, as har does: equal bits. */
START_TEST(step_lr_matches_torch)
{
    har_tfile *f = fixture();
    int64_t n;
    const double *p = tensor(f, "steplr.params", HAR_F64, NULL), *ref = tensor(f, "steplr.lr", HAR_F64, &n);
    har_sched_config c;
    har_sched_defaults(&c, HAR_SCHED_STEP, p[0]);
    c.step_size = (int)p[1];
    c.gamma = p[2];
    har_sched s;
    ck_assert_int_eq(har_sched_init(&s, &c, NULL), 0);
    for (int64_t ep = 0; ep < n; ep++) {
        for (int b = 0; b < 5; b++) /* constant within an epoch */
            ck_assert_msg(har_sched_lr(&s, ep, b, 5) == ref[ep], "epoch %lld: %.17g, torch %.17g", (long long)ep,
                          har_sched_lr(&s, ep, b, 5), ref[ep]);
        ck_assert_int_eq(har_sched_epoch_end(&s, 1.0), 0);
    }
    har_tfile_free(f);
}
END_TEST

/* Cosine without warmup, one step per epoch: PyTorch evaluates a recursive
 * form of the same curve, whose rounding drifts by a few ulps over 10 epochs;
 * 1e-12 relative is far below any formula error. */
START_TEST(cosine_matches_torch)
{
    har_tfile *f = fixture();
    int64_t n;
    const double *p = tensor(f, "cosine_torch.params", HAR_F64, NULL), *ref = tensor(f, "cosine_torch.lr", HAR_F64, &n);
    har_sched_config c;
    har_sched_defaults(&c, HAR_SCHED_COSINE, p[0]);
    c.min_lr = p[1];
    c.epochs = (int)p[2];
    c.warmup = p[3];
    har_sched s;
    ck_assert_int_eq(har_sched_init(&s, &c, NULL), 0);
    ck_assert_int_eq(n, c.epochs);
    for (int64_t ep = 0; ep < n; ep++) {
        double lr = har_sched_lr(&s, ep, 0, 1);
        ck_assert_msg(fabs(lr - ref[ep]) <= 1e-12 * ref[ep], "epoch %lld: %.17g, torch %.17g", (long long)ep, lr,
                      ref[ep]);
    }
    ck_assert(har_sched_lr(&s, n - 1, 0, 1) == c.min_lr); /* the last epoch runs at min_lr */
    ck_assert(har_sched_lr(&s, n + 5, 0, 1) == c.min_lr); /* and past the end too */
    har_tfile_free(f);
}
END_TEST

/* Cosine with warmup, against the formula of schedule.h evaluated by Python
 * (same double operations and libm cos: 1e-14 relative leaves room for a
 * different cos implementation only). */
START_TEST(cosine_warmup_matches_formula)
{
    har_tfile *f = fixture();
    const char *cases[] = {"cosine_warmup", "cosine_warmup_epochs"};
    for (int k = 0; k < 2; k++) {
        int64_t n;
        const double *p = tensorf(f, cases[k], "params", HAR_F64, NULL), *ref = tensorf(f, cases[k], "lr", HAR_F64, &n);
        har_sched_config c;
        har_sched_defaults(&c, HAR_SCHED_COSINE, p[0]);
        c.min_lr = p[1];
        c.epochs = (int)p[2];
        c.warmup = p[3];
        int nb = (int)p[4];
        har_sched s;
        ck_assert_int_eq(har_sched_init(&s, &c, NULL), 0);
        ck_assert_int_eq(n, (int64_t)c.epochs * nb);
        double peak = 0;
        for (int ep = 0; ep < c.epochs; ep++)
            for (int b = 0; b < nb; b++) {
                double lr = har_sched_lr(&s, ep, b, nb), want = ref[ep * nb + b];
                ck_assert_msg(fabs(lr - want) <= 1e-14 * c.lr, "%s epoch %d step %d: %.17g, formula %.17g", cases[k],
                              ep, b, lr, want);
                peak = fmax(peak, lr);
                if (ep == 0 && b == 0)
                    ck_assert(lr > 0 && lr < c.lr); /* warmup starts above zero */
            }
        ck_assert(fabs(peak - c.lr) <= 1e-15 * c.lr);                          /* reaches the base rate */
        ck_assert(har_sched_lr(&s, c.epochs - 1, nb - 1, nb) == c.min_lr);    /* and ends at min_lr */
    }
    har_tfile_free(f);
}
END_TEST

/* ReduceLROnPlateau: the same double comparisons and products in the same
 * order, so every value is compared exactly. */
static void plateau_config(const har_tfile *f, const char *c, har_sched_config *cfg)
{
    int64_t np;
    const double *p = tensorf(f, c, "params", HAR_F64, &np);
    ck_assert_int_eq(np, 9);
    har_sched_defaults(cfg, HAR_SCHED_PLATEAU, p[0]);
    cfg->mode_max = (int)p[1];
    cfg->factor = p[2];
    cfg->patience = (int)p[3];
    cfg->threshold = p[4];
    cfg->threshold_abs = (int)p[5];
    cfg->cooldown = (int)p[6];
    cfg->min_lr = p[7];
    cfg->eps = p[8];
}

START_TEST(plateau_matches_torch)
{
    har_tfile *f = fixture();
    const char *cases[] = {"plateau_min", "plateau_max"};
    for (int k = 0; k < 2; k++) {
        const char *c = cases[k];
        har_sched_config cfg;
        plateau_config(f, c, &cfg);
        int64_t n;
        const double *metric = tensorf(f, c, "metrics", HAR_F64, &n);
        const double *lr = tensorf(f, c, "lr", HAR_F64, NULL), *best = tensorf(f, c, "best", HAR_F64, NULL);
        const double *bad = tensorf(f, c, "bad", HAR_F64, NULL), *cool = tensorf(f, c, "cooldown", HAR_F64, NULL);
        har_sched s;
        ck_assert_int_eq(har_sched_init(&s, &cfg, NULL), 0);
        int reductions = 0, skipped_by_eps = 0;
        for (int64_t ep = 0; ep < n; ep++) {
            double before = har_sched_lr(&s, ep, 0, 1);
            int64_t cooling = s.st.cooldown_counter;
            int reduced = har_sched_epoch_end(&s, metric[ep]);
            ck_assert_msg(s.st.lr == lr[ep] && s.st.best == best[ep] && s.st.bad_epochs == (int64_t)bad[ep] &&
                              s.st.cooldown_counter == (int64_t)cool[ep],
                          "%s epoch %lld: lr %.17g best %g bad %lld cooldown %lld; torch %.17g %g %g %g", c,
                          (long long)ep, s.st.lr, s.st.best, (long long)s.st.bad_epochs,
                          (long long)s.st.cooldown_counter, lr[ep], best[ep], bad[ep], cool[ep]);
            ck_assert_int_eq(reduced, s.st.lr != before);
            ck_assert(har_sched_lr(&s, ep + 1, 3, 7) == s.st.lr);
            reductions += reduced;
            /* A reduction was due (the cooldown restarted) but not taken. */
            skipped_by_eps += !reduced && cooling == 0 && cfg.cooldown > 0 && s.st.cooldown_counter == cfg.cooldown;
        }
        ck_assert_int_eq(s.st.epoch, n);
        ck_assert(reductions >= 3);
        if (k == 0) /* the script ends with a reduction refused because it is below eps */
            ck_assert(skipped_by_eps >= 1);
    }
    har_tfile_free(f);
}
END_TEST

/* Saved mid-run and loaded through the serialised bytes, a plateau schedule
 * continues exactly; the state struct can also simply be copied. */
START_TEST(schedule_state_roundtrip)
{
    har_tfile *f = fixture();
    har_sched_config cfg;
    plateau_config(f, "plateau_min", &cfg);
    int64_t n;
    const double *metric = tensor(f, "plateau_min.metrics", HAR_F64, &n);
    for (int64_t cut = 0; cut <= n; cut += 4) {
        har_sched a, b, c;
        har_err e = {0};
        ck_assert_int_eq(har_sched_init(&a, &cfg, &e), 0);
        ck_assert_int_eq(har_sched_init(&b, &cfg, &e), 0);
        for (int64_t ep = 0; ep < cut; ep++)
            har_sched_epoch_end(&a, metric[ep]);
        har_tfile *t = har_tfile_new(&e);
        ck_assert_int_eq(har_sched_save(&a, t, "train.sched.", &e), 0);
        unsigned char *buf;
        size_t len;
        ck_assert_int_eq(har_tfile_serialize(t, &buf, &len, &e), 0);
        har_tfile *u = har_tfile_parse(buf, len, "state", &e);
        ck_assert_msg(u != NULL, "%s", e.msg);
        ck_assert_msg(har_sched_load(&b, u, "train.sched.", &e) == 0, "%s", e.msg);
        ck_assert(memcmp(&a.st, &b.st, sizeof a.st) == 0);
        c = a; /* plain copy */
        for (int64_t ep = cut; ep < n; ep++) {
            int ra = har_sched_epoch_end(&a, metric[ep]), rb = har_sched_epoch_end(&b, metric[ep]);
            int rc = har_sched_epoch_end(&c, metric[ep]);
            ck_assert(ra == rb && ra == rc);
            ck_assert(memcmp(&a.st, &b.st, sizeof a.st) == 0 && memcmp(&a.st, &c.st, sizeof a.st) == 0);
        }
        /* Another kind, or a missing state, is refused and changes nothing. */
        har_sched_config other;
        har_sched_defaults(&other, HAR_SCHED_STEP, cfg.lr);
        har_sched d;
        ck_assert_int_eq(har_sched_init(&d, &other, &e), 0);
        ck_assert_int_eq(har_sched_load(&d, u, "train.sched.", &e), HAR_EDATA);
        tu_assert_contains(e.msg, "for plateau, not step");
        ck_assert_int_eq(har_sched_load(&b, u, "nothing.", &e), HAR_EDATA);
        free(buf);
        har_tfile_free(t);
        har_tfile_free(u);
    }
    har_tfile_free(f);
}
END_TEST

Suite *optim_suite(void)
{
    Suite *s = suite_create("optim");
    TCase *tc = tcase_create("optim");
    tcase_add_loop_test(tc, optimizer_matches_reference, 0, NOPT_CASES);
    tcase_add_loop_test(tc, vector_body_matches_reference, 0, NOPT_CASES);
    tcase_add_test(tc, fixture_lists_every_case);
    tcase_add_test(tc, clip_above_matches_torch);
    tcase_add_test(tc, clip_below_matches_torch);
    tcase_add_test(tc, clip_reports_nonfinite_norm);
    tcase_add_test(tc, state_roundtrip_is_bit_identical);
    tcase_add_test(tc, state_load_refuses_mismatch);
    tcase_add_test(tc, decay_mask_exempts_values);
    tcase_add_test(tc, decay_mask_is_copied);
    tcase_add_test(tc, bad_names_are_refused);
    tcase_add_test(tc, defaults_are_pytorch);
    tcase_add_test(tc, bad_configs_are_refused);
    suite_add_tcase(s, tc);
    TCase *ts = tcase_create("schedule");
    tcase_add_test(ts, step_lr_matches_torch);
    tcase_add_test(ts, cosine_matches_torch);
    tcase_add_test(ts, cosine_warmup_matches_formula);
    tcase_add_test(ts, plateau_matches_torch);
    tcase_add_test(ts, schedule_state_roundtrip);
    suite_add_tcase(s, ts);
    return s;
}
