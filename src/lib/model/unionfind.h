/*
 * Union-find over an array of parents (parent[i] == i: a root), for the
 * cluster metrics of model/metrics.c and model/model_metrics.c; inline,
 * as it runs in their inner loops on every step.
 */
#ifndef SIM_MODEL_UNIONFIND_H
#define SIM_MODEL_UNIONFIND_H

/* The root of i's set, halving the path on the way. */
static inline int
uf_root(int *parent, int i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

#endif
