/*
 * Utility agents (sim/utility): each utility's values and levels worked
 * out by hand, best response and logit decisions on hand-made grids, the
 * predecessor's Agent.best_response reproduced exactly (a line-by-line
 * transcription of it is the oracle), the kept trees against brute force
 * over whole runs, the logit probabilities against their formula.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "model/rng.h"
#include "model/utility.h"
#include "model/world.h"

static void *
must(void *p)
{
	if (p == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	return p;
}

/* A world from rows of 'A', 'B' and '.'; agent ids in row-major order. */
static struct world *
grid(int g, const char *rows, int radius, int torus)
{
	int na = 0, nb = 0, ia = 0, ib = 0;
	struct world *w;
	struct model m;

	for (int i = 0; i < g * g; i++) {
		na += rows[i] == 'A';
		nb += rows[i] == 'B';
	}
	w = must(world_new(g, na, nb));
	model_default(&m);
	m.radius = radius;
	m.torus = torus;
	if (world_set_model(w, &m) != 0)
		exit(2);
	for (int i = 0; i < g * g; i++) {
		int agent = rows[i] == 'A' ? ia++ : rows[i] == 'B' ? na + ib++ : -1;

		w->agent_at[i] = agent;
		w->cell[i] = agent < 0 ? CELL_EMPTY :
		    (int8_t)world_agent_type(w, agent);
		if (agent >= 0)
			w->pos[agent] = i;
	}
	world_reindex(w);
	return w;
}

