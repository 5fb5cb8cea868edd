/* test_latency_lib.c - the batch-1 kernels behind har-latency and the
 * serving path, in-process: the matrix-vector products of nn/matvec.h sum
 * in their documented order on every instruction set the CPU has, and a
 * model's serving path gives its batched path's values (the tool, and
 * predict_activity on a trained checkpoint: tests/tools/test_latency.c). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "core/rng.h"
#include "nn/fastmath.h"
#include "nn/fastmath512.h"
#include "nn/matvec.h"
#include "nn/model.h"
#include "testutil.h"

/* ---- the batch-1 kernels ------------------------------------------------ */

static void fill(float *v, size_t n, uint64_t seed)
{
    har_rng r;
    har_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++)
        v[i] = (float)(har_rng_uniform(&r) * 2 - 1);
}

/* The orders matvec.h documents, written out plainly. */
static void chain_reference(float *y, const float *x, const float *W, const int *rows, int K, int n)
{
    for (int c = 0; c < n; c++) {
        float acc = 0;
        for (int k = 0; k < K; k++)
            acc = fmaf(x[k], W[(size_t)rows[c] * K + k], acc);
        y[c] = acc;
    }
}

/* blocks order: y = b, then each block's chain from 0 added in turn, the
 * blocks cut by har_matvec_kblock (checked on its own below). */
static void blocks_reference(float *y, const float *x, const float *W, const int *rows, const float *b, int K,
                             int n)
{
    for (int c = 0; c < n; c++) {
        float sum = b[c];
        for (int k0 = 0, kq; k0 < K; k0 += kq) {
            kq = har_matvec_kblock(K - k0);
            float acc = 0;
            for (int k = k0; k < k0 + kq; k++)
                acc = fmaf(x[k], W[(size_t)(rows ? rows[c] : c) * K + k], acc);
            sum = sum + acc;
        }
        y[c] = sum;
    }
}

/* conv order: row r's chain over gathered entries, then the bias. */
static void conv_reference(float *y, const float *x, size_t xs, const int *off, const float *W, const float *b,
                           int R, int K, int n)
{
    for (int r = 0; r < R; r++)
        for (int c = 0; c < n; c++) {
            float acc = 0;
            for (int k = 0; k < K; k++)
                acc = fmaf(x[(size_t)r * xs + (size_t)off[k]], W[(size_t)c * K + k], acc);
            y[(size_t)r * n + c] = b[c] + acc;
        }
}

/* Every instruction set the CPU has gives the reference's bits, for sizes
 * that end mid-register and mid-block. */
