/* grad_layers.c - the feed-forward layers (dropout, flatten, activations,
 * conv1d, pools, layernorm, readouts, residual blocks): finite-difference
 * checks of every backward pass, forward values against the definitions
 * (and against PyTorch where it has the layer), argument errors, and whole
 * models built from spec strings of these layers and dense. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"

/* ---- helpers ------------------------------------------------------------- */

/* Asserts a constructor succeeded and names the layer for messages. */
static void made(int rc, har_layer *l, const har_err *e, const char *spec)
{
    ck_assert_msg(rc == 0, "%s: %s", spec, e->msg);
    snprintf(l->spec, sizeof l->spec, "%s", spec);
}

/* Finite-difference check of a made layer at B samples; frees it. */
static void check(har_layer *l, int B, int train, uint64_t seed)
{
    gc_layer_setup(l, B, seed);
    double err = gc_check_layer(l, B, train, seed + 10);
    ck_assert_msg(err < GC_TOL, "%s: %g", l->spec, err);
    gc_layer_free(l);
}

static real *filled(size_t n, double scale, uint64_t seed)
{
    real *v = malloc((n ? n : 1) * sizeof *v);
    ck_assert_ptr_nonnull(v);
    gc_fill(v, n, scale, seed);
    return v;
}

/* ---- dropout and flatten ------------------------------------------------- */

START_TEST(grad_dropout)
{
    const struct {
        double p;
        int train;
    } cases[] = {{0.3, 1}, {0.3, 0}, {0, 1}};
    for (int i = 0; i < 3; i++) {
        har_layer l = {0};
        har_err e = {0};
        char spec[32];
        snprintf(spec, sizeof spec, "dropout:%g (%s)", cases[i].p, cases[i].train ? "train" : "eval");
        made(har_dropout_make(&l, (har_shape){5, 4}, cases[i].p, &e), &l, &e, spec);
        check(&l, 3, cases[i].train, 10 + i);
    }
}
END_TEST

/* About 1-p of the values survive, scaled by 1/(1-p); the mask depends only
 * on the rng state; eval mode and p = 0 are the identity. */
START_TEST(dropout_rate_and_identity)
{
    const int T = 200, f = 50, B = 1;
    const double p = 0.3;
    size_t n = (size_t)T * f;
    har_layer l = {0};
    har_err e = {0};
    made(har_dropout_make(&l, (har_shape){T, f}, p, &e), &l, &e, "dropout:0.3");
    gc_layer_setup(&l, B, 1);
    real *x = filled(n, 1.0, 2), *y = malloc(n * sizeof *y), *y2 = malloc(n * sizeof *y2);
    real *dx = malloc(n * sizeof *dx), *ones = malloc(n * sizeof *ones);
    ck_assert(y && y2 && dx && ones);
    for (size_t i = 0; i < n; i++)
        ones[i] = 1;

    har_rng_seed(l.rng, 5);
    l.ops->forward(&l, x, y, B, 1);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (y[i] == 0)
            continue;
        kept++;
        ck_assert(fabs(y[i] - x[i] / (1 - p)) < 1e-12);
    }
    double rate = (double)kept / n;
    ck_assert_msg(fabs(rate - (1 - p)) < 0.02, "kept %g of the values, expected about %g", rate,
                  1 - p);
    /* backward applies the same mask: dx = mask for dy = 1 */
    l.ops->backward(&l, x, y, ones, dx, B);
    for (size_t i = 0; i < n; i++) /* x != 0, so y = 0 exactly where dropped */
        ck_assert(fabs(dx[i] - (y[i] == 0 ? 0 : 1 / (1 - p))) < 1e-12);

    har_rng_seed(l.rng, 5); /* same rng state, same mask */
    l.ops->forward(&l, x, y2, B, 1);
    ck_assert(memcmp(y, y2, n * sizeof *y) == 0);

    l.ops->forward(&l, x, y, B, 0); /* eval */
    ck_assert(memcmp(x, y, n * sizeof *y) == 0);
    l.ops->backward(&l, x, y, ones, dx, B);
    ck_assert(memcmp(ones, dx, n * sizeof *dx) == 0);
    gc_layer_free(&l);

    har_layer z = {0};
    made(har_dropout_make(&z, (har_shape){T, f}, 0, &e), &z, &e, "dropout:0");
    gc_layer_setup(&z, B, 1);
    har_rng before = *z.rng;
    z.ops->forward(&z, x, y, B, 1); /* p = 0: identity, draws nothing */
    ck_assert(memcmp(x, y, n * sizeof *y) == 0);
    ck_assert(memcmp(&before, z.rng, sizeof before) == 0);
    gc_layer_free(&z);

    ck_assert_int_ne(har_dropout_make(&z, (har_shape){T, f}, 1.0, &e), 0);
    ck_assert_ptr_nonnull(strstr(e.msg, "[0, 1)"));
    free(x);
    free(y);
    free(y2);
    free(dx);
    free(ones);
}
END_TEST

