/*
 * Definitions follow the predecessor's Metrics.py exactly (see simtools(7)):
 * off-grid neighbours count as empty, 8-neighbour counts for share,
 * mix_deviation and ghetto_rate, 4-neighbours for clusters and switch_rate.
 *
 * The grid is first copied into a frame one empty cell wider on every
 * side, so that neighbour look-ups need no bounds checks.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/metrics.h"
#include "model/unionfind.h"

#define EMPTY (-1)

/* pairs and switches of each neighbourhood code (up, down, left, right) */
struct switch_table {
	int8_t pairs[81];
	int8_t switches[81];
};

const char *const metrics_names[METRICS_N] = {
	"clusters", "switch_rate", "distance", "mix_deviation", "share",
	"ghetto_rate", "dissimilarity_index",
};
const int metrics_whole[METRICS_N] = { 1, 0, 0, 0, 0, 1, 0 };

void
metrics_values(const struct metrics *m, double v[METRICS_N])
{
	v[0] = m->clusters;
	v[1] = m->switch_rate;
	v[2] = m->distance;
	v[3] = m->mix_deviation;
	v[4] = m->share;
	v[5] = m->ghetto_rate;
	v[6] = m->dissimilarity_index;
}

struct metrics_work {
	int size;
	int width;      /* size + 2: a row of the framed grid */
	int8_t *framed;
	int *parent;    /* union-find forest for clusters */
	int *dist[2];   /* taxicab distance to the nearest agent of a type */
	int8_t *band;   /* DI tract band of a row or column index */
	struct switch_table switches;
};

static void fill_switch_table(struct switch_table *t);

struct metrics_work *
metrics_work_new(int size)
{
	struct metrics_work *mw = calloc(1, sizeof(*mw));
	size_t n = (size_t)(size + 2) * (size_t)(size + 2);

	if (mw == NULL)
		return NULL;
	mw->size = size;
	mw->width = size + 2;
	mw->framed = malloc(n);
	mw->parent = malloc(n * sizeof(int));
	mw->dist[0] = malloc(n * sizeof(int));
	mw->dist[1] = malloc(n * sizeof(int));
	mw->band = malloc((size_t)size + 1);
	if (!mw->framed || !mw->parent || !mw->dist[0] || !mw->dist[1] ||
	    !mw->band) {
		metrics_work_free(mw);
		return NULL;
	}
	memset(mw->framed, EMPTY, n);
	fill_switch_table(&mw->switches);
	for (int i = 0; i < size; i++)
		mw->band[i] = (int8_t)(i < size / 3 ? 0 : i < size - size / 3 ? 1 : 2);
	return mw;
}

void
metrics_work_free(struct metrics_work *mw)
{
	if (mw == NULL)
		return;
	free(mw->framed);
	free(mw->parent);
	free(mw->dist[0]);
	free(mw->dist[1]);
	free(mw->band);
	free(mw);
}

static void
frame_grid(struct metrics_work *mw, const int8_t *cell)
{
	for (int r = 0; r < mw->size; r++)
		memcpy(mw->framed + (r + 1) * mw->width + 1, cell + r * mw->size,
		    (size_t)mw->size);
}

/*
 * 4-connected components of same-type cells, summed over the types: one
 * row-major pass joins each cell to its left and upper twins; every join
 * of two separate components removes one from the count.
 */
static int
count_clusters(struct metrics_work *mw)
{
	const int8_t *f = mw->framed;
	int *parent = mw->parent;
	int w = mw->width, clusters = 0;

	for (int r = 1; r <= mw->size; r++) {
		for (int i = r * w + 1; i <= r * w + mw->size; i++) {
			if (f[i] == EMPTY)
				continue;
			parent[i] = i;
			clusters++;
			if (f[i - 1] == f[i]) {
				parent[i] = uf_root(parent, i - 1);
				if (f[i - w] == f[i]) {
					int up = uf_root(parent, i - w);

					if (up != parent[i]) {
						parent[up] = parent[i];
						clusters--;
					}
				}
				clusters--;
			} else if (f[i - w] == f[i]) {
				parent[i] = uf_root(parent, i - w);
				clusters--;
			}
		}
	}
	return clusters;
}

