/* test_onnx.c - lib/export/onnx.c in-process: the ModelProto it writes,
 * read back with the same generated code (opset, IR version, the input and
 * outputs, the normalisation in double), PyTorch's gate blocks put in
 * ONNX's order, the same bytes for the same checkpoint, and a layer without
 * a translation refused by name.  That ONNX Runtime computes what har does
 * is tests/system/test_onnx.c. */
#include <stdlib.h>
#include <string.h>

#include "export/onnx.h"
#include "export/onnx.pb-c.h"
#include "testutil.h"

static char *classes[3] = {"A", "B", "C"}, *channels[3] = {"x", "y", "z"};
static const double mean[3] = {0.5, -1, 2}, stdev[3] = {1, 2, 4};

/* A checkpoint of spec for windows 8 x 3, 3 classes, weights from a seed. */
static void checkpoint(har_checkpoint *ck, const char *spec)
{
    memset(ck, 0, sizeof *ck);
    har_err e = {0};
    ck_assert_msg(har_model_build(&ck->model, spec, (har_shape){8, 3}, 3, &e) == 0, "%s", e.msg);
    har_model_init(&ck->model, HAR_INIT_TORCH, 7);
    ck->classes = classes;
    ck->channels = channels;
    ck->nclasses = ck->nchannels = 3;
    ck->window = 8;
    ck->mean = mean;
    ck->std = stdev;
}

static Onnx__ModelProto *encode(const har_checkpoint *ck, uint8_t **buf, size_t *len)
{
    har_err e = {0};
    ck_assert_msg(har_onnx_encode(ck, buf, len, &e) == 0, "%s", e.msg);
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, *len, *buf);
    ck_assert_msg(m != NULL, "the encoded model does not parse");
    return m;
}

static const Onnx__NodeProto *find_node(const Onnx__GraphProto *g, const char *op)
{
    for (size_t i = 0; i < g->n_node; i++)
        if (!strcmp(g->node[i]->op_type, op))
            return g->node[i];
    return NULL;
}

static const Onnx__TensorProto *find_init(const Onnx__GraphProto *g, const char *name)
{
    for (size_t i = 0; i < g->n_initializer; i++)
        if (!strcmp(g->initializer[i]->name, name))
            return g->initializer[i];
    ck_abort_msg("no initialiser %s", name);
    return NULL;
}

static int64_t attr_int(const Onnx__NodeProto *n, const char *name)
{
    for (size_t i = 0; i < n->n_attribute; i++)
        if (!strcmp(n->attribute[i]->name, name))
            return n->attribute[i]->i;
    ck_abort_msg("node %s has no attribute %s", n->op_type, name);
    return 0;
}

START_TEST(model_has_the_documented_interface)
{
    har_checkpoint ck;
    checkpoint(&ck, "gru:4,dense:3");
    uint8_t *buf;
    size_t len;
    Onnx__ModelProto *m = encode(&ck, &buf, &len);
    ck_assert_int_eq(m->ir_version, HAR_ONNX_IR_VERSION);
    ck_assert_int_eq(m->n_opset_import, 1);
    ck_assert_str_eq(m->opset_import[0]->domain, "");
    ck_assert_int_eq(m->opset_import[0]->version, HAR_ONNX_OPSET);
    ck_assert_int_ge(HAR_ONNX_OPSET, 14);
    const Onnx__GraphProto *g = m->graph;
    ck_assert_int_eq(g->n_input, 1);
    ck_assert_str_eq(g->input[0]->name, "window");
    const Onnx__TensorShapeProto *s = g->input[0]->type->tensor_type->shape;
    ck_assert_int_eq(s->n_dim, 3);
    ck_assert_str_eq(s->dim[0]->dim_param, "batch");
    ck_assert_int_eq(s->dim[1]->dim_value, 8);
    ck_assert_int_eq(s->dim[2]->dim_value, 3);
    ck_assert_int_eq(g->n_output, 2);
    ck_assert_str_eq(g->output[0]->name, "probabilities");
    ck_assert_int_eq(g->output[0]->type->tensor_type->elem_type, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT);
    ck_assert_str_eq(g->output[1]->name, "label");
    ck_assert_int_eq(g->output[1]->type->tensor_type->elem_type, ONNX__TENSOR_PROTO__DATA_TYPE__INT64);
    /* The normalisation first, in double; softmax and argmax last. */
    ck_assert_str_eq(g->node[0]->op_type, "Cast");
    ck_assert_int_eq(attr_int(g->node[0], "to"), ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE);
    ck_assert_str_eq(g->node[1]->op_type, "Sub");
    ck_assert_str_eq(g->node[2]->op_type, "Div");
    const Onnx__TensorProto *mu = find_init(g, "norm_mean");
    ck_assert_int_eq(mu->data_type, ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE);
    ck_assert_int_eq(mu->raw_data.len, sizeof mean);
    ck_assert_int_eq(memcmp(mu->raw_data.data, mean, sizeof mean), 0);
    ck_assert_ptr_nonnull(find_node(g, "Softmax"));
    ck_assert_int_eq(attr_int(find_node(g, "ArgMax"), "keepdims"), 0);
    /* Metadata a user needs to feed the model. */
    int seen = 0;
    for (size_t i = 0; i < m->n_metadata_props; i++) {
        if (!strcmp(m->metadata_props[i]->key, "classes"))
            seen += !strcmp(m->metadata_props[i]->value, "A,B,C");
        if (!strcmp(m->metadata_props[i]->key, "spec"))
            seen += !strcmp(m->metadata_props[i]->value, "gru:4,dense:3");
    }
    ck_assert_int_eq(seen, 2);

    /* The same checkpoint, the same bytes. */
    uint8_t *again;
    size_t len2;
    har_err e = {0};
    ck_assert_int_eq(har_onnx_encode(&ck, &again, &len2, &e), 0);
    ck_assert_int_eq(len2, len);
    ck_assert_int_eq(memcmp(again, buf, len), 0);
    free(again);
    onnx__model_proto__free_unpacked(m, NULL);
    free(buf);
    har_model_free(&ck.model);
}
END_TEST

