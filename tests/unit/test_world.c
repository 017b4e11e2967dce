/*
 * Placement, the mechanical rule, a sweep's invariants, convergence; the
 * model's variants on hand-built grids (radius, counts, torus, the
 * satisfying and nearest movers, movers, isolated agents, synchronous
 * steps) and the exact threshold.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "model/model_metrics.h"
#include "model/rng.h"
#include "model/world.h"

static struct world *
new_world(int g, int a, int b)
{
	struct world *w = world_new(g, a, b);

	if (w == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	return w;
}

/* Counts of each type, and that every index agrees with the cells. */
static int
consistent(const struct world *w, int *count)
{
	int nempty = 0;

	count[0] = count[1] = 0;
	for (int i = 0; i < w->ncells; i++) {
		if (w->cell[i] == CELL_EMPTY) {
			if (w->agent_at[i] != -1 || w->empty_slot[i] < 0 ||
			    w->empty[w->empty_slot[i]] != i)
				return 0;
			nempty++;
			continue;
		}
		count[w->cell[i]]++;
		if (w->pos[w->agent_at[i]] != i || w->empty_slot[i] != -1 ||
		    world_agent_type(w, w->agent_at[i]) != w->cell[i])
			return 0;
	}
	return nempty == w->nempty;
}

static void
placement(void)
{
	struct world *w = new_world(10, 40, 35), *v = new_world(10, 40, 35);
	int count[2];
	char a[101], b[101];

	world_place(w, 7, 3);
	CHECK(consistent(w, count) && count[0] == 40 && count[1] == 35 &&
	    w->nempty == 25, "placement puts 40 A, 35 B, 25 empty");
	world_place(v, 7, 3);
	world_grid_string(w, a);
	world_grid_string(v, b);
	CHECK(strcmp(a, b) == 0, "same seed and run id, same grid");
	world_place(v, 7, 4);
	world_grid_string(v, b);
	CHECK(strcmp(a, b) != 0, "another run id, another grid");
	world_place(v, 8, 3);
	world_grid_string(v, b);
	CHECK(strcmp(a, b) != 0, "another seed, another grid");
	world_free(w);
	world_free(v);
}

/* Builds a world from a grid string; agent ids in row-major order. */
static struct world *
world_from(int g, const char *rows)
{
	int a = 0, b = 0, na = 0, nb = 0;
	struct world *w;

	for (const char *p = rows; *p; p++) {
		a += *p == 'A';
		b += *p == 'B';
	}
	w = new_world(g, a, b);
	for (int i = 0; i < g * g; i++) {
		int agent = rows[i] == 'A' ? na++ : rows[i] == 'B' ? a + nb++ : -1;

		w->agent_at[i] = agent;
		if (agent < 0) {
			w->cell[i] = CELL_EMPTY;
		} else {
			w->cell[i] = (int8_t)world_agent_type(w, agent);
			w->pos[agent] = i;
		}
	}
	world_reindex(w);
	return w;
}

static int
decides_to_move(const char *rows, double threshold)
{
	struct world *w = world_from(3, rows);
	struct step_key key = { 0, 0, 0 };
	struct model m;
	int move = -1;

	model_default(&m);
	m.threshold = threshold;
	if (world_set_model(w, &m) != 0)
		exit(2);
	mechanical_decide(NULL, w, w->agent_at[4], &key, &move);
	world_free(w);
	return move;
}

static void
mechanical_rule(void)
{
	CHECK(decides_to_move("..." ".A." "...", 0.5) == 1,
	    "an agent with no occupied neighbour moves");
	CHECK(decides_to_move("AB." ".A." "...", 0.5) == 0,
	    "half alike (1 of 2) stays at threshold 0.5");
	CHECK(decides_to_move("ABB" ".A." "...", 0.5) == 1,
	    "1 alike of 3 moves");
	CHECK(decides_to_move("AAB" ".A." "B..", 0.5) == 0,
	    "2 alike of 4 stays");
	CHECK(decides_to_move("AAB" ".A." "BB.", 0.5) == 1,
	    "2 alike of 5 moves");
	CHECK(decides_to_move("AAB" ".A." "B..", 0.6) == 1,
	    "2 alike of 4 moves at threshold 0.6");
	CHECK(decides_to_move("BBB" "BAB" "BBB", 0.0) == 0,
	    "threshold 0: nobody with a neighbour moves");
	CHECK(decides_to_move("BBB" "BBB" "BBB", 0.5) == 0,
	    "type B surrounded by B stays");
}

