/* onnx.c - a checkpoint as an ONNX model (onnx.h says what the graph is).
 *
 * The graph is built as protobuf-c messages (generated from onnx.proto)
 * whose every allocation goes into one arena, freed at the end; values are
 * named "v1", "v2", ... in the order they are made and initialisers after
 * the parameters they come from, so the same checkpoint gives the same
 * bytes.  Layers work on [batch, t, f] values (BTF); conv1d and the pools
 * on [batch, f, t] (BFT), and a Transpose is added only where one layer's
 * layout is not the next one's. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/version.h"
#include "export/onnx.h"
#include "export/onnx.pb-c.h"
#include "io/outfile.h"
#include "io/tensorfile.h"

enum { BTF, BFT };

typedef struct {
    void **blocks; /* the arena: every allocation, freed together */
    size_t nblocks, capblocks;
    Onnx__NodeProto **node;
    size_t nnode, capnode;
    Onnx__TensorProto **init;
    size_t ninit, capinit;
    int counter;   /* the last value number */
    int failed;    /* out of memory somewhere: the graph is incomplete */
} graph;

/* A value in flight: its name and layout; t and f are the per-window shape. */
typedef struct {
    const char *name;
    int layout, t, f;
} value;

static void *grow(void *v, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return v;
    size_t c = *cap ? 2 * *cap : 16;
    while (c < need)
        c *= 2;
    void *p = realloc(v, c * size);
    if (p)
        *cap = c;
    return p;
}

static void *alloc(graph *g, size_t n)
{
    void **b = grow(g->blocks, &g->capblocks, g->nblocks + 1, sizeof *b);
    void *p = b ? calloc(1, n ? n : 1) : NULL;
    if (b)
        g->blocks = b;
    if (!p) {
        g->failed = 1;
        return NULL;
    }
    g->blocks[g->nblocks++] = p;
    return p;
}

