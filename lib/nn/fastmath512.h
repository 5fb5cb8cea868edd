/* fastmath512.h - fastmath.h's float sigmoid and tanh on 16 lanes of
 * AVX-512, for the recurrent cells' batch-1 steps (recurrent_step512.c).
 *
 * Operation for operation the functions of fastmath.h, each rounding where
 * they round (a multiply then an add, never a fused multiply-add; the same
 * integer bit selects), so every lane gives the bits the C function gives
 * for it, which gcc's vectorised loops over those functions give too
 * (tests/unit/test_latency_lib.c compares them).  Written by hand rather
 * than left to the vectoriser so that a step can interleave them with its
 * matrix-vector product. */
#ifndef HAR_NN_FASTMATH512_H
#define HAR_NN_FASTMATH512_H

#if !defined(HAR_NN_DOUBLE) && defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#include <stdint.h>

#define HAR_AVX512 __attribute__((target("avx512f")))
#define HAR_INLINE512 static inline __attribute__((always_inline, target("avx512f")))

HAR_INLINE512 __m512 har_f16_(float v)
{
    return _mm512_set1_ps(v);
}

HAR_INLINE512 __m512i har_u16_(uint32_t v)
{
    return _mm512_set1_epi32((int)v);
}

/* har_fast_expneg: exp(-a) for a >= 0 (or NaN). */
HAR_INLINE512 __m512 har_expneg16(__m512 a)
{
    __m512i ab = _mm512_castps_si512(a), lim = har_u16_(0x42aeac50u);
    __mmask16 over = _mm512_cmpgt_epu32_mask(ab, lim) & _mm512_cmple_epu32_mask(ab, har_u16_(0x7f800000u));
    __m512 x = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_mask_blend_epi32(over, ab, lim), har_u16_(0x80000000u)));
    __m512 nm = _mm512_add_ps(_mm512_mul_ps(x, har_f16_(1.44269504088896341f)), har_f16_(12582912.0f));
    __m512 n = _mm512_sub_ps(nm, har_f16_(12582912.0f));
    x = _mm512_sub_ps(x, _mm512_mul_ps(n, har_f16_(0.693359375f)));
    x = _mm512_add_ps(x, _mm512_mul_ps(n, har_f16_(2.12194440e-4f)));
    __m512 p = har_f16_(1.9875691500e-4f);
    p = _mm512_add_ps(_mm512_mul_ps(p, x), har_f16_(1.3981999507e-3f));
    p = _mm512_add_ps(_mm512_mul_ps(p, x), har_f16_(8.3334519073e-3f));
    p = _mm512_add_ps(_mm512_mul_ps(p, x), har_f16_(4.1665795894e-2f));
    p = _mm512_add_ps(_mm512_mul_ps(p, x), har_f16_(1.6666665459e-1f));
    p = _mm512_add_ps(_mm512_mul_ps(p, x), har_f16_(5.0000001201e-1f));
    p = _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(p, _mm512_mul_ps(x, x)), x), har_f16_(1.0f));
    __m512i scale = _mm512_slli_epi32(
        _mm512_add_epi32(_mm512_sub_epi32(_mm512_castps_si512(nm), har_u16_(0x4b400000u)), har_u16_(127u)), 23);
    return _mm512_mul_ps(p, _mm512_castsi512_ps(scale));
}

/* har_fast_sigmoid */
HAR_INLINE512 __m512 har_sigmoid16(__m512 x)
{
    __m512i xb = _mm512_castps_si512(x);
    __m512 e = har_expneg16(_mm512_castsi512_ps(_mm512_and_si512(xb, har_u16_(0x7fffffffu))));
    __mmask16 neg = _mm512_cmplt_epi32_mask(xb, _mm512_setzero_si512()); /* the sign bit */
    __m512 num = _mm512_mask_blend_ps(neg, har_f16_(1.0f), e);
    return _mm512_div_ps(num, _mm512_add_ps(har_f16_(1.0f), e));
}

/* har_fast_tanh */
HAR_INLINE512 __m512 har_tanh16(__m512 x)
{
    __m512i xb = _mm512_castps_si512(x), sign = _mm512_and_si512(xb, har_u16_(0x80000000u));
    __m512 a = _mm512_castsi512_ps(_mm512_and_si512(xb, har_u16_(0x7fffffffu)));
    __m512 e = har_expneg16(_mm512_mul_ps(har_f16_(2.0f), a));
    __m512 big = _mm512_div_ps(_mm512_sub_ps(har_f16_(1.0f), e), _mm512_add_ps(har_f16_(1.0f), e));
    __m512 z = _mm512_mul_ps(x, x);
    __m512 p = har_f16_(-5.70498872745e-3f);
    p = _mm512_add_ps(_mm512_mul_ps(p, z), har_f16_(2.06390887954e-2f));
    p = _mm512_sub_ps(_mm512_mul_ps(p, z), har_f16_(5.37397155531e-2f));
    p = _mm512_add_ps(_mm512_mul_ps(p, z), har_f16_(1.33314422036e-1f));
    p = _mm512_sub_ps(_mm512_mul_ps(p, z), har_f16_(3.33332819422e-1f));
    __m512 small = _mm512_add_ps(_mm512_mul_ps(_mm512_mul_ps(p, z), x), x);
    __mmask16 use_big = _mm512_cmp_ps_mask(a, har_f16_(0.625f), _CMP_GE_OQ); /* false for NaN, as a >= 0.625f */
    __m512 r = _mm512_mask_blend_ps(use_big, small, big);
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(r), sign));
}

#define HAR_HAVE_FASTMATH512 1
#endif

#endif
