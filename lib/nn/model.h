/* model.h - a model: a sequence of layers built from a spec string, with one
 * flat parameter buffer, forward/backward over a batch, initialisers and the
 * softmax cross-entropy loss.
 *
 * Spec grammar (documented for users in har-train --help and the README):
 *
 *   spec  := item { "," item }
 *   item  := "res(" spec ")"  |  name { ":" arg }
 *   arg   := value | key "=" value | flag
 *
 * e.g. "conv1d:64:5,relu,maxpool:2,gru:64,dropout:0.2,dense:6".  A recurrent
 * item with a readout other than "seq" expands into two layers (the
 * recurrent stack, then the readout), so parameter names follow the expanded
 * list: "0.weight", "2.weight_ih_l0", ...  exactly like a torch nn.Sequential. */
#ifndef HAR_NN_MODEL_H
#define HAR_NN_MODEL_H

#include <stdint.h>

#include "nn.h"

typedef struct {
    char *spec;             /* as given */
    har_shape in;           /* per-window input shape (T, C) */
    int nclasses;
    har_layer *layers;
    int nlayers;
    real *w, *dw;           /* all parameters and their gradients */
    int shares_w;           /* w belongs to another model (har_model_build_shared) */
    size_t nweights;
    har_param *params;      /* every parameter tensor, full PyTorch names, in order */
    int nparams;
    har_rng rng;            /* dropout masks */
    int max_batch;
    real **acts;            /* acts[i+1] = output of layer i; acts[0] = the caller's input */
    real *grad[2];          /* ping-pong buffers for the backward pass */
    size_t act_max;         /* largest per-sample activation (values) */
} har_model;

/* Parses spec and builds the layers for windows of shape `in`; the output
 * must be [1, nclasses].  Parameters are zero until har_model_init. */
int har_model_build(har_model *m, const char *spec, har_shape in, int nclasses, har_err *e);
void har_model_free(har_model *m);
/* What har_model_build would allocate, without allocating it: the number of
 * parameters and the largest per-window activation (values).  Lets a reader
 * refuse a file whose recorded spec asks for more than it could hold. */
int har_model_size(const char *spec, har_shape in, size_t *nweights, size_t *act_max, har_err *e);

/* A second model of src's architecture that computes with src's weights
 * (src->w, not copied: changes to them are seen) but has its own gradients,
 * activations and dropout stream: a worker's replica for data-parallel
 * training.  It must be freed before src. */
int har_model_build_shared(har_model *m, const har_model *src, har_err *e);

/* Sizes activation buffers and layer caches for batches up to max_batch. */
int har_model_reserve(har_model *m, int max_batch, har_err *e);

/* Logits [B, nclasses] for x [B, T, C] (x must stay valid until backward).
 * Uses m->rng for dropout when train != 0. */
/* Promises that m's weights will not change from now on (har_predictor
 * holds such a model): the batch-1 serving caches then skip comparing the
 * weights with their copy on every window.  Changing them afterwards is
 * not supported (the results would mix old and new weights). */
void har_model_freeze(har_model *m);

const real *har_model_forward(har_model *m, const real *x, int B, int train);

/* Given d(loss)/d(logits), adds parameter gradients into m->dw and, if dx is
 * not NULL, writes d(loss)/d(x) [B, T, C] (for saliency maps). */
void har_model_backward(har_model *m, const real *dlogits, real *dx, int B);

void har_model_zero_grad(har_model *m);

/* The parameter tensor with this full name, or NULL. */
const har_param *har_model_param(const har_model *m, const char *name);

/* Gradient-norm groups: one per layer that owns parameters, named by the
 * parameter-name prefix ("0", "2", "3.body.0").  group_of[i] is the group of
 * params[i]; returns the number of groups (names written into names[], each
 * HAR_PARAM_NAME bytes, up to max).  */
int har_model_groups(const har_model *m, char (*names)[HAR_PARAM_NAME], int *group_of, int max);

typedef enum { HAR_INIT_TORCH, HAR_INIT_XAVIER, HAR_INIT_HE, HAR_INIT_ORTHOGONAL } har_init;
int har_init_parse(const char *name); /* -1 if unknown */
const char *har_init_name(har_init s);
/* Fills every parameter from a seeded stream:
 *   torch      PyTorch's defaults: U(+-1/sqrt(fan_in)) for dense/conv weights and
 *              biases, U(+-1/sqrt(hidden)) for everything recurrent, norms 1/0
 *   xavier     Glorot uniform U(+-sqrt(6/(fan_in+fan_out))) weights, zero biases
 *   he         Kaiming normal N(0, 2/fan_in) weights, zero biases
 *   orthogonal orthogonal hidden-to-hidden gate blocks, Glorot elsewhere */
void har_model_init(har_model *m, har_init scheme, uint64_t seed);

/* Mean softmax cross-entropy over a batch, as torch.nn.functional.cross_entropy
 * with optional class weights (NULL = none; the mean is then weighted by the
 * targets' weights) and label smoothing eps in [0, 1).  Stable (log-sum-exp).
 * If dlogits is not NULL it receives d(loss)/d(logits); if probs is not NULL,
 * the softmax probabilities.  Returns the loss. */
double har_softmax_xent(const real *logits, const int32_t *y, int B, int K,
                        const real *class_weight, double smoothing, real *dlogits, real *probs);

#endif