static char *str(graph *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *str(graph *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = alloc(g, (size_t)n + 1);
    if (!s)
        return (char *)"";
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static const char *fresh(graph *g)
{
    return str(g, "v%d", ++g->counter);
}

/* ---- initialisers ----------------------------------------------------------- */

static const char *tensor(graph *g, const char *name, int type, const int64_t *dims, int ndim,
                          const void *data, size_t bytes)
{
    Onnx__TensorProto *t = alloc(g, sizeof *t);
    int64_t *d = alloc(g, (size_t)ndim * sizeof *d);
    uint8_t *raw = alloc(g, bytes);
    Onnx__TensorProto **v = grow(g->init, &g->capinit, g->ninit + 1, sizeof *v);
    if (!t || !d || !raw || !v) {
        g->failed = 1;
        return "";
    }
    g->init = v;
    onnx__tensor_proto__init(t);
    if (ndim)
        memcpy(d, dims, (size_t)ndim * sizeof *d);
    /* raw_data is little-endian, as the host's floats and integers are here. */
    if (bytes)
        memcpy(raw, data, bytes);
    t->name = (char *)name;
    t->data_type = type;
    t->n_dims = (size_t)ndim;
    t->dims = d;
    t->raw_data.data = raw;
    t->raw_data.len = bytes;
    g->init[g->ninit++] = t;
    return name;
}

static const char *init_f32(graph *g, const char *name, const int64_t *dims, int ndim, const float *x)
{
    size_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= (size_t)dims[i];
    return tensor(g, name, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, dims, ndim, x, n * sizeof *x);
}

static const char *init_i64(graph *g, const char *name, int n, const int64_t *x)
{
    int64_t dims[1] = {n};
    return tensor(g, name, ONNX__TENSOR_PROTO__DATA_TYPE__INT64, dims, 1, x, (size_t)n * sizeof *x);
}

/* ---- nodes ------------------------------------------------------------------ */

/* A node op(inputs...) -> one fresh output (or `out` if given); the input
 * list ends with NULL. */
static Onnx__NodeProto *node(graph *g, const char *op, const char *out, ...)
{
    Onnx__NodeProto *n = alloc(g, sizeof *n);
    Onnx__NodeProto **v = grow(g->node, &g->capnode, g->nnode + 1, sizeof *v);
    char **ins = alloc(g, 8 * sizeof *ins), **outs = alloc(g, sizeof *outs);
    if (!n || !v || !ins || !outs) {
        g->failed = 1;
        static Onnx__NodeProto dummy = ONNX__NODE_PROTO__INIT;
        return &dummy;
    }
    g->node = v;
    onnx__node_proto__init(n);
    n->op_type = (char *)op;
    va_list ap;
    va_start(ap, out);
    for (const char *in; (in = va_arg(ap, const char *)) != NULL && n->n_input < 8;)
        ins[n->n_input++] = (char *)in;
    va_end(ap);
    n->input = ins;
    outs[0] = (char *)(out ? out : fresh(g));
    n->output = outs;
    n->n_output = 1;
    n->name = str(g, "n%zu_%s", g->nnode, op);
    g->node[g->nnode++] = n;
    return n;
}

static const char *out_of(const Onnx__NodeProto *n)
{
    return n->n_output ? n->output[0] : "";
}

static Onnx__AttributeProto *attr(graph *g, Onnx__NodeProto *n, const char *name)
{
    Onnx__AttributeProto *a = alloc(g, sizeof *a);
    Onnx__AttributeProto **v = alloc(g, (n->n_attribute + 1) * sizeof *v);
    if (!a || !v) {
        static Onnx__AttributeProto dummy = ONNX__ATTRIBUTE_PROTO__INIT;
        return &dummy;
    }
    onnx__attribute_proto__init(a);
    a->name = (char *)name;
    if (n->n_attribute)
        memcpy(v, n->attribute, n->n_attribute * sizeof *v);
    v[n->n_attribute++] = a;
    n->attribute = v;
    return a;
}

static void attr_int(graph *g, Onnx__NodeProto *n, const char *name, int64_t i)
{
    Onnx__AttributeProto *a = attr(g, n, name);
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
    a->i = i;
}

static void attr_float(graph *g, Onnx__NodeProto *n, const char *name, float f)
{
    Onnx__AttributeProto *a = attr(g, n, name);
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
    a->f = f;
}

static void attr_string(graph *g, Onnx__NodeProto *n, const char *name, const char *s)
{
    Onnx__AttributeProto *a = attr(g, n, name);
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
    a->s.data = (uint8_t *)s;
    a->s.len = strlen(s);
}

static void attr_ints(graph *g, Onnx__NodeProto *n, const char *name, int count, ...)
{
    Onnx__AttributeProto *a = attr(g, n, name);
    int64_t *v = alloc(g, (size_t)count * sizeof *v);
    if (!v)
        return;
    va_list ap;
    va_start(ap, count);
    for (int i = 0; i < count; i++)
        v[i] = va_arg(ap, int64_t);
    va_end(ap);
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
    a->ints = v;
    a->n_ints = (size_t)count;
}

/* The graph's initialiser named `name`, or NULL. */
static const char *find_init(const graph *g, const char *name)
{
    for (size_t i = 0; i < g->ninit; i++)
        if (!strcmp(g->init[i]->name, name))
            return g->init[i]->name;
    return NULL;
}

/* An int64 constant [n] (shapes, axes, slice bounds), shared by name. */
static const char *ints(graph *g, int n, const int64_t *x)
{
    char name[160];
    int len = snprintf(name, sizeof name, "const");
    for (int i = 0; i < n && len < (int)sizeof name - 24; i++)
        len += snprintf(name + len, sizeof name - (size_t)len, "_%lld", (long long)x[i]);
    const char *found = find_init(g, name);
    return found ? found : init_i64(g, str(g, "%s", name), n, x);
}

static const char *scalar(graph *g, const char *name, float x)
{
    const char *found = find_init(g, name);
    return found ? found : init_f32(g, name, NULL, 0, &x);
}

static void to_layout(graph *g, value *v, int layout)
{
    if (v->layout == layout)
        return;
    Onnx__NodeProto *n = node(g, "Transpose", NULL, v->name, NULL);
    attr_ints(g, n, "perm", 3, (int64_t)0, (int64_t)2, (int64_t)1);
    v->name = out_of(n);
    v->layout = layout;
}

/* ---- layers ----------------------------------------------------------------- */

/* The parameter of l named `name` (relative to the layer), or NULL. */
static const har_param *param(const har_layer *l, const char *name)
{
    for (int i = 0; i < l->nparams; i++)
        if (!strcmp(l->params[i].name, name))
            return &l->params[i];
    return NULL;
}

static const float *data(const har_layer *l, const har_param *p)
{
    return l->w + p->offset;
}

static int dense(graph *g, const har_layer *l, const char *prefix, value *v)
{
    const har_param *w = param(l, "weight"), *b = param(l, "bias");
    int out = (int)w->shape[0], in = (int)w->shape[1];
    float *wt = alloc(g, (size_t)in * (size_t)out * sizeof *wt);
    if (!wt)
        return -1;
    for (int o = 0; o < out; o++) /* PyTorch's [out, in] -> MatMul's [in, out] */
        for (int i = 0; i < in; i++)
            wt[(size_t)i * out + o] = data(l, w)[(size_t)o * in + i];
    to_layout(g, v, BTF);
    int64_t wd[2] = {in, out}, bd[1] = {out};
    const char *wn = init_f32(g, str(g, "%sweight.T", prefix), wd, 2, wt);
    const char *bn = init_f32(g, str(g, "%sbias", prefix), bd, 1, data(l, b));
    v->name = out_of(node(g, "Add", NULL, out_of(node(g, "MatMul", NULL, v->name, wn, NULL)), bn, NULL));
    v->f = out;
    return 0;
}

static void activation(graph *g, har_activation a, value *v)
{
    const char *x = v->name;
    switch (a) {
    case HAR_ACT_SIGMOID:
        v->name = out_of(node(g, "Sigmoid", NULL, x, NULL));
        break;
    case HAR_ACT_TANH:
        v->name = out_of(node(g, "Tanh", NULL, x, NULL));
        break;
    case HAR_ACT_RELU:
        v->name = out_of(node(g, "Relu", NULL, x, NULL));
        break;
    case HAR_ACT_LEAKY_RELU: {
        Onnx__NodeProto *n = node(g, "LeakyRelu", NULL, x, NULL);
        attr_float(g, n, "alpha", 0.1f); /* the spec's slope (activation.c) */
        v->name = out_of(n);
        break;
    }
    case HAR_ACT_SILU: /* x sigmoid(x) */
        v->name = out_of(node(g, "Mul", NULL, x, out_of(node(g, "Sigmoid", NULL, x, NULL)), NULL));
        break;
    case HAR_ACT_GAUSSIAN: /* exp(-x^2) */
        v->name = out_of(node(g, "Exp", NULL, out_of(node(g, "Neg", NULL,
                                                           out_of(node(g, "Mul", NULL, x, x, NULL)), NULL)),
                              NULL));
        break;
    case HAR_ACT_ELU: {
        Onnx__NodeProto *n = node(g, "Elu", NULL, x, NULL);
        attr_float(g, n, "alpha", 1.0f);
        v->name = out_of(n);
        break;
    }
    case HAR_ACT_GELU: { /* x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)) */
        const char *erf = out_of(node(g, "Erf", NULL,
                                      out_of(node(g, "Mul", NULL, x, scalar(g, "const_sqrt1_2", 0.70710678118654752440f), NULL)),
                                      NULL));
        const char *phi2 = out_of(node(g, "Add", NULL, erf, scalar(g, "const_1", 1.0f), NULL));
        v->name = out_of(node(g, "Mul", NULL, out_of(node(g, "Mul", NULL, x, scalar(g, "const_0.5", 0.5f), NULL)),
                              phi2, NULL));
        break;
    }
    }
}

static void conv1d(graph *g, const har_layer *l, const har_layer_info *in, const char *prefix, value *v)
{
    const har_param *w = param(l, "weight"), *b = param(l, "bias");
    to_layout(g, v, BFT);
    Onnx__NodeProto *n = node(g, "Conv", NULL, v->name,
                              init_f32(g, str(g, "%sweight", prefix), w->shape, 3, data(l, w)),
                              init_f32(g, str(g, "%sbias", prefix), b->shape, 1, data(l, b)), NULL);
    attr_ints(g, n, "kernel_shape", 1, (int64_t)in->kernel);
    attr_ints(g, n, "strides", 1, (int64_t)in->stride);
    attr_ints(g, n, "pads", 2, (int64_t)in->padding, (int64_t)in->padding);
    attr_ints(g, n, "dilations", 1, (int64_t)in->dilation);
    v->name = out_of(n);
}

static void pool(graph *g, const har_layer_info *in, value *v)
{
    to_layout(g, v, BFT);
    Onnx__NodeProto *n = node(g, in->pool == HAR_POOL_MAX ? "MaxPool" : "AveragePool", NULL, v->name, NULL);
    attr_ints(g, n, "kernel_shape", 1, (int64_t)in->kernel);
    attr_ints(g, n, "strides", 1, (int64_t)in->stride);
    v->name = out_of(n);
}

/* x[:, t-1:t, :] of a [batch, t, f] value. */
static const char *last_step(graph *g, const char *x, int t)
{
    int64_t start = t - 1, end = t, axis = 1;
    return out_of(node(g, "Slice", NULL, x, ints(g, 1, &start), ints(g, 1, &end), ints(g, 1, &axis), NULL));
}

static void readout(graph *g, const har_layer *l, har_readout kind, const char *prefix, value *v)
{
    to_layout(g, v, BTF);
    if (kind == HAR_READ_LAST) {
        v->name = last_step(g, v->name, v->t);
    } else if (kind == HAR_READ_MEAN) {
        Onnx__NodeProto *n = node(g, "ReduceMean", NULL, v->name, NULL);
        attr_ints(g, n, "axes", 1, (int64_t)1);
        attr_int(g, n, "keepdims", 1);
        v->name = out_of(n);
    } else { /* attention: alpha = softmax_t(x_t . w), y = sum_t alpha_t x_t */
        const har_param *w = param(l, "weight");
        int64_t wd[2] = {v->f, 1}, axis = 1;
        const char *s = out_of(node(g, "MatMul", NULL, v->name,
                                    init_f32(g, str(g, "%sweight.T", prefix), wd, 2, data(l, w)), NULL));
        Onnx__NodeProto *sm = node(g, "Softmax", NULL, s, NULL);
        attr_int(g, sm, "axis", 1);
        Onnx__NodeProto *sum = node(g, "ReduceSum", NULL, out_of(node(g, "Mul", NULL, v->name, out_of(sm), NULL)),
                                    ints(g, 1, &axis), NULL);
        attr_int(g, sum, "keepdims", 1);
        v->name = out_of(sum);
    }
    v->t = 1;
}

static void layernorm(graph *g, const har_layer *l, double eps, const char *prefix, value *v)
{
    const har_param *w = param(l, "weight"), *b = param(l, "bias");
    to_layout(g, v, BTF);
    Onnx__NodeProto *n = node(g, "LayerNormalization", NULL, v->name,
                              init_f32(g, str(g, "%sweight", prefix), w->shape, 1, data(l, w)),
                              init_f32(g, str(g, "%sbias", prefix), b->shape, 1, data(l, b)), NULL);
    attr_int(g, n, "axis", -1);
    attr_float(g, n, "epsilon", (float)eps);
    v->name = out_of(n);
}

/* PyTorch's gate blocks in ONNX's order: ONNX block k is PyTorch block
 * order[k] (GRU: z r n from r z n; LSTM: i o f c from i f g o). */
static const int gru_order[3] = {1, 0, 2}, lstm_order[4] = {0, 3, 1, 2}, rnn_order[1] = {0};

/* Copies one [G*H, cols] PyTorch tensor into dst in ONNX's gate order. */
static void reorder(float *dst, const float *src, const int *order, int G, int H, int cols)
{
    size_t block = (size_t)H * cols;
    for (int k = 0; k < G; k++)
        memcpy(dst + k * block, src + (size_t)order[k] * block, block * sizeof *dst);
}

static int recurrent(graph *g, const har_layer *l, const har_layer_info *in, const char *prefix, value *v)
{
    const char *op = in->cell == HAR_CELL_GRU ? "GRU" : in->cell == HAR_CELL_LSTM ? "LSTM" : "RNN";
    const int *order = in->cell == HAR_CELL_GRU ? gru_order : in->cell == HAR_CELL_LSTM ? lstm_order : rnn_order;
    int G = in->cell == HAR_CELL_GRU ? 3 : in->cell == HAR_CELL_LSTM ? 4 : 1;
    int H = in->hidden, D = in->bidirectional ? 2 : 1;
    to_layout(g, v, BTF);
    /* ONNX's recurrent operators take [t, batch, f] (layout 0: ONNX Runtime
     * runs no other). */
    Onnx__NodeProto *tr = node(g, "Transpose", NULL, v->name, NULL);
    attr_ints(g, tr, "perm", 3, (int64_t)1, (int64_t)0, (int64_t)2);
    const char *x = out_of(tr);
    int f = v->f;
    for (int k = 0; k < in->layers; k++) {
        size_t wsize = (size_t)D * G * H * f, rsize = (size_t)D * G * H * H, bsize = (size_t)D * 2 * G * H;
        float *W = alloc(g, wsize * sizeof *W), *R = alloc(g, rsize * sizeof *R), *B = alloc(g, bsize * sizeof *B);
        if (!W || !R || !B)
            return -1;
        for (int d = 0; d < D; d++) {
            /* params: per layer and direction weight_ih, weight_hh, bias_ih, bias_hh */
            const har_param *p = &l->params[(k * D + d) * 4];
            reorder(W + (size_t)d * G * H * f, data(l, &p[0]), order, G, H, f);
            reorder(R + (size_t)d * G * H * H, data(l, &p[1]), order, G, H, H);
            reorder(B + (size_t)d * 2 * G * H, data(l, &p[2]), order, G, H, 1);
            reorder(B + (size_t)d * 2 * G * H + (size_t)G * H, data(l, &p[3]), order, G, H, 1);
        }
        int64_t wd[3] = {D, (int64_t)G * H, f}, rd[3] = {D, (int64_t)G * H, H}, bd[2] = {D, (int64_t)2 * G * H};
        Onnx__NodeProto *n = node(g, op, NULL, x, init_f32(g, str(g, "%sW_l%d", prefix, k), wd, 3, W),
                                  init_f32(g, str(g, "%sR_l%d", prefix, k), rd, 3, R),
                                  init_f32(g, str(g, "%sB_l%d", prefix, k), bd, 2, B), NULL);
        attr_int(g, n, "hidden_size", H);
        attr_string(g, n, "direction", D == 2 ? "bidirectional" : "forward");
        if (in->cell == HAR_CELL_GRU)
            attr_int(g, n, "linear_before_reset", 1); /* PyTorch's GRU: r * (W_hn h + b_hn) */
        /* Y [t, D, batch, H] -> [t, batch, D, H] -> [t, batch, D*H] */
        Onnx__NodeProto *ty = node(g, "Transpose", NULL, out_of(n), NULL);
        attr_ints(g, ty, "perm", 4, (int64_t)0, (int64_t)2, (int64_t)1, (int64_t)3);
        int64_t shape[3] = {0, 0, (int64_t)D * H};
        x = out_of(node(g, "Reshape", NULL, out_of(ty), ints(g, 3, shape), NULL));
        f = D * H;
    }
    Onnx__NodeProto *back = node(g, "Transpose", NULL, x, NULL);
    attr_ints(g, back, "perm", 3, (int64_t)1, (int64_t)0, (int64_t)2);
    v->name = out_of(back);
    v->f = f;
    if (in->last_only) {
        v->name = last_step(g, v->name, v->t);
        v->t = 1;
    }
    return 0;
}

static int layers(graph *g, const har_layer *ls, int n, const char *prefix, value *v, har_err *e);

static int layer(graph *g, const har_layer *l, int index, const char *prefix, value *v, har_err *e)
{
    har_layer_info in;
    const char *p = str(g, "%s%d.", prefix, index);
    if (har_layer_describe(l, &in) != 0)
        return har_fail(e, HAR_EDATA, "layer %s%d (\"%s\", %s) has no ONNX translation", prefix, index, l->spec,
                        l->ops && l->ops->kind ? l->ops->kind : "?");
    switch (in.type) {
    case HAR_LAYER_DENSE:
        if (dense(g, l, p, v))
            return har_fail(e, HAR_EIO, "out of memory");
        break;
    case HAR_LAYER_ACTIVATION:
        activation(g, in.activation, v);
        break;
    case HAR_LAYER_DROPOUT: /* inference: the identity */
        break;
    case HAR_LAYER_FLATTEN: {
        to_layout(g, v, BTF);
        int64_t shape[3] = {-1, 1, (int64_t)v->t * v->f};
        v->name = out_of(node(g, "Reshape", NULL, v->name, ints(g, 3, shape), NULL));
        break;
    }
    case HAR_LAYER_CONV1D:
        conv1d(g, l, &in, p, v);
        break;
    case HAR_LAYER_POOL:
        pool(g, &in, v);
        break;
    case HAR_LAYER_LAYERNORM:
        layernorm(g, l, in.eps, p, v);
        break;
    case HAR_LAYER_READOUT:
        readout(g, l, in.readout, p, v);
        break;
    case HAR_LAYER_RECURRENT:
        if (recurrent(g, l, &in, p, v))
            return har_fail(e, HAR_EIO, "out of memory");
        break;
    case HAR_LAYER_RESIDUAL: {
        to_layout(g, v, BTF);
        value body = *v;
        if (layers(g, in.body, in.n, str(g, "%sbody.", p), &body, e))
            return -1;
        to_layout(g, &body, BTF);
        v->name = out_of(node(g, "Add", NULL, v->name, body.name, NULL));
        break;
    }
    }
    v->t = l->out.t;
    v->f = l->out.f;
    return 0;
}

static int layers(graph *g, const har_layer *ls, int n, const char *prefix, value *v, har_err *e)
{
    for (int i = 0; i < n; i++)
        if (layer(g, &ls[i], i, prefix, v, e))
            return -1;
    return 0;
}

/* ---- the model -------------------------------------------------------------- */

static Onnx__ValueInfoProto *io(graph *g, const char *name, int type, int ndim, const int64_t *dims)
{
    Onnx__ValueInfoProto *vi = alloc(g, sizeof *vi);
    Onnx__TypeProto *tp = alloc(g, sizeof *tp);
    Onnx__TypeProto__Tensor *tt = alloc(g, sizeof *tt);
    Onnx__TensorShapeProto *sh = alloc(g, sizeof *sh);
    Onnx__TensorShapeProto__Dimension **dim = alloc(g, (size_t)ndim * sizeof *dim);
    if (!vi || !tp || !tt || !sh || !dim)
        return NULL;
    for (int i = 0; i < ndim; i++) {
        dim[i] = alloc(g, sizeof *dim[i]);
        if (!dim[i])
            return NULL;
        onnx__tensor_shape_proto__dimension__init(dim[i]);
        if (dims[i] < 0) { /* the batch: any size */
            dim[i]->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            dim[i]->dim_param = (char *)"batch";
        } else {
            dim[i]->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
            dim[i]->dim_value = dims[i];
        }
    }
    onnx__tensor_shape_proto__init(sh);
    sh->n_dim = (size_t)ndim;
    sh->dim = dim;
    onnx__type_proto__tensor__init(tt);
    tt->elem_type = type;
    tt->shape = sh;
    onnx__type_proto__init(tp);
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    tp->tensor_type = tt;
    onnx__value_info_proto__init(vi);
    vi->name = (char *)name;
    vi->type = tp;
    return vi;
}

/* "a,b,c" of n strings. */
static char *joined(graph *g, char **s, int n)
{
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += strlen(s[i]) + 1;
    char *out = alloc(g, len);
    if (!out)
        return (char *)"";
    for (int i = 0; i < n; i++) {
        if (i)
            strcat(out, ",");
        strcat(out, s[i]);
    }
    return out;
}

/* A metadata value of the checkpoint's file (NULL if none, or no file). */
static const char *meta(const har_checkpoint *ck, const char *key)
{
    return ck->file ? har_tfile_meta_get(ck->file, key) : NULL;
}

static void graph_free(graph *g)
{
    for (size_t i = 0; i < g->nblocks; i++)
        free(g->blocks[i]);
    free(g->blocks);
    free(g->node);
    free(g->init);
}

int har_onnx_encode(const har_checkpoint *ck, uint8_t **buf, size_t *len, har_err *e)
{
    const har_model *m = &ck->model;
    graph g = {0};
    int T = ck->window, C = ck->nchannels, K = ck->nclasses;
    *buf = NULL;
    *len = 0;

    /* (x - mean) / std in double, rounded to float: har-norm's arithmetic. */
    int64_t cd[1] = {C};
    const char *mean = tensor(&g, "norm_mean", ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE, cd, 1, ck->mean,
                              (size_t)C * sizeof(double));
    const char *std = tensor(&g, "norm_std", ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE, cd, 1, ck->std,
                             (size_t)C * sizeof(double));
    Onnx__NodeProto *up = node(&g, "Cast", NULL, "window", NULL);
    attr_int(&g, up, "to", ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE);
    const char *z = out_of(node(&g, "Div", NULL, out_of(node(&g, "Sub", NULL, out_of(up), mean, NULL)), std, NULL));
    Onnx__NodeProto *down = node(&g, "Cast", NULL, z, NULL);
    attr_int(&g, down, "to", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT);

    value v = {out_of(down), BTF, T, C};
    if (layers(&g, m->layers, m->nlayers, "", &v, e)) {
        graph_free(&g);
        return -1;
    }
    to_layout(&g, &v, BTF);
    int64_t flat[2] = {-1, K};
    const char *logits = out_of(node(&g, "Reshape", "logits", v.name, ints(&g, 2, flat), NULL));
    Onnx__NodeProto *sm = node(&g, "Softmax", "probabilities", logits, NULL);
    attr_int(&g, sm, "axis", -1);
    Onnx__NodeProto *am = node(&g, "ArgMax", "label", logits, NULL);
    attr_int(&g, am, "axis", 1);
    attr_int(&g, am, "keepdims", 0);
    attr_int(&g, am, "select_last_index", 0); /* the first of equal maxima, as har does */

    int64_t in_dims[3] = {-1, T, C}, p_dims[2] = {-1, K}, l_dims[1] = {-1};
    Onnx__ValueInfoProto *inputs[1] = {io(&g, "window", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 3, in_dims)};
    Onnx__ValueInfoProto *outputs[2] = {io(&g, "probabilities", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 2, p_dims),
                                        io(&g, "label", ONNX__TENSOR_PROTO__DATA_TYPE__INT64, 1, l_dims)};

    Onnx__GraphProto graph_msg = ONNX__GRAPH_PROTO__INIT;
    graph_msg.name = (char *)"har";
    graph_msg.node = g.node;
    graph_msg.n_node = g.nnode;
    graph_msg.initializer = g.init;
    graph_msg.n_initializer = g.ninit;
    graph_msg.input = inputs;
    graph_msg.n_input = 1;
    graph_msg.output = outputs;
    graph_msg.n_output = 2;

    Onnx__OperatorSetIdProto opset = ONNX__OPERATOR_SET_ID_PROTO__INIT, *opsets[1] = {&opset};
    opset.version = HAR_ONNX_OPSET;

    /* What a user of the file needs to feed it and read it. */
    const char *keys[] = {"classes", "channels", "spec", "window", "sample_rate_hz", "units", "source"};
    char *vals[7] = {joined(&g, ck->classes, K), joined(&g, ck->channels, C), m->spec, str(&g, "%d", T),
                     NULL, NULL, NULL};
    const char *rate = meta(ck, "sample_rate_hz"), *units = meta(ck, "units"), *commit = meta(ck, "git_commit");
    vals[4] = (char *)(rate ? rate : "");
    vals[5] = (char *)(units ? units : "");
    vals[6] = str(&g, "har-export of a har-train checkpoint; git_commit %s", commit ? commit : "unknown");
    Onnx__StringStringEntryProto props[7], *pp[7];
    for (int i = 0; i < 7; i++) {
        onnx__string_string_entry_proto__init(&props[i]);
        props[i].key = (char *)keys[i];
        props[i].value = vals[i];
        pp[i] = &props[i];
    }

    Onnx__ModelProto model = ONNX__MODEL_PROTO__INIT;
    model.ir_version = HAR_ONNX_IR_VERSION;
    model.producer_name = (char *)"har";
    model.producer_version = (char *)HAR_VERSION;
    model.graph = &graph_msg;
    model.opset_import = opsets;
    model.n_opset_import = 1;
    model.metadata_props = pp;
    model.n_metadata_props = 7;

    int rc = 0;
    if (g.failed || !inputs[0] || !outputs[0] || !outputs[1]) {
        rc = har_fail(e, HAR_EIO, "out of memory building the ONNX graph");
    } else {
        *len = onnx__model_proto__get_packed_size(&model);
        *buf = malloc(*len ? *len : 1);
        if (!*buf)
            rc = har_fail(e, HAR_EIO, "out of memory (%zu bytes of ONNX model)", *len);
        else
            onnx__model_proto__pack(&model, *buf);
    }
    graph_free(&g);
    return rc;
}

int har_onnx_write(const har_checkpoint *ck, const char *path, size_t *size, har_err *e)
{
    uint8_t *buf;
    size_t len;
    if (har_onnx_encode(ck, &buf, &len, e))
        return -1;
    if (size)
        *size = len;
    har_out o;
    int rc = har_out_open(&o, path, 1, e);
    if (rc == 0) {
        FILE *fp = har_out_stdio(&o, e);
        if (!fp || fwrite(buf, 1, len, fp) != len) {
            if (fp)
                har_fail(e, HAR_EIO, "%s: write failed", path);
            har_out_abort(&o);
            rc = -1;
        } else {
            rc = har_out_commit(&o, e);
        }
    }
    free(buf);
    return rc;
}
