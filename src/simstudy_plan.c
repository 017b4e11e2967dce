/*
 * simstudy_plan: bin/simstudy's planner.  Reads a study file, checks every
 * key against simrun's own parameter table (sim/params.c, the checks
 * simrun --config makes), expands `vary` into its Cartesian product and
 * prints plan.jsonl on stdout: one line per cell, in cell order.
 *
 * Any mistake is one line on stderr naming the file, the key and the
 * problem, and nothing is printed on stdout: exit 78 for a bad study file,
 * 64 for parameters that contradict each other in a cell (as simrun).
 */
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "io/jsonw.h"
#include "llm/scenario.h"
#include "llm/table.h"
#include "sim/config.h"
#include "sim/params.h"
#include "sim/params_json.h"

#define PROG "simstudy"
#define MAX_CELLS 10000
#define MAX_RUNS 999999999L
#define MAX_DIRNAME 200

enum { AG_MECHANICAL, AG_LLM, AG_TABLE, AG_KINDS };
static const char *const agent_kinds[] = { "mechanical", "llm", "table" };

static const char *const top_keys[] = { "name", "description", "runs",
	"seed", "agents", "scenarios", "vary", "fixed", "density", "tables",
	NULL };

struct varied {
	const struct param_spec *spec;
	json_t *values;            /* borrowed from the document */
	size_t n;
};

struct study {
	const char *file;
	char dir[PATH_MAX];        /* the study file's directory */
	json_t *root;
	const char *name;
	long runs;
	int has_seed;
	uint64_t seed;
	int agents[AG_KINDS];      /* order of appearance, -1 ended */
	int n_agents;
	int uses[AG_KINDS];
	const char **scenarios;
	struct scenario *scen;
	size_t n_scenarios;
	char **tables;             /* per scenario, absolute; table agents */
	int *table_key;
	struct varied *vary;
	size_t n_vary;
	json_t *fixed;
	double density;            /* 0: not given */
	long combos;
	long cells;
	double product;            /* combos without a cap, for the message */
};

static int
fail(const struct study *st, int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": %s: ", st->file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

/* A short text of a JSON value, for messages. */
static void
value_text(const json_t *v, char *buf, size_t len)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

	snprintf(buf, len, "%s", s != NULL ? s : "?");
	if (strlen(buf) + 1 >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
	free(s);
}

static const struct param_spec *
param_by_key(const char *key)
{
	for (size_t i = 0; i < param_count; i++)
		if (strcmp(param_specs[i].key, key) == 0)
			return &param_specs[i];
	return NULL;
}

static int
is_key(const char *key, const char *const *keys)
{
	for (size_t i = 0; keys[i] != NULL; i++)
		if (strcmp(keys[i], key) == 0)
			return 1;
	return 0;
}

/* Keys the study gives elsewhere, and what to use instead. */
static const char *
reserved_param(const char *key)
{
	if (strcmp(key, "agent") == 0)
		return "list agent kinds in \"agents\"";
	if (strcmp(key, "scenario") == 0 || strcmp(key, "scenario_file") == 0)
		return "list scenarios in \"scenarios\"";
	if (strcmp(key, "table") == 0)
		return "give a table per scenario in \"tables\"";
	return NULL;
}

/* A file-name parameter given relative to the study file's directory. */
static int
is_path_param(const struct param_spec *s)
{
	return strcmp(s->key, "llm_cache") == 0 ||
	    strcmp(s->key, "llm_api_key_file") == 0;
}

static int
resolve(const struct study *st, const char *path, char *out, size_t len)
{
	int n = path[0] == '/' ? snprintf(out, len, "%s", path) :
	    snprintf(out, len, "%s/%s", st->dir, path);

	return n >= 0 && (size_t)n < len ? 0 : -1;
}

/* Sets a parameter from the study's JSON value; paths become absolute. */
static int
set_value(const struct study *st, struct sim_params *p,
    const struct param_spec *s, const json_t *v)
{
	char path[PATH_MAX];
	json_t *abs;
	int rc;

	if (!is_path_param(s) || !json_is_string(v))
		return config_set_value(p, s, v);
	if (resolve(st, json_string_value(v), path, sizeof(path)) != 0)
		return -1;
	if ((abs = json_string(path)) == NULL)
		return -1;
	rc = config_set_value(p, s, abs);
	json_decref(abs);
	return rc;
}

/* Checks one parameter value on scratch parameters. */
static int
check_value(const struct study *st, const struct param_spec *s,
    const json_t *v, const char *where)
{
	struct sim_params p;
	char text[128];

	params_defaults(&p);
	if (set_value(st, &p, s, v) == 0)
		return 0;
	value_text(v, text, sizeof(text));
	return fail(st, EX_CONFIG, "%s: %s is not valid: \"%s\" must be %s",
	    where, text, s->key, s->expect);
}

static int
check_param_key(const struct study *st, const char *section, const char *key,
    const struct param_spec **out)
{
	const char *instead = reserved_param(key);

	if (instead != NULL)
		return fail(st, EX_CONFIG, "\"%s.%s\": %s, not in \"%s\"",
		    section, key, instead, section);
	if ((*out = param_by_key(key)) == NULL)
		return fail(st, EX_CONFIG, "\"%s.%s\": simrun has no parameter "
		    "\"%s\"; the parameters are listed by simrun --help (config "
		    "keys use '_' for '-')", section, key, key);
	return 0;
}

static int
read_name(struct study *st)
{
	json_t *v = json_object_get(st->root, "name");
	const char *s;

	if (v == NULL)
		return fail(st, EX_CONFIG, "\"name\" is missing: give the study "
		    "a name (letters, digits, '_', '-', '.')");
	s = json_string_value(v);
	if (s == NULL || *s == '\0' || *s == '.' || strlen(s) > 64 ||
	    s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-.")] != '\0') {
		char text[128];

		value_text(v, text, sizeof(text));
		return fail(st, EX_CONFIG, "\"name\": %s is not valid: it must "
		    "be 1 to 64 letters, digits, '_', '-' or '.' (it names the "
		    "study's directory)", text);
	}
	st->name = s;
	return 0;
}

static int
read_runs(struct study *st)
{
	json_t *v = json_object_get(st->root, "runs");
	char text[128];

	st->runs = 10;
	if (v == NULL)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 1 &&
	    json_integer_value(v) <= MAX_RUNS) {
		st->runs = (long)json_integer_value(v);
		return 0;
	}
	value_text(v, text, sizeof(text));
	return fail(st, EX_CONFIG, "\"runs\": %s is not valid: it must be a "
	    "whole number from 1 to %ld (runs per cell)", text, MAX_RUNS);
}

