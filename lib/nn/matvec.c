/* matvec.c - see matvec.h.
 *
 * Every kernel comes in plain C, which defines its order of summation, and
 * on x86-64 in AVX-512 and AVX2+FMA versions that keep exactly that order:
 * a vector lane holds what the C code keeps in one variable, every multiply-
 * add is fused (fmaf() in C is correctly rounded, so it agrees with the FMA
 * instruction), masked-off lanes load zeros and add 0 * 0, as the C tail
 * does.  The version is picked once at load time (a constructor, so no
 * thread can race the choice); har_matvec_select() lets the tests compare
 * them all. */
#include <cblas.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "core/vec.h"
#include "matvec.h"

#ifdef HAR_NN_DOUBLE
#define FMA fma
#else
#define FMA fmaf
#endif

/* Loops over a kernel's registers must be unrolled for its sums to stay in
 * registers (-O2 alone leaves them in memory, twice as slow). */
#define UNROLL _Pragma("GCC unroll 16")

/* ---- plain C: the definitions ---- */

void har_matvec_pack(real *restrict blk, const real *restrict W, const int *restrict rows, int n, int K)
{
    for (int c = 0; c < n; c++) {
        const real *w = W + (size_t)(rows ? rows[c] : c) * K;
        for (int k = 0; k < K; k++)
            blk[(size_t)k * n + c] = w[k];
    }
}

static void chain_c(real *restrict y, const real *restrict x, const real *restrict blk, int K, int n)
{
    for (int c = 0; c < n; c++)
        y[c] = 0;
    for (int k = 0; k < K; k++)
        for (int c = 0; c < n; c++)
            y[c] = FMA(x[k], blk[(size_t)k * n + c], y[c]);
}

static void conv_c(real *restrict y, const real *restrict x, size_t xs, const int *restrict off,
                   const real *restrict blk, const real *restrict b, int R, int K, int n)
{
    for (int r = 0; r < R; r++) {
        const real *xr = x + (size_t)r * xs;
        real *yr = y + (size_t)r * n;
        for (int c = 0; c < n; c++)
            yr[c] = 0;
        for (int k = 0; k < K; k++)
            for (int c = 0; c < n; c++)
                yr[c] = FMA(xr[off[k]], blk[(size_t)k * n + c], yr[c]);
        for (int c = 0; c < n; c++)
            yr[c] = b[c] + yr[c];
    }
}

typedef void chain_fn(real *restrict, const real *restrict, const real *restrict, int, int);
typedef void conv_fn(real *restrict, const real *restrict, size_t, const int *restrict, const real *restrict,
                     const real *restrict, int, int, int);

#if !defined(HAR_NN_DOUBLE) && defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>

#define TARGET_AVX512 __attribute__((target("avx512f")))
#define TARGET_AVX2 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

/* ---- AVX-512: 16 lanes per register ---- */

/* Columns [0, 16 nv) of the block (rows `stride` apart) and, if tail is
 * set, the masked register after them, summed over all of K in registers.
 * nv is a constant where this is inlined. */
TARGET_AVX512 INLINE void chain_cols_512(float *restrict y, const float *restrict x, const float *restrict blk,
                                         int K, int stride, int nv, __mmask16 tail)
{
    __m512 acc[9];
    UNROLL
    for (int v = 0; v <= nv; v++)
        acc[v] = _mm512_setzero_ps();
    for (int k = 0; k < K; k++) {
        __m512 xk = _mm512_set1_ps(x[k]);
        const float *w = blk + (size_t)k * stride;
        UNROLL
        for (int v = 0; v < nv; v++)
            acc[v] = _mm512_fmadd_ps(xk, _mm512_loadu_ps(w + 16 * v), acc[v]);
        if (tail)
            acc[nv] = _mm512_fmadd_ps(xk, _mm512_maskz_loadu_ps(tail, w + 16 * nv), acc[nv]);
    }
    UNROLL
    for (int v = 0; v < nv; v++)
        _mm512_storeu_ps(y + 16 * v, acc[v]);
    if (tail)
        _mm512_mask_storeu_ps(y + 16 * nv, tail, acc[nv]);
}

