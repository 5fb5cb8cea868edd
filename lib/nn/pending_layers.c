/* TEMPORARY scaffolding while the layer files are written; each function is
 * removed by its author when the real one exists, then this file is deleted. */
#include "nn.h"
#define PENDING(what) return har_fail(e, HAR_EUSAGE, what ": not yet implemented")
int har_dropout_make(har_layer *l, har_shape in, double p, har_err *e) { (void)l; (void)in; (void)p; PENDING("dropout"); }
int har_flatten_make(har_layer *l, har_shape in, har_err *e) { (void)l; (void)in; PENDING("flatten"); }
int har_activation_make(har_layer *l, har_shape in, har_activation a, har_err *e) { (void)l; (void)in; (void)a; PENDING("activation"); }
int har_activation_parse(const char *name) { (void)name; return -1; }
const char *har_activation_name(har_activation a) { (void)a; return "?"; }
int har_conv1d_make(har_layer *l, har_shape in, int out_channels, int kernel, int stride, int padding, int dilation, har_err *e) { (void)l; (void)in; (void)out_channels; (void)kernel; (void)stride; (void)padding; (void)dilation; PENDING("conv1d"); }
int har_pool_make(har_layer *l, har_shape in, har_pool kind, int kernel, int stride, har_err *e) { (void)l; (void)in; (void)kind; (void)kernel; (void)stride; PENDING("pool"); }
int har_layernorm_make(har_layer *l, har_shape in, double eps, har_err *e) { (void)l; (void)in; (void)eps; PENDING("layernorm"); }
int har_readout_make(har_layer *l, har_shape in, har_readout kind, har_err *e) { (void)l; (void)in; (void)kind; PENDING("readout"); }
int har_residual_make(har_layer *l, har_shape in, har_layer *body, int n, har_err *e) { (void)l; (void)in; (void)body; (void)n; PENDING("residual"); }