START_TEST(matvec_kernels_sum_in_their_order)
{
    static const int sizes[][2] = {{1, 1}, {9, 192}, {64, 192}, {64, 256}, {37, 70}, {20, 60}, {3, 17},
                                   {1152, 40}, {256, 6}, {33, 129}, {70, 300}, {16, 8}, {700, 33}, {2000, 20}};
    const char *isas[] = {"avx512", "avx2", "c"};
    int tried = 0;
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
        int K = sizes[z][0], N = sizes[z][1];
        float *W = malloc((size_t)N * K * sizeof *W), *x = malloc((size_t)K * sizeof *x);
        float *b = malloc((size_t)N * sizeof *b), *blk = malloc((size_t)N * K * sizeof *blk);
        float *y = malloc((size_t)N * sizeof *y), *want = malloc((size_t)N * sizeof *want);
        float *tmp = malloc((size_t)N * sizeof *tmp);
        int *rows = malloc((size_t)N * sizeof *rows);
        fill(W, (size_t)N * K, 1 + z), fill(x, (size_t)K, 100 + z), fill(b, (size_t)N, 200 + z);
        for (int c = 0; c < N; c++) /* any order of rows: here reversed */
            rows[c] = N - 1 - c;
        har_matvec_pack(blk, W, rows, N, K);
        for (size_t i = 0; i < sizeof isas / sizeof isas[0]; i++) {
            if (har_matvec_select(isas[i]))
                continue; /* the CPU lacks it */
            tried++;
            chain_reference(want, x, W, rows, K, N);
            har_matvec_chain(y, x, blk, K, N);
            ck_assert_msg(!memcmp(y, want, (size_t)N * sizeof *y), "chain %s K=%d N=%d", isas[i], K, N);
            blocks_reference(want, x, W, rows, b, K, N);
            har_matvec_blocks(y, tmp, x, blk, b, K, N);
            ck_assert_msg(!memcmp(y, want, (size_t)N * sizeof *y), "blocks %s K=%d N=%d", isas[i], K, N);
        }
        free(W), free(x), free(b), free(blk), free(y), free(want), free(tmp), free(rows);
    }
    ck_assert_int_ge(tried, (int)(sizeof sizes / sizeof sizes[0])); /* plain C at least */
    /* conv: rows in tiles and a last partial one, columns in passes and a
     * masked tail, fields overlapping (xs < K) and spread (off jumps) */
    static const int conv_sizes[][4] = {/* R, K, n, xs */ {124, 45, 64, 9}, {120, 320, 64, 64}, {7, 5, 20, 1},
                                        {13, 30, 131, 7}, {1, 1, 1, 1}, {6, 12, 16, 4}, {25, 9, 72, 18}};
    for (size_t z = 0; z < sizeof conv_sizes / sizeof conv_sizes[0]; z++) {
        int R = conv_sizes[z][0], K = conv_sizes[z][1], n = conv_sizes[z][2], xs = conv_sizes[z][3];
        int *off = malloc((size_t)K * sizeof *off), reach = 0;
        for (int k = 0; k < K; k++) { /* as conv1d's (c, k) order with 3 taps, dilation 2 */
            off[k] = (k % 3) * 2 * xs + k / 3;
            reach = off[k] > reach ? off[k] : reach;
        }
        size_t nx = (size_t)(R - 1) * xs + (size_t)reach + 1;
        float *x = malloc(nx * sizeof *x), *W = malloc((size_t)n * K * sizeof *W);
        float *blk = malloc((size_t)n * K * sizeof *blk), *b = malloc((size_t)n * sizeof *b);
        float *y = malloc((size_t)R * n * sizeof *y), *want = malloc((size_t)R * n * sizeof *want);
        fill(x, nx, 300 + z), fill(W, (size_t)n * K, 400 + z), fill(b, (size_t)n, 500 + z);
        har_matvec_pack(blk, W, NULL, n, K);
        conv_reference(want, x, (size_t)xs, off, W, b, R, K, n);
        for (size_t i = 0; i < sizeof isas / sizeof isas[0]; i++) {
            if (har_matvec_select(isas[i]))
                continue;
            har_matvec_conv(y, x, (size_t)xs, off, blk, b, R, K, n);
            ck_assert_msg(!memcmp(y, want, (size_t)R * n * sizeof *y), "conv %s R=%d K=%d n=%d", isas[i], R, K, n);
        }
        free(off), free(x), free(W), free(blk), free(b), free(y), free(want);
    }
    ck_assert_int_eq(har_matvec_select("sse9"), -1);
    ck_assert_int_eq(har_matvec_select(NULL), 0);
}
END_TEST

static har_model *model_of(const char *spec, int T, int C, int K, uint64_t seed)
{
    har_model *m = calloc(1, sizeof *m);
    har_err e = {0};
    ck_assert_msg(har_model_build(m, spec, (har_shape){T, C}, K, &e) == 0, "%s: %s", spec, e.msg);
    har_model_init(m, HAR_INIT_TORCH, seed);
    ck_assert_msg(har_model_reserve(m, 4, &e) == 0, "%s", e.msg);
    return m;
}

static void model_free(har_model *m)
{
    har_model_free(m);
    free(m);
}

#ifdef HAR_HAVE_FASTMATH512
HAR_AVX512 static void activations16(const float *x, float *sig, float *tnh)
{
    __m512 v = _mm512_loadu_ps(x);
    _mm512_storeu_ps(sig, har_sigmoid16(v));
    _mm512_storeu_ps(tnh, har_tanh16(v));
}
#endif

