/*
 * Reading a comparison's experiments: the cells of a study or the
 * directories given, each experiment's run files, and the values of the
 * ok runs metric by metric (see compare.h).
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include <jansson.h>

#include "compare/read.h"
#include "runfile/store.h"
#include "io/msg.h"
#include "io/path.h"
#include "stats/quantile.h"
#include "stats/rank.h"

static const char *const extra_names[] = {
	"convergence_step", "converged_share", "n_steps", "llm_calls"
};

const char *
compare_metric_name(int m)
{
	return m < COMPARE_N_FINAL ? metrics_names[m] :
	    extra_names[m - COMPARE_N_FINAL];
}

int
compare_metric_index(const char *name, size_t len)
{
	int found = -1;

	for (int m = 0; m < COMPARE_N_METRIC; m++)
		if (strlen(compare_metric_name(m)) == len &&
		    strncmp(compare_metric_name(m), name, len) == 0)
			found = m;
	return found;
}

/* Reads the run files and shards of DIR/runs into e->rs; 0 or a status. */
int
compare_read_experiment(struct compare_exp *e)
{
	char *runs, **names = NULL;
	size_t nn = 0;
	struct stat sb;
	int rc;

	if (stat(e->dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		msg(e->rs.prog, "cannot read experiment directory %s: %s (give directories "
		    "made by bin/llm_runner)", e->dir,
		    errno && stat(e->dir, &sb) != 0 ? strerror(errno) :
		    "not a directory");
		return EX_NOINPUT;
	}
	if ((runs = path_join(e->dir, "runs")) == NULL)
		return msg_oom(e->rs.prog, NULL);
	if (stat(runs, &sb) != 0 && errno == ENOENT) {
		msg(e->rs.prog, "%s has no runs (no runs/ directory): run it first, "
		    "or finish it with bin/llm_runner --resume %s",
		    e->dir, e->dir);
		free(runs);
		return EX_DATAERR;
	}
	rc = store_list(e->rs.prog, runs, &names, &nn);
	for (size_t i = 0; i < nn && rc == 0; i++)
		rc = runset_read_file(&e->rs, names[i]);
	if (rc == 0 && e->rs.nslots == 0) {
		msg(e->rs.prog, "%s has no runs (runs/ holds no run files): run it first, "
		    "or finish it with bin/llm_runner --resume %s", e->dir, e->dir);
		rc = EX_DATAERR;
	}
	store_list_free(names, nn);
	free(runs);
	return rc;
}

static double
metric_value(const struct run *r, int m)
{
	switch (m) {
	case M_CONV_STEP:
		return r->converged ? r->convergence_step : NAN;
	case M_CONV_SHARE:
		return r->converged ? 1 : 0;
	case M_N_STEPS:
		return r->n_steps;
	case M_LLM_CALLS:
		return r->llm_calls;
	default:
		return r->final[m];
	}
}

/* The values of the ok runs, the descriptive statistics. */
int
compare_collect(struct compare_exp *e)
{
	struct run **all;
	size_t nall;
	int rc;

	runset_warn_duplicates(&e->rs);
	if ((rc = runset_sort(&e->rs, &all, &nall)) != 0)
		return rc;
	e->nruns = nall;
	for (size_t i = 0; i < nall; i++) {
		if (run_is_ok(all[i]))
			all[e->ok++] = all[i];
		else if (all[i]->has_end)
			e->failed++;
		else
			e->incomplete++;
	}
	e->runs = all;
	if (e->ok == 0) {
		msg(e->rs.prog, "%s has no finished ok runs (%zu failed, %zu incomplete): "
		    "finish it with bin/llm_runner --resume %s", e->dir, e->failed,
		    e->incomplete, e->dir);
		return EX_DATAERR;
	}
	for (int m = 0; m < COMPARE_N_METRIC; m++) {
		double *s;

		if ((e->v[m] = malloc(e->ok * sizeof(double))) == NULL)
			return msg_oom(e->rs.prog, NULL);
		for (size_t i = 0; i < e->ok; i++) {
			double x = metric_value(e->runs[i], m);

			if (!isnan(x))
				e->v[m][e->n[m]++] = x;
		}
		stats_compute(e->v[m], e->n[m], &e->st[m]);
		if ((s = rank_sorted_copy(e->v[m], e->n[m])) == NULL)
			return msg_oom(e->rs.prog, NULL);
		e->sorted[m] = s;
		e->median[m] = quantile_sorted(s, e->n[m], 0.5);
		e->q1[m] = quantile_sorted(s, e->n[m], 0.25);
		e->q3[m] = quantile_sorted(s, e->n[m], 0.75);
		/* stats.c's t interval; undefined with sd 0, as scipy's */
		e->ci_lo[m] = e->ci_hi[m] = NAN;
		if (e->n[m] >= 2 && e->st[m].sd > 0) {
			e->ci_lo[m] = e->st[m].ci_lo;
			e->ci_hi[m] = e->st[m].ci_hi;
		}
	}
	for (int m = 0; m < COMPARE_N_FINAL; m++) {
		e->init[m] = malloc(e->ok * sizeof(double));
		e->fin[m] = malloc(e->ok * sizeof(double));
		if (e->init[m] == NULL || e->fin[m] == NULL)
			return msg_oom(e->rs.prog, NULL);
		for (size_t i = 0; i < e->ok; i++) {
			double a = e->runs[i]->initial[m], b = e->runs[i]->final[m];

			if (!isnan(a) && !isnan(b)) {
				e->init[m][e->npair[m]] = a;
				e->fin[m][e->npair[m]++] = b;
			}
		}
	}
	return 0;
}

/* The value of a varied parameter as CSV/Markdown text. */
static char *
value_text(const json_t *v)
{
	char buf[64];

	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		return strdup(buf);
	}
	if (json_is_real(v)) {
		snprintf(buf, sizeof(buf), "%.15g", json_real_value(v));
		return strdup(buf);
	}
	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (json_is_true(v))
		return strdup("true");
	if (json_is_false(v))
		return strdup("false");
	if (json_is_null(v))
		return strdup("");
	{
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY), *t;

		if (s == NULL)
			return NULL;
		t = strdup(s);
		free(s);
		return t;
	}
}

