/* The seven metrics on small grids whose answers were worked out by hand. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "model/metrics.h"

/* rows of '.', 'A', 'B' -> metrics */
static struct metrics
measure(int g, const char *rows)
{
	struct metrics_work *mw = metrics_work_new(g);
	int8_t *cell = malloc((size_t)(g * g));
	struct metrics m;

	if (mw == NULL || cell == NULL || (int)strlen(rows) != g * g) {
		fprintf(stderr, "test setup failed\n");
		exit(2);
	}
	for (int i = 0; i < g * g; i++)
		cell[i] = (int8_t)(rows[i] == '.' ? -1 : rows[i] - 'A');
	metrics_compute(mw, cell, &m);
	metrics_work_free(mw);
	free(cell);
	return m;
}

static void
empty_grid(void)
{
	struct metrics m = measure(3, ".........");

	CHECK(m.clusters == 0 && m.ghetto_rate == 0, "empty: no clusters or ghettos");
	CHECK(m.switch_rate == 0 && m.distance == 0 && m.mix_deviation == 0 &&
	    m.share == 0, "empty: rates are 0");
	CHECK(m.dissimilarity_index == 0, "empty: DI 0");
}

static void
one_by_one(void)
{
	struct metrics m = measure(1, "A");

	CHECK(m.clusters == 1, "1x1: one cluster");
	CHECK(m.ghetto_rate == 1, "1x1: the lone agent counts as a ghetto");
	CHECK(m.share == 0 && m.mix_deviation == 0 && m.distance == 0,
	    "1x1: no neighbours, no distance");
	CHECK(m.dissimilarity_index == 1.0, "1x1: one type present -> DI 1");
	m = measure(1, ".");
	CHECK(m.clusters == 0 && m.dissimilarity_index == 0, "1x1 empty");
}

static void
one_type_only(void)
{
	struct metrics m = measure(2, "AAAA");

	CHECK(m.clusters == 1, "one type: one cluster");
	CHECK(m.switch_rate == 0, "one type: no switches");
	CHECK(m.distance == 0, "one type: distance skipped -> 0");
	CHECK(m.mix_deviation == 0.5, "one type: mix_deviation 0.5");
	CHECK(m.share == 1.0, "one type: share 1");
	CHECK(m.ghetto_rate == 4, "one type: all 4 are ghettos");
	CHECK(m.dissimilarity_index == 1.0, "one type: DI 1");
}

static void
checkerboard(void)
{
	struct metrics m = measure(4, "ABAB" "BABA" "ABAB" "BABA");

	CHECK(m.clusters == 16, "checkerboard: 16 single-cell clusters (got %d)",
	    m.clusters);
	CHECK(m.switch_rate == 0, "checkerboard: 4-neighbours all alike -> 0");
	CHECK(m.distance == 1.0, "checkerboard: distance 1");
	CHECK_NEAR(m.mix_deviation, (4.0 / 6 + 8 * 0.1) / 16, 1e-12,
	    "checkerboard: mix_deviation (4/6 + 0.8)/16 (got %.17g)",
	    m.mix_deviation);
	CHECK_NEAR(m.share, 36.0 / 84, 1e-12, "checkerboard: share 36/84");
	CHECK(m.ghetto_rate == 0, "checkerboard: no ghettos");
	CHECK_NEAR(m.dissimilarity_index, 0.25, 1e-12,
	    "checkerboard: DI 0.25 from the four corner tracts");
}

static void
two_halves(void)
{
	struct metrics m = measure(4, "AABB" "AABB" "AABB" "AABB");

	CHECK(m.clusters == 2, "halves: 2 clusters");
	/* order up, down, left, right: B,B,A,B gives two switches */
	CHECK_NEAR(m.switch_rate, 12.0 / 32, 1e-12,
	    "halves: switch_rate 12/32 (got %.17g)", m.switch_rate);
	CHECK(m.distance == 1.5, "halves: distance 1.5 (got %g)", m.distance);
	CHECK_NEAR(m.mix_deviation, 4.9 / 16, 1e-12, "halves: mix_deviation 4.9/16");
	CHECK_NEAR(m.share, 64.0 / 84, 1e-12, "halves: share 64/84");
	CHECK(m.ghetto_rate == 8, "halves: 8 ghettos");
	CHECK_NEAR(m.dissimilarity_index, 0.5, 1e-12, "halves: DI 0.5");
}

static void
corners(void)
{
	struct metrics m = measure(3, "A.." "..." "..B");
	char big[101];

	CHECK(m.clusters == 2, "corners: 2 clusters");
	CHECK(m.switch_rate == 0, "corners: no pairs -> 0");
	CHECK(m.distance == 4, "corners: distance 4");
	CHECK(m.mix_deviation == 0 && m.share == 0, "corners: no neighbours");
	CHECK(m.ghetto_rate == 2, "corners: both are ghettos");
	CHECK(m.dissimilarity_index == 1.0, "corners: DI 1");
	memset(big, '.', 100);
	big[0] = 'A';
	big[99] = 'B';
	big[100] = '\0';
	m = measure(10, big);
	CHECK(m.distance == 18, "opposite corners of 10x10: distance 18");
}

