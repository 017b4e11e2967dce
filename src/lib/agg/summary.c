/* An aggregate of runs: summary statistics and groups (see report.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "agg/summary.h"
#include "io/msg.h"

#define OOM_HINT "; aggregate fewer runs at once"

#define N_METRICS METRICS_N

static int group_runs(struct aggregate *rep, double *x);
static void free_groups(struct aggregate *rep);

/* x has room for one value per run. */
static void
summarize(const struct aggregate *rep, double *x, struct summary *s)
{
	struct run *const *runs = rep->runs;
	size_t n = rep->nruns;

	memset(s, 0, sizeof(*s));
	s->runs = n;
	for (size_t i = 0; i < n; i++) {
		s->ok += run_is_ok(runs[i]);
		s->converged += runs[i]->converged;
		s->failed += runs[i]->has_end && !run_is_ok(runs[i]);
		s->incomplete += !runs[i]->has_end;
	}
	for (int m = 0; m < N_METRICS; m++) {
		for (size_t i = 0; i < n; i++)
			x[i] = run_is_ok(runs[i]) ? runs[i]->final[m] : NAN;
		stats_compute(x, n, &s->final[m]);
		for (size_t i = 0; i < n; i++)
			x[i] = runs[i]->initial[m];
		stats_compute(x, n, &s->initial[m]);
	}
	for (size_t i = 0; i < n; i++)
		x[i] = runs[i]->converged ? runs[i]->convergence_step : NAN;
	stats_compute(x, n, &s->convergence_step);
	for (size_t i = 0; i < n; i++)
		x[i] = run_is_ok(runs[i]) ? runs[i]->n_steps : NAN;
	stats_compute(x, n, &s->n_steps);
	for (size_t i = 0; i < n; i++)
		x[i] = runs[i]->llm_calls;
	stats_compute(x, n, &s->llm_calls);
	for (size_t i = 0; i < n; i++) {
		const struct run *r = runs[i];

		x[i] = isnan(r->llm_calls) ? NAN : r->llm_time;
		if (!isnan(r->llm_calls) && !isnan(r->parse_failures))
			s->parse_failures += r->parse_failures;
		if (!isnan(r->llm_calls) && !isnan(r->retries))
			s->retries += r->retries;
	}
	stats_compute(x, n, &s->llm_time);
}

/* Adds to keys (NULL-ended, *n of them) each key whose values differ. */
static int
add_differing_keys(const char *x, const char *y, char ***keys, size_t *n)
{
	json_t *jx = json_loads(x, 0, NULL), *jy = json_loads(y, 0, NULL);
	json_t *both[2] = { jx, jy };
	const char *k;
	json_t *v;
	int rc = jx != NULL && jy != NULL ? 0 : -1;

	for (int side = 0; side < 2 && rc == 0; side++) {
		json_object_foreach(both[side], k, v) {
			char **q;
			size_t i;

			if (json_equal(v, json_object_get(both[!side], k)))
				continue;
			for (i = 0; i < *n && strcmp((*keys)[i], k) != 0; i++)
				;
			if (i < *n)
				continue;
			if ((q = realloc(*keys, (*n + 2) * sizeof(*q))) == NULL ||
			    (q[*n] = strdup(k)) == NULL) {
				if (q != NULL)
					*keys = q;
				rc = -1;
				break;
			}
			*keys = q;
			q[++*n] = NULL;
		}
	}
	json_decref(jx);
	json_decref(jy);
	return rc;
}

static void
free_groups(struct aggregate *rep)
{
	for (size_t g = 0; g < rep->ngroups; g++)
		free(rep->groups[g].runs);
	free(rep->groups);
	for (size_t i = 0; rep->keys != NULL && rep->keys[i] != NULL; i++)
		free(rep->keys[i]);
	free(rep->keys);
	rep->groups = NULL;
	rep->keys = NULL;
	rep->ngroups = 0;
}