/*
 * Per agent: the types of its occupied 4-neighbours in the order up,
 * down, left, right; k of them give k-1 pairs, and every change of type
 * between consecutive entries is a switch.  The 3^4 neighbourhoods are
 * tabulated once.
 */
static void
fill_switch_table(struct switch_table *t)
{
	for (int code = 0; code < 81; code++) {
		int k = 0, last = 0, c = code;
		int seq[4] = { c / 27 % 3, c / 9 % 3, c / 3 % 3, c % 3 };

		t->switches[code] = 0;
		for (int j = 0; j < 4; j++) {
			if (seq[j] == 0)
				continue;
			t->switches[code] += (int8_t)(k > 0 && seq[j] != last);
			last = seq[j];
			k++;
		}
		t->pairs[code] = (int8_t)(k >= 2 ? k - 1 : 0);
	}
}

static double
switch_rate(const struct metrics_work *mw)
{
	const struct switch_table *t = &mw->switches;
	const int8_t *f = mw->framed;
	int w = mw->width;
	long pairs = 0, switches = 0;

	for (int r = 1; r <= mw->size; r++) {
		for (int i = r * w + 1; i <= r * w + mw->size; i++) {
			int code;

			if (f[i] == EMPTY)
				continue;
			code = (f[i - w] + 1) * 27 + (f[i + w] + 1) * 9 +
			    (f[i - 1] + 1) * 3 + (f[i + 1] + 1);
			pairs += t->pairs[code];
			switches += t->switches[code];
		}
	}
	return pairs > 0 ? (double)switches / (double)pairs : 0.0;
}

/*
 * Two-pass taxicab distance transform over the framed grid: dist[i] is
 * the distance from cell i to the nearest cell of the given type.  The
 * frame's cells are never of a type, so they only relay distances.
 */
static void
distance_to_type(const struct metrics_work *mw, int8_t type, int *dist)
{
	const int8_t *f = mw->framed;
	const int far = INT_MAX / 2;
	int w = mw->width, g = mw->size;

	for (int i = 0; i < w * w; i++)
		dist[i] = far;
	for (int r = 1; r <= g; r++) {
		for (int i = r * w + 1; i <= r * w + g; i++) {
			int d = f[i] == type ? 0 : far;

			if (r > 1 && dist[i - w] + 1 < d)
				d = dist[i - w] + 1;
			if (i > r * w + 1 && dist[i - 1] + 1 < d)
				d = dist[i - 1] + 1;
			dist[i] = d;
		}
	}
	for (int r = g; r >= 1; r--) {
		for (int i = r * w + g; i >= r * w + 1; i--) {
			if (r < g && dist[i + w] + 1 < dist[i])
				dist[i] = dist[i + w] + 1;
			if (i < r * w + g && dist[i + 1] + 1 < dist[i])
				dist[i] = dist[i + 1] + 1;
		}
	}
}

/* Mean distance from each agent to the nearest agent of the other type. */
static double
mean_distance(struct metrics_work *mw, const long *count)
{
	const int8_t *f = mw->framed;
	long long total = 0;
	long agents = 0;

	if (count[0] == 0 || count[1] == 0)
		return 0.0;
	distance_to_type(mw, 0, mw->dist[0]);
	distance_to_type(mw, 1, mw->dist[1]);
	for (int i = 0; i < mw->width * mw->width; i++) {
		if (f[i] == EMPTY)
			continue;
		total += mw->dist[1 - f[i]][i];
		agents++;
	}
	return (double)total / (double)agents;
}

