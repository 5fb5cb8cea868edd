/* grad_model.c - whole models under the loss: finite-difference checks of
 * the loss and of composed models (stacked/bidirectional recurrent, conv,
 * residual), plus the spec parser, parameter naming and initialisers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"

static void build(har_model *m, const char *spec, int t, int c, int k)
{
    har_err e = {0};
    ck_assert_msg(har_model_build(m, spec, (har_shape){t, c}, k, &e) == 0, "%s: %s", spec, e.msg);
    har_model_init(m, HAR_INIT_TORCH, 7);
}

/* ---- loss ---------------------------------------------------------------- */

START_TEST(loss_gradient_plain_weighted_smoothed)
{
    const real cw[4] = {0.5, 2.0, 1.0, 3.0};
    const struct {
        const real *w;
        double eps;
    } cases[] = {{NULL, 0}, {cw, 0}, {NULL, 0.1}, {cw, 0.2}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        har_model m;
        build(&m, "dense:4", 1, 5, 4);
        gc_check_model(&m, 6, 0, cases[i].w, cases[i].eps, 11 + i);
        har_model_free(&m);
    }
}
END_TEST

START_TEST(loss_values)
{
    /* Uniform logits give ln K; with weights and smoothing, PyTorch's formula
     * (checked against F.cross_entropy: 1.7693624 for this case). */
    real z[3 * 6] = {0};
    int32_t y[3] = {0, 4, 5};
    const real cw[6] = {1, 2, 3, 4, 5, 6};
    ck_assert(fabs(har_softmax_xent(z, y, 3, 6, NULL, 0, NULL, NULL) - log(6.0)) < 1e-12);
    double ws = log(6.0) * (0.9 * 12 + 3 * 0.1 / 6 * 21) / 12;
    ck_assert(fabs(har_softmax_xent(z, y, 3, 6, cw, 0.1, NULL, NULL) - ws) < 1e-12);
    ck_assert(fabs(ws - 1.7693624) < 1e-6);
    /* Huge logits stay finite (log-sum-exp), and a confident right answer costs ~0. */
    real big[2] = {1e4, -1e4};
    int32_t y0 = 0, y1 = 1;
    ck_assert(har_softmax_xent(big, &y0, 1, 2, NULL, 0, NULL, NULL) < 1e-12);
    ck_assert(fabs(har_softmax_xent(big, &y1, 1, 2, NULL, 0, NULL, NULL) - 2e4) < 1e-6);
    /* Class weights: the mean is weighted by the targets' weights. */
    real z2[2 * 2] = {0, 1, 0, 1};
    int32_t y2[2] = {0, 1};
    const real w2[2] = {3, 1};
    double l0 = log(1 + exp(1.0)), l1 = log(1 + exp(-1.0));
    double want = (3 * l0 + 1 * l1) / 4;
    ck_assert(fabs(har_softmax_xent(z2, y2, 2, 2, w2, 0, NULL, NULL) - want) < 1e-12);
}
END_TEST

/* ---- whole models -------------------------------------------------------- */

static void check_spec(const char *spec, int t, int c, int k, int train)
{
    har_model m;
    build(&m, spec, t, c, k);
    double err = gc_check_model(&m, 3, train, NULL, 0, 101);
    ck_assert_msg(err < GC_TOL, "%s: %g", spec, err);
    har_model_free(&m);
}

START_TEST(model_mlp)
{
    check_spec("flatten,dense:8,tanh,dropout:0.3,dense:3", 5, 3, 3, 1);
}
END_TEST

START_TEST(model_stacked_bidirectional_gru)
{
    check_spec("gru:4:layers=2:bidir:dropout=0.3,dense:3", 6, 3, 3, 1);
}
END_TEST

START_TEST(model_stacked_bidirectional_lstm_attention)
{
    check_spec("lstm:4:layers=2:bidir:readout=attention,dense:3", 6, 3, 3, 0);
}
END_TEST

