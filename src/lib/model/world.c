/*
 * The grid, its agents, and one sweep of the model: the happiness rule
 * (share or count, exact), the neighbourhood (radius, bounded or torus),
 * where movers go (random, satisfying, nearest satisfying) and how a step
 * runs (sequential or synchronous).
 *
 * Per cell and type the world keeps how many agents of that type stand
 * within the radius (count[]), updated by each move in O(R^2), so that a
 * decision is O(1).  With a satisfying move rule it also keeps, per type,
 * the set of empty cells where such an agent would be happy (sat[]),
 * updated by the same moves, so that a uniformly random satisfying cell
 * is one draw and the nearest one a ring search, never a scan of all
 * empty cells.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/metrics.h"
#include "model/rng.h"
#include "model/world.h"

__extension__ typedef unsigned __int128 u128;

void
model_default(struct model *m)
{
	memset(m, 0, sizeof(*m));
	m->radius = 1;
	m->min_similar = -1;
	m->threshold = 0.5;
	m->move_rule = MOVE_RANDOM;
}

void
model_from_params(struct model *m, const struct model_params *p)
{
	model_default(m);
	m->radius = p->radius;
	m->torus = p->boundary == BOUNDARY_TORUS;
	m->min_similar = p->min_similar;
	m->threshold = p->similarity_threshold;
	m->float_threshold = p->threshold_arithmetic == THRESHOLD_PREDECESSOR;
	m->isolated_stay = p->isolated == ISOLATED_STAY;
	m->move_rule = p->move_rule;
	m->movers_anyone = p->movers == MOVERS_ANYONE;
	m->synchronous = p->update == UPDATE_SYNCHRONOUS;
}

struct world *
world_new(int size, int num_type_a, int num_type_b)
{
	struct world *w = calloc(1, sizeof(*w));
	size_t ncells = (size_t)size * (size_t)size;
	size_t nagents = (size_t)num_type_a + (size_t)num_type_b;
	struct model m;

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
	w->count = calloc(2 * ncells, sizeof(uint16_t));
	model_default(&m);
	if (!w->cell || !w->agent_at || !w->empty || !w->empty_slot ||
	    !w->pos || !w->order || !w->count ||
	    world_set_model(w, &m) != 0) {
		world_free(w);
		return NULL;
	}
	return w;
}

static void
free_sets(struct world *w)
{
	for (int t = 0; t < 2; t++) {
		free(w->sat[t]);
		free(w->sat_slot[t]);
		w->sat[t] = w->sat_slot[t] = NULL;
		w->nsat[t] = 0;
	}
	free(w->scratch);
	w->scratch = NULL;
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
	free(w->count);
	free(w->mover);
	free_sets(w);
	free(w);
}

/*
 * t = num / 10^exp10 exactly, from the shortest decimal that reads back
 * as t: what the user typed, whether it came from a flag or a config file.
 */
void
threshold_rational(double t, uint64_t *num, int *exp10)
{
	char buf[64], *p;
	uint64_t m = 0;
	int digits = 0, e;

	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, t);
		if (strtod(buf, NULL) == t)
			break;
	}
	for (p = buf; *p != '\0' && *p != 'e'; p++) {
		if (isdigit((unsigned char)*p)) {
			m = m * 10 + (uint64_t)(*p - '0');
			digits++;
		}
	}
	e = *p == 'e' ? atoi(p + 1) : 0;
	*exp10 = digits - 1 - e;
	for (; *exp10 < 0; (*exp10)++)
		m *= 10;
	*num = m;
}

/* The least k with k/n >= t, exactly (n > 0, 0 <= t <= 1). */
int
need_alike(double t, int n)
{
	uint64_t num;
	int k;
	u128 den = 1, prod, q;

	threshold_rational(t, &num, &k);
	if (num == 0)
		return 0;
	if (k > 38)   /* t < 1e-21: any positive share reaches it */
		return 1;
	for (int i = 0; i < k; i++)
		den *= 10;
	prod = (u128)num * (u128)n;
	q = prod / den;
	return (int)(q + (prod % den != 0));
}

/* The predecessor's comparison, 1 - unlike/n >= t in doubles. */
static int
need_alike_float(double t, int n)
{
	for (int like = 0; like <= n; like++)
		if (1.0 - (double)(n - like) / n >= t)
			return like;
	return n + 1;
}

