/* grad_recurrent.c - the recurrent stack (lib/nn/recurrent.c, cell_*.c):
 * finite-difference checks of every backward pass, the forward pass against
 * a plain transcription of PyTorch's equations, parameter names and shapes
 * against nn.GRU's state_dict, dropout, and argument errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"

static const har_cell cells[] = {HAR_CELL_RNN, HAR_CELL_GRU, HAR_CELL_LSTM};
static const int cell_gates[] = {1, 3, 4};

typedef struct {
    har_cell cell;
    int T, in, H, L, bidir;
    double p;
} rnn_cfg;

static void make(har_layer *l, const rnn_cfg *c)
{
    memset(l, 0, sizeof *l);
    har_err e = {0};
    ck_assert_msg(har_recurrent_make(l, (har_shape){c->T, c->in}, c->cell, c->H, c->L, c->bidir,
                                     c->p, &e) == 0,
                  "har_recurrent_make: %s", e.msg);
}

/* Finite-difference check of a made layer at B samples. */
static void check(const rnn_cfg *c, int B, int train, uint64_t seed)
{
    har_layer l;
    make(&l, c);
    gc_layer_setup(&l, B, seed);
    double err = gc_check_layer(&l, B, train, seed + 10);
    ck_assert(err < GC_TOL);
    gc_layer_free(&l);
}

/* ---- gradient checks: each test runs for Elman, GRU and LSTM (_i) ---- */

START_TEST(grad_single_layer)
{
    check(&(rnn_cfg){cells[_i], 6, 3, 4, 1, 0, 0}, 3, 0, 100);
}
END_TEST

START_TEST(grad_stacked)
{
    check(&(rnn_cfg){cells[_i], 5, 3, 3, 2, 0, 0}, 2, 0, 200);
}
END_TEST

START_TEST(grad_bidirectional)
{
    check(&(rnn_cfg){cells[_i], 7, 3, 4, 1, 1, 0}, 3, 0, 300);
}
END_TEST

START_TEST(grad_stacked_bidir_dropout_train)
{
    check(&(rnn_cfg){cells[_i], 5, 3, 3, 2, 1, 0.3}, 2, 1, 400);
}
END_TEST

START_TEST(grad_one_step)
{
    /* T = 1: no recurrent product at all, dW_hh stays zero */
    check(&(rnn_cfg){cells[_i], 1, 3, 4, 2, 1, 0}, 3, 0, 500);
}
END_TEST

START_TEST(grad_wide_hidden)
{
    /* H = 9: the vectorised 8-wide part of the row kernels plus a tail */
    check(&(rnn_cfg){cells[_i], 4, 2, 9, 1, 1, 0}, 2, 0, 600);
}
END_TEST

/* ---- forward pass against PyTorch's equations, written out naively ---- */

static const real *find(const har_layer *l, const char *fmt, int k, const char *suffix)
{
    char name[HAR_PARAM_NAME];
    snprintf(name, sizeof name, fmt, k, suffix);
    for (int i = 0; i < l->nparams; i++)
        if (!strcmp(l->params[i].name, name))
            return l->w + l->params[i].offset;
    ck_abort_msg("no parameter %s", name);
    return NULL;
}

static double sigm(double v)
{
    return 1 / (1 + exp(-v));
}

/* One cell step for one sample: h, c updated in place. */
static void ref_step(har_cell cell, int H, int nin, const real *x, double *h, double *c,
                     const real *W_ih, const real *W_hh, const real *b_ih, const real *b_hh)
{
    int G = cell == HAR_CELL_RNN ? 1 : cell == HAR_CELL_GRU ? 3 : 4;
    double gi[4 * 16], gh[4 * 16], hn[16], cn[16];
    ck_assert(H <= 16);
    for (int q = 0; q < G * H; q++) {
        gi[q] = b_ih[q];
        gh[q] = b_hh[q];
        for (int i = 0; i < nin; i++)
            gi[q] += W_ih[q * nin + i] * x[i];
        for (int j = 0; j < H; j++)
            gh[q] += W_hh[q * H + j] * h[j];
    }
    for (int j = 0; j < H; j++) {
        if (cell == HAR_CELL_RNN) {
            hn[j] = tanh(gi[j] + gh[j]);
        } else if (cell == HAR_CELL_GRU) {
            double r = sigm(gi[j] + gh[j]), z = sigm(gi[H + j] + gh[H + j]);
            double n = tanh(gi[2 * H + j] + r * gh[2 * H + j]);
            hn[j] = (1 - z) * n + z * h[j];
        } else {
            double i = sigm(gi[j] + gh[j]), f = sigm(gi[H + j] + gh[H + j]);
            double g = tanh(gi[2 * H + j] + gh[2 * H + j]), o = sigm(gi[3 * H + j] + gh[3 * H + j]);
            cn[j] = f * c[j] + i * g;
            hn[j] = o * tanh(cn[j]);
        }
    }
    for (int j = 0; j < H; j++) {
        h[j] = hn[j];
        if (cell == HAR_CELL_LSTM)
            c[j] = cn[j];
    }
}

