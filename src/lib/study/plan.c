/* A study's cells and plan.jsonl (see plan.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "config/params_json.h"
#include "io/jsonw.h"
#include "io/msg.h"
#include "study/plan.h"
#include "table/table.h"

#define MAX_DIRNAME 200

struct cell {
	int agent;                 /* AG_* */
	int scenario;              /* index, -1 for mechanical */
	long combo;
	char *name;
	char *dirname;
};

/* Index of value k of varied parameter i in combination m (last fastest). */
static size_t
combo_index(const struct study *st, long m, size_t i)
{
	for (size_t j = st->n_vary; j-- > i + 1;)
		m /= (long)st->vary[j].n;
	return (size_t)(m % (long)st->vary[i].n);
}

/* The parameters of cell c; 64 and a message if they contradict. */
static int
cell_params(const struct study *st, const struct cell *c,
    struct sim_params *p)
{
	json_t *val;
	const char *key;
	char err[512];

	params_defaults(p);
	if (st->fixed != NULL)
		json_object_foreach(st->fixed, key, val)
			(void)study_set_value(st, p, param_by_key(key), val);
	if (st->has_seed)
		p->model.seed = st->seed;
	for (size_t i = 0; i < st->n_vary; i++)
		(void)study_set_value(st, p, st->vary[i].spec,
		    json_array_get(st->vary[i].values,
		    combo_index(st, c->combo, i)));
	if (st->density > 0)
		study_density_counts(st->density, p->model.grid_size, &p->model.num_type_a,
		    &p->model.num_type_b);
	p->agent = c->agent == AG_MECHANICAL ? AGENT_MECHANICAL :
	    c->agent == AG_LLM ? AGENT_LLM : c->agent == AG_UTILITY ?
	    AGENT_UTILITY : AGENT_TABLE;
	if (c->scenario >= 0)
		snprintf(p->llm.scenario, sizeof(p->llm.scenario), "%s",
		    st->scenarios[c->scenario]);
	if (c->agent == AG_TABLE) {
		snprintf(p->table, sizeof(p->table), "%s",
		    st->tables[c->scenario]);
		if (st->table_key[c->scenario] == TABLE_KEY_CONTEXT &&
		    p->model.grid_size < 3)
			return study_fail(st, EX_USAGE, "cell %s: the table of "
			    "scenario %s is a table of contexts, which needs "
			    "grid_size 3 or more", c->name,
			    st->scenarios[c->scenario]);
	}
	if (params_check(p, err, sizeof(err)) != 0)
		return study_fail(st, EX_USAGE, "cell %s: %s", c->name, err);
	return 0;
}

