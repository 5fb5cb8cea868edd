/* rng.h - the one source of randomness: xoshiro256** seeded by splitmix64.
 *
 * Every random choice in har takes an explicit seed and draws from a
 * har_rng, so the same command gives bit-identical outputs everywhere. */
#ifndef HAR_RNG_H
#define HAR_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t s[4];
} har_rng;

void har_rng_seed(har_rng *r, uint64_t seed);
uint64_t har_rng_u64(har_rng *r);
/* Uniform integer in [0, n), unbiased (n > 0). */
uint64_t har_rng_below(har_rng *r, uint64_t n);
/* Uniform double in [0, 1) with 53 random bits. */
double har_rng_uniform(har_rng *r);
/* Standard normal by Box-Muller, one value per call (two uniforms): simple,
 * and the same sequence everywhere. */
double har_rng_normal(har_rng *r);
/* Fisher-Yates shuffle of n int32 values. */
void har_rng_shuffle_i32(har_rng *r, int32_t *v, size_t n);

/* Seeds r with a stream for one purpose ("bootstrap-windows", "baseline"):
 * seed mixed with a hash of the name, so each random choice of a run has its
 * own sequence and adding one never shifts another. */
void har_seed_stream(har_rng *r, uint64_t seed, const char *purpose);

#endif