/* The whole stack, layer by layer, drawing dropout masks from rng in the
 * documented order ([B, T, D*H] order after each layer but the last) when
 * train is set. */
static void ref_forward(const har_layer *l, const rnn_cfg *cf, const real *x, int B, int train,
                        har_rng *rng, real *y)
{
    int T = cf->T, H = cf->H, D = cf->bidir ? 2 : 1, DH = D * H;
    int widest = cf->in > DH ? cf->in : DH;
    real *cur = malloc((size_t)B * T * widest * sizeof *cur);
    real *out = malloc((size_t)B * T * DH * sizeof *out);
    ck_assert(cur && out);
    memcpy(cur, x, (size_t)B * T * cf->in * sizeof *cur);
    int nin = cf->in;
    for (int k = 0; k < cf->L; k++) {
        for (int b = 0; b < B; b++)
            for (int d = 0; d < D; d++) {
                const char *sfx = d ? "_reverse" : "";
                double h[16] = {0}, c[16] = {0};
                for (int n = 0; n < T; n++) {
                    int t = d ? T - 1 - n : n;
                    ref_step(cf->cell, H, nin, cur + ((size_t)b * T + t) * nin, h, c,
                             find(l, "weight_ih_l%d%s", k, sfx), find(l, "weight_hh_l%d%s", k, sfx),
                             find(l, "bias_ih_l%d%s", k, sfx), find(l, "bias_hh_l%d%s", k, sfx));
                    for (int j = 0; j < H; j++)
                        out[((size_t)b * T + t) * DH + d * H + j] = (real)h[j];
                }
            }
        if (k < cf->L - 1 && train && cf->p > 0)
            for (size_t i = 0; i < (size_t)B * T * DH; i++)
                out[i] = har_rng_uniform(rng) < cf->p ? 0 : out[i] / (1 - cf->p);
        memcpy(cur, out, (size_t)B * T * DH * sizeof *cur);
        nin = DH;
    }
    memcpy(y, cur, (size_t)B * T * DH * sizeof *y);
    free(cur);
    free(out);
}

static double max_abs_diff(const real *a, const real *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs((double)a[i] - (double)b[i]));
    return m;
}

/* Runs the layer and the reference on the same input and rng state. */
static void compare_with_reference(const rnn_cfg *cf, int B, int train)
{
    har_layer l;
    make(&l, cf);
    gc_layer_setup(&l, B, 7);
    size_t nx = (size_t)B * cf->T * cf->in, ny = (size_t)B * l.out.t * l.out.f;
    real *x = malloc(nx * sizeof *x), *y = malloc(ny * sizeof *y), *ref = malloc(ny * sizeof *ref);
    ck_assert(x && y && ref);
    gc_fill(x, nx, 1.0, 8);
    har_rng r0, r1;
    har_rng_seed(&r0, 9);
    r1 = r0;
    *l.rng = r0;
    l.ops->forward(&l, x, y, B, train);
    ref_forward(&l, cf, x, B, train, &r1, ref);
    double diff = max_abs_diff(y, ref, ny);
    ck_assert_msg(diff < 1e-12, "%s: forward differs from the reference by %g", l.spec, diff);
    free(x);
    free(y);
    free(ref);
    gc_layer_free(&l);
}

START_TEST(forward_matches_equations)
{
    compare_with_reference(&(rnn_cfg){cells[_i], 6, 3, 4, 1, 0, 0}, 3, 0);
    compare_with_reference(&(rnn_cfg){cells[_i], 5, 3, 3, 3, 1, 0}, 2, 0);
}
END_TEST

START_TEST(forward_dropout_train_matches_equations)
{
    compare_with_reference(&(rnn_cfg){cells[_i], 5, 3, 4, 3, 1, 0.4}, 3, 1);
}
END_TEST

