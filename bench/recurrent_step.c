/* recurrent_step.c - where a batch-1 recurrent step's time goes, for
 * bench/latency.sh: one serving step of the LSTM and the GRU (H = 64, 128
 * steps, AVX-512 kernels of lib/nn/recurrent_step512.c) against its own
 * parts, per step in nanoseconds, the best of 2000 runs of the 128 steps:
 *   step     the serving step: h_{t-1} W_hh^T and the cell, interleaved,
 *            blocks in opposite orders on successive steps (recurrent.c);
 *   product  h_{t-1} W_hh^T alone, block by block through
 *            har_matvec_chain, in opposite orders on successive steps as
 *            the step takes them: what the step costs without its sigmoids
 *            and tanhs;
 *   in_l1    the same number of block products on one block, which stays
 *            in the L1 cache: what the product costs if W_hh fitted there
 *            (LSTM-64's is 64 KB, GRU-64's 48 KB; the L1 cache holds 32);
 *   read     W_hh read alone, block by block in the same orders, with no
 *            arithmetic but a running maximum to keep the loads: what
 *            fetching the weights costs, which no step can go below (the
 *            weights cannot stay in registers, so every step reads them
 *            all again);
 * and the multiply-adds of a step, which bench/latency.sh turns into the
 * step's time at the FMA peak floor.c measures.  The weights and inputs are
 * made up (the time does not depend on them).  Prints one line per cell:
 *   CELL step_ns=... product_ns=... in_l1_ns=... read_ns=... macs=...
 * or nothing without AVX-512 (the step kernels need it). */
#define _POSIX_C_SOURCE 200809L
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <immintrin.h>

#include "nn/matvec.h"
#include "nn/recurrent.h"

enum { H = 64, T = 128, RUNS = 2000, UNITS = 16 };

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static float *filled(size_t n, unsigned seed)
{
    float *v = aligned_alloc(64, (n * sizeof *v + 63) / 64 * 64);
    if (!v) {
        perror("recurrent_step");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        v[i] = (float)(seed >> 8) / 16777216.0f * 0.2f - 0.1f;
    }
    return v;
}

/* n floats (a multiple of 128) at p read in 64-byte loads into 8 running
 * maxima started from the block's own first loads, so no block waits for
 * another; the largest folded into *sink so the loads are not optimised
 * away. */
#define READ_MAX(j) m##j = _mm512_max_ps(m##j, _mm512_loadu_ps(q + 16 * j))
__attribute__((target("avx512f"))) static void read_block(const float *p, size_t n, float *sink)
{
    assert(n >= 128 && n % 128 == 0);
    __m512 m0 = _mm512_loadu_ps(p), m1 = _mm512_loadu_ps(p + 16), m2 = _mm512_loadu_ps(p + 32),
           m3 = _mm512_loadu_ps(p + 48), m4 = _mm512_loadu_ps(p + 64), m5 = _mm512_loadu_ps(p + 80),
           m6 = _mm512_loadu_ps(p + 96), m7 = _mm512_loadu_ps(p + 112);
    for (size_t i = 128; i < n; i += 128) {
        const float *q = p + i;
        READ_MAX(0), READ_MAX(1), READ_MAX(2), READ_MAX(3), READ_MAX(4), READ_MAX(5), READ_MAX(6), READ_MAX(7);
    }
    __m512 m = _mm512_max_ps(_mm512_max_ps(_mm512_max_ps(m0, m1), _mm512_max_ps(m2, m3)),
                             _mm512_max_ps(_mm512_max_ps(m4, m5), _mm512_max_ps(m6, m7)));
    float v = _mm512_reduce_max_ps(m);
    if (v > *sink)
        *sink = v;
}

static void measure(const char *name, const rnn_cell *cell)
{
    int G = cell->gates, GH = G * H, blocks = H / UNITS, cols = G * UNITS;
    float *hh = filled((size_t)GH * H, 1), *gates = filled((size_t)T * GH, 2);
    float *bias = filled((size_t)GH, 3), *b_hh = filled((size_t)GH, 4), *rec = filled((size_t)GH, 5);
    float *aux = filled((size_t)(T + 1) * 2 * H, 6), *h = filled((size_t)(T + 1) * H, 7);
    double best[4] = {1e9, 1e9, 1e9, 1e9};
    float sink = 0;
    rnn_tail512 tail = {0};
    for (int r = 0; r < RUNS; r++)
        for (int mode = 0; mode < 4; mode++) {
            rnn_fwd_step st, prev;
            double t0 = now();
            for (int n = 1; n <= T; n++) {
                st = (rnn_fwd_step){.B = 1, .H = H, .gates = gates + (size_t)(n - 1) * GH, .bias = bias,
                                    .rec = rec, .b_hh = b_hh, .h_prev = h + (size_t)(n - 1) * H, .ld_prev = H,
                                    .aux_prev = aux + (size_t)(n - 1) * 2 * H, .aux = aux + (size_t)n * 2 * H,
                                    .h = h + (size_t)n * H, .ld_h = H};
                if (mode == 0) {
                    cell->step512(&st, n > 1 ? &prev : NULL, hh, H, n & 1, &tail);
                    prev = st;
                    if (n == T)
                        cell->step512(NULL, &prev, hh, 0, 0, &tail);
                    continue;
                }
                for (int i = 0; i < blocks; i++) {
                    int b = n & 1 ? blocks - 1 - i : i;
                    if (mode == 3) {
                        read_block(hh + (size_t)b * cols * H, (size_t)cols * H, &sink);
                        continue;
                    }
                    har_matvec_chain(rec + (size_t)b * cols, st.h_prev, hh + (size_t)(mode == 1 ? b : 0) * cols * H,
                                     H, cols);
                }
            }
            double ns = (now() - t0) / T * 1e9;
            if (ns < best[mode])
                best[mode] = ns;
        }
    printf("%s step_ns=%.1f product_ns=%.1f in_l1_ns=%.1f read_ns=%.1f macs=%d\n", name, best[0], best[1], best[2],
           best[3], GH * H);
    if (sink == 12345.0f) /* keep the reads */
        puts("");
    free(hh), free(gates), free(bias), free(b_hh), free(rec), free(aux), free(h);
}

int main(void)
{
    if (!har_matvec_avx512() || !har_cell_lstm.step512 || !har_cell_gru.step512)
        return 0;
    measure("lstm", &har_cell_lstm);
    measure("gru", &har_cell_gru);
    return 0;
}