static void expect_same_bits(const char *what, float x, float got, float want)
{
    uint32_t g, w;
    memcpy(&g, &got, sizeof g);
    memcpy(&w, &want, sizeof w);
    ck_assert_msg(g == w || (isnan(got) && isnan(want)), "%s(%a): AVX-512 %a, fastmath.h %a", what, (double)x,
                  (double)got, (double)want);
}

/* fastmath512.h's sigmoid and tanh give fastmath.h's bits on every lane:
 * one float in 4099 over all 2^32 bit patterns (both signs, every
 * exponent, subnormals, infinities and NaNs among them) and the edges. */
START_TEST(fastmath512_gives_fastmath_bits)
{
#ifdef HAR_HAVE_FASTMATH512
    if (!__builtin_cpu_supports("avx512f"))
        return;
    static const uint32_t edges[16] = {0, 0x80000000u, 0x7f800000u, 0xff800000u, 0x7fc00000u, 0x00000001u,
                                       0x3f200000u, 0x3f1fffffu, 0xbf200000u, 0x42aeac50u, 0x42aeac51u,
                                       0xc2aeac51u, 0x41800000u, 0x7f7fffffu, 0xff7fffffu, 0x3f800000u};
    float x[16], sig[16], tnh[16];
    memcpy(x, edges, sizeof x);
    for (uint64_t u = 0;; u += 16 * 4099) {
        activations16(x, sig, tnh);
        for (int l = 0; l < 16; l++) {
            expect_same_bits("sigmoid", x[l], sig[l], har_fast_sigmoid(x[l]));
            expect_same_bits("tanh", x[l], tnh[l], har_fast_tanh(x[l]));
        }
        if (u >= (1ull << 32))
            break;
        for (int l = 0; l < 16; l++) {
            uint32_t b = (uint32_t)(u + (uint64_t)l * 4099);
            memcpy(&x[l], &b, sizeof b);
        }
    }
#endif
}
END_TEST

/* Logits of one window through the serving path (inference at batch 1)
 * and through the batched one (the training forward, no dropout here). */
static void both_paths(har_model *m, const float *x, float *serving, float *batched)
{
    size_t K = (size_t)m->nclasses;
    memcpy(serving, har_model_forward(m, x, 1, 0), K * sizeof *serving);
    memcpy(batched, har_model_forward(m, x, 1, 1), K * sizeof *batched);
}

/* Recurrent stacks: the serving path gives the batched path's values, for
 * sizes that end mid-block, both directions and stacked layers, and
 * follows the weights when they change (its packed copy is rebuilt).  Bit
 * for bit where the batched path's OpenBLAS sums in the plain order too:
 * on an AVX-512 machine, for G*H a multiple of 16; within rounding
 * elsewhere.  With each instruction set's kernels: AVX-512 runs the LSTM
 * and GRU steps of recurrent_step512.c where H is a multiple of 16 (1, 2, 3
 * and 4 blocks of units, in both orders, over 24 steps), the others the
 * cells' serve_units. */
static void recurrent_serving_with(const char *isa)
{
    static const struct {
        const char *spec;
        int K, gh;
    } models[] = {{"gru:16", 16, 48},          {"lstm:16", 16, 64},         {"rnn:32", 32, 32},
                  {"gru:64", 64, 192},         {"lstm:64", 64, 256},        {"gru:16:bidir", 32, 48},
                  {"lstm:16:layers=2:bidir", 32, 64}, {"gru:32:readout=mean", 32, 96},
                  {"gru:70:readout=mean", 70, 210}, {"lstm:20", 20, 80},   {"rnn:20", 20, 20},
                  {"lstm:48", 48, 192},        {"gru:48:bidir", 96, 144}};
    int avx512 = har_matvec_select("avx512") == 0;
    ck_assert_int_eq(har_matvec_select(isa), 0);
    float x[24 * 9], a[128], b[128];
    for (size_t i = 0; i < 2 * sizeof models / sizeof models[0]; i++) {
        /* 5 input channels, then the 9 of the HAPT windows */
        size_t mi = i % (sizeof models / sizeof models[0]);
        int C = i == mi ? 5 : 9, K = models[mi].K, exact = avx512 && models[mi].gh % 16 == 0;
        har_model *m = model_of(models[mi].spec, 24, C, K, 7 + i);
        for (int w = 0; w < 4; w++) {
            fill(x, (size_t)24 * C, 50 + 10 * i + w);
            if (w == 3) /* the weights changed in place, as by an optimizer step */
                for (size_t j = 0; j < m->nweights; j += 7)
                    m->w[j] *= 0.5f;
            both_paths(m, x, a, b);
            for (int j = 0; j < K; j++)
                if (exact)
                    ck_assert_msg(a[j] == b[j], "%s (%d channels, %s kernels) window %d value %d: %a, batched %a",
                                  models[mi].spec, C, isa, w, j, (double)a[j], (double)b[j]);
                else
                    ck_assert_double_eq_tol(a[j], b[j], 1e-5);
        }
        model_free(m);
    }
}