static void
sweep_invariants(void)
{
	struct world *w = new_world(20, 160, 160);
	struct decider d = { .decide = mechanical_decide, .ctx = NULL };
	struct step_key key = { 1, 2, 0 };
	struct step_counts counts;
	int count[2], ok = 1, zero_seen = 0;

	world_place(w, 1, 2);
	for (key.step = 0; key.step < 30; key.step++) {
		if (world_step(w, &d, &key, &counts) != 0 ||
		    counts.decisions != 320 || !consistent(w, count) ||
		    count[0] != 160 || count[1] != 160)
			ok = 0;
		zero_seen |= counts.moves == 0;
	}
	CHECK(ok, "every step: 320 decisions, counts and indexes consistent");
	CHECK(zero_seen, "a 20x20 mechanical run reaches a zero-move step");
	world_free(w);
}

static void
full_grid(void)
{
	struct world *w = new_world(3, 5, 4);
	struct decider d = { .decide = mechanical_decide, .ctx = NULL };
	struct step_key key = { 0, 0, 0 };
	struct step_counts counts;
	struct model m;

	model_default(&m);
	m.threshold = 1.0;
	if (world_set_model(w, &m) != 0)
		exit(2);
	world_place(w, 0, 0);
	CHECK(world_step(w, &d, &key, &counts) == 0 && counts.moves == 0 &&
	    counts.decisions == 9, "a full grid: movers find no cell and stay");
	world_free(w);
}

static void
convergence(void)
{
	struct convergence c = { 3, 0 };
	int moves[] = { 4, 0, 0, 2, 0, 0, 0 };
	int converged_at = -1;

	for (int i = 0; i < 7 && converged_at < 0; i++)
		if (convergence_update(&c, moves[i]))
			converged_at = i;
	CHECK(converged_at == 6, "a broken zero streak does not count; "
	    "converges at the 3rd zero in a row (step %d)", converged_at);
}

/* A world from a grid string under a model, agent ids row-major by type. */
static struct world *
world_model_from(int g, const char *rows, const struct model *m)
{
	struct world *w = world_from(g, rows);

	if (world_set_model(w, m) != 0)
		exit(2);
	world_reindex(w);
	return w;
}

static void
neighbours_of(const struct world *w, int cell, int *like, int *unlike)
{
	world_neighbours(w, cell, like, unlike);
}

static void
radius_two(void)
{
	struct model m;
	struct world *w;
	int like, unlike;

	model_default(&m);
	m.radius = 2;
	/* centre A at (2,2): 3 A and 4 B within two cells, one B further */
	w = world_model_from(6,
	    "A...B."
	    ".A..B."
	    "..A..B"
	    "B...A."
	    ".B...."
	    "......", &m);
	neighbours_of(w, 2 * 6 + 2, &like, &unlike);
	CHECK(like == 3 && unlike == 4, "radius 2: 3 alike, 4 unlike within "
	    "two cells (got %d, %d)", like, unlike);
	neighbours_of(w, 0, &like, &unlike);
	CHECK(like == 2 && unlike == 0, "radius 2 at a corner: off-grid "
	    "cells do not count (got %d, %d)", like, unlike);
	world_free(w);
}

static int
moves_under(const char *rows, const struct model *m)
{
	struct world *w = world_model_from(3, rows, m);
	struct step_key key = { 0, 0, 0 };
	int move = -1;

	mechanical_decide(NULL, w, w->agent_at[4], &key, &move);
	world_free(w);
	return move;
}

static void
counts_and_shares(void)
{
	struct model m;
	const char *three_of_eight = "AAA" "BAB" "BBB";

	model_default(&m);
	CHECK(moves_under(three_of_eight, &m) == 1,
	    "share rule 0.5: 3 alike of 8 moves");
	m.min_similar = 3;
	CHECK(moves_under(three_of_eight, &m) == 0,
	    "count rule 3: 3 alike of 8 stays");
	m.min_similar = 4;
	CHECK(moves_under(three_of_eight, &m) == 1,
	    "count rule 4: 3 alike of 8 moves");
	m.min_similar = 2;
	CHECK(moves_under("A.." ".A." "..A", &m) == 0,
	    "count rule 2: 2 alike and nothing else stays");
	CHECK(moves_under("A.." ".A." "...", &m) == 1,
	    "count rule 2: 1 alike moves although the share is 1");
}

