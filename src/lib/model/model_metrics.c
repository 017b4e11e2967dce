/* Metrics over the model's own neighbourhood: like shares, unhappiness and
 * the cluster-size segregation coefficient. */
#include <stdlib.h>

#include "model/model_metrics.h"
#include "model/unionfind.h"

static void
join(int *parent, int a, int b)
{
	a = uf_root(parent, a);
	b = uf_root(parent, b);
	if (a != b)
		parent[a < b ? b : a] = a < b ? a : b;
}

/* Union of each agent with its same-type nearest neighbours (4). */
static void
join_clusters(const struct world *w, int *parent)
{
	int g = w->size;

	for (int i = 0; i < w->ncells; i++)
		parent[i] = i;
	for (int i = 0; i < w->ncells; i++) {
		int r = i / g, c = i % g, right, down;

		if (w->cell[i] == CELL_EMPTY)
			continue;
		right = c + 1 < g ? i + 1 : w->model.torus ? i + 1 - g : -1;
		down = r + 1 < g ? i + g : w->model.torus ? c : -1;
		if (right >= 0 && w->cell[right] == w->cell[i])
			join(parent, i, right);
		if (down >= 0 && w->cell[down] == w->cell[i])
			join(parent, i, down);
	}
}

int
model_metrics_compute(const struct world *w, struct model_metrics *m)
{
	int *parent = malloc((size_t)w->ncells * sizeof(int));
	int *size = calloc((size_t)w->ncells, sizeof(int));
	double mean = 0, squares = 0, count[2] = { 0, 0 };
	long like_total = 0, occupied_total = 0, unhappy = 0;

	if (parent == NULL || size == NULL) {
		free(parent);
		free(size);
		return -1;
	}
	for (int a = 0; a < w->nagents; a++) {
		int like, unlike;

		world_neighbours(w, w->pos[a], &like, &unlike);
		like_total += like;
		occupied_total += like + unlike;
		mean += like + unlike > 0 ? (double)like / (like + unlike) : 0;
		unhappy += !world_happy(w, like, unlike);
		count[world_agent_type(w, a)]++;
	}
	join_clusters(w, parent);
	for (int a = 0; a < w->nagents; a++)
		size[uf_root(parent, w->pos[a])]++;
	for (int i = 0; i < w->ncells; i++)
		squares += (double)size[i] * size[i];
	m->like_share_mean = w->nagents > 0 ? mean / w->nagents : 0;
	m->like_share_pooled = occupied_total > 0 ?
	    (double)like_total / (double)occupied_total : 0;
	m->unhappy_share = w->nagents > 0 ? (double)unhappy / w->nagents : 0;
	m->segregation_coefficient = w->nagents > 0 ? squares /
	    (count[0] * count[0] + count[1] * count[1]) : 0;
	free(parent);
	free(size);
	return 0;
}