static int
neighbourhood_size(int radius)
{
	return (2 * radius + 1) * (2 * radius + 1) - 1;
}

int
world_set_model(struct world *w, const struct model *m)
{
	int nmax = neighbourhood_size(m->radius);
	size_t n = (size_t)w->ncells;

	w->model = *m;
	w->need[0] = 0;
	for (int k = 1; k <= nmax; k++)
		w->need[k] = m->min_similar >= 0 ? m->min_similar :
		    m->float_threshold ? need_alike_float(m->threshold, k) :
		    need_alike(m->threshold, k);
	free_sets(w);
	if (m->move_rule != MOVE_RANDOM) {
		for (int t = 0; t < 2; t++) {
			w->sat[t] = malloc(n * sizeof(int));
			w->sat_slot[t] = malloc(n * sizeof(int));
		}
		w->scratch = malloc(n * sizeof(int));
		if (!w->sat[0] || !w->sat[1] || !w->sat_slot[0] ||
		    !w->sat_slot[1] || !w->scratch)
			return -1;
	}
	free(w->mover);
	w->mover = NULL;
	if (m->synchronous &&
	    (w->mover = calloc((size_t)w->nagents + 1, 1)) == NULL)
		return -1;
	return 0;
}

int
world_agent_type(const struct world *w, int agent)
{
	return agent < w->num_type_a ? 0 : 1;
}

int
world_happy(const struct world *w, int like, int unlike)
{
	int n = like + unlike;

	return n == 0 ? w->model.isolated_stay : like >= w->need[n];
}

void
world_neighbours(const struct world *w, int cell, int *like, int *unlike)
{
	const uint16_t *c = w->count + 2 * (size_t)cell;
	int t = w->cell[cell];

	*like = c[t];
	*unlike = c[1 - t];
}

/* Adds delta to count[type] of every cell within the radius of cell. */
static void
count_around(struct world *w, int cell, int type, int delta)
{
	int g = w->size, r = w->model.radius;
	int row = cell / g, col = cell % g;
	uint16_t *cnt = w->count + type;

	for (int dr = -r; dr <= r; dr++) {
		int rr = row + dr;
		uint16_t *line;

		if (rr < 0 || rr >= g) {
			if (!w->model.torus)
				continue;
			rr = rr < 0 ? rr + g : rr - g;
		}
		line = cnt + 2 * (size_t)rr * (size_t)g;
		if (!w->model.torus) {
			int c0 = col - r < 0 ? 0 : col - r;
			int c1 = col + r >= g ? g - 1 : col + r;

			for (int c = c0; c <= c1; c++)
				line[2 * c] = (uint16_t)(line[2 * c] + delta);
		} else {
			for (int dc = -r; dc <= r; dc++) {
				int c = col + dc;

				c = c < 0 ? c + g : c >= g ? c - g : c;
				line[2 * c] = (uint16_t)(line[2 * c] + delta);
			}
		}
	}
	cnt[2 * cell] = (uint16_t)(cnt[2 * cell] - delta);   /* not itself */
}

static void
set_put(int *set, int *slot, int *n, int cell)
{
	slot[cell] = *n;
	set[(*n)++] = cell;
}

static void
set_drop(int *set, int *slot, int *n, int cell)
{
	int last = set[--(*n)];

	set[slot[cell]] = last;
	slot[last] = slot[cell];
	slot[cell] = -1;
}

/* Puts a cell in or out of the satisfying sets, as it now stands. */
static void
sat_update(struct world *w, int cell)
{
	for (int t = 0; t < 2; t++) {
		const uint16_t *c = w->count + 2 * (size_t)cell;
		int in = w->cell[cell] == CELL_EMPTY &&
		    world_happy(w, c[t], c[1 - t]);

		if (in && w->sat_slot[t][cell] < 0)
			set_put(w->sat[t], w->sat_slot[t], &w->nsat[t], cell);
		else if (!in && w->sat_slot[t][cell] >= 0)
			set_drop(w->sat[t], w->sat_slot[t], &w->nsat[t], cell);
	}
}

