/* Loading the runs a figure draws (see series.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include <jansson.h>

#include "io/path.h"
#include "io/msg.h"
#include "plot/series.h"
#include "runfile/store.h"
#include "config/params.h"


static int
read_experiment(struct plot_series *s, const char *prog, const char *dir)
{
	char sub[4200], **paths;
	size_t n;
	int rc;

	snprintf(sub, sizeof(sub), "%s/runs", dir);
	if ((rc = store_list(prog, sub, &paths, &n)) != 0)
		return rc;
	if (n == 0) {
		fprintf(stderr, "%s: %s has no finished run (no "
		    "runs/run_*.jsonl or runs/shard_*.jsonl); run or resume the "
		    "experiment first\n", prog, dir);
		store_list_free(paths, n);
		return EX_DATAERR;
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = runset_read_file(&s->set, paths[i]);
	store_list_free(paths, n);
	return rc;
}

/* first/count: runs and rows are both sorted by run id. */
static int
index_steps(struct plot_series *s)
{
	size_t j = 0;

	s->first = calloc(s->nruns + 1, sizeof(size_t));
	s->count = calloc(s->nruns + 1, sizeof(size_t));
	if (s->first == NULL || s->count == NULL)
		return -1;
	for (size_t i = 0; i < s->nruns; i++) {
		while (j < s->set.nsteps && s->set.steps[j].run_id <
		    s->runs[i]->id)
			j++;
		s->first[i] = j;
		while (j < s->set.nsteps && s->set.steps[j].run_id ==
		    s->runs[i]->id)
			j++;
		s->count[i] = j - s->first[i];
	}
	return 0;
}

int
plot_series_load(struct plot_series *s, const char *prog, const char *path,
    int keep_grids)
{
	struct stat st;
	char sub[4200];
	int rc;

	memset(s, 0, sizeof(*s));
	runset_init(&s->set, prog);
	s->set.keep_grids = keep_grids;
	if ((s->label = strcmp(path, "-") == 0 ? strdup("stdin") :
	    path_last(path, ".jsonl")) == NULL ||
	    (s->path = strdup(path)) == NULL)
		return msg_oom(prog, NULL);
	if (strcmp(path, "-") != 0 && stat(path, &st) != 0) {
		fprintf(stderr, "%s: cannot open %s: %s; check the path\n",
		    prog, path, strerror(errno));
		return EX_NOINPUT;
	}
	if (strcmp(path, "-") != 0 && S_ISDIR(st.st_mode)) {
		snprintf(sub, sizeof(sub), "%s/runs", path);
		if (stat(sub, &st) != 0 || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "%s: %s is not an experiment directory "
			    "(no runs/); give one made by bin/llm_runner or "
			    "a run file\n", prog, path);
			return EX_DATAERR;
		}
		s->is_experiment = 1;
		rc = read_experiment(s, prog, path);
	} else {
		rc = runset_read_file(&s->set, path);
	}
	if (rc != 0)
		return rc;
	runset_warn_duplicates(&s->set);
	if ((rc = runset_sort(&s->set, &s->runs, &s->nruns)) != 0)
		return rc;
	if (s->nruns == 0) {
		fprintf(stderr, "%s: %s holds no run; give simrun's JSON "
		    "Lines\n", prog, path);
		return EX_DATAERR;
	}
	return index_steps(s) == 0 ? 0 : msg_oom(prog, NULL);
}

void
plot_series_free(struct plot_series *s)
{
	runset_free(&s->set);
	free(s->runs);
	free(s->first);
	free(s->count);
	free(s->label);
	free(s->path);
	memset(s, 0, sizeof(*s));
}

int
plot_metric_index(const char *name)
{
	for (int m = 0; m < METRICS_N; m++)
		if (strcmp(metrics_names[m], name) == 0)
			return m;
	return -1;
}

const char *
plot_metric_list(void)
{
	return "clusters, switch_rate, distance, mix_deviation, share, "
	    "ghetto_rate, dissimilarity_index";
}

size_t
plot_series_ok(const struct plot_series *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nruns; i++)
		n += run_is_ok(s->runs[i]);
	return n;
}

/* Appends "key=value" to *label (a growing string); -1 out of memory. */
static int
add_part(char **label, const char *key, json_t *v)
{
	char *text = json_is_string(v) ? strdup(json_string_value(v)) :
	    json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT |
	    JSON_REAL_PRECISION(15));
	size_t len = *label ? strlen(*label) : 0;
	char *l;

	if (text == NULL)
		return -1;
	l = realloc(*label, len + strlen(key) + strlen(text) + 4);
	if (l == NULL) {
		free(text);
		return -1;
	}
	sprintf(l + len, "%s%s=%s", len ? ", " : "", key, text);
	*label = l;
	free(text);
	return 0;
}

int
plot_series_vary_labels(struct plot_series *s, size_t n)
{
	json_t **cfg = calloc(n + 1, sizeof(*cfg));
	char **label = calloc(n + 1, sizeof(*label)), path[4200];
	int rc = 0, usable = n > 1 && cfg != NULL && label != NULL;
	size_t nparams;
	const struct param_spec *params = params_table(&nparams);

	for (size_t i = 0; usable && i < n; i++) {
		snprintf(path, sizeof(path), "%s/config.json", s[i].path);
		usable = s[i].is_experiment &&
		    (cfg[i] = json_load_file(path, 0, NULL)) != NULL &&
		    json_is_object(cfg[i]);
	}
	for (size_t k = 0; usable && k < nparams && rc == 0; k++) {
		const char *key = params[k].key;
		int same = 1;

		/* frames change the output, not the runs */
		if (strcmp(key, "frames") == 0)
			continue;
		for (size_t i = 1; i < n && same; i++) {
			json_t *a = json_object_get(cfg[0], key);
			json_t *b = json_object_get(cfg[i], key);

			same = (a == NULL && b == NULL) ||
			    (a != NULL && b != NULL && json_equal(a, b));
		}
		for (size_t i = 0; !same && i < n && rc == 0; i++) {
			json_t *v = json_object_get(cfg[i], key);

			rc = add_part(&label[i], key, v ? v : json_null());
		}
	}
	for (size_t i = 0; usable && rc == 0 && i < n; i++)
		if (label[i] != NULL) {
			free(s[i].label);
			s[i].label = label[i];
			label[i] = NULL;
		}
	for (size_t i = 0; i < n; i++) {
		if (cfg != NULL)
			json_decref(cfg[i]);
		if (label != NULL)
			free(label[i]);
	}
	free(cfg);
	free(label);
	return cfg == NULL || label == NULL ? -1 : rc;
}
