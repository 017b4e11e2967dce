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

static int group_runs(struct aggregate *rep);
static void free_groups(struct aggregate *rep);

/* The columns of the statistics: final and initial metrics, then these. */
enum { COL_CONV = 2 * N_METRICS, COL_STEPS, COL_CALLS, COL_TIME, COL_UTIL,
	NCOLS };

static void
run_columns(const struct run *r, double *v)
{
	int ok = run_is_ok(r);

	for (int m = 0; m < N_METRICS; m++) {
		v[m] = ok ? r->final[m] : NAN;
		v[N_METRICS + m] = r->initial[m];
	}
	v[COL_CONV] = r->converged ? r->convergence_step : NAN;
	v[COL_STEPS] = ok ? r->n_steps : NAN;
	v[COL_CALLS] = r->llm_calls;
	v[COL_TIME] = isnan(r->llm_calls) ? NAN : r->llm_time;
	v[COL_UTIL] = ok ? r->mean_utility : NAN;
}

/*
 * Two passes over the runs (packed ones are unpacked each time), each
 * statistic's values in run id order, as stats_compute takes them.
 */
static void
summarize(const struct aggregate *rep, const size_t *runs, size_t n,
    struct summary *s)
{
	struct stats_acc acc[NCOLS];
	struct stats *out[NCOLS];
	double v[NCOLS];
	struct run tmp;

	memset(s, 0, sizeof(*s));
	s->runs = n;
	for (int c = 0; c < NCOLS; c++)
		stats_begin(&acc[c]);
	for (size_t i = 0; i < n; i++) {
		const struct run *r = runset_run(rep->set, runs[i], &tmp);

		s->ok += run_is_ok(r);
		s->converged += r->converged;
		s->failed += r->has_end && !run_is_ok(r);
		s->incomplete += !r->has_end;
		s->with_utility += !isnan(r->mean_utility);
		run_columns(r, v);
		for (int c = 0; c < NCOLS; c++)
			stats_add(&acc[c], v[c]);
		if (!isnan(r->llm_calls) && !isnan(r->parse_failures))
			s->parse_failures += r->parse_failures;
		if (!isnan(r->llm_calls) && !isnan(r->retries))
			s->retries += r->retries;
	}
	for (int c = 0; c < NCOLS; c++)
		stats_middle(&acc[c]);
	for (size_t i = 0; i < n; i++) {
		run_columns(runset_run(rep->set, runs[i], &tmp), v);
		for (int c = 0; c < NCOLS; c++)
			stats_add2(&acc[c], v[c]);
	}
	for (int m = 0; m < N_METRICS; m++) {
		out[m] = &s->final[m];
		out[N_METRICS + m] = &s->initial[m];
	}
	out[COL_CONV] = &s->convergence_step;
	out[COL_STEPS] = &s->n_steps;
	out[COL_CALLS] = &s->llm_calls;
	out[COL_TIME] = &s->llm_time;
	out[COL_UTIL] = &s->mean_utility;
	for (int c = 0; c < NCOLS; c++)
		stats_end(&acc[c], out[c]);
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
	struct run tmp;

	for (size_t i = 0; i < rep->ngroups; i++) {
		const struct run *first = runset_run(rep->set,
		    rep->groups[i].runs[0], &tmp);

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
/*
 * The first two runs (in run id order) whose parameters differ: *i < *j
 * and the key; the runs' parameters are interned, so equal texts are one
 * pointer and the comparison is mostly a pointer's.
 */
static int
find_mixed(const struct aggregate *rep, size_t *i, size_t *j, char *key,
    size_t keylen)
{
	struct run t1, t2;
	const struct run *first = NULL;

	for (size_t k = 0; k < rep->nruns; k++) {
		const struct run *r = runset_run(rep->set, rep->runs[k], &t2);

		if (r->params == NULL)
			continue;
		if (first == NULL) {
			first = runset_run(rep->set, rep->runs[k], &t1);
			*i = k;
		} else if (r->params != first->params &&
		    runset_params_differ(first, r, key, keylen)) {
			*j = k;
			return 1;
		}
	}
	return 0;
}

static int
group_runs(struct aggregate *rep)
{
	size_t i = 0, j = 0, nkeys = 0;
	char key[256], vi[128], vj[128];
	struct run ti, tj;
	const struct run *ri, *rj;

	if (!find_mixed(rep, &i, &j, key, sizeof(key)))
		return 0;
	if (!rep->allow_mixed) {
		ri = runset_run(rep->set, rep->runs[i], &ti);
		rj = runset_run(rep->set, rep->runs[j], &tj);
		runset_param_text(ri, key, vi, sizeof(vi));
		runset_param_text(rj, key, vj, sizeof(vj));
		fprintf(stderr, "%s: runs %lld and %lld differ in \"%s\" "
		    "(%s and %s): they are runs of different settings; "
		    "aggregate each experiment apart, or give --allow-mixed "
		    "to group the summary by the differing parameters\n",
		    rep->prog, ri->id, rj->id, key, vi, vj);
		return EX_DATAERR;
	}
	for (i = 0; i < rep->nruns; i++) {
		struct group *g = group_of(rep, runset_run(rep->set,
		    rep->runs[i], &ti));

		if (g == NULL)
			return msg_oom(rep->prog, OOM_HINT);
		g->runs[g->nruns++] = rep->runs[i];
	}
	ri = runset_run(rep->set, rep->groups[0].runs[0], &ti);
	for (size_t g = 1; g < rep->ngroups; g++) {
		rj = runset_run(rep->set, rep->groups[g].runs[0], &tj);
		if (add_differing_keys(ri->params, rj->params, &rep->keys,
		    &nkeys) != 0)
			return msg_oom(rep->prog, OOM_HINT);
	}
	for (size_t g = 0; g < rep->ngroups; g++)
		summarize(rep, rep->groups[g].runs, rep->groups[g].nruns,
		    &rep->groups[g].sum);
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
	int rc;

	memset(rep, 0, sizeof(*rep));
	rep->prog = set.prog;
	rep->experiment = set.experiment;
	rep->allow_mixed = set.allow_mixed;
	rep->set = a;
	if ((rc = runset_order(a, &rep->runs, &rep->nruns)) != 0)
		return rc;
	rep->steps = a->steps;
	rep->nsteps = a->nsteps;
	summarize(rep, rep->runs, rep->nruns, &rep->sum);
	rc = group_runs(rep);
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