static void
torus(void)
{
	struct model m;
	struct world *w;
	int like, unlike;
	char context[18];   /* world_context's 17 characters and a NUL */

	model_default(&m);
	m.torus = 1;
	w = world_model_from(4,
	    "A..B"
	    "...."
	    "...."
	    "B..A", &m);
	neighbours_of(w, 0, &like, &unlike);
	CHECK(like == 1 && unlike == 2, "torus: the corner sees the three "
	    "other corners (got %d alike, %d unlike)", like, unlike);
	world_context(w, 0, context);
	CHECK(strcmp(context, "S O E\nO X E\nE E E") == 0,
	    "torus: the LLM context wraps instead of showing #: %s", context);
	world_free(w);
	m.torus = 0;
	w = world_model_from(4, "A..B" "...." "...." "B..A", &m);
	neighbours_of(w, 0, &like, &unlike);
	CHECK(like == 0 && unlike == 0, "bounded: the corner sees none");
	world_free(w);
}

/* Plays one step of a world; the cell agent `agent` ends on. */
static int
one_step(struct world *w, int agent, uint64_t seed, int *moves)
{
	struct decider d = { .decide = mechanical_decide, .ctx = NULL };
	struct step_key key = { seed, 0, 0 };
	struct step_counts counts;

	*moves = -1;
	if (world_step(w, &d, &key, &counts) != 0)
		return -1;
	*moves = counts.moves;
	return w->pos[agent];
}

static void
satisfying_mover(void)
{
	struct model m;
	int ok = 1, moves = 0, at;

	/*
	 * At threshold 0.3 only the lone B at (0,0) is unhappy; of the two
	 * empty cells only (4,5), inside the B block, suits it.
	 */
	const char *rows =
	    "B.AAAA"
	    "AAAAAA"
	    "AABBBB"
	    "AABBBB"
	    "AABBB."
	    "AABBBB";

	model_default(&m);
	m.threshold = 0.3;
	m.move_rule = MOVE_SATISFYING;
	for (uint64_t seed = 0; seed < 50; seed++) {
		struct world *w = world_model_from(6, rows, &m);
		int b = w->agent_at[0];

		at = one_step(w, b, seed, &moves);
		ok &= at == 4 * 6 + 5 && moves == 1;
		world_free(w);
	}
	CHECK(ok, "satisfying: the unhappy B always lands in the B block");
	m.move_rule = MOVE_RANDOM;
	ok = 0;
	for (uint64_t seed = 0; seed < 50; seed++) {
		struct world *w = world_model_from(6, rows, &m);

		ok |= one_step(w, w->agent_at[0], seed, &moves) == 1;
		world_free(w);
	}
	CHECK(ok, "random: the same B sometimes takes the unsatisfying (0,1)");
	/* nowhere suits: the mover stays */
	m.move_rule = MOVE_SATISFYING;
	{
		struct world *w = world_model_from(3, "B.A" "AAA" "AAA", &m);

		at = one_step(w, w->agent_at[0], 1, &moves);
		CHECK(at == 0 && moves == 0, "satisfying: no suitable cell, "
		    "the mover stays (at %d, %d moves)", at, moves);
		world_free(w);
	}
}

