/*
 * splitmix64 folds the key (seed, run, step, agent, purpose) into one
 * 64-bit value; xoshiro256** expands it into a stream.  A run's draws
 * therefore depend on nothing but its key: not on process, order or host.
 */
#include "model/rng.h"

__extension__ typedef unsigned __int128 u128;

uint64_t
splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t
rng_key(uint64_t seed, uint64_t run_id, uint64_t step, uint64_t agent,
    enum rng_purpose purpose)
{
	uint64_t parts[5] = { seed, run_id, step, agent, (uint64_t)purpose };
	uint64_t h = 0;

	for (int i = 0; i < 5; i++) {
		h ^= parts[i];
		h = splitmix64(&h);
	}
	return h;
}

void
rng_init(struct rng *r, uint64_t key)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&key);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform in [0, n) without modulo bias (Lemire's method); n > 0. */
uint64_t
rng_below(struct rng *r, uint64_t n)
{
	u128 m = (u128)rng_next(r) * n;
	uint64_t low = (uint64_t)m;

	if (low < n) {
		uint64_t threshold = -n % n;

		while (low < threshold) {
			m = (u128)rng_next(r) * n;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

double
rng_uniform(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

void
rng_shuffle_int(struct rng *r, int *a, int n)
{
	for (int i = n - 1; i > 0; i--) {
		int j = (int)rng_below(r, (uint64_t)i + 1);
		int t = a[i];

		a[i] = a[j];
		a[j] = t;
	}
}

uint64_t
fnv1a64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}
