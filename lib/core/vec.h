/* vec.h - how har writes an elementwise loop that gcc vectorises at -O2.
 *
 * gcc 12's -O2 vectoriser ("very cheap" cost model) only takes a loop whose
 * trip count is known to be a multiple of the vector width and whose pointers
 * provably do not overlap.  So an elementwise kernel is
 *     HAR_VEC_KERNEL static void k(float *restrict a, ..., size_t n)
 *     { size_t j = 0; for (; j < HAR_VEC_FLOOR(n); j++) ...; for (; j < n; j++) ...; }
 * (HAR_VEC_LOOP writes the two loops) with one restrict pointer per array
 * (a[j] and a[n + j] of one pointer defeat the dependence analysis), kept out
 * of line (inlined into its caller's loop, gcc drops the restrict
 * guarantees), and the loop body a HAR_VEC_INLINE function of j.
 *
 * On x86-64 a kernel is also compiled for x86-64-v3 (AVX2 + FMA), picked at
 * load time when the CPU has it; the results are the same either way, since
 * gcc contracts nothing under -std=c11 and fmaf() is correctly rounded with or
 * without the FMA instruction. */
#ifndef HAR_VEC_H
#define HAR_VEC_H

#define HAR_VEC_FLOOR(n) ((n) & ~(__typeof__(n))15)
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define HAR_VEC_KERNEL __attribute__((noinline, target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define HAR_VEC_KERNEL __attribute__((noinline))
#endif
/* The per-value step inside a kernel (and the functions it calls) must be
 * inlined for the loop to vectorise; gcc's size heuristics alone sometimes
 * decline. */
#define HAR_VEC_INLINE static inline __attribute__((always_inline))

/* The body of a kernel: step, an expression of the size_t i, over the
 * multiple-of-16 part of [0, n), which gcc vectorises, then over the rest. */
#define HAR_VEC_LOOP(i, n, step)                                                                   \
    do {                                                                                           \
        size_t i = 0;                                                                              \
        for (; i < HAR_VEC_FLOOR(n); i++)                                                          \
            step;                                                                                  \
        for (; i < (n); i++)                                                                       \
            step;                                                                                  \
    } while (0)

#endif