static void
nearest_mover(void)
{
	struct model m;
	int ok = 1, seen[2] = { 0, 0 }, moves = 0;

	/*
	 * Rule: at least 1 alike.  Only the A at (3,3), among Bs, is
	 * unhappy.  (4,4) is nearest but has no A beside it; (0,2) and
	 * (6,4), beside the A pairs, tie at Chebyshev distance 3.
	 */
	const char *rows =
	    "AA.BBBB"
	    "BBBBBBB"
	    "BBBBBBB"
	    "BBBABBB"
	    "BBBB.BB"
	    "BBBBBBB"
	    "BBBB.AA";

	model_default(&m);
	m.min_similar = 1;
	m.move_rule = MOVE_NEAREST;
	for (uint64_t seed = 0; seed < 60; seed++) {
		struct world *w = world_model_from(7, rows, &m);
		int at = one_step(w, w->agent_at[3 * 7 + 3], seed, &moves);

		ok &= (at == 2 || at == 6 * 7 + 4) && moves == 1;
		seen[0] |= at == 2;
		seen[1] |= at == 6 * 7 + 4;
		world_free(w);
	}
	CHECK(ok, "nearest: the A only lands on a nearest satisfying cell");
	CHECK(seen[0] && seen[1], "nearest: ties are broken by the keyed "
	    "stream (both corners seen)");
}

/* Brute-force counts and satisfying sets agree with the kept ones. */
static int
indexes_agree(const struct world *w)
{
	int g = w->size, r = w->model.radius;

	for (int i = 0; i < w->ncells; i++) {
		int c[2] = { 0, 0 };

		for (int dr = -r; dr <= r; dr++) {
			for (int dc = -r; dc <= r; dc++) {
				int rr = i / g + dr, cc = i % g + dc;

				if (dr == 0 && dc == 0)
					continue;
				if (w->model.torus) {
					rr = (rr + g) % g;
					cc = (cc + g) % g;
				} else if (rr < 0 || rr >= g || cc < 0 ||
				    cc >= g) {
					continue;
				}
				if (w->cell[rr * g + cc] != CELL_EMPTY)
					c[w->cell[rr * g + cc]]++;
			}
		}
		if (w->count[2 * i] != c[0] || w->count[2 * i + 1] != c[1])
			return 0;
		for (int t = 0; w->sat[0] != NULL && t < 2; t++) {
			int in = w->cell[i] == CELL_EMPTY &&
			    world_happy(w, c[t], c[1 - t]);

			if (in != (w->sat_slot[t][i] >= 0) || (in &&
			    w->sat[t][w->sat_slot[t][i]] != i))
				return 0;
		}
	}
	return 1;
}

static void
incremental_counts(void)
{
	int ok = 1, cases = 0, count[2];

	for (int radius = 1; radius <= 3; radius++)
	for (int torus = 0; torus <= 1; torus++)
	for (int rule = MOVE_RANDOM; rule <= MOVE_NEAREST; rule++)
	for (int variant = 0; variant < 3; variant++) {
		struct world *w = new_world(13, 60, 55);
		struct decider d = { .decide = mechanical_decide };
		struct step_key key = { 5, (uint64_t)cases, 0 };
		struct step_counts sc;
		struct model m;

		model_default(&m);
		m.radius = radius;
		m.torus = torus;
		m.move_rule = rule;
		m.movers_anyone = variant == 1;
		m.synchronous = variant == 2;
		m.isolated_stay = variant == 2;
		m.threshold = 0.45;
		if (world_set_model(w, &m) != 0)
			exit(2);
		world_place(w, 5, (uint64_t)cases);
		for (key.step = 0; key.step < 6; key.step++)
			ok &= world_step(w, &d, &key, &sc) == 0 &&
			    indexes_agree(w) && consistent(w, count) &&
			    count[0] == 60 && count[1] == 55;
		world_free(w);
		cases++;
	}
	CHECK(ok, "counts and satisfying sets kept by moves equal brute force "
	    "(%d combinations of radius, boundary, move rule, variant)",
	    cases);
}

