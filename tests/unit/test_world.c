/* Placement, the mechanical rule, a sweep's invariants, convergence. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sim/world.h"

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
	w->nempty = 0;
	for (int i = 0; i < g * g; i++) {
		int agent = rows[i] == 'A' ? na++ : rows[i] == 'B' ? a + nb++ : -1;

		w->agent_at[i] = agent;
		w->empty_slot[i] = -1;
		if (agent < 0) {
			w->cell[i] = CELL_EMPTY;
			w->empty_slot[i] = w->nempty;
			w->empty[w->nempty++] = i;
		} else {
			w->cell[i] = (int8_t)world_agent_type(w, agent);
			w->pos[agent] = i;
		}
	}
	return w;
}

static int
decides_to_move(const char *rows, double threshold)
{
	struct world *w = world_from(3, rows);
	struct step_key key = { 0, 0, 0 };
	int move = -1;

	mechanical_decide(&threshold, w, w->agent_at[4], &key, &move);
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
	double threshold = 0.5;
	struct decider d = { .decide = mechanical_decide, .ctx = &threshold };
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
	double threshold = 1.0;
	struct decider d = { .decide = mechanical_decide, .ctx = &threshold };
	struct step_key key = { 0, 0, 0 };
	struct step_counts counts;

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

int
main(void)
{
	placement();
	mechanical_rule();
	sweep_invariants();
	full_grid();
	convergence();
	return check_done();
}
