/*
 * abmbench: the JuliaDynamics ABMFrameworksComparison Schelling benchmark,
 * timed inside one process (scripts/bench-abm).  Each run builds the
 * model (allocates the world, places the agents), plays a fixed number of
 * steps with the mechanical count rule and frees it; the clocks cover all
 * of that.  Prints one JSON object: the median and mean wall time per run
 * in milliseconds, the median CPU time of the process per run (what the
 * run cost one core, whatever else the machine is doing), the mean and
 * standard error of the total moves, and the peak resident memory.
 *
 * usage: abmbench --grid X --agents K --radius R --min M [--steps S]
 *                 [--runs N] [--metrics every|none] [--seed S]
 *                 [--naive yes]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <math.h>

#include "model/metrics.h"
#include "model/rng.h"
#include "model/world.h"

static double
now_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(const double *v, int n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * --naive: the straightforward loop every framework's implementation
 * amounts to (count the neighbours of each agent on the grid at its turn,
 * move to a random empty cell), for a ratio measured side by side.
 */
static long
naive_run(int g, int agents, int radius, int min, int steps,
    unsigned long long seed, long run)
{
	int ncells = g * g, nempty = ncells - agents;
	int8_t *cell = malloc((size_t)ncells);
	int *pos = malloc((size_t)agents * sizeof(int));
	int *order = malloc((size_t)(ncells > agents ? ncells : agents + 1) *
	    sizeof(int));
	int *empty = malloc((size_t)(nempty + 1) * sizeof(int));
	long moves = -1;
	struct rng r;

	if (cell == NULL || pos == NULL || order == NULL || empty == NULL)
		goto out;
	rng_init(&r, rng_key(seed, (uint64_t)run, 0, 0, RNG_PLACEMENT));
	for (int i = 0; i < ncells; i++)
		order[i] = i;
	rng_shuffle_int(&r, order, ncells);
	memset(cell, -1, (size_t)ncells);
	for (int a = 0; a < agents; a++) {
		pos[a] = order[a];
		cell[order[a]] = (int8_t)(a < agents / 2 ? 0 : 1);
	}
	for (int i = 0; i < nempty; i++)
		empty[i] = order[agents + i];
	moves = 0;
	for (int step = 0; step < steps; step++) {
		rng_init(&r, rng_key(seed, (uint64_t)run, (uint64_t)step, 0,
		    RNG_ORDER));
		for (int a = 0; a < agents; a++)
			order[a] = a;
		rng_shuffle_int(&r, order, agents);
		for (int i = 0; i < agents; i++) {
			int a = order[i], p = pos[a], row = p / g, col = p % g;
			int r0 = row > radius ? row - radius : 0;
			int r1 = row + radius < g ? row + radius : g - 1;
			int c0 = col > radius ? col - radius : 0;
			int c1 = col + radius < g ? col + radius : g - 1;
			int same = -1;   /* the agent itself is counted below */

			for (int rr = r0; rr <= r1; rr++)
				for (int cc = c0; cc <= c1; cc++)
					same += cell[rr * g + cc] == cell[p];
			if (same < min && nempty > 0) {
				int k = (int)rng_below(&r, (uint64_t)nempty);
				int to = empty[k];

				empty[k] = p;
				cell[to] = cell[p];
				cell[p] = -1;
				pos[a] = to;
				moves++;
			}
		}
	}
out:
	free(cell);
	free(pos);
	free(order);
	free(empty);
	return moves;
}