static void
exact_threshold(void)
{
	int ok = 1, old_wrong = 0;
	struct model m;

	/* every share k/n, n <= 24, against every threshold j/1000 */
	for (int j = 0; j <= 1000; j++) {
		char text[16];
		double t;

		snprintf(text, sizeof(text), "%d.%03d", j / 1000, j % 1000);
		t = strtod(text, NULL);
		for (int n = 1; n <= 24; n++) {
			int want = (j * n + 999) / 1000;   /* ceil(j n / 1000) */

			ok &= need_alike(t, n) == want;
			for (int k = 0; k <= n; k++)
				old_wrong += (1.0 - (double)(n - k) / n >= t) !=
				    (k * 1000 >= j * n);
		}
	}
	CHECK(ok, "exact: k/n >= T iff k >= need(T, n) for every n <= 24 and "
	    "every T with 3 decimals");
	CHECK(old_wrong > 0, "the predecessor's float comparison gets %d of "
	    "those wrong", old_wrong);
	model_default(&m);
	m.threshold = 0.2;
	CHECK(moves_under("ABB" ".AB" "B..", &m) == 0,
	    "T = 0.2: 1 alike of 5 (share exactly 0.2) stays");
	m.float_threshold = 1;
	CHECK(moves_under("ABB" ".AB" "B..", &m) == 1,
	    "--threshold-arithmetic predecessor: the same agent moves");
	m.float_threshold = 0;
	m.threshold = 0.3;
	m.radius = 1;
	CHECK(need_alike(0.7, 10) == 7 && need_alike(0.1, 10) == 1 &&
	    need_alike(0.45, 20) == 9 && need_alike(1, 24) == 24 &&
	    need_alike(0, 24) == 0 && need_alike(1e-30, 24) == 1,
	    "exact: 0.7*10, 0.1*10, 0.45*20 are reached at 7, 1, 9");
}

static void
isolated_agents(void)
{
	struct model m;

	model_default(&m);
	CHECK(moves_under("..." ".A." "...", &m) == 1,
	    "--isolated move (default): an agent alone moves");
	m.isolated_stay = 1;
	CHECK(moves_under("..." ".A." "...", &m) == 0,
	    "--isolated stay: an agent alone stays");
	CHECK(moves_under("B.." ".A." "...", &m) == 1,
	    "--isolated stay: one unlike neighbour still moves");
}

static void
movers_anyone(void)
{
	struct model m;
	int moved_anyone = 0, moved_unhappy = 0, moves = 0;

	/* every agent is happy; the A at (0,0) could go to (2,4) */
	const char *rows =
	    "AA.BB"
	    "AA.BB"
	    "...AA"
	    "BB.AA"
	    "BB.AA";

	model_default(&m);
	m.move_rule = MOVE_SATISFYING;
	for (uint64_t seed = 0; seed < 20; seed++) {
		struct world *w = world_model_from(5, rows, &m);

		one_step(w, 0, seed, &moves);
		moved_unhappy += moves;
		world_free(w);
	}
	m.movers_anyone = 1;
	for (uint64_t seed = 0; seed < 20; seed++) {
		struct world *w = world_model_from(5, rows, &m);
		int count[2];

		one_step(w, 0, seed, &moves);
		moved_anyone += moves;
		if (!consistent(w, count) || !indexes_agree(w))
			moved_anyone = -1000;
		world_free(w);
	}
	CHECK(moved_unhappy == 0, "--movers unhappy: a happy grid is frozen");
	CHECK(moved_anyone > 0, "--movers anyone: happy agents move to "
	    "satisfying cells (%d moves in 20 steps)", moved_anyone);
}

/* A decider that records whether the grid changed before it decided. */
struct watcher {
	char start[64];
	int changed_before_decision;
	int decisions;
};

static int
watch_decide(void *ctx, const struct world *w, int agent,
    const struct step_key *key, int *move)
{
	struct watcher *s = ctx;
	char now[64];

	world_grid_string(w, now);
	s->changed_before_decision |= strcmp(now, s->start) != 0;
	s->decisions++;
	return mechanical_decide(NULL, w, agent, key, move);
}

static void
synchronous_update(void)
{
	struct model m;
	int changed[2], moves[2];

	for (int sync = 0; sync <= 1; sync++) {
		struct world *w = new_world(7, 20, 20);
		struct watcher s = { .decisions = 0 };
		struct decider d = { .decide = watch_decide, .ctx = &s };
		struct step_key key = { 3, 1, 0 };
		struct step_counts sc;

		model_default(&m);
		m.synchronous = sync;
		if (world_set_model(w, &m) != 0)
			exit(2);
		world_place(w, 3, 1);
		world_grid_string(w, s.start);
		world_step(w, &d, &key, &sc);
		changed[sync] = s.changed_before_decision;
		moves[sync] = sc.moves;
		world_free(w);
	}
	CHECK(moves[0] > 0 && changed[0], "sequential: later deciders see "
	    "earlier moves");
	CHECK(moves[1] > 0 && !changed[1], "synchronous: every agent decides "
	    "on the grid as the step found it, then %d move", moves[1]);
	/* the isolated agent made happy by a mover still moves */
	{
		int moved[2];

		for (int sync = 0; sync <= 1; sync++) {
			moved[sync] = 0;
			for (uint64_t seed = 0; seed < 40; seed++) {
				struct world *w;
				int a, mv = 0;

				model_default(&m);
				m.synchronous = sync;
				m.isolated_stay = 1;
				m.move_rule = MOVE_SATISFYING;
				w = world_model_from(5,
				    "AB..." "....." "....." "....B" "...BB", &m);
				a = w->agent_at[0];
				moved[sync] += one_step(w, a, seed, &mv) != 0;
				world_free(w);
			}
		}
		CHECK(moved[1] > moved[0], "synchronous: an agent unhappy at "
		    "the start moves even when a mover left it alone first "
		    "(%d vs %d of 40)", moved[1], moved[0]);
	}
}