/* Letters, digits and . _ = + - stay; anything else becomes '-'. */
static void
sanitize(char *s)
{
	for (; *s; s++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789._=+-", *s) == NULL)
			*s = '-';
}

static int
make_name(const struct study *st, struct cell *c, long index)
{
	struct sim_params p;
	size_t cap = 256, len;
	char value[1100], *name;

	params_defaults(&p);
	for (size_t i = 0; i < st->n_vary; i++)
		(void)study_set_value(st, &p, st->vary[i].spec,
		    json_array_get(st->vary[i].values,
		    combo_index(st, c->combo, i)));
	if ((name = malloc(cap)) == NULL)
		return -1;
	len = (size_t)snprintf(name, cap, "%s%s%s", study_agent_kinds[c->agent],
	    c->scenario >= 0 ? "_" : "",
	    c->scenario >= 0 ? st->scenarios[c->scenario] : "");
	for (size_t i = 0; i < st->n_vary; i++) {
		size_t need;
		char *grown;

		param_text(&p, st->vary[i].spec, value, sizeof(value));
		need = len + strlen(st->vary[i].spec->key) + strlen(value) + 3;
		if (need > cap) {
			if ((grown = realloc(name, need * 2)) == NULL) {
				free(name);
				return -1;
			}
			name = grown;
			cap = need * 2;
		}
		len += (size_t)snprintf(name + len, cap - len, "_%s=%s",
		    st->vary[i].spec->key, value);
	}
	c->name = name;
	if (len <= MAX_DIRNAME) {
		c->dirname = strdup(name);
		if (c->dirname != NULL)
			sanitize(c->dirname);
	} else {
		c->dirname = malloc(64);
		if (c->dirname != NULL)
			snprintf(c->dirname, 64, "cell%05ld_%s", index,
			    study_agent_kinds[c->agent]);
	}
	return c->dirname == NULL ? -1 : 0;
}

static int
by_dirname(const void *a, const void *b)
{
	const struct cell *const *x = a, *const *y = b;
	int c = strcmp((*x)->dirname, (*y)->dirname);

	/* ties in cell order: the first cell keeps the plain name */
	return c != 0 ? c : (*x < *y ? -1 : *x > *y);
}

/* Two cells whose names differ only in characters a directory name cannot
 * hold would share a directory: the later ones get their cell number. */
static int
unique_dirnames(struct cell *cells, long n)
{
	struct cell **sorted = malloc((size_t)n * sizeof(*sorted));
	char **renamed = calloc((size_t)n, sizeof(*renamed));
	const char *first;
	long i;
	int rc = 0;

	if (sorted == NULL || renamed == NULL) {
		free(sorted);
		free(renamed);
		return -1;
	}
	for (i = 0; i < n; i++)
		sorted[i] = &cells[i];
	qsort(sorted, (size_t)n, sizeof(*sorted), by_dirname);
	first = n > 0 ? sorted[0]->dirname : NULL;
	for (i = 1; i < n && rc == 0; i++) {
		struct cell *c = sorted[i];
		size_t len;

		if (strcmp(c->dirname, first) != 0) {
			first = c->dirname;
			continue;
		}
		len = strlen(c->dirname) + 24;
		if ((renamed[c - cells] = malloc(len)) == NULL)
			rc = -1;
		else
			snprintf(renamed[c - cells], len, "%s_cell%ld",
			    c->dirname, (long)(c - cells));
	}
	for (i = 0; i < n; i++) {
		if (renamed[i] == NULL)
			continue;
		free(cells[i].dirname);
		cells[i].dirname = renamed[i];
	}
	free(sorted);
	free(renamed);
	return rc;
}

static int
put_cell(struct jw *w, const struct study *st, const struct cell *c,
    long index, const struct sim_params *p)
{
	struct sim_params v;
	char text[1100];
	size_t i;

	jw_object_begin(w);
	jw_kv_int(w, "cell", index);
	jw_kv_string(w, "name", c->name);
	jw_kv_string(w, "agent", study_agent_kinds[c->agent]);
	jw_key(w, "scenario");
	if (c->scenario >= 0)
		jw_string(w, st->scenarios[c->scenario]);
	else
		jw_null(w);
	jw_key(w, "varied");
	jw_object_begin(w);
	params_defaults(&v);
	for (i = 0; i < st->n_vary; i++) {
		(void)study_set_value(st, &v, st->vary[i].spec,
		    json_array_get(st->vary[i].values,
		    combo_index(st, c->combo, i)));
		param_put_json(w, &v, st->vary[i].spec);
	}
	jw_object_end(w);
	jw_key(w, "params");
	jw_object_begin(w);
	params_put_config(w, p);
	jw_object_end(w);
	snprintf(text, sizeof(text), "experiments/%s", c->dirname);
	jw_kv_string(w, "experiment", text);
	jw_kv_int(w, "runs", st->runs);
	if (c->agent == AG_MECHANICAL) {
		jw_key(w, "shared_by");
		jw_array_begin(w);
		for (i = 0; i < st->n_scenarios; i++)
			jw_string(w, st->scenarios[i]);
		jw_array_end(w);
	}
	jw_kv_int(w, "combination", c->combo);
	/* given in the study: the cell's store; LLM cells keep a file per run
	 * (a failed run runs again alone) */
	if (st->store != NULL)
		jw_kv_string(w, "store", c->agent == AG_LLM ? "files" : st->store);
	/* the runner's flags for this cell, values exactly as checked */
	jw_key(w, "runner_args");
	params_put_flags(w, p);
	jw_object_end(w);
	return w->failed ? -1 : 0;
}

int
study_plan(struct study *st, FILE *out)
{
	struct cell *cells;
	struct sim_params p;
	struct jw w;
	long n = 0, i, m;
	int a, rc = 0;
	size_t s;

	cells = calloc((size_t)st->cells, sizeof(*cells));
	if (cells == NULL)
		return study_fail(st, EX_OSERR, "out of memory");
	for (a = 0; a < st->n_agents; a++) {
		int kind = st->agents[a];
		/* agents that read no prompt: no scenario, one cell */
		int plain = kind == AG_MECHANICAL || kind == AG_UTILITY;
		size_t ns = plain ? 1 : st->n_scenarios;

		for (s = 0; s < ns; s++)
			for (m = 0; m < st->combos; m++) {
				cells[n].agent = kind;
				cells[n].scenario = plain ? -1 : (int)s;
				cells[n].combo = m;
				if (make_name(st, &cells[n], n) != 0)
					rc = -1;
				n++;
			}
	}
	if (rc == 0)
		rc = unique_dirnames(cells, n);
	if (rc != 0) {
		rc = study_fail(st, EX_OSERR, "out of memory");
		goto out;
	}
	/* every cell is checked before a line is printed */
	for (i = 0; i < n && rc == 0; i++)
		rc = cell_params(st, &cells[i], &p);
	jw_init(&w);
	for (i = 0; i < n && rc == 0; i++) {
		(void)cell_params(st, &cells[i], &p);
		if (put_cell(&w, st, &cells[i], i, &p) != 0 ||
		    jw_write_line(&w, out) != 0) {
			rc = msg_fail(st->prog, EX_IOERR, "cannot write the "
			    "plan: %s", strerror(errno));
		}
	}
	jw_free(&w);
out:
	for (i = 0; i < n; i++) {
		free(cells[i].name);
		free(cells[i].dirname);
	}
	free(cells);
	return rc;
}