/* A non-empty array of distinct values, or fail naming the key. */
static int
check_list(const struct study *st, const char *key, const json_t *v)
{
	size_t i, j;

	if (!json_is_array(v))
		return fail(st, EX_CONFIG, "\"%s\" must be a list, e.g. [...]",
		    key);
	if (json_array_size(v) == 0)
		return fail(st, EX_CONFIG, "\"%s\" is an empty list: give at "
		    "least one value (or leave the key out)", key);
	for (i = 0; i < json_array_size(v); i++)
		for (j = 0; j < i; j++)
			if (json_equal(json_array_get(v, i),
			    json_array_get(v, j))) {
				char text[128];

				value_text(json_array_get(v, i), text,
				    sizeof(text));
				return fail(st, EX_CONFIG, "\"%s\": %s is given "
				    "twice; each value makes its own cells",
				    key, text);
			}
	return 0;
}

static int
read_agents(struct study *st)
{
	json_t *v = json_object_get(st->root, "agents");
	size_t i;
	int k, rc;

	if (v == NULL) {
		st->agents[0] = AG_MECHANICAL;
		st->n_agents = 1;
		st->uses[AG_MECHANICAL] = 1;
		return 0;
	}
	if ((rc = check_list(st, "agents", v)) != 0)
		return rc;
	for (i = 0; i < json_array_size(v); i++) {
		const char *s = json_string_value(json_array_get(v, i));

		for (k = 0; k < AG_KINDS; k++)
			if (s != NULL && strcmp(s, agent_kinds[k]) == 0)
				break;
		if (k == AG_KINDS) {
			char text[128];

			value_text(json_array_get(v, i), text, sizeof(text));
			return fail(st, EX_CONFIG, "\"agents\"[%zu]: %s is not "
			    "an agent kind: use mechanical, llm or table", i,
			    text);
		}
		st->agents[st->n_agents++] = k;
		st->uses[k] = 1;
	}
	return 0;
}