START_TEST(recurrent_serving_equals_batched)
{
    static const char *isa[] = {"c", "avx2", "avx512"};
    for (size_t i = 0; i < sizeof isa / sizeof isa[0]; i++)
        if (har_matvec_select(isa[i]) == 0)
            recurrent_serving_with(isa[i]);
    ck_assert_int_eq(har_matvec_select(NULL), 0);
}
END_TEST

/* A product for the OpenBLAS tests: y [R, n] = b + A [R, K] W [n, K]^T,
 * and room for a reference's want [R, n]. */
typedef struct {
    int R, n, K;
    float *A, *W, *b, *y, *want;
} blas_case;

/* A, W and b filled from seed; y by OpenBLAS as conv1d's and dense's
 * forwards call it (y = b, then y += A W^T, row-major, W transposed). */
static blas_case openblas_product(int R, int n, int K, uint64_t seed)
{
    blas_case c = {R, n, K, malloc((size_t)R * K * sizeof(float)), malloc((size_t)n * K * sizeof(float)),
                   malloc((size_t)n * sizeof(float)), malloc((size_t)R * n * sizeof(float)),
                   malloc((size_t)R * n * sizeof(float))};
    fill(c.A, (size_t)R * K, seed), fill(c.W, (size_t)n * K, seed + 1), fill(c.b, (size_t)n, seed + 2);
    for (int r = 0; r < R; r++)
        memcpy(c.y + (size_t)r * n, c.b, (size_t)n * sizeof *c.y);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, R, n, K, 1, c.A, K, c.W, K, 1, c.y, n);
    return c;
}

/* Whether OpenBLAS's y is the reference's want, bit for bit. */
static int blas_case_same(const blas_case *c)
{
    return !memcmp(c->y, c->want, (size_t)c->R * c->n * sizeof *c->y);
}

static void blas_case_free(blas_case *c)
{
    free(c->A), free(c->W), free(c->b), free(c->y), free(c->want);
}

/* OpenBLAS's product of a convolution's size (row-major, B transposed, as
 * conv1d's forward calls it) sums K in one chain up to 320 and, with the
 * Cooperlake kernels, not at 384 (SkylakeX's still chain there): the bound
 * conv1d.c's direct serving path relies on.  Only where
 * har_matvec_blas_chains() says OpenBLAS chains at all. */
START_TEST(blas_chains_up_to_320)
{
    if (!har_matvec_blas_chains())
        return;
    static const int Ks[] = {300, 320, 384};
    int R = 124, n = 64;
    for (size_t i = 0; i < sizeof Ks / sizeof Ks[0]; i++) {
        int K = Ks[i], *off = malloc((size_t)K * sizeof *off);
        blas_case c = openblas_product(R, n, K, (uint64_t)K);
        for (int k = 0; k < K; k++)
            off[k] = k;
        conv_reference(c.want, c.A, (size_t)K, off, c.W, c.b, R, K, n);
        int same = blas_case_same(&c);
        if (K <= 320 || har_matvec_blas_blocks()) /* SkylakeX's still chain at 384 */
            ck_assert_msg(same == (K <= 320), "K=%d: OpenBLAS %s the chain", K, same ? "gives" : "does not give");
        blas_case_free(&c), free(off);
    }
}
END_TEST