static struct utility *
agents(struct world *w, int kind, int dynamics, int rule, double m, double t)
{
	struct utility_model um;
	char err[160];

	utility_model_default(&um);
	um.kind = kind;
	um.dynamics = dynamics;
	um.rule = rule;
	um.peak_m = m;
	um.temperature = t;
	if (utility_model_check(&um, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		exit(2);
	}
	return must(utility_new(w, &um));
}

static void
values(void)
{
	struct world *w = grid(3, "AAAAAAAAA", 1, 0);
	struct world *w2 = grid(5, "AAAAAAAAAAAAAAAAAAAAAAAAA", 2, 0);
	struct utility *u = agents(w, UTILITY_PREDECESSOR, 0, 0, 0.5, 0.1);

	/* 1 + x for x = 100 * unlike share <= 50, else 0; alone: 0 */
	CHECK(utility_value(u, 8, 0) == 1 && utility_value(u, 7, 1) == 13.5 &&
	    utility_value(u, 6, 2) == 26 && utility_value(u, 5, 3) == 38.5 &&
	    utility_value(u, 4, 4) == 51 && utility_value(u, 3, 5) == 0 &&
	    utility_value(u, 0, 0) == 0 && utility_value(u, 1, 2) == 0,
	    "predecessor: 1, 13.5, 26, 38.5, 51 up to half unlike, 0 above and "
	    "alone");
	/* Python: 1 + 1 * (50 - abs((1/3) * 100 - 50)) */
	CHECK(utility_value(u, 2, 1) == 0x1.12aaaaaaaaaaap+5 &&
	    utility_value(u, 4, 3) == 0x1.5edb6db6db6dbp+5,
	    "predecessor: its floating-point arithmetic, bit for bit "
	    "(34.33333333333333, not the nearest double to 103/3)");
	CHECK(utility_level(u, 4, 4) > utility_level(u, 2, 1) &&
	    utility_level(u, 2, 1) > utility_level(u, 8, 0) &&
	    utility_level(u, 8, 0) > utility_level(u, 3, 5) &&
	    utility_level(u, 3, 5) == utility_level(u, 0, 0) &&
	    utility_level(u, 2, 2) == utility_level(u, 1, 1),
	    "predecessor: levels follow the utilities, equal shares equal");
	utility_free(u);

	u = agents(w, UTILITY_THRESHOLD, 0, 0, 0.5, 0.1);
	CHECK(utility_value(u, 4, 4) == 1 && utility_value(u, 3, 4) == 0 &&
	    utility_value(u, 1, 0) == 1 && utility_value(u, 0, 0) == 0,
	    "threshold 0.5: 1 from half alike, 0 below and alone");
	utility_free(u);

	u = agents(w, UTILITY_PEAKED, 0, 0, 0.5, 0.1);
	CHECK(utility_value(u, 4, 4) == 1 && utility_value(u, 2, 6) == 0.5 &&
	    utility_value(u, 6, 2) == 0.5 && utility_value(u, 8, 0) == 0 &&
	    utility_value(u, 0, 8) == 0 && utility_value(u, 0, 0) == 0,
	    "peaked: 1 at half alike, 0.5 at a quarter and three quarters, 0 "
	    "at none, all and alone");
	CHECK(utility_level(u, 2, 6) == utility_level(u, 6, 2) &&
	    utility_level(u, 1, 3) == utility_level(u, 6, 2),
	    "peaked: a minority and a majority of the same size are worth the "
	    "same");
	utility_free(u);

	u = agents(w, UTILITY_ASYMMETRIC, 0, 0, 0.5, 0.1);
	CHECK(utility_value(u, 8, 0) == 0.5 && utility_value(u, 6, 2) == 0.75 &&
	    utility_value(u, 2, 6) == 0.5 && utility_value(u, 4, 4) == 1 &&
	    utility_value(u, 3, 5) == 0.75,
	    "asymmetric m = 0.5: 1 at half, 0.75 at three quarters, m at all "
	    "alike, 0.5 at a quarter");
	CHECK(utility_level(u, 6, 2) > utility_level(u, 2, 6) &&
	    utility_level(u, 8, 0) == utility_level(u, 2, 6) &&
	    utility_level(u, 3, 5) == utility_level(u, 6, 2),
	    "asymmetric: a majority beats a minority of the same size");
	utility_free(u);

	/* 5/12 alike: 10/12; 8/12 alike: 0.5 + 2 (0.5) (4/12) = 10/12 */
	u = agents(w2, UTILITY_ASYMMETRIC, 0, 0, 0.5, 0.1);
	CHECK(utility_level(u, 5, 7) == utility_level(u, 8, 4),
	    "asymmetric at radius 2: 5/12 and 8/12 alike tie exactly");
	utility_free(u);
	u = agents(w2, UTILITY_ASYMMETRIC, 0, 0, 0.3, 0.1);
	/* m = 0.3: 12 of 12 alike is 0.3 = 2 * (1.8 / 12), between 1 and 2 of 12 */
	CHECK(utility_level(u, 12, 0) > utility_level(u, 1, 11) &&
	    utility_level(u, 12, 0) < utility_level(u, 2, 10) &&
	    utility_value(u, 12, 0) == 0.3,
	    "asymmetric m = 0.3 (not a binary fraction): ranked exactly");
	utility_free(u);
	world_free(w);
	world_free(w2);
}

static void
model_check(void)
{
	struct utility_model um;
	char err[160];
	int bad = 0;
	double m[] = { -0.1, 1.5, 0.1234567891, NAN };
	double t[] = { 0, -1, INFINITY, NAN };

	utility_model_default(&um);
	CHECK(um.kind == UTILITY_PREDECESSOR &&
	    um.dynamics == DYNAMICS_BEST_RESPONSE && um.rule == BR_PREDECESSOR &&
	    utility_model_check(&um, err, sizeof(err)) == 0,
	    "the default is the predecessor's rule, and valid");
	for (int i = 0; i < 4; i++) {
		utility_model_default(&um);
		um.peak_m = m[i];
		bad += utility_model_check(&um, err, sizeof(err)) != 0 &&
		    strstr(err, "utility-peak-m") != NULL;
		utility_model_default(&um);
		um.temperature = t[i];
		bad += utility_model_check(&um, err, sizeof(err)) != 0 &&
		    strstr(err, "temperature") != NULL;
	}
	CHECK(bad == 8, "m outside [0, 1], finer than 1e-9, NaN and T <= 0, "
	    "infinite, NaN are refused with a sentence (%d of 8)", bad);
	um.peak_m = 0.123456789;
	um.temperature = 1e-300;
	CHECK(utility_model_check(&um, err, sizeof(err)) == 0,
	    "m with 9 decimals and a tiny T are taken");
}

static int
choose(struct utility *u, int agent, int step)
{
	struct step_key key = { 11, 5, step };

	return utility_choose(u, agent, &key);
}

/* The k-th of n ties, as the agent's keyed stream draws it. */
static int
tie_draw(int agent, int step, int n)
{
	struct rng r;

	rng_init(&r, rng_key(11, 5, (uint64_t)step, (uint64_t)agent,
	    RNG_DESTINATION));
	return (int)rng_below(&r, (uint64_t)n);
}

/*
 *   A . . .     the B on cell 4 (agent 1) has one unlike neighbour: u 0.
 *   B . . .     Seen with itself still on cell 4 (the predecessor), cells
 *   . . . .     1 and 5 have one A and one B: x = 50, u = 51, the best;
 *   . . . B     the first is cell 1.  Seen after leaving (exact), cells 1
 *               and 5 have one A only (0); the best are 10, 11 and 14,
 * each beside the B on cell 15 (u 1); one of them is drawn.
 */
static void
best_response_by_hand(void)
{
	const char *rows = "A..." "B..." "...." "...B";
	struct world *w = grid(4, rows, 1, 0);
	struct utility *u = agents(w, UTILITY_PREDECESSOR,
	    DYNAMICS_BEST_RESPONSE, BR_PREDECESSOR, 0.5, 0.1);
	const int exact_best[3] = { 10, 11, 14 };
	int same = 1;
	uint16_t before[32];

	CHECK(choose(u, 1, 0) == 1, "predecessor: the B moves to cell 1, the "
	    "first with u = 51 counting itself on its old cell");
	CHECK(choose(u, 0, 0) == 1, "predecessor: the A on cell 0 too (its "
	    "own cell counts as alike beside cell 1)");
	CHECK(choose(u, 2, 0) == 1, "predecessor: the lone B on cell 15 "
	    "(u 0) to cell 1 as well");
	utility_free(u);

	u = agents(w, UTILITY_PREDECESSOR, DYNAMICS_BEST_RESPONSE, BR_EXACT,
	    0.5, 0.1);
	memcpy(before, w->count, sizeof(before));
	for (int step = 0; step < 6; step++)
		same &= choose(u, 1, step) == exact_best[tie_draw(1, step, 3)];
	CHECK(same, "exact: the B goes to 10, 11 or 14, the tie drawn from "
	    "its keyed stream");
	CHECK(memcmp(before, w->count, sizeof(before)) == 0,
	    "choosing leaves the counts as they were");
	utility_free(u);

	/* peaked: the A on cell 0 (u 0) is best at half alike */
	u = agents(w, UTILITY_PEAKED, DYNAMICS_BEST_RESPONSE, BR_EXACT, 0.5,
	    0.1);
	CHECK(choose(u, 0, 0) == -1, "peaked, exact: the A on cell 0 has no "
	    "vacancy with an A and a B around it once it has left: it stays");
	utility_free(u);
	world_free(w);

	/* nothing beats the top: the middle A of "AAB" (x = 50) stays */
	w = grid(4, "AAB." "...." "...." "....", 1, 0);
	u = agents(w, UTILITY_PREDECESSOR, DYNAMICS_BEST_RESPONSE,
	    BR_PREDECESSOR, 0.5, 0.1);
	CHECK(choose(u, 1, 0) == -1 && choose(u, 2, 0) >= 0,
	    "predecessor: an agent at half unlike (u = 51, the top) stays; "
	    "the B beside it (x = 100) moves");
	utility_free(u);
	world_free(w);
}

/*
 *   B A A     The B on cell 0 has two A neighbours (peaked u 0); the only
 *   A . A     vacancy, cell 4, holds seven A once it has left: u 0 again,
 *   A A A     du = 0, taken with probability 1/2 (with itself counted it
 *             would be 1/8 alike, u 0.25).  The A on cell 1 (3 of 4
 * alike, u 0.5) would find 6 of 7 alike on cell 4: u 2/7, du = -3/14,
 * taken with probability 1 / (1 + e^(3/14 / T)).
 */
static void
logit_by_hand(void)
{
	struct world *w = grid(3, "BAA" "A.A" "AAA", 1, 0);
	struct utility *u = agents(w, UTILITY_PEAKED, DYNAMICS_LOGIT, 0, 0.5,
	    0.1);
	int n = 20000, moved_b = 0, moved_a = 0, agree = 1;
	double pa = 1 / (1 + exp((3.0 / 14) / 0.1)), sa, sb;

	for (int step = 0; step < n; step++) {
		struct rng r;
		int to_b = choose(u, 7, step), to_a = choose(u, 0, step);

		moved_b += to_b == 4;
		moved_a += to_a == 4;
		rng_init(&r, rng_key(11, 5, (uint64_t)step, 7, RNG_DESTINATION));
		(void)rng_below(&r, 1);
		agree &= (to_b == 4) == (rng_uniform(&r) < 0.5);
		agree &= to_b == 4 || to_b == -1;
	}
	sb = sqrt(0.25 / n);
	sa = sqrt(pa * (1 - pa) / n);
	CHECK(agree, "logit: the B moves exactly when its second draw is "
	    "below 1/2 (its first picks the vacancy)");
	CHECK(fabs((double)moved_b / n - 0.5) < 4 * sb,
	    "logit, du = 0: the B moves in %.4f of %d draws (1/2)",
	    (double)moved_b / n, n);
	CHECK(fabs((double)moved_a / n - pa) < 4 * sa,
	    "logit, du = -3/14, T = 0.1: the A moves in %.4f (%.4f)",
	    (double)moved_a / n, pa);
	utility_free(u);
	world_free(w);
}

/* The predecessor's Agent._unlike_ratio and Agent.utility, line by line. */
static double
py_unlike_ratio(const struct world *w, int r, int c, int type)
{
	int n = 0, unlike = 0;

	for (int dr = -1; dr <= 1; dr++) {
		for (int dc = -1; dc <= 1; dc++) {
			int rn = r + dr, cn = c + dc;

			if ((dr == 0 && dc == 0) || rn < 0 || rn >= w->size ||
			    cn < 0 || cn >= w->size ||
			    w->cell[rn * w->size + cn] == CELL_EMPTY)
				continue;
			n++;
			unlike += w->cell[rn * w->size + cn] != type;
		}
	}
	return n == 0 ? 1 : (double)unlike / n;
}

static double
py_utility(double unlike_ratio)
{
	double x = unlike_ratio * 100;

	if (x > 50)
		return 0;
	return 1 + 1 * (50 - fabs(x - 50));
}

/* Agent.best_response: the first cell with the strictly highest utility. */
static int
py_best_response(const struct world *w, int agent)
{
	int g = w->size, t = world_agent_type(w, agent), best = -1;
	double max_u = py_utility(py_unlike_ratio(w, w->pos[agent] / g,
	    w->pos[agent] % g, t));

	for (int r = 0; r < g; r++) {
		for (int c = 0; c < g; c++) {
			double v;

			if (w->cell[r * g + c] != CELL_EMPTY)
				continue;
			v = py_utility(py_unlike_ratio(w, r, c, t));
			if (v > max_u) {
				max_u = v;
				best = r * g + c;
			}
		}
	}
	return best;
}

/* The exact rule by brute force: every vacancy judged without the agent. */
static int
brute_exact(const struct utility *u, const struct world *w, int agent,
    const struct step_key *key)
{
	int t = world_agent_type(w, agent), home = w->pos[agent], g = w->size;
	const uint16_t *c = w->count + 2 * (size_t)home;
	int now = utility_level(u, c[t], c[1 - t]), top = now, n = 0;
	int *best = must(malloc((size_t)w->ncells * sizeof(int)));
	struct rng r;

	for (int v = 0; v < w->ncells; v++) {
		int dr = abs(v / g - home / g), dc = abs(v % g - home % g), lv;

		if (w->cell[v] != CELL_EMPTY)
			continue;
		if (w->model.torus) {
			dr = dr < g - dr ? dr : g - dr;
			dc = dc < g - dc ? dc : g - dc;
		}
		c = w->count + 2 * (size_t)v;
		lv = utility_level(u, c[t] - ((dr > dc ? dr : dc) <=
		    w->model.radius), c[1 - t]);
		if (lv > top) {
			top = lv;
			n = 0;
		}
		if (lv == top && top > now)
			best[n++] = v;
	}
	rng_init(&r, rng_key(key->seed, key->run_id, (uint64_t)key->step,
	    (uint64_t)agent, RNG_DESTINATION));
	n = n == 0 ? -1 : best[rng_below(&r, (uint64_t)n)];
	free(best);
	return n;
}

static struct world *
placed(int g, int a, int b, int radius, int torus, uint64_t run)
{
	struct world *w = must(world_new(g, a, b));
	struct model m;

	model_default(&m);
	m.radius = radius;
	m.torus = torus;
	if (world_set_model(w, &m) != 0)
		exit(2);
	world_place(w, 3, run);
	return w;
}

/*
 * Runs of the predecessor's rule: before every step each agent's choice
 * equals the transcription's, and the grids after each step are those of
 * a loop that moves each agent, in the step's order, where the
 * transcription says.
 */
static void
predecessor_exactly(void)
{
	int decisions = 0, wrong = 0, steps_same = 1, moved = 0;

	for (uint64_t run = 0; run < 12; run++) {
		int g = 6 + (int)run % 7, cells = g * g;
		int a = cells * (6 + (int)run % 4) / 20, b = a - (int)run % 3;
		struct world *w = placed(g, a, b, 1, 0, run);
		struct world *ref = placed(g, a, b, 1, 0, run);
		struct utility *u = agents(w, UTILITY_PREDECESSOR,
		    DYNAMICS_BEST_RESPONSE, BR_PREDECESSOR, 0.5, 0.1);
		int *order = must(malloc((size_t)cells * sizeof(int)));

		for (int step = 0; step < 15; step++) {
			struct step_key key = { 3, run, step };
			struct step_counts out;

			for (int ag = 0; ag < w->nagents; ag++, decisions++)
				wrong += utility_choose(u, ag, &key) !=
				    py_best_response(w, ag);
			utility_step(u, &key, &out);
			moved += out.moves;
			world_order(ref, &key, order);
			for (int i = 0; i < ref->nagents; i++) {
				int to = py_best_response(ref, order[i]);

				if (to >= 0)
					world_move(ref, order[i], to);
			}
			steps_same &= memcmp(w->cell, ref->cell,
			    (size_t)cells) == 0;
		}
		free(order);
		utility_free(u);
		world_free(w);
		world_free(ref);
	}
	CHECK(wrong == 0, "predecessor rule: %d of %d choices differ from "
	    "Agent.best_response transcribed", wrong, decisions);
	CHECK(steps_same && moved > 500, "predecessor rule: 12 runs of 15 "
	    "steps (%d moves) give the transcription's grids", moved);
}

/*
 * The exact rule over runs with every utility, radius 1 and 2, bounded
 * and torus: each choice before each step equals brute force over all
 * vacancies (which checks the kept trees after every move).
 */
static void
exact_against_brute_force(void)
{
	int decisions = 0, wrong = 0, moved = 0;

	for (uint64_t run = 0; run < 16; run++) {
		int kind = (int)run % 4, radius = 1 + (int)(run / 4) % 2;
		int torus = (int)(run / 8) % 2, g = 7 + (int)run % 5;
		int cells = g * g, a = cells * 2 / 5, b = cells * 2 / 5 - 1;
		struct world *w = placed(g, a, b, radius, torus, run);
		struct utility *u = agents(w, kind, DYNAMICS_BEST_RESPONSE,
		    BR_EXACT, 0.25 + 0.125 * (run % 3), 0.1);

		for (int step = 0; step < 10; step++) {
			struct step_key key = { 3, run, step };
			struct step_counts out;

			for (int ag = 0; ag < w->nagents; ag++, decisions++)
				wrong += utility_choose(u, ag, &key) !=
				    brute_exact(u, w, ag, &key);
			utility_step(u, &key, &out);
			moved += out.moves;
		}
		utility_free(u);
		world_free(w);
	}
	CHECK(wrong == 0 && moved > 300, "exact rule: %d of %d choices "
	    "differ from brute force (%d moves over 16 runs)", wrong,
	    decisions, moved);
}

/* Logit runs equal a loop that draws as documented, step by step. */
static void
logit_runs(void)
{
	int same = 1, moved = 0;

	for (uint64_t run = 0; run < 4; run++) {
		int g = 10, a = 40, b = 40;
		struct world *w = placed(g, a, b, 1 + (int)run % 2, 0, run);
		struct world *ref = placed(g, a, b, 1 + (int)run % 2, 0, run);
		struct utility *u = agents(w, UTILITY_ASYMMETRIC, DYNAMICS_LOGIT,
		    0, 0.5, 0.2);
		struct utility *ur = agents(ref, UTILITY_ASYMMETRIC,
		    DYNAMICS_LOGIT, 0, 0.5, 0.2);
		int order[100];

		for (int step = 0; step < 20; step++) {
			struct step_key key = { 3, run, step };
			struct step_counts out;

			utility_step(u, &key, &out);
			moved += out.moves;
			world_order(ref, &key, order);
			for (int i = 0; i < ref->nagents; i++) {
				int to = utility_choose(ur, order[i], &key);

				if (to >= 0)
					world_move(ref, order[i], to);
			}
			same &= memcmp(w->cell, ref->cell, 100) == 0;
		}
		utility_free(u);
		utility_free(ur);
		world_free(w);
		world_free(ref);
	}
	CHECK(same && moved > 100, "logit: runs are the choices applied in the "
	    "step's order (%d moves)", moved);
}

/* Mean utility on the logit grid: 0.5 + 0.5 of 8 agents (peaked). */
static void
mean_utility(void)
{
	struct world *w = grid(3, "BAA" "A.A" "AAA", 1, 0);
	struct utility *u = agents(w, UTILITY_PEAKED, DYNAMICS_LOGIT, 0, 0.5,
	    0.1);

	CHECK(utility_mean(u) == 0.125, "peaked: mean utility 1/8 by hand "
	    "(the two A beside the B at 3 of 4 alike)");
	utility_free(u);
	u = agents(w, UTILITY_ASYMMETRIC, DYNAMICS_LOGIT, 0, 0.5, 0.1);
	/* m = 0.5: all-alike agents 0.5 each (5), the two 0.75, the B 0 */
	CHECK(utility_mean(u) == (5 * 0.5 + 2 * 0.75) / 8,
	    "asymmetric m = 0.5: mean utility 4/8 by hand");
	utility_free(u);
	world_free(w);
}

int
main(void)
{
	values();
	model_check();
	best_response_by_hand();
	logit_by_hand();
	predecessor_exactly();
	exact_against_brute_force();
	logit_runs();
	mean_utility();
	return check_done();
}