static int
read_scenarios(struct study *st)
{
	json_t *v = json_object_get(st->root, "scenarios");
	static const char *const dflt[] = { "baseline" };
	char err[1024], where[64];
	size_t i;
	int rc;

	if (v != NULL && (rc = check_list(st, "scenarios", v)) != 0)
		return rc;
	st->n_scenarios = v == NULL ? 1 : json_array_size(v);
	st->scenarios = calloc(st->n_scenarios, sizeof(*st->scenarios));
	st->scen = calloc(st->n_scenarios, sizeof(*st->scen));
	if (st->scenarios == NULL || st->scen == NULL)
		return fail(st, EX_OSERR, "out of memory");
	for (i = 0; i < st->n_scenarios; i++) {
		const char *s = v == NULL ? dflt[0] :
		    json_string_value(json_array_get(v, i));

		snprintf(where, sizeof(where), "\"scenarios\"[%zu]", i);
		if (s == NULL)
			return fail(st, EX_CONFIG, "%s must be a scenario name "
			    "such as baseline", where);
		if (scenario_for(s, NULL, &st->scen[i], err, sizeof(err)) != 0)
			return fail(st, EX_CONFIG, "%s: %s", where, err);
		st->scenarios[i] = s;
	}
	return 0;
}

static int
read_tables(struct study *st)
{
	json_t *v = json_object_get(st->root, "tables"), *t;
	const char *key;
	char err[1024], path[PATH_MAX];
	size_t i;

	if (!st->uses[AG_TABLE]) {
		if (v != NULL)
			return fail(st, EX_CONFIG, "\"tables\" is given but "
			    "\"agents\" has no table agent; add \"table\" to "
			    "\"agents\" or leave \"tables\" out");
		return 0;
	}
	if (!json_is_object(v))
		return fail(st, EX_CONFIG, "\"tables\" must be an object giving "
		    "a decision table (simprobe's) for each scenario, e.g. "
		    "{\"baseline\": \"baseline.table\"}");
	json_object_foreach(v, key, t) {
		for (i = 0; i < st->n_scenarios; i++)
			if (strcmp(st->scenarios[i], key) == 0)
				break;
		if (i == st->n_scenarios)
			return fail(st, EX_CONFIG, "\"tables.%s\": \"%s\" is not "
			    "one of the study's \"scenarios\"", key, key);
	}
	st->tables = calloc(st->n_scenarios, sizeof(*st->tables));
	st->table_key = calloc(st->n_scenarios, sizeof(*st->table_key));
	if (st->tables == NULL || st->table_key == NULL)
		return fail(st, EX_OSERR, "out of memory");
	for (i = 0; i < st->n_scenarios; i++) {
		struct decision_table *dt;
		const char *name = st->scenarios[i];

		t = json_object_get(v, name);
		if (t == NULL)
			return fail(st, EX_CONFIG, "\"tables\" has no table for "
			    "scenario \"%s\"; make one with simprobe --scenario "
			    "%s", name, name);
		if (!json_is_string(t) || json_string_length(t) == 0 ||
		    resolve(st, json_string_value(t), path, sizeof(path)) != 0)
			return fail(st, EX_CONFIG, "\"tables.%s\" must be a file "
			    "name (relative to the study file's directory)",
			    name);
		if (table_load(path, name, &dt, err, sizeof(err)) != 0 ||
		    table_check_scenario(dt, &st->scen[i], err,
		    sizeof(err)) != 0) {
			if (dt != NULL && err[0] == '\0')
				snprintf(err, sizeof(err), "unusable table");
			table_free(dt);
			return fail(st, EX_CONFIG, "\"tables.%s\": %s", name,
			    err);
		}
		st->table_key[i] = table_info(dt)->key;
		table_free(dt);
		if ((st->tables[i] = strdup(path)) == NULL)
			return fail(st, EX_OSERR, "out of memory");
	}
	return 0;
}

static int
read_fixed(struct study *st)
{
	json_t *v = json_object_get(st->root, "fixed"), *val;
	const struct param_spec *s;
	const char *key;
	char where[128];
	int rc;

	st->fixed = v;
	if (v == NULL)
		return 0;
	if (!json_is_object(v))
		return fail(st, EX_CONFIG, "\"fixed\" must be an object of simrun "
		    "parameters, e.g. {\"max_steps\": 200}");
	json_object_foreach(v, key, val) {
		if ((rc = check_param_key(st, "fixed", key, &s)) != 0)
			return rc;
		snprintf(where, sizeof(where), "\"fixed.%s\"", key);
		if ((rc = check_value(st, s, val, where)) != 0)
			return rc;
	}
	return 0;
}