static void
sat_around(struct world *w, int cell)
{
	int g = w->size, r = w->model.radius;
	int row = cell / g, col = cell % g;

	if (w->sat[0] == NULL)
		return;
	for (int dr = -r; dr <= r; dr++) {
		for (int dc = -r; dc <= r; dc++) {
			int rr = row + dr, c = col + dc;

			if (w->model.torus) {
				rr = rr < 0 ? rr + g : rr >= g ? rr - g : rr;
				c = c < 0 ? c + g : c >= g ? c - g : c;
			} else if (rr < 0 || rr >= g || c < 0 || c >= g) {
				continue;
			}
			sat_update(w, rr * g + c);
		}
	}
}

static void
put_agent(struct world *w, int agent, int cell)
{
	w->cell[cell] = (int8_t)world_agent_type(w, agent);
	w->agent_at[cell] = agent;
	w->pos[agent] = cell;
}

void
world_reindex(struct world *w)
{
	w->nempty = 0;
	for (int i = 0; i < w->ncells; i++) {
		w->empty_slot[i] = -1;
		if (w->cell[i] == CELL_EMPTY) {
			w->empty_slot[i] = w->nempty;
			w->empty[w->nempty++] = i;
		}
	}
	memset(w->count, 0, 2 * (size_t)w->ncells * sizeof(uint16_t));
	for (int a = 0; a < w->nagents; a++)
		count_around(w, w->pos[a], world_agent_type(w, a), 1);
	if (w->sat[0] == NULL)
		return;
	for (int t = 0; t < 2; t++) {
		w->nsat[t] = 0;
		for (int i = 0; i < w->ncells; i++)
			w->sat_slot[t][i] = -1;
	}
	for (int i = 0; i < w->nempty; i++)
		sat_update(w, w->empty[i]);
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
	world_reindex(w);
}

int
mechanical_decide(void *ctx, const struct world *w, int agent,
    const struct step_key *key, int *move)
{
	int like, unlike;

	(void)ctx;
	(void)key;
	world_neighbours(w, w->pos[agent], &like, &unlike);
	*move = !world_happy(w, like, unlike);
	return 0;
}

/* The destination leaves the empty list, the origin takes its slot. */
static void
move_agent(struct world *w, int agent, int to)
{
	int from = w->pos[agent];
	int slot = w->empty_slot[to];

	w->empty[slot] = from;
	w->empty_slot[from] = slot;
	w->empty_slot[to] = -1;
	w->cell[from] = CELL_EMPTY;
	w->agent_at[from] = -1;
	put_agent(w, agent, to);
}

/* Chebyshev distance between two cells, around the torus if it is one. */
static int
distance(const struct world *w, int a, int b)
{
	int g = w->size;
	int dr = abs(a / g - b / g), dc = abs(a % g - b % g);

	if (w->model.torus) {
		dr = dr < g - dr ? dr : g - dr;
		dc = dc < g - dc ? dc : g - dc;
	}
	return dr > dc ? dr : dc;
}

/* Would the agent be happy on empty cell `to`, itself gone from home? */
static int
happy_at(const struct world *w, int agent, int to)
{
	int t = world_agent_type(w, agent);
	const uint16_t *c = w->count + 2 * (size_t)to;
	int like = c[t] - (distance(w, w->pos[agent], to) <= w->model.radius);

	return world_happy(w, like, c[1 - t]);
}

/* Keeps cell in the candidates when it is a satisfying one for type t. */
static void
ring_cell(const struct world *w, int t, int row, int col, int *n)
{
	int g = w->size, cell;

	if (w->model.torus) {
		row = row < 0 ? row + g : row >= g ? row - g : row;
		col = col < 0 ? col + g : col >= g ? col - g : col;
	} else if (row < 0 || row >= g || col < 0 || col >= g) {
		return;
	}
	cell = row * g + col;
	if (w->sat_slot[t][cell] >= 0)
		w->scratch[(*n)++] = cell;
}

/*
 * The satisfying cells nearest to `from` (Chebyshev), into scratch; their
 * number.  Rings of growing radius while they are cheaper than the set,
 * then one pass over the set for the rest.
 */
