/*
 * Utility agents (sim/utility.h): a utility of the like share, best
 * response or logit moves.
 *
 * The utility depends only on the (alike, other) counts the world keeps
 * per cell, so each pair gets a level once per run: its rank among the
 * exact rational utilities (equal utilities, equal levels, whatever the
 * floating point would say).  Best response then keeps, per type, a
 * segment tree over the cells whose leaves are the levels of the empty
 * cells (-1 for occupied ones) and whose nodes hold the best level below
 * them and how many leaves reach it.  A move changes the counts of the
 * cells within the radius of its two ends, so only their leaves are
 * updated (O(R^2 log cells)); the best vacancy is the root, the first one
 * in row-major order or the k-th of the ties one descent.  No decision
 * scans the vacancies.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/rng.h"
#include "model/utility.h"

__extension__ typedef unsigned __int128 u128;

/* m is taken as an exact decimal with at most this many digits after
 * the point, so that utilities compare exactly in 128-bit integers. */
#define PEAK_M_DIGITS 9

struct utility {
	struct world *w;
	struct utility_model m;
	int stride;          /* neighbourhood size + 1: pairs are like*stride+unlike */
	int *level;          /* per pair */
	double *value;       /* per pair */
	int size;            /* leaves of the trees: a power of two >= cells */
	int32_t *best[2];    /* per type: best level below each node */
	int32_t *ties[2];    /* per type: leaves below a node at that level */
	int *window;         /* scratch: the cells within the radius of one */
};

void
utility_model_default(struct utility_model *um)
{
	memset(um, 0, sizeof(*um));
	um->kind = UTILITY_PREDECESSOR;
	um->dynamics = DYNAMICS_BEST_RESPONSE;
	um->rule = BR_PREDECESSOR;
	um->peak_m = UTILITY_PEAK_M_DEFAULT;
	um->temperature = LOGIT_TEMPERATURE_DEFAULT;
}

void
utility_model_from_params(struct utility_model *um,
    const struct model_params *p)
{
	um->kind = p->utility;
	um->dynamics = p->dynamics;
	um->rule = p->best_response;
	um->peak_m = p->utility_peak_m;
	um->temperature = p->logit_temperature;
}

/* m = num / 10^digits exactly; -1 when it needs more digits than allowed. */
static int
peak_m_rational(double m, uint64_t *num, uint64_t *den)
{
	int exp10;

	threshold_rational(m, num, &exp10);
	if (exp10 > PEAK_M_DIGITS)
		return -1;
	*den = 1;
	while (exp10-- > 0)
		*den *= 10;
	return 0;
}

int
utility_model_check(const struct utility_model *um, char *err, size_t errlen)
{
	uint64_t num, den;

	if (um->kind < UTILITY_PREDECESSOR || um->kind > UTILITY_ASYMMETRIC ||
	    um->dynamics < DYNAMICS_BEST_RESPONSE ||
	    um->dynamics > DYNAMICS_LOGIT ||
	    um->rule < BR_PREDECESSOR || um->rule > BR_EXACT) {
		snprintf(err, errlen, "unknown utility, dynamics or rule");
		return -1;
	}
	if (!(um->peak_m >= 0 && um->peak_m <= 1) ||
	    peak_m_rational(um->peak_m, &num, &den) != 0) {
		snprintf(err, errlen, "--utility-peak-m %.17g is not a number "
		    "from 0 to 1 with at most %d decimals; round it",
		    um->peak_m, PEAK_M_DIGITS);
		return -1;
	}
	if (!(um->temperature > 0) || isinf(um->temperature)) {
		snprintf(err, errlen, "--logit-temperature %.17g is not a "
		    "positive number", um->temperature);
		return -1;
	}
	return 0;
}

/* A utility as an exact fraction, to rank pairs. */
struct fraction {
	uint64_t num, den;
	int pair;
};