static int
read_vary(struct study *st)
{
	json_t *v = json_object_get(st->root, "vary"), *vals;
	const struct param_spec *s;
	const char *key;
	char where[128];
	size_t i;
	int rc;

	st->combos = 1;
	st->product = 1;
	if (v == NULL)
		return 0;
	if (!json_is_object(v))
		return fail(st, EX_CONFIG, "\"vary\" must be an object of lists, "
		    "e.g. {\"grid_size\": [10, 20]}");
	st->vary = calloc(json_object_size(v) + 1, sizeof(*st->vary));
	if (st->vary == NULL)
		return fail(st, EX_OSERR, "out of memory");
	json_object_foreach(v, key, vals) {
		if ((rc = check_param_key(st, "vary", key, &s)) != 0)
			return rc;
		if (st->fixed != NULL && json_object_get(st->fixed, key))
			return fail(st, EX_CONFIG, "\"%s\" is both in \"fixed\" "
			    "and in \"vary\"; keep one", key);
		snprintf(where, sizeof(where), "vary.%s", key);
		if ((rc = check_list(st, where, vals)) != 0)
			return rc;
		for (i = 0; i < json_array_size(vals); i++) {
			snprintf(where, sizeof(where), "\"vary.%s\"[%zu]", key,
			    i);
			if ((rc = check_value(st, s, json_array_get(vals, i),
			    where)) != 0)
				return rc;
		}
		st->vary[st->n_vary].spec = s;
		st->vary[st->n_vary].values = vals;
		st->vary[st->n_vary].n = json_array_size(vals);
		st->n_vary++;
		st->product *= (double)json_array_size(vals);
		/* stops growing once it is past the limit: no overflow */
		if (st->combos <= MAX_CELLS)
			st->combos *= (long)json_array_size(vals);
	}
	return 0;
}

static int
given(const struct study *st, const char *key)
{
	if (st->fixed != NULL && json_object_get(st->fixed, key) != NULL)
		return 1;
	for (size_t i = 0; i < st->n_vary; i++)
		if (strcmp(st->vary[i].spec->key, key) == 0)
			return 1;
	return 0;
}

static int
read_seed_and_density(struct study *st)
{
	json_t *v = json_object_get(st->root, "seed");
	char text[128];
	struct sim_params p;

	if (v != NULL) {
		if (given(st, "seed"))
			return fail(st, EX_CONFIG, "\"seed\" is given at the top "
			    "and in \"fixed\" or \"vary\"; keep one");
		if (check_value(st, param_by_key("seed"), v, "\"seed\"") != 0)
			return EX_CONFIG;
		params_defaults(&p);
		(void)config_set_value(&p, param_by_key("seed"), v);
		st->has_seed = 1;
		st->seed = p.seed;
	}
	v = json_object_get(st->root, "density");
	if (v == NULL)
		return 0;
	value_text(v, text, sizeof(text));
	if (!json_is_number(v) || !(json_number_value(v) > 0) ||
	    json_number_value(v) > 1)
		return fail(st, EX_CONFIG, "\"density\": %s is not valid: it must "
		    "be a number above 0 and at most 1 (the occupied share of "
		    "the grid)", text);
	if (given(st, "num_type_a") || given(st, "num_type_b"))
		return fail(st, EX_CONFIG, "\"density\" and num_type_a / "
		    "num_type_b are both given; give the counts or the density");
	st->density = json_number_value(v);
	return 0;
}

/*
 * Agent counts from the density: n = density * G^2 rounded to the nearest
 * whole number (halves up), A = ceil(n / 2), B = floor(n / 2).
 */
static void
density_counts(double density, int grid, int *a, int *b)
{
	double cells = (double)grid * grid;
	long n = (long)floor(density * cells + 0.5);

	if (n > (long)cells)
		n = (long)cells;
	*a = (int)((n + 1) / 2);
	*b = (int)(n / 2);
}