static int
nearest_satisfying(struct world *w, int t, int from)
{
	int g = w->size, row = from / g, col = from % g, n = 0;
	int dmax = w->model.torus ? (g - 1) / 2 : g - 1;
	long scanned = 0, budget = 4L * w->nsat[t] + 64;
	int best = -1;

	for (int d = 1; d <= dmax && scanned < budget; d++) {
		for (int dc = -d; dc <= d; dc++) {
			ring_cell(w, t, row - d, col + dc, &n);
			ring_cell(w, t, row + d, col + dc, &n);
		}
		for (int dr = -d + 1; dr <= d - 1; dr++) {
			ring_cell(w, t, row + dr, col - d, &n);
			ring_cell(w, t, row + dr, col + d, &n);
		}
		if (n > 0)
			return n;
		scanned += 8L * d;
	}
	for (int i = 0; i < w->nsat[t]; i++) {
		int cell = w->sat[t][i], d = distance(w, from, cell);

		if (best < 0 || d < best) {
			best = d;
			n = 0;
		}
		if (d == best)
			w->scratch[n++] = cell;
	}
	return n;
}

void
world_move(struct world *w, int agent, int to)
{
	int from = w->pos[agent], t = world_agent_type(w, agent);

	move_agent(w, agent, to);
	count_around(w, from, t, -1);
	count_around(w, to, t, 1);
	sat_around(w, from);
	sat_around(w, to);
}

void
world_lift(struct world *w, int agent, int delta)
{
	int cell = w->pos[agent];

	count_around(w, cell, world_agent_type(w, agent), delta);
	sat_around(w, cell);
}

/*
 * A mover's destination under the move rule, drawn from the stream keyed
 * by (seed, run, step, agent); -1 to stay.  A happy agent (with --movers
 * anyone) takes only a cell where it would be happy.
 */
static int
relocate(struct world *w, int agent, int unhappy, const struct step_key *key)
{
	int from = w->pos[agent], t = world_agent_type(w, agent), to, n;
	struct rng r;

	rng_init(&r, rng_key(key->seed, key->run_id, (uint64_t)key->step,
	    (uint64_t)agent, RNG_DESTINATION));
	if (w->model.move_rule == MOVE_RANDOM) {
		to = w->empty[rng_below(&r, (uint64_t)w->nempty)];
		if (!unhappy && !happy_at(w, agent, to))
			return 0;
		world_move(w, agent, to);
		return 1;
	}
	/* judge the cells without the mover: take it off its home first */
	count_around(w, from, t, -1);
	sat_around(w, from);
	if (w->model.move_rule == MOVE_SATISFYING)
		to = w->nsat[t] == 0 ? -1 :
		    w->sat[t][rng_below(&r, (uint64_t)w->nsat[t])];
	else
		to = (n = nearest_satisfying(w, t, from)) == 0 ? -1 :
		    w->scratch[rng_below(&r, (uint64_t)n)];
	if (to < 0) {
		count_around(w, from, t, 1);
		sat_around(w, from);
		return 0;
	}
	move_agent(w, agent, to);
	count_around(w, to, t, 1);
	sat_around(w, from);
	sat_around(w, to);
	return 1;
}

/*
 * A choosing mover: up to d->choices distinct empty cells drawn from the
 * stream keyed (seed, run, step, agent, RNG_OPTIONS), the decider takes
 * one.  1 moved, -1 the run stops.
 */
static int
choose_destination(struct world *w, const struct decider *d, int agent,
    const struct step_key *key)
{
	int cells[16], n = d->choices < w->nempty ? d->choices : w->nempty;
	int pick = 0;
	struct rng r;

	if (n > 16)
		n = 16;
	rng_init(&r, rng_key(key->seed, key->run_id, (uint64_t)key->step,
	    (uint64_t)agent, RNG_OPTIONS));
	for (int i = 0; i < n; i++) {
		int j, c = w->empty[rng_below(&r, (uint64_t)w->nempty)];

		for (j = 0; j < i && cells[j] != c; j++)
			;
		if (j < i)
			i--;            /* drawn before: draw again */
		else
			cells[i] = c;
	}
	if (d->destination(d->ctx, w, agent, cells, n, key, &pick) != 0)
		return -1;
	world_move(w, agent, cells[pick]);
	return 1;
}

