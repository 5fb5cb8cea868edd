/* nn.h - the differentiable core: layers on flat buffers, explicit forward
 * and backward passes, in the style of llm.c.
 *
 * Everything here is written once against the scalar type `real`.  The tools
 * build it with real = float; the gradient-check test runner builds the same
 * sources a second time with -DHAR_NN_DOUBLE (real = double), so finite
 * differences can prove every backward pass to 1e-6 relative error.
 *
 * Data layout.  A batch of B samples is one contiguous buffer [B, t, f]:
 * sample-major, then time, then features, exactly like the window tensor X
 * [N, T, C].  A layer maps per-sample shape (t, f) to (t', f'); "flat" data is
 * simply t = 1.  Every layer's parameters are slices of one flat buffer owned
 * by the model (and its gradients of a second one), which keeps optimizers,
 * gradient clipping and checkpoints trivial. */
#ifndef HAR_NN_H
#define HAR_NN_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/rng.h"

#ifdef HAR_NN_DOUBLE
typedef double real;
#else
typedef float real;
#endif

typedef struct {
    int t, f; /* timesteps x features of one sample */
} har_shape;

/* What a parameter tensor is, which decides its initialisation and whether
 * weight decay applies (it does not for biases and norm gains). */
typedef enum {
    HAR_P_WEIGHT,    /* dense / conv / input-to-hidden weight, fan_in x fan_out */
    HAR_P_RECURRENT, /* hidden-to-hidden weight made of `gates` square blocks */
    HAR_P_BIAS,
    HAR_P_GAIN,      /* layer-norm scale, initialised to 1 */
    HAR_P_SHIFT      /* layer-norm shift, initialised to 0 */
} har_param_kind;

#define HAR_PARAM_NAME 96

typedef struct {
    char name[HAR_PARAM_NAME]; /* PyTorch state_dict name, e.g. "2.weight_ih_l0" */
    har_param_kind kind;
    int ndim;
    int64_t shape[3];
    size_t offset, size;       /* slice of the model's flat buffers */
    int fan_in, fan_out;       /* for initialisers */
    int gates;                 /* recurrent weights: number of gate blocks */
    int torch_bound;           /* PyTorch's default init is U(+-1/sqrt(torch_bound)) */
} har_param;

typedef struct har_layer har_layer;
typedef struct har_layer_info har_layer_info;

typedef struct {
    const char *kind;
    /* y[B, out] = f(x[B, in]).  train != 0 enables dropout. */
    void (*forward)(har_layer *l, const real *x, real *y, int B, int train);
    /* Given dy, adds parameter gradients into l->dw and writes dx (skipped
     * when dx is NULL, i.e. nobody needs it).  x and y are the buffers of the
     * preceding forward call, which also left its caches in the layer. */
    void (*backward)(har_layer *l, const real *x, const real *y, const real *dy, real *dx, int B);
    /* Sizes the caches for batches up to max_batch (may be NULL). */
    int (*reserve)(har_layer *l, int max_batch, har_err *e);
    /* Points the layer (and any children) at its parameter slice (may be NULL). */
    void (*bind)(har_layer *l, real *w, real *dw);
    void (*destroy)(har_layer *l); /* frees l->state (may be NULL) */
    /* Tells what the layer computes (its kind and settings) to code that
     * translates a model, an exporter (lib/export/); NULL: it cannot be told. */
    void (*describe)(const har_layer *l, har_layer_info *info);
} har_layer_ops;

struct har_layer {
    const har_layer_ops *ops;
    har_shape in, out;
    char spec[128];            /* the spec item that made it, e.g. "gru:64" */
    real *w, *dw;              /* this layer's parameter slice and its gradient */
    size_t nweights;           /* total parameters of this layer (children included) */
    har_param *params;         /* offsets relative to w; names relative to the layer */
    int nparams, cap_params;
    har_rng *rng;              /* dropout's randomness (the model's stream) */
    void *state;               /* layer-specific configuration and caches */
    /* The weights will not change any more (a predictor's model): serving
     * caches made from them skip checking them on every call. */
    int frozen;
};

/* Declares the next parameter tensor of l (placed after the previous ones);
 * returns it, or NULL when out of memory.  torch_bound defaults to fan_in. */
har_param *har_layer_add_param(har_layer *l, const char *name, har_param_kind kind, int ndim,
                               const int64_t *shape, int fan_in, int fan_out, har_err *e);

/* Default bind: w and dw point at the layer's slice. */
void har_layer_bind_default(har_layer *l, real *w, real *dw);

/* Allocation for caches that grow with the batch: (re)allocates *p to n reals. */
int har_nn_grow(real **p, size_t n, har_err *e);

/* n reals on a 64-byte boundary into *p (free() frees them), for packed
 * weights the batch-1 kernels read in 64-byte loads: loads that straddle two
 * cache lines made a GRU-64 window 15 % slower and the MLP's 19 %. */