static struct fraction
exact_utility(const struct utility *u, int like, int unlike)
{
	int n = like + unlike;
	struct fraction f = { 0, 1, 0 };
	uint64_t a, d;

	switch (u->m.kind) {
	case UTILITY_PREDECESSOR:
		if (n > 0 && 2 * unlike <= n) {
			f.num = (uint64_t)n + 100 * (uint64_t)unlike;
			f.den = (uint64_t)n;
		}
		break;
	case UTILITY_THRESHOLD:
		f.num = (uint64_t)world_happy(u->w, like, unlike);
		break;
	default:
		if (n == 0)
			break;
		if (u->m.kind == UTILITY_PEAKED) {
			a = 0;
			d = 1;
		} else if (peak_m_rational(u->m.peak_m, &a, &d) != 0) {
			abort();   /* utility_model_check refuses it */
		}
		if (2 * like <= n) {
			f.num = 2 * (uint64_t)like;
			f.den = (uint64_t)n;
		} else {
			f.num = a * (uint64_t)n + 2 * (d - a) * (uint64_t)unlike;
			f.den = d * (uint64_t)n;
		}
	}
	return f;
}

static int
fraction_cmp(const void *pa, const void *pb)
{
	const struct fraction *a = pa, *b = pb;
	u128 l = (u128)a->num * b->den, r = (u128)b->num * a->den;

	return l < r ? -1 : l > r;
}

/*
 * The predecessor's arithmetic exactly (Agent.utility: x = unlike_ratio *
 * 100, 0 above the cutoff 50, else 1 + 1 * (50 - |x - 50|)), so that the
 * mean utility of its runs is the one it would print.
 */
static double
predecessor_value(int like, int unlike)
{
	int n = like + unlike;
	double ratio = n == 0 ? 1.0 : (double)unlike / (double)n;
	double x = ratio * 100;

	return x > 50 ? 0.0 : 1.0 + 1.0 * (50 - fabs(x - 50));
}

/* Levels and values of every (like, unlike) pair; -1 when memory is short. */
static int
build_levels(struct utility *u)
{
	int nmax = u->stride - 1, npairs = u->stride * u->stride, k = 0;
	struct fraction *f = malloc((size_t)npairs * sizeof(*f));

	u->level = malloc((size_t)npairs * sizeof(int));
	u->value = malloc((size_t)npairs * sizeof(double));
	if (f == NULL || u->level == NULL || u->value == NULL) {
		free(f);
		return -1;
	}
	for (int p = 0; p < npairs; p++) {
		int like = p / u->stride, unlike = p % u->stride;

		u->level[p] = -1;   /* more neighbours than there can be */
		u->value[p] = 0;
		if (like + unlike > nmax)
			continue;
		f[k] = exact_utility(u, like, unlike);
		f[k].pair = p;
		u->value[p] = u->m.kind == UTILITY_PREDECESSOR ?
		    predecessor_value(like, unlike) :
		    (double)f[k].num / (double)f[k].den;
		k++;
	}
	qsort(f, (size_t)k, sizeof(*f), fraction_cmp);
	for (int i = 0, lv = 0; i < k; i++) {
		if (i > 0 && fraction_cmp(&f[i - 1], &f[i]) != 0)
			lv++;
		u->level[f[i].pair] = lv;
	}
	free(f);
	return 0;
}

double
utility_value(const struct utility *u, int like, int unlike)
{
	return u->value[like * u->stride + unlike];
}

int
utility_level(const struct utility *u, int like, int unlike)
{
	return u->level[like * u->stride + unlike];
}

/* The level an agent of type t would have on cell (as counted now). */
static int
cell_level(const struct utility *u, int cell, int t)
{
	const uint16_t *c = u->w->count + 2 * (size_t)cell;

	return u->level[c[t] * u->stride + c[1 - t]];
}

/* Sets a leaf and mends the nodes above it while they change. */
static void
tree_set(struct utility *u, int t, int cell, int32_t lv)
{
	int32_t *best = u->best[t], *ties = u->ties[t];
	int i = u->size + cell;

	if (best[i] == lv)
		return;
	best[i] = lv;
	ties[i] = lv >= 0;
	for (i /= 2; i >= 1; i /= 2) {
		int l = 2 * i, r = l + 1;
		int32_t b = best[l] > best[r] ? best[l] : best[r];
		int32_t n = (best[l] == b ? ties[l] : 0) +
		    (best[r] == b ? ties[r] : 0);

		if (b < 0)
			n = 0;
		if (best[i] == b && ties[i] == n)
			break;
		best[i] = b;
		ties[i] = n;
	}
}

static void
leaf_update(struct utility *u, int t, int cell)
{
	tree_set(u, t, cell, u->w->cell[cell] == CELL_EMPTY ?
	    cell_level(u, cell, t) : -1);
}

