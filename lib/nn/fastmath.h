/* fastmath.h - sigmoid and tanh for the recurrent cells' gate loops.
 *
 * Float build: branch-free Cephes-style approximations, about 2 ulp from the
 * exact functions (sigmoid <= 2.4 ulp, tanh <= 1.6 ulp over every float):
 *   exp(-a), a >= 0: a = n ln2 + r, |r| <= ln2/2, exp(r) by Cephes' degree-6
 *       polynomial, 2^n put straight into the exponent bits;
 *   sigmoid(x) = 1 / (1 + exp(-|x|)), or exp(-|x|) / (1 + exp(-|x|)) for x < 0;
 *   tanh(x) = Cephes' odd polynomial for |x| < 0.625, else
 *       sign(x) (1 - e) / (1 + e), e = exp(-2|x|).
 * Only exp of a non-positive argument is ever needed, so nothing overflows.
 * Every choice is an integer bit select: with a float `?:` gcc (default
 * -ftrapping-math) copies the following arithmetic into both branches, "tree
 * could trap", and gives up vectorising the loop that calls these.  NaN
 * propagates; infinities give the limits.
 *
 * Double build (HAR_NN_DOUBLE): libm, so the gradient checks see the exact
 * functions.
 *
 * The loops that call these follow lib/vec.h. */
#ifndef HAR_NN_FASTMATH_H
#define HAR_NN_FASTMATH_H

#include "core/vec.h"
#include "nn.h"

#ifdef HAR_NN_DOUBLE
#include <math.h>

HAR_VEC_INLINE double har_fast_sigmoid(double x)
{
    return 1 / (1 + exp(-x));
}

HAR_VEC_INLINE double har_fast_tanh(double x)
{
    return tanh(x);
}

#else
#include <stdint.h>
#include <string.h>

HAR_VEC_INLINE uint32_t har_f2u_(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

HAR_VEC_INLINE float har_u2f_(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* exp(-a) for a >= 0 (or NaN). */
HAR_VEC_INLINE float har_fast_expneg(float a)
{
    /* Beyond a = 126 ln2 the result would be subnormal: clamp there (keeping
     * NaN) so 2^-n stays a normal number. */
    const uint32_t lim = 0x42aeac50u; /* 87.33655 */
    uint32_t ab = har_f2u_(a);
    uint32_t over = 0u - ((uint32_t)(ab > lim) & (uint32_t)(ab <= 0x7f800000u));
    float x = -har_u2f_((lim & over) | (ab & ~over));
    /* Adding 1.5 * 2^23 rounds x log2(e) to the nearest integer n, which
     * lands in the low mantissa bits of nm. */
    float nm = x * 1.44269504088896341f + 12582912.0f;
    float n = nm - 12582912.0f;
    x = x - n * 0.693359375f; /* ln2 in two parts: n * 0.693359375 is exact */
    x = x + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * x + 1.3981999507e-3f;
    p = p * x + 8.3334519073e-3f;
    p = p * x + 4.1665795894e-2f;
    p = p * x + 1.6666665459e-1f;
    p = p * x + 5.0000001201e-1f;
    p = p * (x * x) + x + 1.0f;
    uint32_t scale = (har_f2u_(nm) - 0x4b400000u + 127u) << 23; /* 2^n */
    return p * har_u2f_(scale);
}

HAR_VEC_INLINE float har_fast_sigmoid(float x)
{
    uint32_t xb = har_f2u_(x);
    float e = har_fast_expneg(har_u2f_(xb & 0x7fffffffu));
    uint32_t neg = 0u - (xb >> 31); /* all ones when x < 0 */
    float num = har_u2f_((har_f2u_(e) & neg) | (0x3f800000u & ~neg));
    return num / (1.0f + e);
}

HAR_VEC_INLINE float har_fast_tanh(float x)
{
    uint32_t xb = har_f2u_(x), sign = xb & 0x80000000u;
    float a = har_u2f_(xb & 0x7fffffffu);
    float e = har_fast_expneg(2.0f * a);
    float big = (1.0f - e) / (1.0f + e); /* no cancellation: e < 0.29 where used */
    float z = x * x;
    float p = -5.70498872745e-3f;
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    float small = p * z * x + x;
    uint32_t use_big = 0u - (uint32_t)(a >= 0.625f);
    return har_u2f_((har_f2u_(big) & use_big) | sign | (har_f2u_(small) & ~use_big));
}
#endif

#endif