START_TEST(grad_flatten)
{
    har_layer l = {0};
    har_err e = {0};
    made(har_flatten_make(&l, (har_shape){5, 3}, &e), &l, &e, "flatten");
    ck_assert_int_eq(l.out.t, 1);
    ck_assert_int_eq(l.out.f, 15);
    check(&l, 3, 0, 20);
}
END_TEST

/* ---- activations --------------------------------------------------------- */

static const har_activation acts[] = {HAR_ACT_SIGMOID, HAR_ACT_TANH, HAR_ACT_RELU,
                                      HAR_ACT_LEAKY_RELU, HAR_ACT_SILU, HAR_ACT_GAUSSIAN,
                                      HAR_ACT_ELU, HAR_ACT_GELU};
#define NACTS ((int)(sizeof acts / sizeof acts[0]))

/* Inputs uniform in [-1, 1): none lands within h = 1e-6 of the relu/elu
 * kink at 0 for these fixed seeds. */
START_TEST(grad_activation)
{
    har_layer l = {0};
    har_err e = {0};
    made(har_activation_make(&l, (har_shape){5, 4}, acts[_i], &e), &l, &e,
         har_activation_name(acts[_i]));
    check(&l, 3, 0, 30 + (uint64_t)_i);
}
END_TEST

/* Values against PyTorch (float64; leakyrelu with negative_slope=0.1, gaussian
 * as torch.exp(-x*x)). */
START_TEST(activation_values)
{
    const real x[5] = {-30, -2, -0.5, 0.7, 3};
    static const double want[8][5] = {
        [HAR_ACT_SIGMOID] = {9.357622968839299e-14, 0.11920292202211755, 0.3775406687981454,
                             0.6681877721681662, 0.9525741268224334},
        [HAR_ACT_TANH] = {-1.0, -0.9640275800758169, -0.46211715726000974, 0.6043677771171635,
                          0.9950547536867305},
        [HAR_ACT_RELU] = {0, 0, 0, 0.7, 3},
        [HAR_ACT_LEAKY_RELU] = {-3.0, -0.2, -0.05, 0.7, 3.0},
        [HAR_ACT_SILU] = {-2.8072868906517896e-12, -0.2384058440442351, -0.1887703343990727,
                          0.46773144051771626, 2.8577223804672998},
        [HAR_ACT_GAUSSIAN] = {0.0, 0.01831563888873418, 0.7788007830714049, 0.6126263941844161,
                              0.00012340980408667956},
        [HAR_ACT_ELU] = {-0.9999999999999064, -0.8646647167633873, -0.3934693402873666, 0.7, 3.0},
        [HAR_ACT_GELU] = {-0.0, -0.04550026389635842, -0.15426876936299344, 0.5306254434438489,
                          2.99595030590511},
    };
    for (int a = 0; a < NACTS; a++) {
        har_layer l = {0};
        har_err e = {0};
        made(har_activation_make(&l, (har_shape){1, 5}, acts[a], &e), &l, &e,
             har_activation_name(acts[a]));
        real y[5];
        l.ops->forward(&l, x, y, 1, 0);
        for (int i = 0; i < 5; i++)
            ck_assert_msg(fabs(y[i] - want[acts[a]][i]) <= 1e-14 * (1 + fabs(want[acts[a]][i])),
                          "%s(%g) = %.17g, torch says %.17g", l.spec, x[i], y[i],
                          want[acts[a]][i]);
        har_layer_destroy(&l);
    }
    /* Extreme inputs stay finite, with the right limits and derivatives. */
    har_layer l = {0};
    har_err e = {0};
    made(har_activation_make(&l, (har_shape){1, 2}, HAR_ACT_SIGMOID, &e), &l, &e, "sigmoid");
    const real big[2] = {-1000, 1000}, ones[2] = {1, 1};
    real y[2], dx[2];
    l.ops->forward(&l, big, y, 1, 0);
    l.ops->backward(&l, big, y, ones, dx, 1);
    ck_assert(y[0] == 0 && y[1] == 1 && dx[0] == 0 && dx[1] == 0);
    har_layer_destroy(&l);
}
END_TEST

