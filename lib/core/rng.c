#include <math.h>

#include "rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void har_rng_seed(har_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t har_rng_u64(har_rng *r)
{
    uint64_t *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t har_rng_below(har_rng *r, uint64_t n)
{
    /* Rejection sampling: discard the top partial block of 2^64 mod n values. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;
    do
        x = har_rng_u64(r);
    while (x >= limit);
    return x % n;
}

double har_rng_uniform(har_rng *r)
{
    return (double)(har_rng_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

void har_rng_shuffle_i32(har_rng *r, int32_t *v, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)har_rng_below(r, i);
        int32_t t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

double har_rng_normal(har_rng *r)
{
    double u1 = har_rng_uniform(r), u2 = har_rng_uniform(r);
    return sqrt(-2 * log(1 - u1)) * cos(6.283185307179586 * u2);
}

void har_seed_stream(har_rng *r, uint64_t seed, const char *purpose)
{
    /* FNV-1a of the name: a fixed, documented constant per purpose. */
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)purpose; *p; p++)
        h = (h ^ *p) * 0x100000001b3ULL;
    har_rng_seed(r, seed ^ h);
}
