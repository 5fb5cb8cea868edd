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
 *   bandwidth  bytes per second one core reads from a buffer of a given
 *              size, again and again: the fastest of many timed stretches
 *              of some 8 MB each (about what a recurrent window reads;
 *              0.3 s of them), reading it forwards every time or forwards
 *              and backwards in turn, whichever is faster (for a buffer
 *              larger than the L1 cache the second keeps the part read
 *              last cached for the next pass, the first none of it);
 * and per model, from what each layer tells (har_layer_describe): the
 * multiply-adds of one window (dense t*in*out, conv1d T'*O*C*K, a recurrent
 * layer T*G*H*(in+H) per direction, attention t*f) and the bytes it must
 * read: every weight once, except a recurrent layer's W_hh (G*H*H floats
 * per direction), which every one of its T steps needs whole and which
 * cannot stay in registers (32 vector registers hold 2 KB), so a window
 * reads it T times per direction, at the bandwidth of a buffer its size.
 *   floor_us = max(2 * MACs / peak FLOP/s, bytes read / bandwidth).
 * Everything else a forward pass does (activations, softmax, memory traffic
 * of activations) only adds to it, so no implementation of the model in fp32
 * on this core can be faster than the rates measured here allow.  Output,
 * one line per model:
 *   MODEL macs=... weight_bytes=... recurrent_read_bytes=... bandwidth_gbs=...
 *         compute_us=... memory_us=... floor_us=... read_bytes=...
 * (read_bytes: every byte the floor counts read, W_hh's T times;
 * bandwidth_gbs: the rate those reads came to), after "peak_gflops=..." for
 * the machine. */
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
#define STRETCH_BYTES ((size_t)8 << 20) /* bytes per timed stretch of reads */

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

/* Bytes per second read from a buffer of n bytes, over and over: forwards
 * every time, or (alternate) forwards and backwards in turn. */
static double read_rate(size_t n, int alternate)
{
    size_t nv = n / sizeof(vec) >= 8 ? n / sizeof(vec) / 8 * 8 : 8; /* whole groups of 8 */
    size_t pass_bytes = nv * sizeof(vec);
    long per_stretch = pass_bytes >= STRETCH_BYTES ? 1 : (long)(STRETCH_BYTES / pass_bytes);
    vec *buf = aligned_alloc(64, pass_bytes);
    if (!buf) {
        fprintf(stderr, "floor: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < nv; i++)
        for (int l = 0; l < LANES; l++)
            buf[i][l] = (float)((i + (size_t)l) % 7);
    /* 8 sums in registers of their own: one add per load, 8 apart in the
     * chain, so the loads and not the adds set the pace */
    vec s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0}, s4 = {0}, s5 = {0}, s6 = {0}, s7 = {0};
    double best = 0, start = now();
    long passes = 0;
    do {
        double t0 = now();
        for (long k = 0; k < per_stretch; k++, passes++) {
            int back = alternate && passes % 2;
            for (size_t g = 0; g < nv; g += 8) {
                const vec *p = buf + (back ? nv - 8 - g : g);
                s0 += p[0], s1 += p[1], s2 += p[2], s3 += p[3];
                s4 += p[4], s5 += p[5], s6 += p[6], s7 += p[7];
            }
            __asm__ volatile("" : "+v"(s0), "+v"(s1), "+v"(s2), "+v"(s3), "+v"(s4), "+v"(s5), "+v"(s6), "+v"(s7));
        }
        double bps = (double)per_stretch * (double)pass_bytes / (now() - t0);
        if (bps > best)
            best = bps;
    } while (now() - start < 0.3);
    vec sum = s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
    if (sum[0] == -1.0f)
        puts("");
    free(buf);
    return best;
}

static double bandwidth(size_t n)
{
    double once = read_rate(n, 0), turns = read_rate(n, 1);
    return once > turns ? once : turns;
}

/* Seconds one window spends at least reading the recurrent layers' W_hh
 * among n layers, T times per direction, at the bandwidth of a buffer its
 * size; adds their W_hh bytes to *bytes and the bytes read (T times each)
 * to *read_bytes. */
static double recurrent_reads(const har_layer *ls, int n, size_t *bytes, double *read_bytes)
{
    double s = 0;
    for (int i = 0; i < n; i++) {
        har_layer_info in;
        if (har_layer_describe(&ls[i], &in) != 0)
            continue;
        if (in.type == HAR_LAYER_RESIDUAL) {
            s += recurrent_reads(in.body, in.n, bytes, read_bytes);
            continue;
        }
        if (in.type != HAR_LAYER_RECURRENT)
            continue;
        int G = in.cell == HAR_CELL_GRU ? 3 : in.cell == HAR_CELL_LSTM ? 4 : 1, D = in.bidirectional ? 2 : 1;
        size_t hh = (size_t)G * in.hidden * in.hidden * sizeof(float);
        double bw = bandwidth(hh), reads = (double)in.layers * D * ls[i].in.t * (double)hh;
        *bytes += (size_t)in.layers * D * hh;
        *read_bytes += reads;
        s += reads / bw;
    }
    return s;
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
    printf("peak_gflops=%.1f\n", 2 * peak / 1e9);
    for (int i = 1; i < argc; i++) {
        har_checkpoint ck;
        har_err e = {0};
        if (har_checkpoint_load(&ck, argv[i], &e)) {
            fprintf(stderr, "floor: %s\n", e.msg);
            return 1;
        }
        double macs = layer_macs(ck.model.layers, ck.model.nlayers), rec_bytes = 0;
        size_t bytes = ck.model.nweights * sizeof(float), hh_bytes = 0;
        double rec_s = recurrent_reads(ck.model.layers, ck.model.nlayers, &hh_bytes, &rec_bytes);
        /* the weights other than W_hh, read once, on a buffer of their size */
        double rest = bytes > hh_bytes ? (double)(bytes - hh_bytes) : 0;
        double memory_s = (rest > 0 ? rest / bandwidth(bytes - hh_bytes) : 0) + rec_s;
        double compute = macs / peak * 1e6, memory = memory_s * 1e6, read = rest + rec_bytes;
        printf("%s macs=%.0f weight_bytes=%zu recurrent_read_bytes=%.0f bandwidth_gbs=%.1f compute_us=%.1f "
               "memory_us=%.1f floor_us=%.1f read_bytes=%.0f\n",
               argv[i], macs, bytes, rec_bytes, memory_s > 0 ? read / memory_s / 1e9 : 0, compute, memory,
               compute > memory ? compute : memory, read);
        har_checkpoint_free(&ck);
    }
    return 0;
}