/* Up to 128 columns per pass: 8 chains in flight cover the FMA latency. */
TARGET_AVX512 static void chain_avx512(float *restrict y, const float *restrict x, const float *restrict blk,
                                       int K, int n)
{
    for (int c = 0; c < n; c += 128) {
        int left = n - c, nv = left >= 128 ? 8 : left / 16;
        __mmask16 tail = (__mmask16)(left >= 128 ? 0 : (1u << (left % 16)) - 1);
        float *yc = y + c;
        const float *bc = blk + c;
        switch (nv) {
        case 0: chain_cols_512(yc, x, bc, K, n, 0, tail); break;
        case 1: chain_cols_512(yc, x, bc, K, n, 1, tail); break;
        case 2: chain_cols_512(yc, x, bc, K, n, 2, tail); break;
        case 3: chain_cols_512(yc, x, bc, K, n, 3, tail); break;
        case 4: chain_cols_512(yc, x, bc, K, n, 4, tail); break;
        case 5: chain_cols_512(yc, x, bc, K, n, 5, tail); break;
        case 6: chain_cols_512(yc, x, bc, K, n, 6, tail); break;
        case 7: chain_cols_512(yc, x, bc, K, n, 7, tail); break;
        default: chain_cols_512(yc, x, bc, K, n, 8, 0); break;
        }
    }
}

/* conv: a tile of nr rows x nv registers of columns (the last one masked by
 * `last`), its sums in registers over all of K: per step nv loads of blk
 * and nr broadcasts of A serve nr * nv multiply-adds.  6 x 4 uses 24 of the
 * 32 registers for sums.  nr and nv are constants where this is inlined. */
TARGET_AVX512 INLINE void conv_tile_512(float *restrict y, const float *restrict x, size_t xs,
                                        const int *restrict off, const float *restrict blk,
                                        const float *restrict b, int K, int n, int nr, int nv, __mmask16 last)
{
    __m512 acc[6][4];
    const float *xr[6];
    UNROLL
    for (int r = 0; r < nr; r++) {
        xr[r] = x + (size_t)r * xs;
        UNROLL
        for (int v = 0; v < nv; v++)
            acc[r][v] = _mm512_setzero_ps();
    }
    for (int k = 0; k < K; k++) {
        const float *w = blk + (size_t)k * n;
        __m512 wv[4];
        UNROLL
        for (int v = 0; v < nv; v++)
            wv[v] = _mm512_maskz_loadu_ps(v == nv - 1 ? last : 0xffff, w + 16 * v);
        int o = off[k];
        UNROLL
        for (int r = 0; r < nr; r++) {
            __m512 a = _mm512_set1_ps(xr[r][o]);
            UNROLL
            for (int v = 0; v < nv; v++)
                acc[r][v] = _mm512_fmadd_ps(a, wv[v], acc[r][v]);
        }
    }
    UNROLL
    for (int v = 0; v < nv; v++) {
        __mmask16 m = v == nv - 1 ? last : 0xffff;
        __m512 bv = _mm512_maskz_loadu_ps(m, b + 16 * v);
        UNROLL
        for (int r = 0; r < nr; r++)
            _mm512_mask_storeu_ps(y + (size_t)r * n + 16 * v, m, _mm512_add_ps(bv, acc[r][v]));
    }
}

/* A conv tile of constant shape NR x NV, chosen by a switch on NR * 8 + NV
 * (so that its loops unroll and its sums stay in registers). */
#define CONV_TILE(TILE, NR, NV, MASK)                                                              \
    case (NR) * 8 + (NV):                                                                          \
        TILE(yt, xt, xs, off, bc, b + c, K, n, NR, NV, MASK);                                      \
        break;
#define CONV_TILES_512(NR)                                                                         \
    CONV_TILE(conv_tile_512, NR, 1, last) CONV_TILE(conv_tile_512, NR, 2, last)                    \
    CONV_TILE(conv_tile_512, NR, 3, last) CONV_TILE(conv_tile_512, NR, 4, last)

/* Columns in passes of 64, rows in tiles of 6. */
TARGET_AVX512 static void conv_avx512(float *restrict y, const float *restrict x, size_t xs,
                                      const int *restrict off, const float *restrict blk,
                                      const float *restrict b, int R, int K, int n)
{
    for (int c = 0; c < n; c += 64) {
        int left = n - c, nv = left >= 64 ? 4 : (left + 15) / 16;
        __mmask16 last = (__mmask16)(left >= 64 || left % 16 == 0 ? 0xffffu : (1u << (left % 16)) - 1);
        const float *bc = blk + c;
        for (int r = 0; r < R; r += 6) {
            int nr = R - r < 6 ? R - r : 6;
            float *yt = y + (size_t)r * n + c;
            const float *xt = x + (size_t)r * xs;
            switch (nr * 8 + nv) {
                CONV_TILES_512(1) CONV_TILES_512(2) CONV_TILES_512(3)
                CONV_TILES_512(4) CONV_TILES_512(5) CONV_TILES_512(6)
            }
        }
    }
}

