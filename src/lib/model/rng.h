/* Keyed random streams: every draw is a pure function of its key. */
#ifndef SIM_MODEL_RNG_H
#define SIM_MODEL_RNG_H

#include <stdint.h>

/* What a stream is used for; part of the key so streams never overlap. */
enum rng_purpose {
	RNG_PLACEMENT = 1,
	RNG_ORDER = 2,       /* the order agents decide in, per step */
	RNG_DESTINATION = 3, /* where a mover goes, per step and agent */
	RNG_REQUEST_SEED = 4, /* the seed an agent sends with a request */
	RNG_TABLE = 5,        /* a table-driven agent's draw against P(MOVE) */
	RNG_PROBE = 6,        /* simprobe's sample seeds */
	RNG_OPTIONS = 7,      /* the empty cells a choosing mover is offered */
	RNG_CHOICE_SEED = 8   /* the seed of an agent's choice request */
};

struct rng {
	uint64_t s[4];
};

uint64_t splitmix64(uint64_t *state);
uint64_t rng_key(uint64_t seed, uint64_t run_id, uint64_t step,
    uint64_t agent, enum rng_purpose purpose);
void rng_init(struct rng *r, uint64_t key);
uint64_t rng_next(struct rng *r);
uint64_t rng_below(struct rng *r, uint64_t n);
double rng_uniform(struct rng *r);
void rng_shuffle_int(struct rng *r, int *a, int n);

/* FNV-1a, 64 bits: a stable name for a text (not a random stream). */
uint64_t fnv1a64(const char *s);

#endif