START_TEST(activation_names)
{
    const char *names[] = {"sigmoid", "tanh", "relu", "leakyrelu", "silu", "gaussian", "elu",
                           "gelu"};
    const har_activation want[] = {HAR_ACT_SIGMOID, HAR_ACT_TANH, HAR_ACT_RELU,
                                   HAR_ACT_LEAKY_RELU, HAR_ACT_SILU, HAR_ACT_GAUSSIAN,
                                   HAR_ACT_ELU, HAR_ACT_GELU};
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(har_activation_parse(names[i]), (int)want[i]);
        ck_assert_str_eq(har_activation_name(want[i]), names[i]);
    }
    ck_assert_int_eq(har_activation_parse("gauss"), HAR_ACT_GAUSSIAN);
    ck_assert_int_eq(har_activation_parse("softmax"), -1);
    ck_assert_int_eq(har_activation_parse("Relu"), -1);
    ck_assert_int_eq(har_activation_parse(""), -1);
}
END_TEST

/* ---- conv1d -------------------------------------------------------------- */

typedef struct {
    int T, C, O, K, S, P, D;
} conv_cfg;

static const conv_cfg convs[] = {
    {7, 3, 4, 3, 1, 0, 1}, /* plain */
    {8, 3, 4, 3, 2, 1, 1}, /* stride 2, padding */
    {9, 3, 4, 3, 1, 2, 2}, /* dilation 2, same padding */
    {9, 4, 3, 2, 2, 1, 2}, /* everything at once, even kernel */
    {5, 3, 2, 1, 1, 0, 1}, /* pointwise */
    {6, 3, 4, 3, 3, 4, 1}, /* padding wider than the kernel */
};
#define NCONVS ((int)(sizeof convs / sizeof convs[0]))

static void make_conv(har_layer *l, const conv_cfg *c)
{
    har_err e = {0};
    char spec[96];
    snprintf(spec, sizeof spec, "conv1d:%d:%d:stride=%d:pad=%d:dilation=%d (T=%d, C=%d)", c->O,
             c->K, c->S, c->P, c->D, c->T, c->C);
    memset(l, 0, sizeof *l);
    made(har_conv1d_make(l, (har_shape){c->T, c->C}, c->O, c->K, c->S, c->P, c->D, &e), l, &e,
         spec);
}

START_TEST(grad_conv1d)
{
    har_layer l;
    make_conv(&l, &convs[_i]);
    check(&l, 2, 0, 40 + (uint64_t)_i);
}
END_TEST

/* The forward pass against a direct transcription of nn.Conv1d's formula on
 * our [B, T, C] layout, and the output length. */
START_TEST(conv1d_values)
{
    const conv_cfg *c = &convs[_i];
    har_layer l;
    make_conv(&l, c);
    int To = (c->T + 2 * c->P - c->D * (c->K - 1) - 1) / c->S + 1, B = 2;
    ck_assert_int_eq(l.out.t, To);
    ck_assert_int_eq(l.out.f, c->O);
    ck_assert_str_eq(l.params[0].name, "weight");
    ck_assert_int_eq(l.params[0].shape[0], c->O);
    ck_assert_int_eq(l.params[0].shape[1], c->C);
    ck_assert_int_eq(l.params[0].shape[2], c->K);
    ck_assert_int_eq(l.params[0].fan_in, c->C * c->K);
    ck_assert_int_eq(l.params[0].fan_out, c->O * c->K);
    ck_assert_str_eq(l.params[1].name, "bias");
    ck_assert_int_eq(l.params[1].torch_bound, c->C * c->K);
    gc_layer_setup(&l, B, 50);
    real *x = filled((size_t)B * c->T * c->C, 1.0, 51);
    real *y = malloc((size_t)B * To * c->O * sizeof *y);
    ck_assert_ptr_nonnull(y);
    l.ops->forward(&l, x, y, B, 0);
    const real *W = l.w, *bias = l.w + l.params[1].offset;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < To; t++)
            for (int o = 0; o < c->O; o++) {
                double want = bias[o];
                for (int ch = 0; ch < c->C; ch++)
                    for (int k = 0; k < c->K; k++) {
                        int tau = t * c->S - c->P + k * c->D;
                        if (tau >= 0 && tau < c->T)
                            want += W[(o * c->C + ch) * c->K + k] * x[(b * c->T + tau) * c->C + ch];
                    }
                double got = y[((size_t)b * To + t) * c->O + o];
                ck_assert_msg(fabs(got - want) < 1e-12, "%s: y[%d,%d,%d] = %g, want %g", l.spec,
                              b, t, o, got, want);
            }
    free(x);
    free(y);
    gc_layer_free(&l);
}
END_TEST