/* The cuts of K, as OpenBLAS's level-3 driver makes them with GEMM_Q 320
 * and GEMM_UNROLL_M 16 (driver/level3/level3.c): whole up to 320, 320 at a
 * time while 640 or more are left, and half of what is left, rounded up to
 * 16, from 321 to 639. */
START_TEST(kblock_cuts_as_openblas)
{
    static const struct {
        int K, cuts[16];
    } cases[] = {{1, {1}},
                 {320, {320}},
                 {321, {160, 161}},
                 {639, {320, 319}},
                 {640, {320, 320}},
                 {641, {320, 160, 161}},
                 {700, {320, 192, 188}},
                 {1152, {320, 320, 256, 256}},
                 {2000, {320, 320, 320, 320, 320, 208, 192}}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int k0 = 0, q = 0;
        for (; k0 < cases[i].K; q++) {
            int kq = har_matvec_kblock(cases[i].K - k0);
            ck_assert_msg(kq == cases[i].cuts[q], "K=%d cut %d: %d, want %d", cases[i].K, q, kq, cases[i].cuts[q]);
            k0 += kq;
        }
        ck_assert_int_eq(k0, cases[i].K);
        ck_assert_int_eq(cases[i].cuts[q], 0);
    }
}
END_TEST

/* OpenBLAS's product as dense's forward calls it (y = bias, then
 * y += x W^T, row-major, B transposed) sums in the blocks order for any K,
 * where har_matvec_blas_blocks() says its kernels are Cooperlake's. */
START_TEST(blas_sums_in_blocks)
{
    if (!har_matvec_blas_blocks())
        return;
    static const int Ks[] = {100, 321, 700, 1152, 2000};
    int R = 64, n = 40;
    for (size_t i = 0; i < sizeof Ks / sizeof Ks[0]; i++) {
        int K = Ks[i];
        blas_case c = openblas_product(R, n, K, 7 * (uint64_t)K);
        for (int r = 0; r < R; r++)
            blocks_reference(c.want + (size_t)r * n, c.A + (size_t)r * K, c.W, NULL, c.b, K, n);
        ck_assert_msg(blas_case_same(&c), "K=%d: OpenBLAS does not sum in blocks", K);
        blas_case_free(&c);
    }
}
END_TEST

/* m (reserved for B windows) on B windows of T x C at once, the batched
 * path (training's if train), then on the first 3 of them one at a time,
 * twice: the second time after its weights changed in place, as by an
 * optimizer step, so the serving caches must follow them.  Each of the K
 * batch-1 values must be the batched one's bits if exact, else within
 * 1e-5 (relative beyond 1).  Then frozen (a predictor's model), the caches
 * used unchecked: the same bits as before. */
static void serving_matches_batched(har_model *m, const char *spec, int T, int C, int K, int B, int train,
                                    int exact, uint64_t seed)
{
    float *x = malloc((size_t)B * T * C * sizeof *x), *a = malloc((size_t)K * sizeof *a);
    float *batched = malloc((size_t)B * K * sizeof *batched);
    for (int round = 0; round < 2; round++) {
        if (round == 1)
            for (size_t j = 0; j < m->nweights; j += 5)
                m->w[j] *= -0.75f;
        fill(x, (size_t)B * T * C, seed + (uint64_t)round);
        memcpy(batched, har_model_forward(m, x, B, train), (size_t)B * K * sizeof *batched);
        for (int w = 0; w < 3; w++) {
            memcpy(a, har_model_forward(m, x + (size_t)w * T * C, 1, 0), (size_t)K * sizeof *a);
            for (int j = 0; j < K; j++)
                if (exact)
                    ck_assert_msg(a[j] == batched[w * K + j], "%s round %d window %d value %d: %a, batched %a", spec,
                                  round, w, j, (double)a[j], (double)batched[w * K + j]);
                else
                    ck_assert_double_eq_tol(a[j], batched[w * K + j], 1e-5 * (1 + fabsf(batched[w * K + j])));
        }
    }
    memcpy(a, har_model_forward(m, x, 1, 0), (size_t)K * sizeof *a);
    har_model_freeze(m);
    ck_assert_msg(!memcmp(a, har_model_forward(m, x, 1, 0), (size_t)K * sizeof *a), "%s frozen", spec);
    free(x), free(a), free(batched);
}