/* ---- dropout, accumulation, dx ---- */

START_TEST(eval_ignores_dropout)
{
    int B = 3;
    rnn_cfg with = {HAR_CELL_GRU, 6, 3, 4, 2, 1, 0.5}, without = with;
    without.p = 0;
    har_layer a, b;
    make(&a, &with);
    make(&b, &without);
    gc_layer_setup(&a, B, 11);
    gc_layer_setup(&b, B, 11); /* same seed: same weights */
    size_t nx = (size_t)B * 6 * 3, ny = (size_t)B * 6 * 8;
    real *x = malloc(nx * sizeof *x), *ya = malloc(ny * sizeof *ya), *yb = malloc(ny * sizeof *yb);
    ck_assert(x && ya && yb);
    gc_fill(x, nx, 1.0, 12);
    har_rng_seed(a.rng, 13);
    a.ops->forward(&a, x, ya, B, 0);
    b.ops->forward(&b, x, yb, B, 0);
    ck_assert_msg(memcmp(ya, yb, ny * sizeof *ya) == 0, "eval output depends on dropout");
    har_rng_seed(a.rng, 13);
    a.ops->forward(&a, x, ya, B, 1);
    ck_assert_msg(max_abs_diff(ya, yb, ny) > 1e-3, "train mode did not apply dropout");
    free(x);
    free(ya);
    free(yb);
    gc_layer_free(&a);
    gc_layer_free(&b);
}
END_TEST

START_TEST(backward_accumulates_and_dx_optional)
{
    int B = 2;
    rnn_cfg cf = {cells[_i], 5, 3, 4, 2, 1, 0};
    har_layer l;
    make(&l, &cf);
    gc_layer_setup(&l, B, 21);
    size_t nx = (size_t)B * 5 * 3, ny = (size_t)B * 5 * 8, nw = l.nweights;
    real *x = malloc(nx * sizeof *x), *y = malloc(ny * sizeof *y), *dy = malloc(ny * sizeof *dy);
    real *dx = malloc(nx * sizeof *dx), *once = malloc(nw * sizeof *once);
    ck_assert(x && y && dy && dx && once);
    gc_fill(x, nx, 1.0, 22);
    gc_fill(dy, ny, 1.0, 23);
    memset(l.dw, 0, nw * sizeof *l.dw);
    l.ops->forward(&l, x, y, B, 1);
    l.ops->backward(&l, x, y, dy, dx, B);
    memcpy(once, l.dw, nw * sizeof *once);
    l.ops->forward(&l, x, y, B, 1);
    l.ops->backward(&l, x, y, dy, NULL, B); /* no input gradient wanted */
    for (size_t i = 0; i < nw; i++)
        ck_assert_msg(fabs(l.dw[i] - 2 * once[i]) <= 1e-12 * (1 + fabs(once[i])),
                      "parameter gradient %zu not accumulated: %g vs 2 x %g", i, l.dw[i], once[i]);
    free(x);
    free(y);
    free(dy);
    free(dx);
    free(once);
    gc_layer_free(&l);
}
END_TEST

/* ---- parameters ---- */

START_TEST(params_match_torch_state_dict)
{
    /* torch.nn.GRU(5, 4, num_layers=2, bidirectional=True).state_dict() */
    static const struct {
        const char *name;
        int64_t rows, cols; /* cols 0: a vector */
    } want[] = {
        {"weight_ih_l0", 12, 5}, {"weight_hh_l0", 12, 4}, {"bias_ih_l0", 12, 0},
        {"bias_hh_l0", 12, 0}, {"weight_ih_l0_reverse", 12, 5}, {"weight_hh_l0_reverse", 12, 4},
        {"bias_ih_l0_reverse", 12, 0}, {"bias_hh_l0_reverse", 12, 0}, {"weight_ih_l1", 12, 8},
        {"weight_hh_l1", 12, 4}, {"bias_ih_l1", 12, 0}, {"bias_hh_l1", 12, 0},
        {"weight_ih_l1_reverse", 12, 8}, {"weight_hh_l1_reverse", 12, 4},
        {"bias_ih_l1_reverse", 12, 0}, {"bias_hh_l1_reverse", 12, 0},
    };
    har_layer l;
    make(&l, &(rnn_cfg){HAR_CELL_GRU, 7, 5, 4, 2, 1, 0.2});
    ck_assert_int_eq(l.nparams, 16);
    ck_assert_int_eq(l.out.t, 7);
    ck_assert_int_eq(l.out.f, 8);
    size_t offset = 0;
    for (int i = 0; i < 16; i++) {
        const har_param *p = &l.params[i];
        ck_assert_str_eq(p->name, want[i].name);
        ck_assert_int_eq(p->ndim, want[i].cols ? 2 : 1);
        ck_assert_int_eq(p->shape[0], want[i].rows);
        if (want[i].cols)
            ck_assert_int_eq(p->shape[1], want[i].cols);
        ck_assert_uint_eq(p->offset, offset);
        offset += p->size;
        ck_assert_int_eq(p->torch_bound, 4);
        har_param_kind kind = i % 4 == 0 ? HAR_P_WEIGHT : i % 4 == 1 ? HAR_P_RECURRENT : HAR_P_BIAS;
        ck_assert_int_eq(p->kind, kind);
        if (kind == HAR_P_RECURRENT) {
            ck_assert_int_eq(p->gates, 3);
            ck_assert_int_eq(p->fan_in, 4);
            ck_assert_int_eq(p->fan_out, 4);
        }
        if (kind == HAR_P_WEIGHT) {
            ck_assert_int_eq(p->fan_in, want[i].cols);
            ck_assert_int_eq(p->fan_out, 4);
        }
    }
    ck_assert_uint_eq(l.nweights, offset);
    har_layer_destroy(&l);
}
END_TEST

