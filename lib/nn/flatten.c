/* flatten.c - [t, f] -> [1, t*f] in the same memory order, i.e. PyTorch's
 * x.flatten(1) on [B, T, C]: the values do not move, only the shape changes,
 * so both passes are a copy. */
#include <limits.h>
#include <string.h>

#include "nn.h"

static void flatten_forward(har_layer *l, const real *x, real *y, int B, int train)
{
    (void)train;
    memcpy(y, x, (size_t)B * (size_t)l->out.f * sizeof *y);
}

static void flatten_backward(har_layer *l, const real *x, const real *y, const real *dy, real *dx,
                             int B)
{
    (void)x;
    (void)y;
    if (dx)
        memcpy(dx, dy, (size_t)B * (size_t)l->out.f * sizeof *dx);
}

static void flatten_describe(const har_layer *l, har_layer_info *info)
{
    (void)l;
    info->type = HAR_LAYER_FLATTEN;
}

static const har_layer_ops flatten_ops = {
    .kind = "flatten", .forward = flatten_forward, .backward = flatten_backward,
    .bind = har_layer_bind_default, .describe = flatten_describe,
};

int har_flatten_make(har_layer *l, har_shape in, har_err *e)
{
    if ((long long)in.t * in.f > INT_MAX)
        return har_fail(e, HAR_EUSAGE, "flatten: %d x %d values do not fit one row", in.t, in.f);
    l->ops = &flatten_ops;
    l->in = in;
    l->out = (har_shape){1, in.t * in.f};
    return 0;
}