/* Convolutions and pools: the serving path (direct for C*K <= 320, im2col
 * beyond; padding, stride and dilation; outputs not a multiple of 16) gives
 * the bits of a batch of 32 windows (as har-eval's batches run: OpenBLAS's
 * full kernels) where OpenBLAS chains and C*K <= 320, and follows the
 * weights when they change.  Beyond 320 (im2col at batch 1: OpenBLAS's
 * small-matrix kernel, another order) within rounding.  No dense head: a
 * batch's head of a few outputs may sum otherwise. */
START_TEST(conv_serving_equals_batched)
{
    static const struct {
        const char *spec;
        int T, C, K, direct;
    } models[] = {{"conv1d:64:5,relu,conv1d:64:5,relu,maxpool:2,conv1d:64:5,relu,gap", 128, 9, 64, 1},
                  {"conv1d:20:3:pad=1:stride=2:dilation=2,avgpool:3:2,conv1d:33:2,gap", 40, 5, 33, 1},
                  {"conv1d:8:7,maxpool:3,gap", 30, 50, 8, 0},
                  {"conv1d:16:5:pad=same,tanh,mean", 24, 64, 16, 1}};
    enum { B = 32 };
    har_err e = {0};
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
        int T = models[i].T, C = models[i].C, K = models[i].K;
        har_model *m = model_of(models[i].spec, T, C, K, 11 + i);
        ck_assert_msg(har_model_reserve(m, B, &e) == 0, "%s", e.msg);
        serving_matches_batched(m, models[i].spec, T, C, K, B, 1, har_matvec_blas_chains() && models[i].direct,
                                70 + 10 * i);
        model_free(m);
    }
}
END_TEST

/* Dense layers at batch 1 (the blocks order) give the bits of a batch of
 * 256 windows, as har-eval's full batches run, where OpenBLAS's kernels sum
 * in blocks (inputs of 48, 720 and 1152, the last the zoo's MLP's; layers
 * 20 and 40 wide, not multiples of 16; heads of 6 classes), within rounding
 * elsewhere, and follow the weights when they change.  (Smaller batches or
 * heads of fewer classes may take OpenBLAS's small-matrix kernels, another
 * order.) */
START_TEST(dense_serving_equals_batched)
{
    static const struct {
        const char *spec;
        int T, C, K;
    } models[] = {{"flatten,dense:40,relu,dense:6", 16, 3, 6},
                  {"flatten,dense:48,relu,dense:20,relu,dense:6", 24, 30, 6},
                  {"flatten,dense:256,relu,dense:256,relu,dense:6", 128, 9, 6}};
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
        har_model *m = model_of(models[i].spec, models[i].T, models[i].C, models[i].K, 21 + i);
        har_err e = {0};
        ck_assert_msg(har_model_reserve(m, 256, &e) == 0, "%s", e.msg);
        serving_matches_batched(m, models[i].spec, models[i].T, models[i].C, models[i].K, 256, 0,
                                har_matvec_blas_blocks(), 90 + 10 * i);
        model_free(m);
    }
}
END_TEST

Suite *latency_lib_suite(void)
{
    Suite *s = suite_create("latency_lib");
    TCase *kernels = tcase_create("batch-1 kernels");
    tcase_set_timeout(kernels, 60);
    tcase_add_test(kernels, matvec_kernels_sum_in_their_order);
    tcase_add_test(kernels, fastmath512_gives_fastmath_bits);
    tcase_add_test(kernels, recurrent_serving_equals_batched);
    tcase_add_test(kernels, dense_serving_equals_batched);
    tcase_add_test(kernels, blas_chains_up_to_320);
    tcase_add_test(kernels, kblock_cuts_as_openblas);
    tcase_add_test(kernels, blas_sums_in_blocks);
    tcase_add_test(kernels, conv_serving_equals_batched);
    suite_add_tcase(s, kernels);
    return s;
}