START_TEST(gate_counts)
{
    har_layer l;
    make(&l, &(rnn_cfg){cells[_i], 3, 2, 5, 1, 0, 0});
    ck_assert_int_eq(l.params[1].shape[0], cell_gates[_i] * 5);
    ck_assert_int_eq(l.params[1].gates, cell_gates[_i]);
    ck_assert_int_eq(l.out.f, 5);
    ck_assert_msg(l.spec[0], "spec string not set");
    har_layer_destroy(&l);
}
END_TEST

/* ---- argument errors ---- */

static void expect_error(har_shape in, int hidden, int layers, double p, const char *word)
{
    har_layer l;
    memset(&l, 0, sizeof l);
    har_err e = {0};
    ck_assert_int_ne(har_recurrent_make(&l, in, HAR_CELL_LSTM, hidden, layers, 0, p, &e), 0);
    ck_assert_int_eq(e.code, HAR_EUSAGE);
    ck_assert_msg(strstr(e.msg, word), "message \"%s\" does not mention %s", e.msg, word);
    har_layer_destroy(&l);
}

START_TEST(bad_arguments)
{
    har_shape ok = {10, 3};
    expect_error(ok, 0, 1, 0, "hidden");
    expect_error(ok, -4, 1, 0, "hidden");
    expect_error(ok, 8, 0, 0, "layers");
    expect_error(ok, 8, 2, 1.0, "dropout");
    expect_error(ok, 8, 2, -0.1, "dropout");
    expect_error(ok, 8, 2, NAN, "dropout");
    expect_error((har_shape){10, 0}, 8, 1, 0, "feature");
    expect_error((har_shape){0, 3}, 8, 1, 0, "timestep");
}
END_TEST

Suite *grad_recurrent_suite(void)
{
    Suite *s = suite_create("grad_recurrent");
    TCase *g = tcase_create("gradients");
    tcase_set_timeout(g, 60);
    tcase_add_loop_test(g, grad_single_layer, 0, 3);
    tcase_add_loop_test(g, grad_stacked, 0, 3);
    tcase_add_loop_test(g, grad_bidirectional, 0, 3);
    tcase_add_loop_test(g, grad_stacked_bidir_dropout_train, 0, 3);
    tcase_add_loop_test(g, grad_one_step, 0, 3);
    tcase_add_loop_test(g, grad_wide_hidden, 0, 3);
    suite_add_tcase(s, g);
    TCase *f = tcase_create("forward");
    tcase_add_loop_test(f, forward_matches_equations, 0, 3);
    tcase_add_loop_test(f, forward_dropout_train_matches_equations, 0, 3);
    tcase_add_test(f, eval_ignores_dropout);
    tcase_add_loop_test(f, backward_accumulates_and_dx_optional, 0, 3);
    suite_add_tcase(s, f);
    TCase *p = tcase_create("construction");
    tcase_add_test(p, params_match_torch_state_dict);
    tcase_add_loop_test(p, gate_counts, 0, 3);
    tcase_add_test(p, bad_arguments);
    suite_add_tcase(s, p);
    return s;
}