/* --- the cells ---------------------------------------------------------- */

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
			(void)set_value(st, p, param_by_key(key), val);
	if (st->has_seed)
		p->seed = st->seed;
	for (size_t i = 0; i < st->n_vary; i++)
		(void)set_value(st, p, st->vary[i].spec,
		    json_array_get(st->vary[i].values,
		    combo_index(st, c->combo, i)));
	if (st->density > 0)
		density_counts(st->density, p->grid_size, &p->num_type_a,
		    &p->num_type_b);
	p->agent = c->agent == AG_MECHANICAL ? AGENT_MECHANICAL :
	    c->agent == AG_LLM ? AGENT_LLM : AGENT_TABLE;
	if (c->scenario >= 0)
		snprintf(p->scenario, sizeof(p->scenario), "%s",
		    st->scenarios[c->scenario]);
	if (c->agent == AG_TABLE) {
		snprintf(p->table, sizeof(p->table), "%s",
		    st->tables[c->scenario]);
		if (st->table_key[c->scenario] == TABLE_KEY_CONTEXT &&
		    p->grid_size < 3)
			return fail(st, EX_USAGE, "cell %s: the table of "
			    "scenario %s is a table of contexts, which needs "
			    "grid_size 3 or more", c->name,
			    st->scenarios[c->scenario]);
	}
	if (params_check(p, err, sizeof(err)) != 0)
		return fail(st, EX_USAGE, "cell %s: %s", c->name, err);
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
		(void)set_value(st, &p, st->vary[i].spec,
		    json_array_get(st->vary[i].values,
		    combo_index(st, c->combo, i)));
	if ((name = malloc(cap)) == NULL)
		return -1;
	len = (size_t)snprintf(name, cap, "%s%s%s", agent_kinds[c->agent],
	    c->scenario >= 0 ? "_" : "",
	    c->scenario >= 0 ? st->scenarios[c->scenario] : "");
	for (size_t i = 0; i < st->n_vary; i++) {
		size_t need;
		char *grown;

		params_text(&p, st->vary[i].spec, value, sizeof(value));
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
			    agent_kinds[c->agent]);
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

/* The keys a cell's config.json holds (simcfg's rule). */
static int
cell_has_key(const struct sim_params *p, const struct param_spec *s)
{
	return !s->llm_only || p->agent == AGENT_LLM ||
	    (p->agent == AGENT_TABLE &&
	    (s->offset == offsetof(struct sim_params, scenario) ||
	    s->offset == offsetof(struct sim_params, scenario_file)));
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
	jw_kv_string(w, "agent", agent_kinds[c->agent]);
	jw_key(w, "scenario");
	if (c->scenario >= 0)
		jw_string(w, st->scenarios[c->scenario]);
	else
		jw_null(w);
	jw_key(w, "varied");
	jw_object_begin(w);
	params_defaults(&v);
	for (i = 0; i < st->n_vary; i++) {
		(void)set_value(st, &v, st->vary[i].spec,
		    json_array_get(st->vary[i].values,
		    combo_index(st, c->combo, i)));
		params_put_json(w, &v, st->vary[i].spec);
	}
	jw_object_end(w);
	jw_key(w, "params");
	jw_object_begin(w);
	for (i = 0; i < param_count; i++)
		if (cell_has_key(p, &param_specs[i]))
			params_put_json(w, p, &param_specs[i]);
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
	/* the runner's flags for this cell, values exactly as checked */
	jw_key(w, "runner_args");
	jw_array_begin(w);
	for (i = 0; i < param_count; i++) {
		const struct param_spec *s = &param_specs[i];
		const char *field = (const char *)p + s->offset;
		char flag[64];

		if (!cell_has_key(p, s) || (s->type == PARAM_STRING &&
		    *field == '\0' && s->offset !=
		    offsetof(struct sim_params, llm_url)))
			continue;
		/* a switch is given or not; it takes no value */
		if (s->type == PARAM_BOOL && !*(const int *)(const void *)field)
			continue;
		snprintf(flag, sizeof(flag), "--%s", s->flag);
		jw_string(w, flag);
		if (s->type == PARAM_BOOL)
			continue;
		params_text(p, s, text, sizeof(text));
		jw_string(w, text);
	}
	jw_array_end(w);
	jw_object_end(w);
	return w->failed ? -1 : 0;
}