void
utility_reindex(struct utility *u)
{
	if (u->best[0] == NULL)
		return;
	for (int t = 0; t < 2; t++) {
		int32_t *best = u->best[t], *ties = u->ties[t];

		for (int i = 0; i < u->size; i++) {
			int cell = i;

			best[u->size + i] = cell < u->w->ncells &&
			    u->w->cell[cell] == CELL_EMPTY ?
			    cell_level(u, cell, t) : -1;
			ties[u->size + i] = best[u->size + i] >= 0;
		}
		for (int i = u->size - 1; i >= 1; i--) {
			int l = 2 * i, r = l + 1;
			int32_t b = best[l] > best[r] ? best[l] : best[r];

			best[i] = b;
			ties[i] = b < 0 ? 0 : (best[l] == b ? ties[l] : 0) +
			    (best[r] == b ? ties[r] : 0);
		}
	}
}

/* The k-th leaf (from 0, row-major) at the root's level. */
static int
tree_pick(const struct utility *u, int t, int32_t k)
{
	const int32_t *best = u->best[t], *ties = u->ties[t];
	int32_t want = best[1];
	int i = 1;

	while (i < u->size) {
		int l = 2 * i;

		if (best[l] == want && k < ties[l]) {
			i = l;
		} else {
			if (best[l] == want)
				k -= ties[l];
			i = l + 1;
		}
	}
	return i - u->size;
}

struct utility *
utility_new(struct world *w, const struct utility_model *um)
{
	struct utility *u = calloc(1, sizeof(*u));
	int r = w->model.radius, side = 2 * r + 1;

	if (u == NULL)
		return NULL;
	u->w = w;
	u->m = *um;
	u->stride = side * side;
	u->window = malloc((size_t)side * side * sizeof(int));
	if (u->window == NULL || build_levels(u) != 0)
		goto fail;
	if (um->dynamics == DYNAMICS_BEST_RESPONSE) {
		for (u->size = 1; u->size < w->ncells; u->size *= 2)
			;
		for (int t = 0; t < 2; t++) {
			u->best[t] = malloc(2 * (size_t)u->size * sizeof(int32_t));
			u->ties[t] = malloc(2 * (size_t)u->size * sizeof(int32_t));
			if (u->best[t] == NULL || u->ties[t] == NULL)
				goto fail;
		}
	}
	utility_reindex(u);
	return u;
fail:
	utility_free(u);
	return NULL;
}

void
utility_free(struct utility *u)
{
	if (u == NULL)
		return;
	free(u->level);
	free(u->value);
	free(u->window);
	for (int t = 0; t < 2; t++) {
		free(u->best[t]);
		free(u->ties[t]);
	}
	free(u);
}

double
utility_mean(const struct utility *u)
{
	const struct world *w = u->w;
	double sum = 0;

	if (w->nagents == 0)
		return 0;
	for (int a = 0; a < w->nagents; a++) {
		int cell = w->pos[a], t = world_agent_type(w, a);

		sum += u->value[w->count[2 * (size_t)cell + t] * u->stride +
		    w->count[2 * (size_t)cell + 1 - t]];
	}
	return sum / w->nagents;
}

/* One coordinate of the window: wrapped on a torus, -1 off a bounded grid. */
static int
wrap(const struct world *w, int x)
{
	if (x >= 0 && x < w->size)
		return x;
	if (!w->model.torus)
		return -1;
	return x < 0 ? x + w->size : x - w->size;
}

/* The cells within the radius of cell (itself included), into u->window. */
static int
window_of(const struct utility *u, int cell)
{
	const struct world *w = u->w;
	int r = w->model.radius, n = 0;

	for (int dr = -r; dr <= r; dr++) {
		int row = wrap(w, cell / w->size + dr);

		for (int dc = -r; row >= 0 && dc <= r; dc++) {
			int col = wrap(w, cell % w->size + dc);

			if (col >= 0)
				u->window[n++] = row * w->size + col;
		}
	}
	return n;
}

/* Updates both types' leaves of the cells within the radius of cell. */
static void
refresh_around(struct utility *u, int cell)
{
	int n = window_of(u, cell);

	for (int i = 0; i < n; i++) {
		leaf_update(u, 0, u->window[i]);
		leaf_update(u, 1, u->window[i]);
	}
}