/* A tiny case computed with torch.nn.functional.conv1d (x permuted to
 * [B, C, T]): x[t, c] = t + 10c, W[o, c, k] = o - c + k, bias = (0.5, -1),
 * stride 2, padding 1, dilation 2, T = 6, C = 2, K = 2. */
START_TEST(conv1d_matches_torch)
{
    har_layer l;
    make_conv(&l, &(conv_cfg){6, 2, 2, 2, 2, 1, 2});
    gc_layer_setup(&l, 1, 1);
    for (int o = 0; o < 2; o++)
        for (int c = 0; c < 2; c++)
            for (int k = 0; k < 2; k++)
                l.w[(o * 2 + c) * 2 + k] = o - c + k;
    l.w[l.params[1].offset] = 0.5;
    l.w[l.params[1].offset + 1] = -1;
    real x[6 * 2];
    for (int t = 0; t < 6; t++)
        for (int c = 0; c < 2; c++)
            x[t * 2 + c] = t + 10 * c;
    const double want[3][2] = {{1.5, 12}, {-7.5, 19}, {-7.5, 27}};
    ck_assert_int_eq(l.out.t, 3);
    real y[3 * 2];
    l.ops->forward(&l, x, y, 1, 0);
    for (int t = 0; t < 3; t++)
        for (int o = 0; o < 2; o++)
            ck_assert_msg(fabs(y[t * 2 + o] - want[t][o]) < 1e-12, "y[%d,%d] = %g, torch %g", t,
                          o, y[t * 2 + o], want[t][o]);
    gc_layer_free(&l);
}
END_TEST

/* ---- pooling ------------------------------------------------------------- */

typedef struct {
    har_pool kind;
    int T, K, S;
} pool_cfg;

static const pool_cfg pools[] = {
    {HAR_POOL_MAX, 8, 2, 2}, {HAR_POOL_MAX, 9, 3, 2}, {HAR_POOL_MAX, 7, 2, 3},
    {HAR_POOL_AVG, 8, 2, 2}, {HAR_POOL_AVG, 9, 3, 2}, {HAR_POOL_AVG, 7, 2, 3},
    {HAR_POOL_AVG, 5, 5, 1},
};
#define NPOOLS ((int)(sizeof pools / sizeof pools[0]))

START_TEST(grad_pool)
{
    const pool_cfg *p = &pools[_i];
    har_layer l = {0};
    har_err e = {0};
    char spec[64];
    snprintf(spec, sizeof spec, "%s:%d:%d (T=%d)", p->kind == HAR_POOL_MAX ? "maxpool" : "avgpool",
             p->K, p->S, p->T);
    made(har_pool_make(&l, (har_shape){p->T, 3}, p->kind, p->K, p->S, &e), &l, &e, spec);
    ck_assert_int_eq(l.out.t, (p->T - p->K) / p->S + 1);
    check(&l, 2, 0, 60 + (uint64_t)_i);
}
END_TEST

/* Ties go to the first maximum (PyTorch's rule); windows overlap when the
 * stride is below the kernel, and their gradients add up. */
START_TEST(maxpool_ties_and_values)
{
    har_layer l = {0};
    har_err e = {0};
    made(har_pool_make(&l, (har_shape){5, 2}, HAR_POOL_MAX, 3, 1, &e), &l, &e, "maxpool:3:1");
    ck_assert_int_eq(l.out.t, 3);
    /* feature 0: 1 3 3 2 3 (ties); feature 1: 5 4 5 5 1 */
    const real x[10] = {1, 5, 3, 4, 3, 5, 2, 5, 3, 1};
    real y[6], dx[10];
    const real dy[6] = {1, 10, 2, 20, 4, 40};
    l.ops->forward(&l, x, y, 1, 0);
    const real want_y[6] = {3, 5, 3, 5, 3, 5};
    for (int i = 0; i < 6; i++)
        ck_assert(y[i] == want_y[i]);
    l.ops->backward(&l, x, y, dy, dx, 1);
    /* f0 windows [1 3 3] [3 3 2] [3 2 3] pick t = 1, 1, 2;
     * f1 windows [5 4 5] [4 5 5] [5 5 1] pick t = 0, 2, 2. */
    const real want_dx[10] = {0, 10, 1 + 2, 0, 4, 20 + 40, 0, 0, 0, 0};
    for (int i = 0; i < 10; i++)
        ck_assert_msg(dx[i] == want_dx[i], "dx[%d] = %g, want %g", i, dx[i], want_dx[i]);
    har_layer_destroy(&l);

    /* avgpool divides by the kernel */
    made(har_pool_make(&l, (har_shape){5, 2}, HAR_POOL_AVG, 2, 3, &e), &l, &e, "avgpool:2:3");
    ck_assert_int_eq(l.out.t, 2);
    l.ops->forward(&l, x, y, 1, 0);
    ck_assert(y[0] == 2 && y[1] == 4.5 && y[2] == 2.5 && y[3] == 3); /* steps 0-1, 3-4 */
    har_layer_destroy(&l);
}
END_TEST