/* ONNX block k of W, R and both halves of B is PyTorch block order[k]. */
static void check_gates(const char *spec, const char *op, const int *order, int G)
{
    har_checkpoint ck;
    checkpoint(&ck, spec);
    uint8_t *buf;
    size_t len;
    Onnx__ModelProto *m = encode(&ck, &buf, &len);
    const Onnx__NodeProto *n = find_node(m->graph, op);
    ck_assert_msg(n != NULL, "%s: no %s node", spec, op);
    if (!strcmp(op, "GRU"))
        ck_assert_int_eq(attr_int(n, "linear_before_reset"), 1);
    ck_assert_int_eq(attr_int(n, "hidden_size"), 4);
    const int H = 4, F = 3;
    const har_param *w_ih = har_model_param(&ck.model, "0.weight_ih_l0"),
                    *b_hh = har_model_param(&ck.model, "0.bias_hh_l0");
    const float *W = (const float *)find_init(m->graph, "0.W_l0")->raw_data.data,
                *B = (const float *)find_init(m->graph, "0.B_l0")->raw_data.data;
    for (int k = 0; k < G; k++) {
        ck_assert_int_eq(memcmp(W + (size_t)k * H * F, ck.model.w + w_ih->offset + (size_t)order[k] * H * F,
                                (size_t)H * F * sizeof(float)),
                         0);
        ck_assert_int_eq(memcmp(B + (size_t)G * H + (size_t)k * H, ck.model.w + b_hh->offset + (size_t)order[k] * H,
                                (size_t)H * sizeof(float)),
                         0);
    }
    onnx__model_proto__free_unpacked(m, NULL);
    free(buf);
    har_model_free(&ck.model);
}

START_TEST(recurrent_gates_are_in_onnx_order)
{
    const int gru[3] = {1, 0, 2}, lstm[4] = {0, 3, 1, 2}, rnn[1] = {0};
    check_gates("gru:4,dense:3", "GRU", gru, 3);    /* z r n from r z n */
    check_gates("lstm:4,dense:3", "LSTM", lstm, 4); /* i o f c from i f g o */
    check_gates("rnn:4,dense:3", "RNN", rnn, 1);
}
END_TEST

START_TEST(layer_without_translation_is_refused_by_name)
{
    har_checkpoint ck;
    checkpoint(&ck, "dense:5,relu,gru:4,dense:3");
    har_layer_ops blind = *ck.model.layers[2].ops, *const saved = (har_layer_ops *)ck.model.layers[2].ops;
    blind.describe = NULL;
    ck.model.layers[2].ops = &blind;
    uint8_t *buf = (uint8_t *)"untouched";
    size_t len = 0;
    har_err e = {0};
    ck_assert_int_eq(har_onnx_encode(&ck, &buf, &len, &e), -1);
    ck_assert_int_eq(e.code, HAR_EDATA);
    tu_assert_contains(e.msg, "layer 2 (\"gru:4\"");
    tu_assert_contains(e.msg, "no ONNX translation");
    ck_assert_ptr_null(buf);
    ck.model.layers[2].ops = saved;
    har_model_free(&ck.model);
}
END_TEST

Suite *onnx_suite(void)
{
    Suite *s = suite_create("onnx");
    TCase *tc = tcase_create("onnx");
    tcase_add_test(tc, model_has_the_documented_interface);
    tcase_add_test(tc, recurrent_gates_are_in_onnx_order);
    tcase_add_test(tc, layer_without_translation_is_refused_by_name);
    suite_add_tcase(s, tc);
    return s;
}
