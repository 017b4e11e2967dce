/* The grid, its agents, and one sweep of the model. */
#ifndef SIM_MODEL_WORLD_H
#define SIM_MODEL_WORLD_H

#include <stdint.h>

#include "model/params.h"

#define CELL_EMPTY ((int8_t)-1)
#define RADIUS_MAX 10
#define NEIGHBOURS_MAX ((2 * RADIUS_MAX + 1) * (2 * RADIUS_MAX + 1) - 1)

/*
 * The rule an agent follows, where a mover goes, and how a step runs.
 * model_default() is the predecessor's model (see simtools(7) THE MODEL).
 */
struct model {
	int radius;             /* Chebyshev radius of the neighbourhood */
	int torus;              /* 1: the grid wraps around */
	int min_similar;        /* >= 0: happy with this many alike; -1: share */
	double threshold;       /* least alike share of occupied neighbours */
	int float_threshold;    /* the predecessor's floating-point comparison */
	int isolated_stay;      /* an agent without neighbours is happy */
	int move_rule;          /* enum move_rule */
	int movers_anyone;      /* happy agents move to satisfying cells too */
	int synchronous;        /* movers fixed at the start of a step */
};

struct world {
	int size;         /* the grid is size x size, bounded or a torus */
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
	struct model model;
	/* need[n]: least alike neighbours to be happy among n occupied ones */
	int need[NEIGHBOURS_MAX + 1];
	/* count[2 * cell + type]: agents of the type around the cell (not itself) */
	uint16_t *count;
	/*
	 * With a satisfying move rule: the empty cells where an agent of a
	 * type would be happy, as an indexed set (sat_slot -1: not in it).
	 */
	int *sat[2];
	int *sat_slot[2];
	int nsat[2];
	int *scratch;     /* candidates of the nearest search */
	uint8_t *mover;   /* synchronous update: who moves this step */
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
	/* NULL: a mover lands on a random empty cell.  Else, under the
	 * random move rule, it is offered `choices` empty cells (drawn
	 * from the stream keyed RNG_OPTIONS) and destination() sets *pick
	 * to the index of the one it takes; 0, or -1 to stop the run */
	int (*destination)(void *ctx, const struct world *w, int agent,
	    const int *cells, int n, const struct step_key *key, int *pick);
	int choices;
};

struct step_counts {
	int decisions;
	int moves;
};

struct world *world_new(int size, int num_type_a, int num_type_b);
void world_free(struct world *w);
void model_default(struct model *m);
void model_from_params(struct model *m, const struct model_params *p);
/*
 * The model for the next runs (before world_place or world_reindex: the
 * counts depend on the radius and boundary); -1 when memory is short.
 */
int world_set_model(struct world *w, const struct model *m);
void world_place(struct world *w, uint64_t seed, uint64_t run_id);
/* Rebuilds the empty list and the counts from cell[], agent_at[], pos[]. */
void world_reindex(struct world *w);
/*
 * Hooks for dynamics that choose the destination themselves (sim/utility):
 * world_move() moves an agent to an empty cell, keeping the empty list,
 * the counts and the satisfying sets; world_lift() adds delta (-1 or +1)
 * to the counts around the agent's cell, so that cells are judged as if
 * it had left (-1) and then as they are again (+1); it stays on its cell.
 */
void world_move(struct world *w, int agent, int to);
void world_lift(struct world *w, int agent, int delta);
/* Occupied neighbours of a cell within the model's radius. */
void world_neighbours(const struct world *w, int cell, int *like,
    int *unlike);
/* 1 when an agent of this type with these neighbours is happy. */
int world_happy(const struct world *w, int like, int unlike);
/* The exact rational of a threshold: the shortest decimal that reads back. */
void threshold_rational(double t, uint64_t *num, int *exp10);
int need_alike(double t, int n);
void world_order(const struct world *w, const struct step_key *key,
    int *order);
int world_step(struct world *w, const struct decider *d,
    const struct step_key *key, struct step_counts *out);
void world_grid_string(const struct world *w, char *out);
void world_context(const struct world *w, int cell, char *out);
/* Empty cell `cell` as the agent would see it living there: X the cell,
 * S and O by the agent's type, its home now E (the format above). */
void world_context_for(const struct world *w, int cell, int agent,
    char *out);
int world_agent_type(const struct world *w, int agent);

/*
 * The mechanical rule: move iff unhappy under the world's model (by
 * default the predecessor's: too few occupied neighbours alike).  ctx is
 * not used.
 */
int mechanical_decide(void *ctx, const struct world *w, int agent,
    const struct step_key *key, int *move);

/*
 * K zero-move steps in a row end a run; the window's first step counts.
 * K = 0: never (the run plays exactly max_steps steps).
 */
struct convergence {
	int threshold;
	int zero_move_steps;
};

int convergence_update(struct convergence *c, int moves);

#endif