/* ---- layernorm ----------------------------------------------------------- */

START_TEST(grad_layernorm)
{
    har_layer l = {0};
    har_err e = {0};
    made(har_layernorm_make(&l, (har_shape){5, 4}, 1e-5, &e), &l, &e, "layernorm");
    check(&l, 3, 0, 70);
    made(har_layernorm_make(&l, (har_shape){3, 1}, 1e-5, &e), &l, &e, "layernorm (f=1)");
    check(&l, 2, 0, 71);
}
END_TEST

/* Against torch.nn.LayerNorm(3) (weight (1, 2, 0.5), bias (0, 1, -1)) on
 * x = [[1, 2, 4], [-3, 0, 3]]. */
START_TEST(layernorm_values)
{
    har_layer l = {0};
    har_err e = {0};
    made(har_layernorm_make(&l, (har_shape){2, 3}, 1e-5, &e), &l, &e, "layernorm");
    ck_assert_str_eq(l.params[0].name, "weight");
    ck_assert_int_eq(l.params[0].kind, HAR_P_GAIN);
    ck_assert_str_eq(l.params[1].name, "bias");
    ck_assert_int_eq(l.params[1].kind, HAR_P_SHIFT);
    gc_layer_setup(&l, 1, 1);
    const real w[6] = {1, 2, 0.5, 0, 1, -1}, x[6] = {1, 2, 4, -3, 0, 3};
    memcpy(l.w, w, sizeof w);
    real y[6];
    l.ops->forward(&l, x, y, 1, 0);
    const double want[6] = {-1.069041531450298,  0.46547923427485083, -0.3318490428435641,
                            -1.2247438507721387, 1.0,                 -0.3876280746139307};
    for (int i = 0; i < 6; i++)
        ck_assert_msg(fabs(y[i] - want[i]) < 1e-12, "y[%d] = %.17g, torch %.17g", i, y[i],
                      want[i]);
    gc_layer_free(&l);
}
END_TEST

/* ---- readouts ------------------------------------------------------------ */

static const char *const readout_names[] = {"last", "mean", "attention"};

START_TEST(grad_readout)
{
    har_layer l = {0};
    har_err e = {0};
    made(har_readout_make(&l, (har_shape){6, 4}, (har_readout)_i, &e), &l, &e,
         readout_names[_i]);
    ck_assert_int_eq(l.out.t, 1);
    ck_assert_int_eq(l.out.f, 4);
    check(&l, 3, 0, 80 + (uint64_t)_i);
}
END_TEST

START_TEST(readout_values)
{
    const real x[2 * 3 * 2] = {1, 2, 3, 4, 5, 9, /* sample 0: t = 0..2 */
                               0, 0, -1, 1, 4, -4};
    real y[4];
    const double want[2][4] = {{5, 9, 4, -4}, {3, 5, 1, -1}};
    for (int k = 0; k < 2; k++) {
        har_layer l = {0};
        har_err e = {0};
        made(har_readout_make(&l, (har_shape){3, 2}, (har_readout)k, &e), &l, &e,
             readout_names[k]);
        gc_layer_setup(&l, 2, 1);
        l.ops->forward(&l, x, y, 2, 0);
        for (int i = 0; i < 4; i++)
            ck_assert_msg(fabs(y[i] - want[k][i]) < 1e-15, "%s: y[%d] = %g", l.spec, i, y[i]);
        gc_layer_free(&l);
    }
}
END_TEST

/* The attention weights are a softmax: they sum to 1 (a sequence repeating
 * one vector reads out exactly that vector), match exp(s_t) / sum exp(s_u),
 * and stay finite for huge scores (all weight on the best step). */
