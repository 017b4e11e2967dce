/* The keyed generator: known values, independence of keys, uniformity. */
#include <string.h>

#include "check.h"
#include "model/rng.h"

static void
known_values(void)
{
	uint64_t state = 0;
	uint64_t first = splitmix64(&state);

	/* the reference splitmix64 from seed 0 starts with this value */
	CHECK(first == 0xe220a8397b1dcdafULL, "splitmix64(0) reference value");
	CHECK(rng_key(0, 0, 0, 0, RNG_ORDER) == rng_key(0, 0, 0, 0, RNG_ORDER),
	    "a key is a pure function of its parts");
}

static void
keys_differ(void)
{
	uint64_t base = rng_key(1, 2, 3, 4, RNG_DESTINATION);

	CHECK(base != rng_key(2, 2, 3, 4, RNG_DESTINATION), "seed changes key");
	CHECK(base != rng_key(1, 3, 3, 4, RNG_DESTINATION), "run changes key");
	CHECK(base != rng_key(1, 2, 4, 4, RNG_DESTINATION), "step changes key");
	CHECK(base != rng_key(1, 2, 3, 5, RNG_DESTINATION), "agent changes key");
	CHECK(base != rng_key(1, 2, 3, 4, RNG_ORDER), "purpose changes key");
	/* swapped parts must not collide */
	CHECK(rng_key(0, 1, 2, 0, RNG_ORDER) != rng_key(0, 2, 1, 0, RNG_ORDER),
	    "run and step are not interchangeable");
}

static void
below_is_uniform(void)
{
	struct rng r;
	long hist[7] = { 0 };
	int in_range = 1;
	double chi2 = 0;
	const long n = 700000;

	rng_init(&r, 42);
	for (long i = 0; i < n; i++) {
		uint64_t v = rng_below(&r, 7);

		if (v >= 7)
			in_range = 0;
		else
			hist[v]++;
	}
	for (int k = 0; k < 7; k++)
		chi2 += (hist[k] - n / 7.0) * (hist[k] - n / 7.0) / (n / 7.0);
	CHECK(in_range, "rng_below(7) stays in [0, 7)");
	/* 6 degrees of freedom: P(chi2 > 22.46) = 0.001 */
	CHECK(chi2 < 22.46, "rng_below(7) is uniform (chi2 %.2f)", chi2);
}

static void
uniform_and_shuffle(void)
{
	struct rng r;
	double sum = 0, lo = 1, hi = 0;
	int a[10], seen = 0;

	rng_init(&r, 7);
	for (int i = 0; i < 100000; i++) {
		double u = rng_uniform(&r);

		sum += u;
		lo = u < lo ? u : lo;
		hi = u > hi ? u : hi;
	}
	CHECK(lo >= 0 && hi < 1, "rng_uniform in [0, 1)");
	CHECK_NEAR(sum / 100000, 0.5, 0.005, "rng_uniform mean 0.5");
	for (int i = 0; i < 10; i++)
		a[i] = i;
	rng_shuffle_int(&r, a, 10);
	for (int i = 0; i < 10; i++)
		seen |= 1 << a[i];
	CHECK(seen == 0x3ff, "a shuffle is a permutation");
}

int
main(void)
{
	known_values();
	keys_differ();
	below_is_uniform();
	uniform_and_shuffle();
	return check_done();
}