/* DI tracts split a band as [0,e), [e,G-e), [G-e,G) with e = G/3. */
static void
tract_bands(void)
{
	char g10[101];
	struct metrics m;

	/* A fills column 0..2 (the first band at G=10), B column 3..6 */
	for (int r = 0; r < 10; r++)
		for (int c = 0; c < 10; c++)
			g10[r * 10 + c] = c < 3 ? 'A' : c < 7 ? 'B' : '.';
	g10[100] = '\0';
	m = measure(10, g10);
	CHECK(m.dissimilarity_index == 1.0, "10x10 bands 3-4-3: DI 1 (got %g)",
	    m.dissimilarity_index);
	/* moving one column of B into the first band mixes it */
	for (int r = 0; r < 10; r++)
		g10[r * 10 + 3] = 'A';
	m = measure(10, g10);
	CHECK_NEAR(m.dissimilarity_index, 1.0 - 10.0 / 40, 1e-12,
	    "10x10: A straddling bands 0 and 1 -> DI 0.75 (got %.17g)",
	    m.dissimilarity_index);
}

/* Slow, obviously correct versions to compare against on random grids. */
static double
naive_distance(const int8_t *cell, int g)
{
	long total = 0, agents = 0;

	for (int i = 0; i < g * g; i++) {
		int best = -1;

		if (cell[i] < 0)
			continue;
		for (int j = 0; j < g * g; j++) {
			int d = abs(i / g - j / g) + abs(i % g - j % g);

			if (cell[j] >= 0 && cell[j] != cell[i] && (best < 0 || d < best))
				best = d;
		}
		if (best >= 0) {
			total += best;
			agents++;
		}
	}
	return agents ? (double)total / (double)agents : 0.0;
}

static void
naive_moore(const int8_t *cell, int g, int i, int *like, int *unlike)
{
	*like = *unlike = 0;
	for (int j = 0; j < g * g; j++) {
		if (j == i || cell[j] < 0 || abs(i / g - j / g) > 1 ||
		    abs(i % g - j % g) > 1)
			continue;
		*(cell[j] == cell[i] ? like : unlike) += 1;
	}
}

static void
flood(const int8_t *cell, int g, int i, int8_t type, char *seen)
{
	if (seen[i] || cell[i] != type)
		return;
	seen[i] = 1;
	if (i / g > 0)
		flood(cell, g, i - g, type, seen);
	if (i / g < g - 1)
		flood(cell, g, i + g, type, seen);
	if (i % g > 0)
		flood(cell, g, i - 1, type, seen);
	if (i % g < g - 1)
		flood(cell, g, i + 1, type, seen);
}

static int
naive_clusters(const int8_t *cell, int g)
{
	char seen[13 * 13] = { 0 };
	int n = 0;

	for (int i = 0; i < g * g; i++) {
		if (cell[i] >= 0 && !seen[i]) {
			flood(cell, g, i, cell[i], seen);
			n++;
		}
	}
	return n;
}

static void
random_grids_match_naive(void)
{
	int bad_distance = 0, bad_moore = 0, bad_clusters = 0, grids = 0;
	unsigned seed = 12345;

	for (int g = 1; g <= 13; g++) {
		for (int trial = 0; trial < 20; trial++, grids++) {
			struct metrics_work *mw = metrics_work_new(g);
			int8_t *cell = malloc((size_t)(g * g));
			struct metrics m;

			if (mw == NULL || cell == NULL)
				exit(2);
			for (int i = 0; i < g * g; i++) {
				seed = seed * 1103515245u + 12345u;
				cell[i] = (int8_t)((seed >> 16) % 3) - 1;
			}
			metrics_compute(mw, cell, &m);
			bad_distance += m.distance != naive_distance(cell, g);
			bad_clusters += m.clusters != naive_clusters(cell, g);
			for (int i = 0; i < g * g; i++) {
				int l1, u1, l2, u2;

				if (cell[i] < 0)
					continue;
				moore_counts(cell, g, i, &l1, &u1);
				naive_moore(cell, g, i, &l2, &u2);
				bad_moore += l1 != l2 || u1 != u2;
			}
			metrics_work_free(mw);
			free(cell);
		}
	}
	CHECK(bad_distance == 0, "distance transform equals all-pairs search "
	    "on %d random grids (%d differ)", grids, bad_distance);
	CHECK(bad_moore == 0, "Moore counts equal a naive scan (%d differ)",
	    bad_moore);
	CHECK(bad_clusters == 0, "clusters equal a flood fill (%d differ)",
	    bad_clusters);
}

int
main(void)
{
	empty_grid();
	one_by_one();
	one_type_only();
	checkerboard();
	two_halves();
	corners();
	tract_bands();
	random_grids_match_naive();
	return check_done();
}