/* ---- AVX2 + FMA: 8 lanes per register ---- */

/* Lanes [0, n) of a vector of 8 set: the mask of _mm256_maskload_ps. */
TARGET_AVX2 INLINE __m256i first_lanes_256(int n)
{
    __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), idx);
}

TARGET_AVX2 INLINE void chain_cols_256(float *restrict y, const float *restrict x, const float *restrict blk,
                                       int K, int stride, int nv, int tail)
{
    __m256 acc[9];
    __m256i m = first_lanes_256(tail);
    UNROLL
    for (int v = 0; v <= nv; v++)
        acc[v] = _mm256_setzero_ps();
    for (int k = 0; k < K; k++) {
        __m256 xk = _mm256_set1_ps(x[k]);
        const float *w = blk + (size_t)k * stride;
        UNROLL
        for (int v = 0; v < nv; v++)
            acc[v] = _mm256_fmadd_ps(xk, _mm256_loadu_ps(w + 8 * v), acc[v]);
        if (tail)
            acc[nv] = _mm256_fmadd_ps(xk, _mm256_maskload_ps(w + 8 * nv, m), acc[nv]);
    }
    UNROLL
    for (int v = 0; v < nv; v++)
        _mm256_storeu_ps(y + 8 * v, acc[v]);
    if (tail)
        _mm256_maskstore_ps(y + 8 * nv, m, acc[nv]);
}

TARGET_AVX2 static void chain_avx2(float *restrict y, const float *restrict x, const float *restrict blk,
                                   int K, int n)
{
    for (int c = 0; c < n; c += 64) {
        int left = n - c, nv = left >= 64 ? 8 : left / 8, tail = left >= 64 ? 0 : left % 8;
        float *yc = y + c;
        const float *bc = blk + c;
        switch (nv) {
        case 0: chain_cols_256(yc, x, bc, K, n, 0, tail); break;
        case 1: chain_cols_256(yc, x, bc, K, n, 1, tail); break;
        case 2: chain_cols_256(yc, x, bc, K, n, 2, tail); break;
        case 3: chain_cols_256(yc, x, bc, K, n, 3, tail); break;
        case 4: chain_cols_256(yc, x, bc, K, n, 4, tail); break;
        case 5: chain_cols_256(yc, x, bc, K, n, 5, tail); break;
        case 6: chain_cols_256(yc, x, bc, K, n, 6, tail); break;
        case 7: chain_cols_256(yc, x, bc, K, n, 7, tail); break;
        default: chain_cols_256(yc, x, bc, K, n, 8, 0); break;
        }
    }
}

/* conv: tiles of nr <= 4 rows x 2 registers of columns (the last `tail`
 * lanes of the second, or all 8 when tail is 0), 8 sums in registers. */
TARGET_AVX2 INLINE void conv_tile_256(float *restrict y, const float *restrict x, size_t xs,
                                      const int *restrict off, const float *restrict blk,
                                      const float *restrict b, int K, int n, int nr, int nv, int tail)
{
    __m256 acc[4][2];
    const float *xr[4];
    __m256i m[2];
    UNROLL
    for (int v = 0; v < nv; v++)
        m[v] = first_lanes_256(v == nv - 1 && tail ? tail : 8);
    UNROLL
    for (int r = 0; r < nr; r++) {
        xr[r] = x + (size_t)r * xs;
        UNROLL
        for (int v = 0; v < nv; v++)
            acc[r][v] = _mm256_setzero_ps();
    }
    for (int k = 0; k < K; k++) {
        const float *w = blk + (size_t)k * n;
        __m256 wv[2];
        UNROLL
        for (int v = 0; v < nv; v++)
            wv[v] = _mm256_maskload_ps(w + 8 * v, m[v]);
        int o = off[k];
        UNROLL
        for (int r = 0; r < nr; r++) {
            __m256 a = _mm256_set1_ps(xr[r][o]);
            UNROLL
            for (int v = 0; v < nv; v++)
                acc[r][v] = _mm256_fmadd_ps(a, wv[v], acc[r][v]);
        }
    }
    UNROLL
    for (int v = 0; v < nv; v++) {
        __m256 bv = _mm256_maskload_ps(b + 8 * v, m[v]);
        UNROLL
        for (int r = 0; r < nr; r++)
            _mm256_maskstore_ps(y + (size_t)r * n + 8 * v, m[v], _mm256_add_ps(bv, acc[r][v]));
    }
}