int har_nn_alloc_aligned(real **p, size_t n, har_err *e);

/* Whether a cache a layer derives from n of its weights at w (a serving
 * layout) must be made again: it was never built, or the weights differ
 * from copy, the ones it was made from (not compared once l is frozen, see
 * har_model_freeze).  When it must, copy takes w. */
int har_layer_cache_stale(const har_layer *l, int built, real *copy, const real *w, size_t n);

/* Layer constructors (one file each).  They check their arguments against the
 * input shape and fail with a message naming the spec item. */
int har_dense_make(har_layer *l, har_shape in, int units, har_err *e);
int har_dropout_make(har_layer *l, har_shape in, double p, har_err *e);
int har_flatten_make(har_layer *l, har_shape in, har_err *e);

typedef enum {
    HAR_ACT_SIGMOID, HAR_ACT_TANH, HAR_ACT_RELU, HAR_ACT_LEAKY_RELU, HAR_ACT_SILU,
    HAR_ACT_GAUSSIAN, HAR_ACT_ELU, HAR_ACT_GELU
} har_activation;
int har_activation_make(har_layer *l, har_shape in, har_activation a, har_err *e);
/* "relu" -> HAR_ACT_RELU etc.; -1 if unknown. */
int har_activation_parse(const char *name);
const char *har_activation_name(har_activation a);

/* Elementwise rows (rows.c): acc += x, v *= by, v *= a, over n reals that
 * do not overlap. */
void har_row_add(real *restrict acc, const real *restrict x, size_t n);
void har_row_mul(real *restrict v, const real *restrict by, size_t n);
void har_row_scale(real *restrict v, real a, size_t n);

typedef enum { HAR_CELL_RNN, HAR_CELL_GRU, HAR_CELL_LSTM } har_cell;
/* A stack of `layers` recurrent layers (PyTorch's nn.RNN/GRU/LSTM with
 * batch_first=True), output the full sequence [t, dirs*hidden]; dropout p
 * between stacked layers in training, as in PyTorch. */
int har_recurrent_make(har_layer *l, har_shape in, har_cell cell, int hidden, int layers,
                       int bidirectional, double dropout, har_err *e);
/* Makes l output only the last timestep, [1, dirs*hidden], as a "last"
 * readout would take it: the full sequence is then never copied out, nor its
 * mostly zero gradient back in. */
void har_recurrent_last_only(har_layer *l);

int har_conv1d_make(har_layer *l, har_shape in, int out_channels, int kernel, int stride,
                    int padding, int dilation, har_err *e);
typedef enum { HAR_POOL_MAX, HAR_POOL_AVG } har_pool;
int har_pool_make(har_layer *l, har_shape in, har_pool kind, int kernel, int stride, har_err *e);
int har_layernorm_make(har_layer *l, har_shape in, double eps, har_err *e);

/* Sequence readouts: [t, f] -> [1, f]. */
typedef enum { HAR_READ_LAST, HAR_READ_MEAN, HAR_READ_ATTENTION } har_readout;
int har_readout_make(har_layer *l, har_shape in, har_readout kind, har_err *e);

/* y = x + body(x); body must preserve the shape.  Takes ownership of the
 * body layers (n of them, already made in sequence from `in`). */
int har_residual_make(har_layer *l, har_shape in, har_layer *body, int n, har_err *e);

void har_layer_destroy(har_layer *l);

/* What a layer's describe op tells: its kind and the settings of that kind
 * (the rest zero).  The parameters are l->params over l->w, with PyTorch's
 * names and layouts (dense weight [out, in], conv1d [out, in, kernel],
 * recurrent gate blocks in PyTorch's order). */
typedef enum {
    HAR_LAYER_DENSE, HAR_LAYER_ACTIVATION, HAR_LAYER_DROPOUT, HAR_LAYER_FLATTEN, HAR_LAYER_CONV1D,
    HAR_LAYER_POOL, HAR_LAYER_LAYERNORM, HAR_LAYER_READOUT, HAR_LAYER_RESIDUAL, HAR_LAYER_RECURRENT
} har_layer_type;
struct har_layer_info {
    har_layer_type type;
    har_activation activation;               /* activation */
    int kernel, stride, padding, dilation;   /* conv1d (all four), pool (kernel, stride) */
    har_pool pool;                           /* pool */
    double eps;                              /* layernorm */
    har_readout readout;                     /* readout */
    har_cell cell;                           /* recurrent: */
    int hidden, layers, bidirectional;
    int last_only;                           /*   outputs only the last timestep */
    const har_layer *body;                   /* residual: its n layers */
    int n;
};
/* l's info; -1 (and info untouched) if l's kind cannot tell it. */
int har_layer_describe(const har_layer *l, har_layer_info *info);

#endif