static int
add_param(struct comparison *s, const char *name)
{
	char **p;

	for (size_t i = 0; i < s->nparam; i++)
		if (strcmp(s->param[i], name) == 0)
			return 0;
	if ((p = realloc(s->param, (s->nparam + 1) * sizeof(*p))) == NULL)
		return -1;
	s->param = p;
	if ((p[s->nparam] = strdup(name)) == NULL)
		return -1;
	s->nparam++;
	return 0;
}

/* DIR/plan.jsonl: the cells' names, varied parameters, experiment dirs. */
int
comparison_from_plan(struct comparison *s, const char *prog,
    const char *dir)
{
	char *path, *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	json_t **cells = NULL;
	size_t ncells = 0;
	FILE *f;
	int rc = 0;

	s->prog = prog;
	if ((path = path_join(dir, "plan.jsonl")) == NULL)
		return msg_oom(prog, NULL);
	if ((f = fopen(path, "r")) == NULL) {
		msg(prog, "cannot read %s: %s (give a study directory made by "
		    "bin/simstudy)", path, strerror(errno));
		free(path);
		return EX_NOINPUT;
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		json_error_t err;
		json_t *o, **p, *v;

		lineno++;
		if (strspn(line, " \t\r\n") == (size_t)len)
			continue;
		if ((o = json_loads(line, 0, &err)) == NULL ||
		    !json_is_object(o)) {
			msg(prog, "%s line %zu: not a JSON object%s%s", path, lineno,
			    o == NULL ? ": " : "", o == NULL ? err.text : "");
			json_decref(o);
			rc = EX_DATAERR;
			break;
		}
		if (!json_is_string(json_object_get(o, "name")) ||
		    !json_is_string(json_object_get(o, "experiment")) ||
		    ((v = json_object_get(o, "varied")) != NULL &&
		    !json_is_object(v))) {
			msg(prog, "%s line %zu: a cell needs \"name\" and \"experiment\" "
			    "strings (and \"varied\", if given, an object)", path,
			    lineno);
			json_decref(o);
			rc = EX_DATAERR;
			break;
		}
		if ((p = realloc(cells, (ncells + 1) * sizeof(*p))) == NULL) {
			json_decref(o);
			rc = msg_oom(prog, NULL);
			break;
		}
		cells = p;
		cells[ncells++] = o;
	}
	if (rc == 0 && ferror(f)) {
		msg(prog, "cannot read %s: %s", path, strerror(errno));
		rc = EX_NOINPUT;
	}
	fclose(f);
	free(line);
	if (rc == 0 && ncells == 0) {
		msg(prog, "%s has no cells", path);
		rc = EX_DATAERR;
	}
	for (size_t c = 0; c < ncells && rc == 0; c++) {
		const char *key;
		json_t *v;

		json_object_foreach(json_object_get(cells[c], "varied"), key, v)
			if (add_param(s, key) != 0) {
				rc = msg_oom(prog, NULL);
				break;
			}
	}
	if (rc == 0 && (s->e = calloc(ncells, sizeof(*s->e))) == NULL)
		rc = msg_oom(prog, NULL);
	for (size_t c = 0; c < ncells && rc == 0; c++) {
		struct compare_exp *e = &s->e[c];
		json_t *varied = json_object_get(cells[c], "varied");

		s->n++;
		runset_init(&e->rs, prog);
		e->rs.skip_steps = 1;
		e->name = strdup(json_string_value(json_object_get(cells[c],
		    "name")));
		e->dir = path_join(dir, json_string_value(json_object_get(
		    cells[c], "experiment")));
		e->varied = calloc(s->nparam ? s->nparam : 1, sizeof(char *));
		if (e->name == NULL || e->dir == NULL || e->varied == NULL) {
			rc = msg_oom(prog, NULL);
			break;
		}
		for (size_t k = 0; k < s->nparam; k++) {
			json_t *v = json_object_get(varied, s->param[k]);

			if (v != NULL && (e->varied[k] = value_text(v)) == NULL) {
				rc = msg_oom(prog, NULL);
				break;
			}
		}
	}
	for (size_t c = 0; c < ncells; c++)
		json_decref(cells[c]);
	free(cells);
	free(path);
	return rc;
}

