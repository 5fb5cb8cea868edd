/* onnx.h - a checkpoint as a standard ONNX model, for runtimes har does not
 * cover (ONNX Runtime on a server, a phone or in a browser).
 *
 * The model takes what predict_activity() takes and gives what it gives:
 *   input  "window"         float [batch, T, C]  raw windows (g, rad/s), the
 *                           checkpoint's channel order
 *   output "probabilities"  float [batch, K]     softmax over the classes
 *          "label"          int64 [batch]        the most probable class
 * The normalisation is in the graph, in double as har-norm computes it
 * ((x - mean) / std, then rounded to float), then every layer as ONNX
 * operators of opset HAR_ONNX_OPSET: dense as MatMul + Add; conv1d as Conv
 * and the pools as MaxPool / AveragePool (on [batch, C, T], transposed only
 * where the layout changes); GRU, LSTM and RNN as ONNX's operators with the
 * gates reordered from PyTorch's (GRU with linear_before_reset = 1, which is
 * PyTorch's GRU), one node per stacked layer, bidirectional as ONNX's
 * direction; readouts as Slice, ReduceMean or MatMul + Softmax + ReduceSum;
 * layernorm as LayerNormalization; residual blocks as Add; activations as
 * their operators (silu, gaussian and gelu composed from Sigmoid, Exp, Erf);
 * dropout as nothing (inference).  The classes, channels, spec, window and
 * sample rate are metadata_props of the model. */
#ifndef HAR_EXPORT_ONNX_H
#define HAR_EXPORT_ONNX_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "model/checkpoint.h"

/* LayerNormalization is an operator from opset 17 on. */
#define HAR_ONNX_OPSET 17
/* The IR version of opset 17 (ONNX 1.12). */
#define HAR_ONNX_IR_VERSION 8

/* The serialised ModelProto of ck in *buf (malloc'd, *len bytes).  A layer
 * that cannot be expressed is refused (HAR_EUSAGE) with its index and spec
 * item named.  The same checkpoint gives the same bytes. */
int har_onnx_encode(const har_checkpoint *ck, uint8_t **buf, size_t *len, har_err *e);

/* har_onnx_encode written to path atomically ("-": standard output); its
size in *len (len may be NULL). */
int har_onnx_write(const har_checkpoint *ck, const char *path, size_t *len, har_err *e);

#endif