START_TEST(attention_weights_sum_to_one)
{
    const int T = 5, f = 3;
    har_layer l = {0};
    har_err e = {0};
    made(har_readout_make(&l, (har_shape){T, f}, HAR_READ_ATTENTION, &e), &l, &e, "attention");
    ck_assert_str_eq(l.params[0].name, "weight");
    ck_assert_int_eq(l.params[0].shape[0], 1);
    ck_assert_int_eq(l.params[0].shape[1], f);
    gc_layer_setup(&l, 1, 90);
    real x[5 * 3], y[3];
    for (int t = 0; t < T; t++)
        for (int i = 0; i < f; i++)
            x[t * f + i] = (real)(i + 1) * 0.7;
    l.ops->forward(&l, x, y, 1, 0);
    for (int i = 0; i < f; i++)
        ck_assert(fabs(y[i] - x[i]) < 1e-14);

    /* against the explicit softmax */
    gc_fill(x, (size_t)T * f, 1.0, 91);
    l.ops->forward(&l, x, y, 1, 0);
    double s[5], z = 0, want[3] = {0, 0, 0};
    for (int t = 0; t < T; t++) {
        s[t] = 0;
        for (int i = 0; i < f; i++)
            s[t] += l.w[i] * x[t * f + i];
        z += exp(s[t]);
    }
    for (int t = 0; t < T; t++)
        for (int i = 0; i < f; i++)
            want[i] += exp(s[t]) / z * x[t * f + i];
    for (int i = 0; i < f; i++)
        ck_assert(fabs(y[i] - want[i]) < 1e-14);

    /* huge scores: exp would overflow without the max shift */
    for (int i = 0; i < f; i++)
        l.w[i] = 1e4;
    for (int i = 0; i < f; i++)
        x[2 * f + i] = 2; /* step 2 has the largest score by far (others are below 3e4) */
    l.ops->forward(&l, x, y, 1, 0);
    for (int i = 0; i < f; i++)
        ck_assert_msg(isfinite(y[i]) && fabs(y[i] - x[2 * f + i]) < 1e-12, "y[%d] = %g", i, y[i]);
    gc_layer_free(&l);
}
END_TEST

/* ---- residual blocks ----------------------------------------------------- */

/* An array of n zeroed layers for a residual body. */
static har_layer *new_body(int n)
{
    har_layer *b = calloc((size_t)n, sizeof *b);
    ck_assert_ptr_nonnull(b);
    return b;
}

static void make_res_dense_tanh_dense(har_layer *l, har_shape in)
{
    har_err e = {0};
    har_layer *b = new_body(3);
    made(har_dense_make(&b[0], in, 4, &e), &b[0], &e, "dense:4");
    made(har_activation_make(&b[1], b[0].out, HAR_ACT_TANH, &e), &b[1], &e, "tanh");
    made(har_dense_make(&b[2], b[1].out, in.f, &e), &b[2], &e, "dense");
    made(har_residual_make(l, in, b, 3, &e), l, &e, "res(dense:4,tanh,dense)");
}

START_TEST(grad_residual_dense_tanh_dense)
{
    har_layer l = {0};
    make_res_dense_tanh_dense(&l, (har_shape){5, 3});
    ck_assert_int_eq(l.nparams, 4);
    ck_assert_str_eq(l.params[0].name, "body.0.weight");
    ck_assert_str_eq(l.params[3].name, "body.2.bias");
    ck_assert_int_eq(l.nweights, (4 * 3 + 4) + (3 * 4 + 3));
    ck_assert_int_eq(l.params[2].offset, 16);
    check(&l, 3, 0, 100);
}
END_TEST

START_TEST(grad_residual_conv_layernorm)
{
    har_layer l = {0};
    har_err e = {0};
    har_shape in = {7, 4};
    har_layer *b = new_body(2);
    made(har_conv1d_make(&b[0], in, 4, 3, 1, 1, 1, &e), &b[0], &e, "conv1d:4:3:pad=same");
    made(har_layernorm_make(&b[1], b[0].out, 1e-5, &e), &b[1], &e, "layernorm");
    made(har_residual_make(&l, in, b, 2, &e), &l, &e, "res(conv1d:4:3:pad=same,layernorm)");
    ck_assert_str_eq(l.params[2].name, "body.1.weight");
    ck_assert_int_eq(l.params[2].kind, HAR_P_GAIN);
    check(&l, 2, 0, 110);
}
END_TEST

/* res(res(dense,tanh,dense), dropout, layernorm): nested names and offsets,
 * and the rng reaching a grandchild through two binds (train mode). */