static void
model_metrics(void)
{
	struct model m;
	struct model_metrics mm;
	struct world *w;

	model_default(&m);
	w = world_model_from(4, "AA.." "...." "..AB" "..A.", &m);
	CHECK(model_metrics_compute(w, &mm) == 0 &&
	    fabs(mm.like_share_mean - 0.6) < 1e-12 &&
	    fabs(mm.like_share_pooled - 0.5) < 1e-12 &&
	    fabs(mm.unhappy_share - 0.2) < 1e-12,
	    "model metrics: like shares 0.6 (mean) and 0.5 (pooled), 1 of 5 "
	    "unhappy (got %g %g %g)", mm.like_share_mean, mm.like_share_pooled,
	    mm.unhappy_share);
	world_free(w);
	w = world_model_from(4, "A..A" "...." "...." "A..A", &m);
	model_metrics_compute(w, &mm);
	CHECK(fabs(mm.segregation_coefficient - 0.25) < 1e-12,
	    "segregation coefficient, bounded: 4 lone corners give 4/16");
	world_free(w);
	m.torus = 1;
	w = world_model_from(4, "A..A" "...." "...." "A..A", &m);
	model_metrics_compute(w, &mm);
	CHECK(fabs(mm.segregation_coefficient - 1) < 1e-12,
	    "segregation coefficient, torus: the corners are one cluster");
	world_free(w);
	m.torus = 0;
	w = world_model_from(4, "AA.B" "AA.B" "...." "BB..", &m);
	model_metrics_compute(w, &mm);
	CHECK(fabs(mm.segregation_coefficient - 0.75) < 1e-12,
	    "segregation coefficient: clusters 4, 2, 2 of 4 + 4 give 24/32");
	world_free(w);
	/*
	 * Gauvin, Vannimenus & Nadal's s = 2 sum n_c^2 / (L^2 (1 - rho))^2,
	 * clusters through the 4 nearest neighbours: a diagonal pair is two
	 * clusters, so 2 + 2 agents in four singletons give 2 * 4 / 4^2.
	 */
	w = world_model_from(4, "AB.." "BA.." "...." "....", &m);
	model_metrics_compute(w, &mm);
	CHECK(fabs(mm.segregation_coefficient - 2.0 * 4 / (4 * 4)) < 1e-12,
	    "segregation coefficient is Gauvin et al.'s s for equal groups: "
	    "diagonal neighbours are not one cluster (got %g)",
	    mm.segregation_coefficient);
	world_free(w);
	w = world_model_from(4, "AAB." "A.BB" "...." "....", &m);
	model_metrics_compute(w, &mm);
	CHECK(fabs(mm.segregation_coefficient - 2.0 * (9 + 9) / (6 * 6)) < 1e-12,
	    "segregation coefficient is Gauvin et al.'s s: two clusters of 3 "
	    "of 6 agents give 1 (got %g)", mm.segregation_coefficient);
	world_free(w);
}

int
main(void)
{
	placement();
	mechanical_rule();
	sweep_invariants();
	full_grid();
	convergence();
	radius_two();
	counts_and_shares();
	torus();
	satisfying_mover();
	nearest_mover();
	incremental_counts();
	exact_threshold();
	isolated_agents();
	movers_anyone();
	synchronous_update();
	model_metrics();
	return check_done();
}
