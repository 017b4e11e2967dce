/* The grid, its agents, and one sweep of the model. */
#ifndef WORLD_H
#define WORLD_H

#include <stdint.h>

#include "sim/params.h"

#define CELL_EMPTY ((int8_t)-1)

struct world {
	int size;         /* the grid is size x size, bounded */
	int ncells;
	int nagents;      /* agents 0..num_type_a-1 are type 0, the rest type 1 */
	int num_type_a;
	int8_t *cell;     /* CELL_EMPTY, 0 or 1, row-major */
	int *agent_at;    /* agent id on a cell, -1 when empty */
	int *pos;         /* cell of each agent */
	int *empty;       /* the empty cells, in no particular order */
	int *empty_slot;  /* index of a cell in empty[], -1 when occupied */
	int nempty;
	int *order;       /* scratch: the order agents decide in */
};

/* Who decides a step: the key of the run and the step being played. */
struct step_key {
	uint64_t seed;
	uint64_t run_id;
	int step;
};

/*
 * An agent kind.  decide() sets *move for the agent on its cell and
 * returns 0, or returns -1 when no decision could be had (the run fails).
 * lookahead(), if set, is shown the agents whose turn comes next (the
 * first is about to decide) before each decision.
 */
struct decider {
	int (*decide)(void *ctx, const struct world *w, int agent,
	    const struct step_key *key, int *move);
	void *ctx;
	void (*lookahead)(void *ctx, const struct world *w, const int *next,
	    int count, const struct step_key *key);
};

struct step_counts {
	int decisions;
	int moves;
};

struct world *world_new(int size, int num_type_a, int num_type_b);
void world_free(struct world *w);
void world_place(struct world *w, uint64_t seed, uint64_t run_id);
void world_order(const struct world *w, const struct step_key *key,
    int *order);
int world_step(struct world *w, const struct decider *d,
    const struct step_key *key, struct step_counts *out);
void world_grid_string(const struct world *w, char *out);
void world_context(const struct world *w, int cell, char *out);
int world_agent_type(const struct world *w, int agent);

/* The predecessor's rule: move iff too few occupied neighbours are alike. */
int mechanical_decide(void *threshold, const struct world *w, int agent,
    const struct step_key *key, int *move);

/* K zero-move steps in a row end a run; the window's first step counts. */
struct convergence {
	int threshold;
	int zero_move_steps;
};

int convergence_update(struct convergence *c, int moves);

#endif