/* The group of runs of r's parameters, made when new; NULL: memory. */
static struct group *
group_of(struct aggregate *rep, const struct run *r)
{
	struct group *g;

	for (size_t i = 0; i < rep->ngroups; i++) {
		const struct run *first = rep->groups[i].runs[0];

		if (r->params == NULL || first->params == NULL ||
		    strcmp(first->params, r->params) == 0)
			return &rep->groups[i];
	}
	g = realloc(rep->groups, (rep->ngroups + 1) * sizeof(*g));
	if (g == NULL)
		return NULL;
	rep->groups = g;
	g = &g[rep->ngroups++];
	memset(g, 0, sizeof(*g));
	if ((g->runs = calloc(rep->nruns, sizeof(*g->runs))) == NULL) {
		rep->ngroups--;
		return NULL;
	}
	return g;
}

/*
 * Runs of different experiments are not averaged together: without
 * --allow-mixed they are refused, naming a key and two runs that differ;
 * with it the summary is given per group of runs of one setting too.
 */
static int
group_runs(struct aggregate *rep, double *x)
{
	size_t i, j, nkeys = 0;
	char key[256], vi[128], vj[128];

	if (!runset_find_mixed(rep->runs, rep->nruns, &i, &j, key,
	    sizeof(key)))
		return 0;
	if (!rep->allow_mixed) {
		runset_param_text(rep->runs[i], key, vi, sizeof(vi));
		runset_param_text(rep->runs[j], key, vj, sizeof(vj));
		fprintf(stderr, "%s: runs %lld and %lld differ in \"%s\" "
		    "(%s and %s): they are runs of different settings; "
		    "aggregate each experiment apart, or give --allow-mixed "
		    "to group the summary by the differing parameters\n",
		    rep->prog, rep->runs[i]->id, rep->runs[j]->id, key, vi, vj);
		return EX_DATAERR;
	}
	for (i = 0; i < rep->nruns; i++) {
		struct group *g = group_of(rep, rep->runs[i]);

		if (g == NULL)
			return msg_oom(rep->prog, OOM_HINT);
		g->runs[g->nruns++] = rep->runs[i];
	}
	for (size_t g = 1; g < rep->ngroups; g++)
		if (add_differing_keys(rep->groups[0].runs[0]->params,
		    rep->groups[g].runs[0]->params, &rep->keys, &nkeys) != 0)
			return msg_oom(rep->prog, OOM_HINT);
	for (size_t g = 0; g < rep->ngroups; g++) {
		struct aggregate sub = *rep;

		sub.runs = rep->groups[g].runs;
		sub.nruns = rep->groups[g].nruns;
		summarize(&sub, x, &rep->groups[g].sum);
	}
	return 0;
}

/*
 * The runs in run id order, their step lines in (run id, step) order, and
 * the summary.  The report points into agg, which must outlive it.
 */
int
aggregate_make(struct runset *a, struct aggregate *rep)
{
	struct aggregate set = *rep;
	double *x;
	int rc;

	memset(rep, 0, sizeof(*rep));
	rep->prog = set.prog;
	rep->experiment = set.experiment;
	rep->allow_mixed = set.allow_mixed;
	if ((rc = runset_sort(a, &rep->runs, &rep->nruns)) != 0)
		return rc;
	if ((x = calloc(rep->nruns, sizeof(*x))) == NULL) {
		free(rep->runs);
		return msg_oom(rep->prog, OOM_HINT);
	}
	rep->steps = a->steps;
	rep->nsteps = a->nsteps;
	summarize(rep, x, &rep->sum);
	rc = group_runs(rep, x);
	free(x);
	if (rc != 0) {
		free_groups(rep);
		free(rep->runs);
	}
	return rc;
}

void
aggregate_free(struct aggregate *rep)
{
	free_groups(rep);
	free(rep->runs);
	rep->runs = NULL;
}