START_TEST(grad_residual_nested)
{
    har_layer l = {0};
    har_err e = {0};
    har_shape in = {6, 3};
    har_layer *b = new_body(3);
    make_res_dense_tanh_dense(&b[0], in);
    made(har_dropout_make(&b[1], in, 0.3, &e), &b[1], &e, "dropout:0.3");
    made(har_layernorm_make(&b[2], in, 1e-5, &e), &b[2], &e, "layernorm");
    size_t inner = b[0].nweights;
    made(har_residual_make(&l, in, b, 3, &e), &l, &e, "res(res(...),dropout:0.3,layernorm)");
    ck_assert_int_eq(l.nparams, 6);
    ck_assert_str_eq(l.params[1].name, "body.0.body.0.bias");
    ck_assert_str_eq(l.params[4].name, "body.2.weight");
    ck_assert_int_eq(l.params[4].offset, inner);
    ck_assert_int_eq(l.nweights, inner + 2 * 3);
    check(&l, 3, 1, 120);
    /* and in eval mode */
    b = new_body(3);
    make_res_dense_tanh_dense(&b[0], in);
    made(har_dropout_make(&b[1], in, 0.3, &e), &b[1], &e, "dropout:0.3");
    made(har_layernorm_make(&b[2], in, 1e-5, &e), &b[2], &e, "layernorm");
    made(har_residual_make(&l, in, b, 3, &e), &l, &e, "res(res(...),dropout:0.3,layernorm) eval");
    check(&l, 3, 0, 130);
}
END_TEST

/* ---- argument and shape errors ------------------------------------------- */

START_TEST(shape_errors_are_refused)
{
    har_layer l = {0};
    har_err e = {0};
    /* conv: T + 2p - d(k-1) - 1 = 5 + 0 - 2*3 - 1 < 0 */
    ck_assert_int_ne(har_conv1d_make(&l, (har_shape){5, 3}, 4, 4, 1, 0, 2, &e), 0);
    ck_assert_int_eq(e.code, HAR_EUSAGE);
    ck_assert_msg(strstr(e.msg, "conv1d") && strstr(e.msg, "5 timesteps") &&
                      strstr(e.msg, "span 7") && strstr(e.msg, "kernel 4") &&
                      strstr(e.msg, "dilation 2"),
                  "%s", e.msg);
    har_layer_destroy(&l);
    memset(&l, 0, sizeof l);
    /* but exactly one output step is fine */
    ck_assert_int_eq(har_conv1d_make(&l, (har_shape){5, 3}, 4, 3, 1, 0, 2, &e), 0);
    ck_assert_int_eq(l.out.t, 1);
    har_layer_destroy(&l);
    memset(&l, 0, sizeof l);
    ck_assert_int_ne(har_conv1d_make(&l, (har_shape){5, 3}, 4, 3, 0, 0, 1, &e), 0);
    ck_assert_ptr_nonnull(strstr(e.msg, "stride"));
    har_layer_destroy(&l);
    memset(&l, 0, sizeof l);

    ck_assert_int_ne(har_pool_make(&l, (har_shape){3, 2}, HAR_POOL_MAX, 4, 1, &e), 0);
    ck_assert_msg(strstr(e.msg, "maxpool") && strstr(e.msg, "kernel 4") &&
                      strstr(e.msg, "3 timesteps"),
                  "%s", e.msg);
    har_layer_destroy(&l);
    memset(&l, 0, sizeof l);

    /* residual: a body changing [5, 4] into [5, 7] is refused, and the block
     * frees the body it was given (the sanitizer run checks for leaks). */
    har_layer *b = new_body(2);
    made(har_dense_make(&b[0], (har_shape){5, 4}, 7, &e), &b[0], &e, "dense:7");
    made(har_activation_make(&b[1], b[0].out, HAR_ACT_RELU, &e), &b[1], &e, "relu");
    ck_assert_int_ne(har_residual_make(&l, (har_shape){5, 4}, b, 2, &e), 0);
    ck_assert_int_eq(e.code, HAR_EUSAGE);
    ck_assert_msg(strstr(e.msg, "preserve") && strstr(e.msg, "[5, 4]") && strstr(e.msg, "[5, 7]"),
                  "%s", e.msg);
    har_layer_destroy(&l); /* harmless after a failed make */

    /* through the spec parser, which names the item */
    har_model m;
    ck_assert_int_ne(har_model_build(&m, "conv1d:4:9,gap,dense:3", (har_shape){6, 4}, 3, &e), 0);
    ck_assert_msg(strstr(e.msg, "conv1d:4:9") && strstr(e.msg, "6 timesteps"), "%s", e.msg);
    ck_assert_int_ne(har_model_build(&m, "res(dense:4,res(dense:5)),gap,dense:3",
                                     (har_shape){6, 4}, 3, &e), 0);
    ck_assert_msg(strstr(e.msg, "preserve") && strstr(e.msg, "[6, 5]"), "%s", e.msg);
    ck_assert_int_ne(har_model_build(&m, "avgpool:7,gap,dense:3", (har_shape){6, 4}, 3, &e), 0);
    ck_assert_msg(strstr(e.msg, "avgpool") && strstr(e.msg, "kernel 7"), "%s", e.msg);
}
END_TEST

