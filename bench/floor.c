/* floor.c - the least time one window of a model can take on this core in
 * fp32, for bench/latency.sh's goal column.
 *
 *   floor MODEL...
 *
 * Two measurements of the machine, then a line per model:
 *   peak       fused multiply-adds per second of one core: 12 independent
 *              chains of vector FMAs in registers (built with -march=native
 *              -ffp-contract=fast, so x * a + b is one FMA at the CPU's
 *              widest vectors), the best of 5 runs of 0.1 s;
 *   bandwidth  bytes per second one core reads from a buffer the size of the
 *              model's weights, again and again (a window reads every
 *              weight once), the best of 5 runs;
 * and per model, from what each layer tells (har_layer_describe): the
 * multiply-adds of one window (dense t*in*out, conv1d T'*O*C*K, a recurrent
 * layer T*G*H*(in+H) per direction, attention t*f), its weight bytes, and
 *   floor_us = max(2 * MACs / peak, weight bytes / bandwidth).
 * Everything else a forward pass does (activations, softmax, memory traffic
 * of activations) only adds to it, so no implementation of the model in fp32
 * on this core can be faster.  Output, one line per model:
 *   MODEL macs=... weight_bytes=... compute_us=... memory_us=... floor_us=...
 * after "peak_gflops=... bandwidth_gbs=..." for the machine. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/checkpoint.h"

typedef float vec __attribute__((vector_size(64)));
#define LANES ((int)(sizeof(vec) / sizeof(float)))
#define CHAINS 12

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Multiply-adds per second: CHAINS independent x = x * a + b chains, each
 * in a register of its own (the empty asm after each block keeps the
 * compiler from folding them or moving them to memory). */
static double peak_macs(void)
{
    double best = 0;
    vec a, b;
    for (int l = 0; l < LANES; l++) {
        a[l] = 0.999999f;
        b[l] = 1e-7f;
    }
    for (int run = 0; run < 5; run++) {
        vec x0 = a, x1 = b, x2 = a + b, x3 = a - b, x4 = a * a, x5 = b * b, x6 = a + a, x7 = b + b, x8 = a * b,
            x9 = a - a, x10 = b - a, x11 = a + b + b;
        long iters = 0;
        double t0 = now(), t;
        do {
            for (int i = 0; i < 1000; i++) {
#define FMA(x) x = x * a + b
                FMA(x0); FMA(x1); FMA(x2); FMA(x3); FMA(x4); FMA(x5);
                FMA(x6); FMA(x7); FMA(x8); FMA(x9); FMA(x10); FMA(x11);
                __asm__ volatile("" : "+v"(x0), "+v"(x1), "+v"(x2), "+v"(x3), "+v"(x4), "+v"(x5));
                __asm__ volatile("" : "+v"(x6), "+v"(x7), "+v"(x8), "+v"(x9), "+v"(x10), "+v"(x11));
            }
            iters += 1000;
        } while ((t = now() - t0) < 0.1);
        vec sum = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11;
        if (sum[0] == 12345.0f) /* keep the chains */
            puts("");
        double macs = (double)iters * CHAINS * LANES / t;
        if (macs > best)
            best = macs;
    }
    return best;
}

/* Bytes per second read from a buffer of n bytes, over and over. */
static double bandwidth(size_t n)
{
    size_t nv = n / sizeof(vec) ? n / sizeof(vec) : 1;
    vec *buf = aligned_alloc(64, nv * sizeof(vec));
    if (!buf) {
        fprintf(stderr, "floor: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < nv; i++)
        for (int l = 0; l < LANES; l++)
            buf[i][l] = (float)((i + (size_t)l) % 7);
    double best = 0;
    for (int run = 0; run < 5; run++) {
        vec s[8] = {{0}};
        long passes = 0;
        double t0 = now(), t;
        do {
            size_t i = 0;
            for (; i + 8 <= nv; i += 8)
                for (int k = 0; k < 8; k++)
                    s[k] += buf[i + (size_t)k];
            for (; i < nv; i++)
                s[0] += buf[i];
            passes++;
            __asm__ volatile("" : : "g"(s) : "memory");
        } while ((t = now() - t0) < 0.1);
        if (s[0][0] + s[1][0] + s[2][0] + s[3][0] + s[4][0] + s[5][0] + s[6][0] + s[7][0] == -1.0f)
            puts("");
        double bps = (double)passes * (double)(nv * sizeof(vec)) / t;
        if (bps > best)
            best = bps;
    }
    free(buf);
    return best;
}

/* Multiply-adds of one window through n layers. */
static double layer_macs(const har_layer *ls, int n)
{
    double macs = 0;
    for (int i = 0; i < n; i++) {
        const har_layer *l = &ls[i];
        har_layer_info in;
        if (har_layer_describe(l, &in) != 0)
            continue;
        switch (in.type) {
        case HAR_LAYER_DENSE:
            macs += (double)l->in.t * l->in.f * l->out.f;
            break;
        case HAR_LAYER_CONV1D:
            macs += (double)l->out.t * l->out.f * l->in.f * in.kernel;
            break;
        case HAR_LAYER_RECURRENT: {
            int G = in.cell == HAR_CELL_GRU ? 3 : in.cell == HAR_CELL_LSTM ? 4 : 1, D = in.bidirectional ? 2 : 1;
            int f = l->in.f;
            for (int k = 0; k < in.layers; k++) {
                macs += (double)D * l->in.t * G * in.hidden * (f + in.hidden);
                f = D * in.hidden;
            }
            break;
        }
        case HAR_LAYER_READOUT:
            if (in.readout == HAR_READ_ATTENTION)
                macs += 2.0 * l->in.t * l->in.f;
            break;
        case HAR_LAYER_RESIDUAL:
            macs += layer_macs(in.body, in.n);
            break;
        default:
            break;
        }
    }
    return macs;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: floor MODEL...\n");
        return 2;
    }
    double peak = peak_macs();
    printf("peak_gflops=%.1f", 2 * peak / 1e9);
    for (int i = 1; i < argc; i++) {
        har_checkpoint ck;
        har_err e = {0};
        if (har_checkpoint_load(&ck, argv[i], &e)) {
            fprintf(stderr, "floor: %s\n", e.msg);
            return 1;
        }
        double macs = layer_macs(ck.model.layers, ck.model.nlayers);
        size_t bytes = ck.model.nweights * sizeof(float);
        double bw = bandwidth(bytes);
        double compute = macs / peak * 1e6, memory = (double)bytes / bw * 1e6;
        if (i == 1)
            printf(" bandwidth_gbs=%.1f\n", bw / 1e9);
        printf("%s macs=%.0f weight_bytes=%zu bandwidth_gbs=%.1f compute_us=%.1f memory_us=%.1f floor_us=%.1f\n",
               argv[i], macs, bytes, bw / 1e9, compute, memory, compute > memory ? compute : memory);
        har_checkpoint_free(&ck);
    }
    return 0;
}