int
comparison_from_dirs(struct comparison *s, const char *prog, int n,
    char **dirs)
{
	s->prog = prog;
	if ((s->e = calloc((size_t)n, sizeof(*s->e))) == NULL)
		return msg_oom(prog, NULL);
	for (int i = 0; i < n; i++) {
		struct compare_exp *e = &s->e[i];

		s->n++;
		runset_init(&e->rs, prog);
		e->rs.skip_steps = 1;
		e->dir = strdup(dirs[i]);
		e->name = path_last(dirs[i], NULL);
		if (e->dir == NULL || e->name == NULL)
			return msg_oom(prog, NULL);
	}
	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(s->e[i].name, s->e[j].name) == 0) {
				msg(prog, "two experiments are named %s (%s and %s); "
				    "give directories with different names",
				    s->e[i].name, s->e[j].dir, s->e[i].dir);
				return EX_USAGE;
			}
	return 0;
}

void
comparison_free(struct comparison *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct compare_exp *e = &s->e[i];

		free(e->name);
		free(e->dir);
		if (e->varied != NULL)
			for (size_t k = 0; k < s->nparam; k++)
				free(e->varied[k]);
		free(e->varied);
		free(e->runs);
		for (int m = 0; m < COMPARE_N_METRIC; m++) {
			free(e->v[m]);
			free(e->sorted[m]);
		}
		for (int m = 0; m < COMPARE_N_FINAL; m++) {
			free(e->init[m]);
			free(e->fin[m]);
		}
		runset_free(&e->rs);
	}
	free(s->e);
	for (size_t k = 0; k < s->nparam; k++)
		free(s->param[k]);
	free(s->param);
}