static int
place_mover(struct world *w, const struct decider *d, int agent, int move,
    const struct step_key *key)
{
	if (d->destination != NULL && w->model.move_rule == MOVE_RANDOM)
		return choose_destination(w, d, agent, key);
	return relocate(w, agent, move, key);
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
 * Large grids: what the agents a few turns ahead will read is fetched
 * into the cache early (their cell, then its counts).  Only a hint.
 */
static void
prefetch_agent(const struct world *w, int i)
{
	if (i + 16 < w->nagents)
		__builtin_prefetch(&w->pos[w->order[i + 16]]);
	if (i + 8 < w->nagents)
		__builtin_prefetch(&w->count[2 * (size_t)w->pos[w->order[i + 8]]]);
}

static int
decide(struct world *w, const struct decider *d, int i,
    const struct step_key *key, int *move)
{
	if (d->lookahead != NULL)
		d->lookahead(d->ctx, w, w->order + i, w->nagents - i, key);
	*move = 0;
	return d->decide(d->ctx, w, w->order[i], key, move);
}

/*
 * One sweep: every agent decides once, in a fresh random order.
 * Sequential: each on the grid as earlier movers of the step left it.
 * Synchronous: all decide on the grid as the step found it, then the
 * movers move in the same order.
 */
int
world_step(struct world *w, const struct decider *d,
    const struct step_key *key, struct step_counts *out)
{
	int anyone = w->model.movers_anyone;

	out->decisions = out->moves = 0;
	world_order(w, key, w->order);
	for (int i = 0; i < w->nagents; i++) {
		int move, moved;

		prefetch_agent(w, i);
		if (decide(w, d, i, key, &move) != 0)
			return -1;
		out->decisions++;
		if (w->mover != NULL)
			w->mover[w->order[i]] = (uint8_t)move;
		else if ((move || anyone) && w->nempty > 0) {
			if ((moved = place_mover(w, d, w->order[i], move,
			    key)) < 0)
				return -1;
			out->moves += moved;
		}
	}
	for (int i = 0; w->mover != NULL && i < w->nagents; i++) {
		int agent = w->order[i], move = w->mover[agent], moved;

		if ((move || anyone) && w->nempty > 0) {
			if ((moved = place_mover(w, d, agent, move, key)) < 0)
				return -1;
			out->moves += moved;
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
 * S (same type), O (other type), E (empty) and # (off the grid; on a
 * torus the rows and columns wrap instead), cells separated by spaces,
 * rows by newlines; 17 characters and a NUL.
 */
void
world_context(const struct world *w, int cell, char *out)
{
	int g = w->size, r = cell / g, c = cell % g;
	int8_t self = w->cell[cell];

	for (int dr = -1; dr <= 1; dr++) {
		for (int dc = -1; dc <= 1; dc++) {
			int rr = r + dr, cc = c + dc;
			char ch;

			if (w->model.torus) {
				rr = (rr + g) % g;
				cc = (cc + g) % g;
			}
			if (rr < 0 || rr >= g || cc < 0 || cc >= g)
				ch = '#';
			else if (dr == 0 && dc == 0)
				ch = 'X';
			else if (w->cell[rr * g + cc] == CELL_EMPTY)
				ch = 'E';
			else
				ch = w->cell[rr * g + cc] == self ? 'S' : 'O';
			*out++ = ch;
			*out++ = dc < 1 ? ' ' : dr < 1 ? '\n' : '\0';
		}
	}
}

void
world_context_for(const struct world *w, int cell, int agent, char *out)
{
	int g = w->size, r = cell / g, c = cell % g, home = w->pos[agent];
	int8_t self = (int8_t)world_agent_type(w, agent);

	for (int dr = -1; dr <= 1; dr++) {
		for (int dc = -1; dc <= 1; dc++) {
			int rr = r + dr, cc = c + dc, at;
			char ch;

			if (w->model.torus) {
				rr = (rr + g) % g;
				cc = (cc + g) % g;
			}
			at = rr * g + cc;
			if (rr < 0 || rr >= g || cc < 0 || cc >= g)
				ch = '#';
			else if (dr == 0 && dc == 0)
				ch = 'X';
			else if (at == home || w->cell[at] == CELL_EMPTY)
				ch = 'E';
			else
				ch = w->cell[at] == self ? 'S' : 'O';
			*out++ = ch;
			*out++ = dc < 1 ? ' ' : dr < 1 ? '\n' : '\0';
		}
	}
}

/* Returns 1 once the run has converged; never with threshold 0. */
int
convergence_update(struct convergence *c, int moves)
{
	c->zero_move_steps = moves == 0 ? c->zero_move_steps + 1 : 0;
	return c->threshold > 0 && c->zero_move_steps >= c->threshold;
}
