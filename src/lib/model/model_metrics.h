/*
 * Metrics over the model's own neighbourhood (its radius and boundary),
 * for comparison with published figures (docs/figures.md "Replicating the
 * literature").  The seven predecessor metrics (model/metrics.h) keep their
 * fixed bounded 3x3 definitions.
 */
#ifndef SIM_MODEL_MODEL_METRICS_H
#define SIM_MODEL_MODEL_METRICS_H

#include "model/world.h"

struct model_metrics {
	/* mean over agents of alike / occupied neighbours, 0 when none
	 * (Downey's "segregation") */
	double like_share_mean;
	/* sum of alike / sum of occupied neighbours over agents (NetLogo's
	 * "percent similar", as a fraction) */
	double like_share_pooled;
	/* share of agents unhappy under the model's rule now */
	double unhappy_share;
	/* sum over same-type clusters (joined through the 4 nearest
	 * neighbours, around the torus if it is one) of size^2, over the sum
	 * over the two types of count^2: 1 when each type is one cluster,
	 * near 0 for small clusters (Gauvin et al.'s segregation coefficient
	 * when the types are equal) */
	double segregation_coefficient;
};

/* 0, or -1 when memory is short. */
int model_metrics_compute(const struct world *w, struct model_metrics *m);

#endif