START_TEST(model_elman_mean)
{
    check_spec("rnn:4:readout=mean,dense:3", 6, 3, 3, 0);
}
END_TEST

START_TEST(model_cnn_rnn)
{
    check_spec("conv1d:4:3:pad=same,relu,maxpool:2,gru:4,dropout:0.2,dense:3", 8, 3, 3, 1);
}
END_TEST

START_TEST(model_deep_residual)
{
    check_spec("dense:4,res(dense:4,tanh,dense:4),res(dense:4,silu,dense:4),"
               "res(conv1d:4:3:pad=same,layernorm),gap,dense:3",
               6, 3, 3, 0);
}
END_TEST

/* ---- spec parser and names ----------------------------------------------- */

START_TEST(spec_names_follow_torch_sequential)
{
    har_model m;
    build(&m, "conv1d:4:3,relu,gru:5:layers=2,dense:3", 10, 3, 3);
    const char *want[] = {"0.weight",      "0.bias",        "2.weight_ih_l0", "2.weight_hh_l0",
                          "2.bias_ih_l0",  "2.bias_hh_l0",  "2.weight_ih_l1", "2.weight_hh_l1",
                          "2.bias_ih_l1",  "2.bias_hh_l1",  "4.weight",       "4.bias"};
    ck_assert_int_eq(m.nparams, 12);
    for (int i = 0; i < 12; i++)
        ck_assert_str_eq(m.params[i].name, want[i]);
    ck_assert_int_eq(m.nlayers, 5); /* gru expanded into the stack and its readout */
    har_model_free(&m);

    build(&m, "dense:4,res(dense:4,relu,dense:4),gap,dense:2", 3, 2, 2);
    ck_assert_ptr_nonnull(har_model_param(&m, "1.body.0.weight"));
    ck_assert_ptr_nonnull(har_model_param(&m, "1.body.2.bias"));
    char names[16][HAR_PARAM_NAME];
    int group_of[16];
    int ng = har_model_groups(&m, names, group_of, 16);
    ck_assert_int_eq(ng, 4);
    ck_assert_str_eq(names[0], "0");
    ck_assert_str_eq(names[1], "1.body.0");
    ck_assert_str_eq(names[2], "1.body.2");
    ck_assert_str_eq(names[3], "3");
    har_model_free(&m);
}
END_TEST

