/* Reading and checking a study file (see study.h). */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "config/file.h"
#include "study/study.h"
#include "table/table.h"

#define MAX_RUNS 999999999L

const char *const study_agent_kinds[] = { "mechanical", "llm", "table",
	"utility" };

static const char *const top_keys[] = { "name", "description", "runs",
	"seed", "agents", "scenarios", "vary", "fixed", "density", "tables",
	"store", NULL };

int
study_fail(const struct study *st, int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s: ", st->prog, st->file);
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
int
study_set_value(const struct study *st, struct sim_params *p,
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
	if (study_set_value(st, &p, s, v) == 0)
		return 0;
	value_text(v, text, sizeof(text));
	return study_fail(st, EX_CONFIG, "%s: %s is not valid: \"%s\" must be %s",
	    where, text, s->key, s->expect);
}

static int
check_param_key(const struct study *st, const char *section, const char *key,
    const struct param_spec **out)
{
	const char *instead = reserved_param(key);

	if (instead != NULL)
		return study_fail(st, EX_CONFIG, "\"%s.%s\": %s, not in \"%s\"",
		    section, key, instead, section);
	if ((*out = param_by_key(key)) == NULL)
		return study_fail(st, EX_CONFIG, "\"%s.%s\": simrun has no parameter "
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
		return study_fail(st, EX_CONFIG, "\"name\" is missing: give the study "
		    "a name (letters, digits, '_', '-', '.')");
	s = json_string_value(v);
	if (s == NULL || *s == '\0' || *s == '.' || strlen(s) > 64 ||
	    s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-.")] != '\0') {
		char text[128];

		value_text(v, text, sizeof(text));
		return study_fail(st, EX_CONFIG, "\"name\": %s is not valid: it must "
		    "be 1 to 64 letters, digits, '_', '-' or '.' (it names the "
		    "study's directory)", text);
	}
	st->name = s;
	return 0;
}

/* "store": how the cells' runs/ hold their runs (llm_runner --store). */
static int
read_store(struct study *st)
{
	json_t *v = json_object_get(st->root, "store");
	const char *s = json_string_value(v);
	char text[128];

	if (v == NULL)
		return 0;
	if (s != NULL && (strcmp(s, "files") == 0 || strcmp(s, "shards") == 0)) {
		st->store = s;
		return 0;
	}
	value_text(v, text, sizeof(text));
	return study_fail(st, EX_CONFIG, "\"store\": %s is not valid: it must be "
	    "\"files\" (a file per run) or \"shards\" (a shard per batch of "
	    "runs, for mechanical and table cells)", text);
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
	return study_fail(st, EX_CONFIG, "\"runs\": %s is not valid: it must be a "
	    "whole number from 1 to %ld (runs per cell)", text, MAX_RUNS);
}

/* A non-empty array of distinct values, or fail naming the key. */
static int
check_list(const struct study *st, const char *key, const json_t *v)
{
	size_t i, j;

	if (!json_is_array(v))
		return study_fail(st, EX_CONFIG, "\"%s\" must be a list, e.g. [...]",
		    key);
	if (json_array_size(v) == 0)
		return study_fail(st, EX_CONFIG, "\"%s\" is an empty list: give at "
		    "least one value (or leave the key out)", key);
	for (i = 0; i < json_array_size(v); i++)
		for (j = 0; j < i; j++)
			if (json_equal(json_array_get(v, i),
			    json_array_get(v, j))) {
				char text[128];

				value_text(json_array_get(v, i), text,
				    sizeof(text));
				return study_fail(st, EX_CONFIG, "\"%s\": %s is given "
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
			if (s != NULL && strcmp(s, study_agent_kinds[k]) == 0)
				break;
		if (k == AG_KINDS) {
			char text[128];

			value_text(json_array_get(v, i), text, sizeof(text));
			return study_fail(st, EX_CONFIG, "\"agents\"[%zu]: %s is not "
			    "an agent kind: use mechanical, llm, table or utility", i,
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
		return study_fail(st, EX_OSERR, "out of memory");
	for (i = 0; i < st->n_scenarios; i++) {
		const char *s = v == NULL ? dflt[0] :
		    json_string_value(json_array_get(v, i));

		snprintf(where, sizeof(where), "\"scenarios\"[%zu]", i);
		if (s == NULL)
			return study_fail(st, EX_CONFIG, "%s must be a scenario name "
			    "such as baseline", where);
		if (scenario_for(s, NULL, &st->scen[i], err, sizeof(err)) != 0)
			return study_fail(st, EX_CONFIG, "%s: %s", where, err);
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
			return study_fail(st, EX_CONFIG, "\"tables\" is given but "
			    "\"agents\" has no table agent; add \"table\" to "
			    "\"agents\" or leave \"tables\" out");
		return 0;
	}
	if (!json_is_object(v))
		return study_fail(st, EX_CONFIG, "\"tables\" must be an object giving "
		    "a decision table (simprobe's) for each scenario, e.g. "
		    "{\"baseline\": \"baseline.table\"}");
	json_object_foreach(v, key, t) {
		for (i = 0; i < st->n_scenarios; i++)
			if (strcmp(st->scenarios[i], key) == 0)
				break;
		if (i == st->n_scenarios)
			return study_fail(st, EX_CONFIG, "\"tables.%s\": \"%s\" is not "
			    "one of the study's \"scenarios\"", key, key);
	}
	st->tables = calloc(st->n_scenarios, sizeof(*st->tables));
	st->table_key = calloc(st->n_scenarios, sizeof(*st->table_key));
	if (st->tables == NULL || st->table_key == NULL)
		return study_fail(st, EX_OSERR, "out of memory");
	for (i = 0; i < st->n_scenarios; i++) {
		struct decision_table *dt;
		const char *name = st->scenarios[i];

		t = json_object_get(v, name);
		if (t == NULL)
			return study_fail(st, EX_CONFIG, "\"tables\" has no table for "
			    "scenario \"%s\"; make one with simprobe --scenario "
			    "%s", name, name);
		if (!json_is_string(t) || json_string_length(t) == 0 ||
		    resolve(st, json_string_value(t), path, sizeof(path)) != 0)
			return study_fail(st, EX_CONFIG, "\"tables.%s\" must be a file "
			    "name (relative to the study file's directory)",
			    name);
		if (table_load(path, name, &dt, err, sizeof(err)) != 0 ||
		    table_check_scenario(dt, &st->scen[i], err,
		    sizeof(err)) != 0) {
			if (dt != NULL && err[0] == '\0')
				snprintf(err, sizeof(err), "unusable table");
			table_free(dt);
			return study_fail(st, EX_CONFIG, "\"tables.%s\": %s", name,
			    err);
		}
		st->table_key[i] = table_info(dt)->key;
		table_free(dt);
		if ((st->tables[i] = strdup(path)) == NULL)
			return study_fail(st, EX_OSERR, "out of memory");
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
		return study_fail(st, EX_CONFIG, "\"fixed\" must be an object of simrun "
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
		return study_fail(st, EX_CONFIG, "\"vary\" must be an object of lists, "
		    "e.g. {\"grid_size\": [10, 20]}");
	st->vary = calloc(json_object_size(v) + 1, sizeof(*st->vary));
	if (st->vary == NULL)
		return study_fail(st, EX_OSERR, "out of memory");
	json_object_foreach(v, key, vals) {
		if ((rc = check_param_key(st, "vary", key, &s)) != 0)
			return rc;
		if (st->fixed != NULL && json_object_get(st->fixed, key))
			return study_fail(st, EX_CONFIG, "\"%s\" is both in \"fixed\" "
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
		if (st->combos <= STUDY_MAX_CELLS)
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
			return study_fail(st, EX_CONFIG, "\"seed\" is given at the top "
			    "and in \"fixed\" or \"vary\"; keep one");
		if (check_value(st, param_by_key("seed"), v, "\"seed\"") != 0)
			return EX_CONFIG;
		params_defaults(&p);
		(void)config_set_value(&p, param_by_key("seed"), v);
		st->has_seed = 1;
		st->seed = p.model.seed;
	}
	v = json_object_get(st->root, "density");
	if (v == NULL)
		return 0;
	value_text(v, text, sizeof(text));
	if (!json_is_number(v) || !(json_number_value(v) > 0) ||
	    json_number_value(v) > 1)
		return study_fail(st, EX_CONFIG, "\"density\": %s is not valid: it must "
		    "be a number above 0 and at most 1 (the occupied share of "
		    "the grid)", text);
	if (given(st, "num_type_a") || given(st, "num_type_b"))
		return study_fail(st, EX_CONFIG, "\"density\" and num_type_a / "
		    "num_type_b are both given; give the counts or the density");
	st->density = json_number_value(v);
	return 0;
}

/*
 * Agent counts from the density: n = density * G^2 rounded to the nearest
 * whole number (halves up), A = ceil(n / 2), B = floor(n / 2).
 */
void
study_density_counts(double density, int grid, int *a, int *b)
{
	double cells = (double)grid * grid;
	long n = (long)floor(density * cells + 0.5);

	if (n > (long)cells)
		n = (long)cells;
	*a = (int)((n + 1) / 2);
	*b = (int)(n / 2);
}

int
study_read(struct study *st, const char *prog, const char *file)
{
	json_error_t jerr;
	const char *key;
	json_t *v;
	char copy[PATH_MAX];
	int rc;

	memset(st, 0, sizeof(*st));
	st->prog = prog;
	st->file = file;
	st->root = json_load_file(st->file, JSON_REJECT_DUPLICATES, &jerr);
	if (st->root == NULL) {
		if (jerr.line < 0)
			return study_fail(st, EX_CONFIG, "%s", jerr.text);
		return study_fail(st, EX_CONFIG, "line %d, column %d: %s", jerr.line,
		    jerr.column, jerr.text);
	}
	if (!json_is_object(st->root))
		return study_fail(st, EX_CONFIG, "a study file is one JSON object "
		    "(see simtools-formats(5), STUDY FILES)");
	json_object_foreach(st->root, key, v)
		if (!is_key(key, top_keys))
			return study_fail(st, EX_CONFIG, "unknown key \"%s\"; a study "
			    "has name, description, runs, seed, agents, "
			    "scenarios, vary, fixed, density, tables and store (simrun "
			    "parameters go in \"fixed\" or \"vary\")", key);
	v = json_object_get(st->root, "description");
	if (v != NULL && !json_is_string(v))
		return study_fail(st, EX_CONFIG, "\"description\" must be a string");
	snprintf(copy, sizeof(copy), "%s", st->file);
	if (realpath(dirname(copy), st->dir) == NULL)
		return study_fail(st, EX_CONFIG, "cannot resolve its directory: %s",
		    strerror(errno));
	if ((rc = read_name(st)) || (rc = read_runs(st)) ||
	    (rc = read_store(st)) || (rc = read_agents(st)) || (rc = read_scenarios(st)) ||
	    (rc = read_fixed(st)) || (rc = read_vary(st)) ||
	    (rc = read_seed_and_density(st)))
		return rc;
	/* mechanical and utility agents read no prompt: one cell a combination */
	st->cells = st->combos * (st->uses[AG_MECHANICAL] + st->uses[AG_UTILITY] +
	    (long)st->n_scenarios * (st->uses[AG_LLM] + st->uses[AG_TABLE]));
	if (st->combos > STUDY_MAX_CELLS || st->cells > STUDY_MAX_CELLS)
		return study_fail(st, EX_CONFIG, "\"vary\" x \"agents\" x \"scenarios\" "
		    "make %.0f cells, more than %d; vary fewer parameters or "
		    "values, or split the study", st->product *
		    (st->uses[AG_MECHANICAL] + st->uses[AG_UTILITY] +
		    (double)st->n_scenarios *
		    (st->uses[AG_LLM] + st->uses[AG_TABLE])), STUDY_MAX_CELLS);
	return read_tables(st);
}

void
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

