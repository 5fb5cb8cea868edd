/* activation.c - elementwise nonlinearities.  Each one is a pair of scalar
 * functions, the value f(x) and the derivative f'(x) (given x and y = f(x),
 * whichever is cheaper), stamped into a forward and a backward loop; one ops
 * table per activation, so the loops hold no switch and need no state.
 *
 * Differences from PyTorch's defaults, on purpose: leakyrelu has slope 0.1
 * (our spec; nn.LeakyReLU defaults to 0.01), and "gaussian" exp(-x^2) has no
 * PyTorch module.  GELU is the exact erf form (nn.GELU's default), written as
 * x/2 erfc(-x/sqrt2), which keeps its relative accuracy for large negative x
 * where 1 + erf(x/sqrt2) cancels. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/vec.h"
#include "nn.h"

/* libm in the precision of `real`: LIBM(exp) is expf in the float build. */
#ifdef HAR_NN_DOUBLE
#define LIBM(fn) fn
#else
#define LIBM(fn) fn##f
#endif

#define SQRT1_2 ((real)0.70710678118654752440)    /* 1/sqrt(2) */
#define INV_SQRT_2PI ((real)0.39894228040143267794) /* 1/sqrt(2 pi) */
#define LEAKY_SLOPE ((real)0.1)

/* exp of a non-positive argument only, so nothing overflows for large |x|. */
static inline real sigmoid(real x)
{
    if (x >= 0)
        return 1 / (1 + LIBM(exp)(-x));
    real z = LIBM(exp)(x);
    return z / (1 + z);
}

static inline real sigmoid_f(real x) { return sigmoid(x); }
static inline real sigmoid_d(real x, real y) { (void)x; return y * (1 - y); }

static inline real tanh_f(real x) { return LIBM(tanh)(x); }
static inline real tanh_d(real x, real y) { (void)x; return 1 - y * y; }

/* At the kink (x = 0) the derivative is taken from the left, as PyTorch does.
 * The float build selects with integer masks ("x > 0" is "the bits, read as a
 * signed integer, are > 0"): a float ?: does not vectorise (see fastmath.h).
 * Both agree on every input except NaN, which the float build passes on when
 * its sign bit is clear, as PyTorch does. */
#ifdef HAR_NN_DOUBLE
static inline real relu_f(real x) { return x > 0 ? x : 0; }
static inline real relu_d(real x, real y) { (void)y; return x > 0 ? 1 : 0; }

static inline real leakyrelu_f(real x) { return x > 0 ? x : LEAKY_SLOPE * x; }
static inline real leakyrelu_d(real x, real y) { (void)y; return x > 0 ? 1 : LEAKY_SLOPE; }
#else
HAR_VEC_INLINE uint32_t positive_mask(float x) /* all ones if x > 0 (or +NaN) */
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    /* the sign bit of -u is set for u > 0 and for u = 0x80000000 (-0.0), which
     * ~u excludes; an arithmetic shift (gcc's >> of a negative int) spreads it */
    return (uint32_t)((int32_t)((0u - u) & ~u) >> 31);
}

HAR_VEC_INLINE float pick(uint32_t mask, float a, float b) /* mask ? a : b */
{
    uint32_t ua, ub, r;
    memcpy(&ua, &a, sizeof ua);
    memcpy(&ub, &b, sizeof ub);
    r = (ua & mask) | (ub & ~mask);
    float f;
    memcpy(&f, &r, sizeof f);
    return f;
}

HAR_VEC_INLINE float relu_f(float x) { return pick(positive_mask(x), x, 0); }
HAR_VEC_INLINE float relu_d(float x, float y) { (void)y; return pick(positive_mask(x), 1, 0); }

HAR_VEC_INLINE float leakyrelu_f(float x) { return pick(positive_mask(x), x, LEAKY_SLOPE * x); }
HAR_VEC_INLINE float leakyrelu_d(float x, float y)
{
    (void)y;
    return pick(positive_mask(x), 1, LEAKY_SLOPE);
}
#endif

/* silu' = s + x s (1 - s) with s = sigmoid(x), recomputed from x. */
static inline real silu_f(real x) { return x * sigmoid(x); }
static inline real silu_d(real x, real y)
{
    (void)y;
    real s = sigmoid(x);
    return s * (1 + x * (1 - s));
}

static inline real gaussian_f(real x) { return LIBM(exp)(-x * x); }
static inline real gaussian_d(real x, real y) { return -2 * x * y; }

/* alpha = 1; expm1 keeps small negative inputs accurate; for x <= 0 the
 * derivative exp(x) is y + 1. */
static inline real elu_f(real x) { return x > 0 ? x : LIBM(expm1)(x); }
static inline real elu_d(real x, real y) { return x > 0 ? 1 : y + 1; }

/* gelu = x Phi(x), gelu' = Phi(x) + x phi(x). */
static inline real gelu_f(real x) { return (real)0.5 * x * LIBM(erfc)(-x * SQRT1_2); }
static inline real gelu_d(real x, real y)
{
    (void)y;
    return (real)0.5 * LIBM(erfc)(-x * SQRT1_2) + x * INV_SQRT_2PI * LIBM(exp)((real)-0.5 * x * x);
}