/*
 * Duncan's D over the 3x3 block partition of the grid: rows and columns
 * split into [0,e), [e,G-e), [G-e,G) with e = G/3.
 */
static double
dissimilarity(const struct metrics_work *mw, const int8_t *cell,
    const long *count)
{
	int g = mw->size;
	long tract[9][2] = { { 0 } };
	double d = 0.0;

	if (count[0] == 0 && count[1] == 0)
		return 0.0;
	if (count[0] == 0 || count[1] == 0)
		return 1.0;
	for (int r = 0; r < g; r++)
		for (int c = 0; c < g; c++)
			if (cell[r * g + c] != EMPTY)
				tract[3 * mw->band[r] + mw->band[c]]
				    [cell[r * g + c]]++;
	for (int t = 0; t < 9; t++)
		d += fabs((double)tract[t][0] / (double)count[0] -
		    (double)tract[t][1] / (double)count[1]);
	return 0.5 * d;
}

/* Alike and unlike among the 8 neighbours of framed cell i. */
static void
framed_moore(const int8_t *f, int w, int i, int *like, int *unlike)
{
	const int8_t *n[3] = { f + i - w - 1, f + i - 1, f + i + w - 1 };
	int8_t self = f[i], other = (int8_t)(1 - self);

	*like = (n[0][0] == self) + (n[0][1] == self) + (n[0][2] == self) +
	    (n[1][0] == self) + (n[1][2] == self) +
	    (n[2][0] == self) + (n[2][1] == self) + (n[2][2] == self);
	*unlike = (n[0][0] == other) + (n[0][1] == other) +
	    (n[0][2] == other) + (n[1][0] == other) + (n[1][2] == other) +
	    (n[2][0] == other) + (n[2][1] == other) + (n[2][2] == other);
}

void
moore_counts(const int8_t *cell, int g, int i, int *like, int *unlike)
{
	int r = i / g, c = i % g;

	if (r > 0 && r < g - 1 && c > 0 && c < g - 1) {
		/* interior: the row stride plays the framed grid's width */
		framed_moore(cell, g, i, like, unlike);
		return;
	}
	*like = *unlike = 0;
	for (int dr = -1; dr <= 1; dr++) {
		if (r + dr < 0 || r + dr >= g)
			continue;
		for (int dc = -1; dc <= 1; dc++) {
			int8_t t;

			if ((dr == 0 && dc == 0) || c + dc < 0 || c + dc >= g)
				continue;
			t = cell[(r + dr) * g + c + dc];
			if (t != EMPTY)
				*(t == cell[i] ? like : unlike) += 1;
		}
	}
}

void
metrics_compute(struct metrics_work *mw, const int8_t *cell,
    struct metrics *m)
{
	const int8_t *f = mw->framed;
	int w = mw->width;
	long count[2] = { 0, 0 }, like_total = 0, pair_total = 0;
	long mixed_agents = 0, ghettos = 0;
	double deviation = 0.0;

	frame_grid(mw, cell);
	for (int r = 1; r <= mw->size; r++) {
		for (int i = r * w + 1; i <= r * w + mw->size; i++) {
			int like, unlike;

			if (f[i] == EMPTY)
				continue;
			count[f[i]]++;
			framed_moore(f, w, i, &like, &unlike);
			like_total += like;
			pair_total += like + unlike;
			ghettos += unlike == 0;
			if (like + unlike > 0) {
				deviation += fabs(0.5 - (double)like /
				    (like + unlike));
				mixed_agents++;
			}
		}
	}
	m->clusters = count_clusters(mw);
	m->switch_rate = switch_rate(mw);
	m->distance = mean_distance(mw, count);
	m->mix_deviation = mixed_agents > 0 ? deviation / mixed_agents : 0.0;
	m->share = pair_total > 0 ? (double)like_total / pair_total : 0.0;
	m->ghetto_rate = (int)ghettos;
	m->dissimilarity_index = dissimilarity(mw, cell, count);
}
