/* matvec.h - matrix-vector products for batch 1 (serving one window).
 *
 * At batch 1 every product of the forward pass is a matrix times one
 * vector, which OpenBLAS runs through its GEMM kernels at a fraction of
 * their speed (a GRU-64 window spent two thirds of its time there).  These
 * kernels do it directly, with AVX-512 or AVX2+FMA when the CPU has them and
 * plain C otherwise; each fixes its order of summation, the same on every
 * path, so results do not depend on the CPU:
 *
 *   chain  y[j] = W[j][0] x[0] + W[j][1] x[1] + ...  one fused multiply-add
 *          after another from 0, in the order of k: the plain order, which
 *          GEMM kernels mostly follow too (OpenBLAS's SkylakeX and
 *          Cooperlake ones for all but the last N mod 16 columns of a
 *          product: har_matvec_blas_chains), so a batch-1
 *          recurrent step computes what the same row computes in a batch.
 *          The rows of W come packed as a block of W^T (har_matvec_pack),
 *          in the order the caller wants them, stored contiguously.
 *   conv   y[r][c] = b[c] + (chain over i of A[r][i] blk[i][c]) for R rows
 *          at once, where A[r][i] = x[r xs + off[i]] is read where it lies:
 *          a convolution's receptive fields without im2col's copy.  The
 *          plain chain then the bias, as OpenBLAS's SkylakeX and
 *          Cooperlake kernels compute y = bias + col W^T (C += alpha A B
 *          with alpha 1 adds the bias last), so a batch-1 convolution gives
 *          the bits of the batched one there while its K fits one of
 *          OpenBLAS's blocks (conv1d.c).
 *   blocks y[j] = b[j] + (chain over the first block of k) + (chain over
 *          the next block) + ...: K cut as OpenBLAS's level-3 driver cuts
 *          it for its Cooperlake sgemm (har_matvec_kblock), each block's
 *          chain started from 0 and added to y in turn.  That is how
 *          OpenBLAS's Cooperlake kernels on one thread compute
 *          y = bias + x W^T in a batch of 256 rows for a K of any size
 *          (har_matvec_blas_blocks; measured up to K = 4608, for 6, 16 and
 *          48 outputs and more; not for 3, which OpenBLAS's small-matrix
 *          kernels take), so a batch-1 dense layer gives the batched one's
 *          bits there; for K up to 320, one block, it is the conv order
 *          with one row.  (Its threaded driver cuts 321 to 639 in halves
 *          not rounded to 16.)
 *
 * The double build (HAR_NN_DOUBLE) has the plain C versions only. */
#ifndef HAR_NN_MATVEC_H
#define HAR_NN_MATVEC_H

#include "nn.h"

/* blk [K, n] (row-major) = rows rows[0..n) of W [., K] (row-major),
 * transposed: blk[k][c] = W[rows[c]][k]; rows NULL means 0, 1, ... n - 1. */
void har_matvec_pack(real *restrict blk, const real *restrict W, const int *restrict rows, int n, int K);

/* y [n] = x [K] times blk [K, n], chain order: y[c] is the chain over k of
 * x[k] blk[k][c]. */
void har_matvec_chain(real *restrict y, const real *restrict x, const real *restrict blk, int K, int n);

/* The length of the next block of k when `left` are still to be summed,
 * as OpenBLAS's level-3 driver on one thread cuts K with its Cooperlake
 * sgemm (GEMM_Q 320,
 * GEMM_UNROLL_M 16): 320 while 640 or more are left; from 321 to 639, half
 * of them rounded up to a multiple of 16; up to 320, all of them. */
int har_matvec_kblock(int left);

/* y [n] = x [K] times blk [K, n] plus b, blocks order; tmp has room for n
 * values (each block's chain). */
void har_matvec_blocks(real *restrict y, real *restrict tmp, const real *restrict x, const real *restrict blk,
                       const real *restrict b, int K, int n);

/* y [R, n] (row-major) = b + A blk, conv order, with A [R, K] gathered:
 * A[r][i] = x[r * xs + off[i]]; blk [K, n] row-major (har_matvec_pack). */
void har_matvec_conv(real *restrict y, const real *restrict x, size_t xs, const int *restrict off,
                     const real *restrict blk, const real *restrict b, int R, int K, int n);

/* Whether OpenBLAS's products sum in the plain chain with the kernels it
 * runs (openblas_get_corename(): SkylakeX and Cooperlake do, for K up to
 * 320; Haswell and Zen, which make pins with OPENBLAS_CORETYPE, do not), so
 * that the chain and conv kernels give a batched product's bits. */
int har_matvec_blas_chains(void);

/* Whether OpenBLAS's products sum in the blocks order for any K: its
 * Cooperlake kernels do (SkylakeX's cut K otherwise beyond 384). */
int har_matvec_blas_blocks(void);

/* Picks the kernels' instruction set: "avx512", "avx2", "c", or NULL for the
 * best the CPU has (the default, chosen at load time).  -1 if the CPU lacks
 * it.  For the tests, which check that every version gives the same bits;
 * not thread-safe. */
int har_matvec_select(const char *isa);

/* Whether the AVX-512 kernels are the ones selected: code with AVX-512
 * kernels of its own follows the same choice (recurrent_step512.c). */
int har_matvec_avx512(void);

#endif
