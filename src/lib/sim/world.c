#include <stdlib.h>

#include "sim/metrics.h"
#include "sim/rng.h"
#include "sim/world.h"

struct world *
world_new(int size, int num_type_a, int num_type_b)
{
	struct world *w = calloc(1, sizeof(*w));
	size_t ncells = (size_t)size * (size_t)size;
	size_t nagents = (size_t)num_type_a + (size_t)num_type_b;

	if (w == NULL)
		return NULL;
	w->size = size;
	w->ncells = (int)ncells;
	w->nagents = (int)nagents;
	w->num_type_a = num_type_a;
	w->cell = malloc(ncells);
	w->agent_at = malloc(ncells * sizeof(int));
	w->empty = malloc(ncells * sizeof(int));
	w->empty_slot = malloc(ncells * sizeof(int));
	w->pos = malloc((nagents + 1) * sizeof(int));
	w->order = malloc((ncells + 1) * sizeof(int));
	if (!w->cell || !w->agent_at || !w->empty || !w->empty_slot ||
	    !w->pos || !w->order) {
		world_free(w);
		return NULL;
	}
	return w;
}

void
world_free(struct world *w)
{
	if (w == NULL)
		return;
	free(w->cell);
	free(w->agent_at);
	free(w->empty);
	free(w->empty_slot);
	free(w->pos);
	free(w->order);
	free(w);
}

int
world_agent_type(const struct world *w, int agent)
{
	return agent < w->num_type_a ? 0 : 1;
}

static void
put_agent(struct world *w, int agent, int cell)
{
	w->cell[cell] = (int8_t)world_agent_type(w, agent);
	w->agent_at[cell] = agent;
	w->pos[agent] = cell;
}

/* A uniformly random permutation of the cells; agent i takes the i-th. */
void
world_place(struct world *w, uint64_t seed, uint64_t run_id)
{
	struct rng r;
	int *cells = w->order;

	rng_init(&r, rng_key(seed, run_id, 0, 0, RNG_PLACEMENT));
	for (int i = 0; i < w->ncells; i++)
		cells[i] = i;
	rng_shuffle_int(&r, cells, w->ncells);
	for (int i = 0; i < w->ncells; i++) {
		w->cell[i] = CELL_EMPTY;
		w->agent_at[i] = -1;
	}
	for (int a = 0; a < w->nagents; a++)
		put_agent(w, a, cells[a]);
	w->nempty = 0;
	for (int i = 0; i < w->ncells; i++) {
		w->empty_slot[i] = -1;
		if (w->cell[i] == CELL_EMPTY) {
			w->empty_slot[i] = w->nempty;
			w->empty[w->nempty++] = i;
		}
	}
}

int
mechanical_decide(void *threshold, const struct world *w, int agent,
    const struct step_key *key, int *move)
{
	double similarity_threshold = *(const double *)threshold;
	int like, unlike;

	(void)key;
	moore_counts(w->cell, w->size, w->pos[agent], &like, &unlike);
	if (like + unlike == 0) {
		*move = 1;
		return 0;
	}
	/* The predecessor's expression, kept as is for identical ties. */
	*move = !(1.0 - (double)unlike / (like + unlike) >=
	    similarity_threshold);
	return 0;
}

static void
move_agent(struct world *w, int agent, int to)
{
	int from = w->pos[agent];
	int slot = w->empty_slot[to];

	/* the destination leaves the empty list, the origin takes its slot */
	w->empty[slot] = from;
	w->empty_slot[from] = slot;
	w->empty_slot[to] = -1;
	w->cell[from] = CELL_EMPTY;
	w->agent_at[from] = -1;
	put_agent(w, agent, to);
}

/* A mover goes to a uniformly random empty cell anywhere on the grid. */
static void
relocate(struct world *w, int agent, const struct step_key *key)
{
	struct rng r;

	rng_init(&r, rng_key(key->seed, key->run_id, (uint64_t)key->step,
	    (uint64_t)agent, RNG_DESTINATION));
	move_agent(w, agent, w->empty[rng_below(&r, (uint64_t)w->nempty)]);
}

/* The order the agents decide in at step key->step. */
void
world_order(const struct world *w, const struct step_key *key, int *order)
{
	struct rng r;

	for (int a = 0; a < w->nagents; a++)
		order[a] = a;
	rng_init(&r, rng_key(key->seed, key->run_id, (uint64_t)key->step, 0,
	    RNG_ORDER));
	rng_shuffle_int(&r, order, w->nagents);
}

/*
 * One sweep: every agent decides once, in a fresh random order, on the
 * grid as earlier movers of the same step left it.
 */
int
world_step(struct world *w, const struct decider *d,
    const struct step_key *key, struct step_counts *out)
{
	out->decisions = out->moves = 0;
	world_order(w, key, w->order);
	for (int i = 0; i < w->nagents; i++) {
		int agent = w->order[i], move = 0;

		if (d->lookahead != NULL)
			d->lookahead(d->ctx, w, w->order + i, w->nagents - i, key);
		if (d->decide(d->ctx, w, agent, key, &move) != 0)
			return -1;
		out->decisions++;
		if (move && w->nempty > 0) {
			relocate(w, agent, key);
			out->moves++;
		}
	}
	return 0;
}

void
world_grid_string(const struct world *w, char *out)
{
	static const char symbol[] = { '.', 'A', 'B' };

	for (int i = 0; i < w->ncells; i++)
		out[i] = symbol[w->cell[i] + 1];
	out[w->ncells] = '\0';
}

/*
 * What an agent sees: its 3x3 neighbourhood as three rows of X (itself),
 * S (same type), O (other type), E (empty) and # (off the grid), cells
 * separated by spaces, rows by newlines; 17 characters and a NUL.
 */
void
world_context(const struct world *w, int cell, char *out)
{
	int g = w->size, r = cell / g, c = cell % g;
	int8_t self = w->cell[cell];

	for (int dr = -1; dr <= 1; dr++) {
		for (int dc = -1; dc <= 1; dc++) {
			char ch;

			if (r + dr < 0 || r + dr >= g || c + dc < 0 || c + dc >= g)
				ch = '#';
			else if (dr == 0 && dc == 0)
				ch = 'X';
			else if (w->cell[cell + dr * g + dc] == CELL_EMPTY)
				ch = 'E';
			else
				ch = w->cell[cell + dr * g + dc] == self ? 'S' : 'O';
			*out++ = ch;
			*out++ = dc < 1 ? ' ' : dr < 1 ? '\n' : '\0';
		}
	}
}

/* Returns 1 once the run has converged. */
int
convergence_update(struct convergence *c, int moves)
{
	c->zero_move_steps = moves == 0 ? c->zero_move_steps + 1 : 0;
	return c->zero_move_steps >= c->threshold;
}