#define CONV_TILES_256(NR) CONV_TILE(conv_tile_256, NR, 1, tail) CONV_TILE(conv_tile_256, NR, 2, tail)

/* Columns in passes of 16, rows in tiles of 4. */
TARGET_AVX2 static void conv_avx2(float *restrict y, const float *restrict x, size_t xs,
                                  const int *restrict off, const float *restrict blk,
                                  const float *restrict b, int R, int K, int n)
{
    for (int c = 0; c < n; c += 16) {
        int left = n - c, nv = left > 8 ? 2 : 1, tail = left >= 16 ? 0 : left % 8;
        for (int r = 0; r < R; r += 4) {
            int nr = R - r < 4 ? R - r : 4;
            float *yt = y + (size_t)r * n + c;
            const float *xt = x + (size_t)r * xs, *bc = blk + c;
            switch (nr * 8 + nv) {
                CONV_TILES_256(1) CONV_TILES_256(2) CONV_TILES_256(3) CONV_TILES_256(4)
            }
        }
    }
}

#undef CONV_TILES_256
#undef CONV_TILES_512
#undef CONV_TILE
#define HAVE_X86_KERNELS 1
#endif

static chain_fn *chain_impl = chain_c;
static conv_fn *conv_impl = conv_c;

int har_matvec_select(const char *isa)
{
    int best = isa == NULL;
#ifdef HAVE_X86_KERNELS
    __builtin_cpu_init();
    if ((best || !strcmp(isa, "avx512")) && __builtin_cpu_supports("avx512f")) {
        chain_impl = chain_avx512;
        conv_impl = conv_avx512;
        return 0;
    }
    if ((best || !strcmp(isa, "avx2")) && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        chain_impl = chain_avx2;
        conv_impl = conv_avx2;
        return 0;
    }
#endif
    if (best || !strcmp(isa, "c")) {
        chain_impl = chain_c;
        conv_impl = conv_c;
        return 0;
    }
    return -1;
}

int har_matvec_avx512(void)
{
#ifdef HAVE_X86_KERNELS
    return chain_impl == chain_avx512;
#else
    return 0;
#endif
}

/* Measured (tests/unit/test_latency_lib.c, and for each core by forcing
 * OPENBLAS_CORETYPE on an AVX-512 machine): OpenBLAS 0.3's SkylakeX and
 * Cooperlake sgemm kernels sum every output in one chain for K up to 320
 * (Cooperlake splits K beyond; SkylakeX still chains at 384); its Haswell and
 * Zen kernels do not (about one output in nine differs), nor is it known for
 * any other core. */
int har_matvec_blas_chains(void)
{
#ifdef HAR_NN_DOUBLE
    return 0;
#else
    const char *core = openblas_get_corename();
    return core && (!strcasecmp(core, "skylakex") || !strcasecmp(core, "cooperlake"));
#endif
}

int har_matvec_blas_blocks(void)
{
#ifdef HAR_NN_DOUBLE
    return 0;
#else
    const char *core = openblas_get_corename();
    return core && !strcasecmp(core, "cooperlake");
#endif
}

__attribute__((constructor)) static void pick_kernels(void)
{
    har_matvec_select(NULL);
}

void har_matvec_chain(real *restrict y, const real *restrict x, const real *restrict blk, int K, int n)
{
    chain_impl(y, x, blk, K, n);
}

int har_matvec_kblock(int left)
{
    enum { GEMM_Q = 320, GEMM_UNROLL_M = 16 };
    if (left >= 2 * GEMM_Q)
        return GEMM_Q;
    if (left > GEMM_Q)
        return (left / 2 + GEMM_UNROLL_M - 1) / GEMM_UNROLL_M * GEMM_UNROLL_M;
    return left;
}

void har_matvec_blocks(real *restrict y, real *restrict tmp, const real *restrict x, const real *restrict blk,
                       const real *restrict b, int K, int n)
{
    memcpy(y, b, (size_t)n * sizeof *y);
    for (int k0 = 0, kq; k0 < K; k0 += kq) {
        kq = har_matvec_kblock(K - k0);
        chain_impl(tmp, x + k0, blk + (size_t)k0 * n, kq, n);
        har_row_add(y, tmp, (size_t)n); /* y + tmp, as OpenBLAS adds its sums into C */
    }
}

void har_matvec_conv(real *restrict y, const real *restrict x, size_t xs, const int *restrict off,
                     const real *restrict blk, const real *restrict b, int R, int K, int n)
{
    conv_impl(y, x, xs, off, blk, b, R, K, n);
}
