/*
 * An aggregate of runs read by runfile/runset: simagg's summary statistics
 * (runs, ok, converged, failed, incomplete, and mean, sd, 95% interval,
 * min and max of each number), and runs of different parameters grouped
 * by those parameters (--allow-mixed) or refused.
 */
#ifndef SIM_AGG_SUMMARY_H
#define SIM_AGG_SUMMARY_H

#include <stddef.h>

#include "runfile/runset.h"
#include "stats/stats.h"

struct summary {
	size_t runs, ok, converged, failed, incomplete;
	size_t with_utility;       /* runs with a mean_utility */
	struct stats convergence_step, n_steps, llm_calls, llm_time;
	struct stats mean_utility; /* utility agents' runs (ok) */
	struct stats final[METRICS_N], initial[METRICS_N];
	double parse_failures, retries;
};

/* Runs of one setting (--allow-mixed): entries of the runset. */
struct group {
	size_t *runs;
	size_t nruns;
	struct summary sum;
};

struct numcache;

struct aggregate {
	/* set by the caller before aggregate_make */
	const char *prog;          /* for messages */
	const char *experiment;    /* NULL: none given */
	int allow_mixed;           /* group runs of other settings, not refuse */
	/* made by aggregate_make */
	const struct runset *set;  /* the runs (runset_run) */
	size_t *runs;              /* its entries by run id */
	size_t nruns;
	const struct step_row *steps;   /* by run id, then step */
	size_t nsteps;
	struct summary sum;
	struct numcache *cache;    /* outputs' number texts; NULL: none */
	/* --allow-mixed: the runs grouped by their parameters */
	struct group *groups;
	size_t ngroups;
	char **keys;               /* the parameters that differ, NULL-ended */
};

/*
 * The runs in run id order, their step lines in (run id, step) order, the
 * summary and the groups; 0, 65 for runs of mixed parameters without
 * allow_mixed (one line on stderr names the key), or 71.  The report
 * points into a, which must outlive it.
 */
int aggregate_make(struct runset *a, struct aggregate *rep);
void aggregate_free(struct aggregate *rep);

#endif