/* One run: build, place, play, free; its total moves, or -1. */
static long
one_run(int grid, int agents, const struct model *m, int steps, int every,
    unsigned long long seed, long run)
{
	struct world *w = world_new(grid, agents / 2, agents - agents / 2);
	struct metrics_work *mw = every ? metrics_work_new(grid) : NULL;
	struct decider d = { .decide = mechanical_decide };
	struct step_key key = { seed, (uint64_t)run, 0 };
	struct step_counts c;
	struct metrics met;
	long moves = 0;

	if (w == NULL || (every && mw == NULL) || world_set_model(w, m) != 0) {
		world_free(w);
		metrics_work_free(mw);
		return -1;
	}
	world_place(w, seed, (uint64_t)run);
	if (every)
		metrics_compute(mw, w->cell, &met);
	for (key.step = 0; key.step < steps; key.step++) {
		world_step(w, &d, &key, &c);
		moves += c.moves;
		if (every)
			metrics_compute(mw, w->cell, &met);
	}
	world_free(w);
	metrics_work_free(mw);
	return moves;
}

int
main(int argc, char **argv)
{
	int grid = 40, agents = 1000, steps = 20, runs = 100, every = 0;
	int naive = 0;
	unsigned long long seed = 0;
	double *ms, *cpu, sum = 0, msum = 0, msq = 0;
	struct model m;
	struct rusage ru;

	model_default(&m);
	m.min_similar = 3;
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *f = argv[i], *v = argv[i + 1];

		if (strcmp(f, "--grid") == 0)
			grid = atoi(v);
		else if (strcmp(f, "--agents") == 0)
			agents = atoi(v);
		else if (strcmp(f, "--radius") == 0)
			m.radius = atoi(v);
		else if (strcmp(f, "--min") == 0)
			m.min_similar = atoi(v);
		else if (strcmp(f, "--steps") == 0)
			steps = atoi(v);
		else if (strcmp(f, "--runs") == 0)
			runs = atoi(v);
		else if (strcmp(f, "--seed") == 0)
			seed = strtoull(v, NULL, 10);
		else if (strcmp(f, "--metrics") == 0)
			every = strcmp(v, "every") == 0;
		else if (strcmp(f, "--naive") == 0)
			naive = strcmp(v, "yes") == 0;
		else {
			fprintf(stderr, "abmbench: unknown option %s\n", f);
			return 64;
		}
	}
	if (grid < 1 || agents < 0 || (long)agents > (long)grid * grid ||
	    m.radius < 1 || m.radius > RADIUS_MAX || runs < 1 || steps < 0) {
		fprintf(stderr, "abmbench: bad parameters\n");
		return 64;
	}
	ms = malloc((size_t)runs * sizeof(double));
	cpu = malloc((size_t)runs * sizeof(double));
	if (ms == NULL || cpu == NULL) {
		free(ms);
		free(cpu);
		return 71;
	}
	for (int r = 0; r < runs; r++) {
		double t0 = now_ms(CLOCK_MONOTONIC);
		double c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
		long moves = naive ? naive_run(grid, agents, m.radius,
		    m.min_similar, steps, seed, r) :
		    one_run(grid, agents, &m, steps, every, seed, r);

		cpu[r] = now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
		ms[r] = now_ms(CLOCK_MONOTONIC) - t0;
		if (moves < 0) {
			fprintf(stderr, "abmbench: out of memory\n");
			free(ms);
			free(cpu);
			return 71;
		}
		sum += ms[r];
		msum += (double)moves;
		msq += (double)moves * (double)moves;
	}
	qsort(ms, (size_t)runs, sizeof(double), cmp_double);
	qsort(cpu, (size_t)runs, sizeof(double), cmp_double);
	getrusage(RUSAGE_SELF, &ru);
	{
		double mean = msum / runs;
		double var = runs > 1 ? (msq - runs * mean * mean) / (runs - 1) : 0;

		printf("{\"median_ms\":%.4f,\"mean_ms\":%.4f,\"median_cpu_ms\":%.4f,"
		    "\"mean_moves\":%.1f,\"se_moves\":%.1f,\"maxrss_kb\":%ld}\n",
		    median(ms, runs), sum / runs, median(cpu, runs), mean, var > 0 ? sqrt(var / runs) : 0.0,
		    ru.ru_maxrss);
	}
	free(ms);
	free(cpu);
	return 0;
}