START_TEST(spec_errors_are_named)
{
    const struct {
        const char *spec, *msg;
    } bad[] = {
        {"", "empty"},
        {"dense", "expected dense:UNITS"},
        {"dense:0", "units must be an integer"},
        {"dense:6x", "units must be an integer"},
        {"danse:6", "unknown layer \"danse\""},
        {"gru:64:readout=first,dense:6", "readout must be last, mean, attention or seq"},
        {"gru:64:colour=red,dense:6", "unknown option \"colour\""},
        {"dropout:1.5,flatten,dense:6", "dropout probability must be a number in [0, 1)"},
        {"dense:6", "reduce time first"},
        {"flatten,dense:5", "end with dense:K"},
        {"res(dense:7),flatten,dense:6", "preserve"},
        {"res(dense:4,flatten,dense:6", "missing \")\""},
        {"flatten,dense:6,", "empty item"},
        {"flatten(dense:6)", "only res takes"},
        {"conv1d:4:200,gap,dense:6", "conv1d"},
        {"relu:3,flatten,dense:6", "without arguments"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        har_model m;
        har_err e = {0};
        int rc = har_model_build(&m, bad[i].spec, (har_shape){128, 9}, 6, &e);
        ck_assert_msg(rc != 0, "spec \"%s\" was accepted", bad[i].spec);
        ck_assert_int_eq(e.code, HAR_EUSAGE);
        ck_assert_msg(strstr(e.msg, bad[i].msg), "spec \"%s\": expected \"%s\" in \"%s\"",
                      bad[i].spec, bad[i].msg, e.msg);
    }
}
END_TEST

/* ---- initialisers -------------------------------------------------------- */

START_TEST(init_schemes)
{
    har_model m;
    build(&m, "gru:8,dense:3", 4, 5, 3);
    /* torch: every GRU parameter within 1/sqrt(H); dense within 1/sqrt(fan_in). */
    for (int i = 0; i < m.nparams; i++) {
        const har_param *p = &m.params[i];
        double bound = 1 / sqrt((double)p->torch_bound);
        for (size_t j = 0; j < p->size; j++)
            ck_assert(fabs(m.w[p->offset + j]) <= bound);
    }
    ck_assert_int_eq(har_model_param(&m, "0.weight_hh_l0")->torch_bound, 8);
    ck_assert_int_eq(har_model_param(&m, "2.weight")->torch_bound, 8);

    /* orthogonal: each gate block of weight_hh has orthonormal rows; biases 0. */
    har_model_init(&m, HAR_INIT_ORTHOGONAL, 3);
    const har_param *hh = har_model_param(&m, "0.weight_hh_l0");
    ck_assert_int_eq(hh->gates, 3);
    for (int g = 0; g < 3; g++) {
        const real *W = m.w + hh->offset + (size_t)g * 64;
        for (int a = 0; a < 8; a++)
            for (int b = 0; b < 8; b++) {
                double d = 0;
                for (int j = 0; j < 8; j++)
                    d += W[a * 8 + j] * W[b * 8 + j];
                ck_assert_msg(fabs(d - (a == b)) < 1e-9, "gate %d rows %d,%d: %g", g, a, b, d);
            }
    }
    const har_param *bias = har_model_param(&m, "0.bias_ih_l0");
    for (size_t j = 0; j < bias->size; j++)
        ck_assert(m.w[bias->offset + j] == 0);

    /* xavier bound; he has about the right spread; same seed, same weights. */
    har_model_init(&m, HAR_INIT_XAVIER, 3);
    const har_param *dw = har_model_param(&m, "2.weight");
    for (size_t j = 0; j < dw->size; j++)
        ck_assert(fabs(m.w[dw->offset + j]) <= sqrt(6.0 / (8 + 3)));
    har_model m2;
    build(&m2, "flatten,dense:400,dense:3", 25, 8, 3);
    har_model_init(&m2, HAR_INIT_HE, 5);
    const har_param *big = har_model_param(&m2, "1.weight");
    double ss = 0;
    for (size_t j = 0; j < big->size; j++)
        ss += m2.w[big->offset + j] * m2.w[big->offset + j];
    double sd = sqrt(ss / big->size), want = sqrt(2.0 / 200);
    ck_assert_msg(fabs(sd / want - 1) < 0.02, "he std %g, want %g", sd, want);
    real *copy = malloc(m2.nweights * sizeof *copy);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, m2.w, m2.nweights * sizeof *copy);
    har_model_init(&m2, HAR_INIT_HE, 5);
    ck_assert(memcmp(copy, m2.w, m2.nweights * sizeof *copy) == 0);
    free(copy);
    har_model_free(&m2);
    har_model_free(&m);
    ck_assert_int_eq(har_init_parse("orthogonal"), HAR_INIT_ORTHOGONAL);
    ck_assert_int_eq(har_init_parse("glorot"), -1);
}
END_TEST

Suite *grad_model_suite(void)
{
    Suite *s = suite_create("grad_model");
    TCase *tc = tcase_create("model");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, loss_gradient_plain_weighted_smoothed);
    tcase_add_test(tc, loss_values);
    tcase_add_test(tc, model_mlp);
    tcase_add_test(tc, model_stacked_bidirectional_gru);
    tcase_add_test(tc, model_stacked_bidirectional_lstm_attention);
    tcase_add_test(tc, model_elman_mean);
    tcase_add_test(tc, model_cnn_rnn);
    tcase_add_test(tc, model_deep_residual);
    tcase_add_test(tc, spec_names_follow_torch_sequential);
    tcase_add_test(tc, spec_errors_are_named);
    tcase_add_test(tc, init_schemes);
    suite_add_tcase(s, tc);
    return s;
}