static size_t values(const har_layer *l, int B)
{
    return (size_t)B * (size_t)l->in.t * (size_t)l->in.f;
}

/* The forward and backward loops of activation NAME (kernels in the manner
 * of lib/vec.h: those without a libm call vectorise; blocks of 16 because gcc
 * 12 does not vectorise a size_t loop up to HAR_VEC_FLOOR(n) one by one), and
 * its ops table. */
#define ACTIVATION(NAME)                                                                       \
    HAR_VEC_INLINE void NAME##_fwd_at(size_t i, const real *restrict x, real *restrict y)     \
    {                                                                                          \
        y[i] = NAME##_f(x[i]);                                                                 \
    }                                                                                          \
    HAR_VEC_KERNEL static void NAME##_fwd(const real *restrict x, real *restrict y, size_t n) \
    {                                                                                          \
        size_t i = 0;                                                                          \
        for (; i < HAR_VEC_FLOOR(n); i += 16)                                                  \
            for (int k = 0; k < 16; k++)                                                       \
                NAME##_fwd_at(i + k, x, y);                                                    \
        for (; i < n; i++)                                                                     \
            NAME##_fwd_at(i, x, y);                                                            \
    }                                                                                          \
    HAR_VEC_INLINE void NAME##_bwd_at(size_t i, const real *restrict x, const real *restrict y,\
                                      const real *restrict dy, real *restrict dx)             \
    {                                                                                          \
        dx[i] = dy[i] * NAME##_d(x[i], y[i]);                                                  \
    }                                                                                          \
    HAR_VEC_KERNEL static void NAME##_bwd(const real *restrict x, const real *restrict y,     \
                                          const real *restrict dy, real *restrict dx, size_t n)\
    {                                                                                          \
        size_t i = 0;                                                                          \
        for (; i < HAR_VEC_FLOOR(n); i += 16)                                                  \
            for (int k = 0; k < 16; k++)                                                       \
                NAME##_bwd_at(i + k, x, y, dy, dx);                                            \
        for (; i < n; i++)                                                                     \
            NAME##_bwd_at(i, x, y, dy, dx);                                                    \
    }                                                                                          \
    static void NAME##_forward(har_layer *l, const real *x, real *y, int B, int train)         \
    {                                                                                          \
        (void)train;                                                                           \
        NAME##_fwd(x, y, values(l, B));                                                        \
    }                                                                                          \
    static void NAME##_backward(har_layer *l, const real *x, const real *y, const real *dy,   \
                                real *dx, int B)                                               \
    {                                                                                          \
        if (dx) /* no parameters: nothing to do unless the input gradient is wanted */        \
            NAME##_bwd(x, y, dy, dx, values(l, B));                                            \
    }                                                                                          \
    static const har_layer_ops NAME##_ops = {                                                  \
        .kind = #NAME, .forward = NAME##_forward, .backward = NAME##_backward,                 \
        .bind = har_layer_bind_default, .describe = act_describe,                              \
    };

static void act_describe(const har_layer *l, har_layer_info *info);

ACTIVATION(sigmoid)
ACTIVATION(tanh)
ACTIVATION(relu)
ACTIVATION(leakyrelu)
ACTIVATION(silu)
ACTIVATION(gaussian)
ACTIVATION(elu)
ACTIVATION(gelu)

/* Indexed by har_activation. */
static const har_layer_ops *const act_ops[] = {
    [HAR_ACT_SIGMOID] = &sigmoid_ops,   [HAR_ACT_TANH] = &tanh_ops,
    [HAR_ACT_RELU] = &relu_ops,         [HAR_ACT_LEAKY_RELU] = &leakyrelu_ops,
    [HAR_ACT_SILU] = &silu_ops,         [HAR_ACT_GAUSSIAN] = &gaussian_ops,
    [HAR_ACT_ELU] = &elu_ops,           [HAR_ACT_GELU] = &gelu_ops,
};
#define NACT ((int)(sizeof act_ops / sizeof act_ops[0]))

static void act_describe(const har_layer *l, har_layer_info *info)
{
    info->type = HAR_LAYER_ACTIVATION;
    for (int a = 0; a < NACT; a++)
        if (l->ops == act_ops[a])
            info->activation = (har_activation)a;
}

int har_activation_make(har_layer *l, har_shape in, har_activation a, har_err *e)
{
    if ((unsigned)a >= (unsigned)NACT)
        return har_fail(e, HAR_EUSAGE, "activation: unknown kind %d", (int)a);
    l->ops = act_ops[a];
    l->in = l->out = in;
    return 0;
}

int har_activation_parse(const char *name)
{
    for (int a = 0; a < NACT; a++)
        if (!strcmp(name, act_ops[a]->kind))
            return a;
    if (!strcmp(name, "gauss"))
        return HAR_ACT_GAUSSIAN;
    return -1;
}

const char *har_activation_name(har_activation a)
{
    return (unsigned)a < (unsigned)NACT ? act_ops[a]->kind : "?";
}