static int
plan(struct study *st)
{
	struct cell *cells;
	struct sim_params p;
	struct jw w;
	long n = 0, i, m;
	int a, rc = 0;
	size_t s;

	cells = calloc((size_t)st->cells, sizeof(*cells));
	if (cells == NULL)
		return fail(st, EX_OSERR, "out of memory");
	for (a = 0; a < st->n_agents; a++) {
		int kind = st->agents[a];
		size_t ns = kind == AG_MECHANICAL ? 1 : st->n_scenarios;

		for (s = 0; s < ns; s++)
			for (m = 0; m < st->combos; m++) {
				cells[n].agent = kind;
				cells[n].scenario = kind == AG_MECHANICAL ? -1 :
				    (int)s;
				cells[n].combo = m;
				if (make_name(st, &cells[n], n) != 0)
					rc = -1;
				n++;
			}
	}
	if (rc == 0)
		rc = unique_dirnames(cells, n);
	if (rc != 0) {
		rc = fail(st, EX_OSERR, "out of memory");
		goto out;
	}
	/* every cell is checked before a line is printed */
	for (i = 0; i < n && rc == 0; i++)
		rc = cell_params(st, &cells[i], &p);
	jw_init(&w);
	for (i = 0; i < n && rc == 0; i++) {
		(void)cell_params(st, &cells[i], &p);
		if (put_cell(&w, st, &cells[i], i, &p) != 0 ||
		    jw_write_line(&w, stdout) != 0) {
			fprintf(stderr, PROG ": cannot write the plan: %s\n",
			    strerror(errno));
			rc = EX_IOERR;
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

static int
read_study(struct study *st)
{
	json_error_t jerr;
	const char *key;
	json_t *v;
	char copy[PATH_MAX];
	int rc;

	st->root = json_load_file(st->file, JSON_REJECT_DUPLICATES, &jerr);
	if (st->root == NULL) {
		if (jerr.line < 0)
			return fail(st, EX_CONFIG, "%s", jerr.text);
		return fail(st, EX_CONFIG, "line %d, column %d: %s", jerr.line,
		    jerr.column, jerr.text);
	}
	if (!json_is_object(st->root))
		return fail(st, EX_CONFIG, "a study file is one JSON object "
		    "(see simtools-formats(5), STUDY FILES)");
	json_object_foreach(st->root, key, v)
		if (!is_key(key, top_keys))
			return fail(st, EX_CONFIG, "unknown key \"%s\"; a study "
			    "has name, description, runs, seed, agents, "
			    "scenarios, vary, fixed, density and tables (simrun "
			    "parameters go in \"fixed\" or \"vary\")", key);
	v = json_object_get(st->root, "description");
	if (v != NULL && !json_is_string(v))
		return fail(st, EX_CONFIG, "\"description\" must be a string");
	snprintf(copy, sizeof(copy), "%s", st->file);
	if (realpath(dirname(copy), st->dir) == NULL)
		return fail(st, EX_CONFIG, "cannot resolve its directory: %s",
		    strerror(errno));
	if ((rc = read_name(st)) || (rc = read_runs(st)) ||
	    (rc = read_agents(st)) || (rc = read_scenarios(st)) ||
	    (rc = read_fixed(st)) || (rc = read_vary(st)) ||
	    (rc = read_seed_and_density(st)))
		return rc;
	st->cells = st->combos * ((st->uses[AG_MECHANICAL] ? 1 : 0) +
	    (long)st->n_scenarios * (st->uses[AG_LLM] + st->uses[AG_TABLE]));
	if (st->combos > MAX_CELLS || st->cells > MAX_CELLS)
		return fail(st, EX_CONFIG, "\"vary\" x \"agents\" x \"scenarios\" "
		    "make %.0f cells, more than %d; vary fewer parameters or "
		    "values, or split the study", st->product *
		    ((st->uses[AG_MECHANICAL] ? 1 : 0) + (double)st->n_scenarios *
		    (st->uses[AG_LLM] + st->uses[AG_TABLE])), MAX_CELLS);
	return read_tables(st);
}

static void
study_free(struct study *st)
{
	for (size_t i = 0; i < st->n_scenarios; i++) {
		if (st->scen != NULL && st->scen[i].name != NULL)
			scenario_free(&st->scen[i]);
		if (st->tables != NULL)
			free(st->tables[i]);
	}
	free(st->scen);
	free(st->scenarios);
	free(st->tables);
	free(st->table_key);
	free(st->vary);
	json_decref(st->root);
}

int
main(int argc, char **argv)
{
	struct study st;
	int rc;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		printf("usage: simstudy_plan STUDY.json\n\nChecks a study file "
		    "and prints its plan (plan.jsonl) on stdout; bin/simstudy "
		    "runs it.\n");
		return fclose(stdout) == 0 ? 0 : EX_IOERR;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: simstudy_plan STUDY.json\n");
		return EX_USAGE;
	}
	memset(&st, 0, sizeof(st));
	st.file = argv[1];
	rc = read_study(&st);
	if (rc == 0)
		rc = plan(&st);
	study_free(&st);
	if (fclose(stdout) != 0 && rc == 0) {
		fprintf(stderr, PROG ": cannot write the plan: %s\n",
		    strerror(errno));
		rc = EX_IOERR;
	}
	return rc;
}