/* ---- whole models -------------------------------------------------------- */

static const struct {
    const char *spec;
    int train;
} model_specs[] = {
    {"conv1d:4:3:pad=same,relu,maxpool:2,conv1d:4:3,gelu,gap,dense:3", 0},
    {"flatten,dense:8,elu,dropout:0.2,dense:3", 1},
    {"res(dense:4,tanh,dense:4),layernorm,attention,dense:3", 0},
    {"dense:4,res(res(dense:4,silu,dense:4),dropout:0.3,layernorm),avgpool:3:2,last,dense:3", 1},
    {"conv1d:3:2:stride=2:pad=1:dilation=2,leakyrelu,maxpool:2:1,sigmoid,mean,dense:3", 0},
    {"gaussian,conv1d:4:1,tanh,flatten,dense:3", 0},
};
#define NMODELS ((int)(sizeof model_specs / sizeof model_specs[0]))

START_TEST(grad_model_spec)
{
    har_model m;
    har_err e = {0};
    const char *spec = model_specs[_i].spec;
    ck_assert_msg(har_model_build(&m, spec, (har_shape){6, 4}, 3, &e) == 0, "%s: %s", spec, e.msg);
    har_model_init(&m, HAR_INIT_TORCH, 7);
    double err = gc_check_model(&m, 3, model_specs[_i].train, NULL, 0, 200 + (uint64_t)_i);
    ck_assert_msg(err < GC_TOL, "%s: %g", spec, err);
    har_model_free(&m);
}
END_TEST

/* Residual parameters appear under the block's index in the model, nested
 * blocks included, in PyTorch nn.Sequential order. */
START_TEST(model_residual_names)
{
    har_model m;
    har_err e = {0};
    ck_assert_msg(har_model_build(&m, "dense:4,res(res(dense:4,tanh),layernorm),gap,dense:3",
                                  (har_shape){6, 4}, 3, &e) == 0,
                  "%s", e.msg);
    const char *want[] = {"0.weight",   "0.bias",           "1.body.0.body.0.weight",
                          "1.body.0.body.0.bias", "1.body.1.weight", "1.body.1.bias",
                          "3.weight",   "3.bias"};
    ck_assert_int_eq(m.nparams, 8);
    size_t off = 0;
    for (int i = 0; i < 8; i++) {
        ck_assert_str_eq(m.params[i].name, want[i]);
        ck_assert_int_eq(m.params[i].offset, off); /* contiguous, in order */
        off += m.params[i].size;
    }
    ck_assert_int_eq(m.nweights, off);
    ck_assert_int_eq(har_model_param(&m, "1.body.1.weight")->kind, HAR_P_GAIN);
    ck_assert_int_eq(har_model_param(&m, "1.body.0.body.0.weight")->fan_in, 4);
    har_model_free(&m);
}
END_TEST

Suite *grad_layers_suite(void)
{
    Suite *s = suite_create("grad_layers");
    TCase *tc = tcase_create("layers");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, grad_dropout);
    tcase_add_test(tc, dropout_rate_and_identity);
    tcase_add_test(tc, grad_flatten);
    tcase_add_loop_test(tc, grad_activation, 0, NACTS);
    tcase_add_test(tc, activation_values);
    tcase_add_test(tc, activation_names);
    tcase_add_loop_test(tc, grad_conv1d, 0, NCONVS);
    tcase_add_loop_test(tc, conv1d_values, 0, NCONVS);
    tcase_add_test(tc, conv1d_matches_torch);
    tcase_add_loop_test(tc, grad_pool, 0, NPOOLS);
    tcase_add_test(tc, maxpool_ties_and_values);
    tcase_add_test(tc, grad_layernorm);
    tcase_add_test(tc, layernorm_values);
    tcase_add_loop_test(tc, grad_readout, 0, 3);
    tcase_add_test(tc, readout_values);
    tcase_add_test(tc, attention_weights_sum_to_one);
    tcase_add_test(tc, grad_residual_dense_tanh_dense);
    tcase_add_test(tc, grad_residual_conv_layernorm);
    tcase_add_test(tc, grad_residual_nested);
    tcase_add_test(tc, shape_errors_are_refused);
    tcase_add_loop_test(tc, grad_model_spec, 0, NMODELS);
    tcase_add_test(tc, model_residual_names);
    suite_add_tcase(s, tc);
    return s;
}