static struct rng
agent_stream(const struct step_key *key, int agent)
{
	struct rng r;

	rng_init(&r, rng_key(key->seed, key->run_id, (uint64_t)key->step,
	    (uint64_t)agent, RNG_DESTINATION));
	return r;
}

/*
 * Lifts the agent off the counts (delta -1) or puts it back (+1) and
 * mends its type's leaves of the n empty cells in u->window.
 */
static void
lift(struct utility *u, int agent, int t, int n, int delta)
{
	world_lift(u->w, agent, delta);
	for (int i = 0; i < n; i++)
		leaf_update(u, t, u->window[i]);
}

/*
 * Best response: the best vacancy if it beats staying.  With the exact
 * rule the agent is lifted off the counts first and the leaves of the
 * vacancies around home follow (none around: nothing to lift); they are
 * put back before returning.
 */
static int
best_response(struct utility *u, int agent, const struct step_key *key)
{
	struct world *w = u->w;
	int t = world_agent_type(w, agent), home = w->pos[agent], to = -1;
	int32_t now = cell_level(u, home, t);
	int near = 0;
	struct rng r;

	if (u->m.rule == BR_EXACT) {
		int n = window_of(u, home);

		for (int i = 0; i < n; i++)
			if (w->cell[u->window[i]] == CELL_EMPTY)
				u->window[near++] = u->window[i];
		if (near > 0)
			lift(u, agent, t, near, -1);
	}
	if (u->best[t][1] > now) {
		if (u->m.rule == BR_PREDECESSOR) {
			to = tree_pick(u, t, 0);
		} else {
			r = agent_stream(key, agent);
			to = tree_pick(u, t, (int32_t)rng_below(&r,
			    (uint64_t)u->ties[t][1]));
		}
	}
	if (near > 0)
		lift(u, agent, t, near, 1);
	return to;
}

/* Chebyshev distance, around the torus if it is one. */
static int
chebyshev(const struct world *w, int a, int b)
{
	int g = w->size, dr = abs(a / g - b / g), dc = abs(a % g - b % g);

	if (w->model.torus) {
		dr = dr < g - dr ? dr : g - dr;
		dc = dc < g - dc ? dc : g - dc;
	}
	return dr > dc ? dr : dc;
}

/* 1 / (1 + e^(-x)) without overflow for either sign of x. */
static double
logistic(double x)
{
	double e;

	if (x >= 0)
		return 1 / (1 + exp(-x));
	e = exp(x);
	return e / (1 + e);
}

/*
 * The logit rule (Young 1998; Zhang 2004): a vacancy drawn uniformly is
 * taken with probability 1 / (1 + e^(-du/T)), du the gain in utility, the
 * vacancy judged as the agent would see it after leaving home.
 */
static int
logit(struct utility *u, int agent, const struct step_key *key)
{
	const struct world *w = u->w;
	int t = world_agent_type(w, agent), home = w->pos[agent], to;
	const uint16_t *c;
	double now, there;
	struct rng r;

	if (w->nempty == 0)
		return -1;
	r = agent_stream(key, agent);
	to = w->empty[rng_below(&r, (uint64_t)w->nempty)];
	c = w->count + 2 * (size_t)to;
	there = utility_value(u, c[t] - (chebyshev(w, home, to) <=
	    w->model.radius), c[1 - t]);
	c = w->count + 2 * (size_t)home;
	now = utility_value(u, c[t], c[1 - t]);
	return rng_uniform(&r) < logistic((there - now) / u->m.temperature) ?
	    to : -1;
}

int
utility_choose(struct utility *u, int agent, const struct step_key *key)
{
	return u->m.dynamics == DYNAMICS_LOGIT ? logit(u, agent, key) :
	    best_response(u, agent, key);
}

void
utility_step(struct utility *u, const struct step_key *key,
    struct step_counts *out)
{
	struct world *w = u->w;

	out->decisions = out->moves = 0;
	world_order(w, key, w->order);
	for (int i = 0; i < w->nagents; i++) {
		int agent = w->order[i], home = w->pos[agent];
		int to = utility_choose(u, agent, key);

		out->decisions++;
		if (to < 0)
			continue;
		world_move(w, agent, to);
		out->moves++;
		if (u->best[0] != NULL) {
			refresh_around(u, home);
			refresh_around(u, to);
		}
	}
}
