/*
 * Decision tables: reading, checking and drawing from simprobe's P(MOVE)
 * tables (see table.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/metrics.h"
#include "llm/params.h"
#include "model/rng.h"
#include "io/lines.h"
#include "table/table.h"

struct decision_table {
	struct table_header h;
	char *path;
	int nslots;                /* per group */
	double *p;                 /* [group][slot]; -1 until an entry sets it */
};

static const char digit_char[] = "SOE#";
static const char *const key_names[] = { "context", "composition", NULL };
static const char *const method_names[] = { "logprobs", "samples", NULL };
/* An entry's estimate and its counts, in the order a line has them. */
static const char *const estimate_keys[] = { "p_move", "lo", "hi" };
static const char *const count_keys[] = { "n", "moves", "unparsed" };

/* Neighbours 0..7 are the cells around the centre, row-major. */
#define TOP    0x07
#define BOTTOM 0xe0
#define LEFT   0x29
#define RIGHT  0x94

static int
digit(int code, int k)
{
	return (code >> (2 * (7 - k))) & 3;
}

/* A neighbour's digit plus one; 0 for any other character. */
static const unsigned char digit_of[256] = { ['S'] = 1, ['O'] = 2,
	['E'] = 3, ['#'] = 4 };

/* Where the 8 neighbours stand in a context string. */
static const int neighbour_at[8] = { 0, 2, 4, 6, 10, 12, 14, 16 };

/* The code of a context known to be well formed (world_context's). */
static int
code_of(const char *context)
{
	int code = 0;

	for (int k = 0; k < 8; k++)
		code = code * 4 + digit_of[(unsigned char)context[
		    neighbour_at[k]]] - 1;
	return code;
}

/* The base-4 code of a context as world_context() writes it; -1 if none. */
int
table_code(const char *context)
{
	static const char frame[] = "? ? ?\n? X ?\n? ? ?";

	if (strlen(context) != CONTEXT_LEN)
		return -1;
	for (int i = 0; i < CONTEXT_LEN; i++)
		if (frame[i] == '?' ? digit_of[(unsigned char)context[i]] == 0 :
		    context[i] != frame[i])
			return -1;
	return code_of(context);
}

void
table_context(int code, char *out)
{
	for (int cell = 0, k = 0; cell < 9; cell++) {
		*out++ = cell == 4 ? 'X' : digit_char[digit(code, k++)];
		*out++ = cell == 8 ? '\0' : cell % 3 == 2 ? '\n' : ' ';
	}
}

/* 1 when an agent on a grid of size 3 or more can see this context. */
int
table_seeable(int code)
{
	static const int masks[] = { 0, TOP, BOTTOM, LEFT, RIGHT, TOP | LEFT,
	    TOP | RIGHT, BOTTOM | LEFT, BOTTOM | RIGHT };
	int off = 0;

	if (code < 0 || code >= TABLE_CODES)
		return 0;
	for (int k = 0; k < 8; k++)
		if (digit(code, k) == 3)
			off |= 1 << k;
	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++)
		if (off == masks[i])
			return 1;
	return 0;
}

/* The slots of one group in table order; returns how many. */
int
table_slots(int key, int *slots)
{
	int n = 0;

	if (key == TABLE_KEY_COMPOSITION) {
		for (n = 0; n < TABLE_COMPOSITIONS; n++)
			slots[n] = n;
		return n;
	}
	for (int code = 0; code < TABLE_CODES; code++)
		if (table_seeable(code))
			slots[n++] = code;
	return n;
}

int
table_composition_index(int same, int occupied)
{
	return occupied * (occupied + 1) / 2 + same;
}

void
table_composition(int index, int *same, int *occupied)
{
	int o = 0;

	while (table_composition_index(0, o + 1) <= index)
		o++;
	*occupied = o;
	*same = index - table_composition_index(0, o);
}

/*
 * The context a slot's prompt shows.  A composition is shown as an
 * interior context: its S, then its O, then E, in row-major order.
 */
int
table_slot_code(int key, int slot)
{
	int same, occupied, code = 0;

	if (key == TABLE_KEY_CONTEXT)
		return slot;
	table_composition(slot, &same, &occupied);
	for (int k = 0; k < 8; k++)
		code = code * 4 + (k < same ? 0 : k < occupied ? 1 : 2);
	return code;
}

static int
name_index(const char *const *names, const char *text)
{
	for (int i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], text) == 0)
			return i;
	return -1;
}

const char *
table_key_name(int key)
{
	return key_names[key];
}

const char *
table_method_name(int method)
{
	return method_names[method];
}

int
table_key_parse(const char *text)
{
	return name_index(key_names, text);
}

/* Wilson's 95% score interval for k successes in n trials. */
void
table_wilson(long k, long n, double *lo, double *hi)
{
	const double z = 1.959963984540054;
	double p = (double)k / (double)n, z2n = z * z / (double)n;
	double centre = p + z2n / 2;
	double half = z * sqrt(p * (1 - p) / (double)n + z2n / (4 * (double)n));

	*lo = k == 0 ? 0 : fmax(0, (centre - half) / (1 + z2n));
	*hi = k == n ? 1 : fmin(1, (centre + half) / (1 + z2n));
}


/* ------------------------------------------------------------ file lines */

static int
field_error(char *err, size_t errlen, const char *key, const char *what)
{
	snprintf(err, errlen, "bad or missing field \"%s\" (%s)", key, what);
	return -1;
}

static int
get_string(json_t *o, const char *key, const char **out, char *err,
    size_t errlen)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		return field_error(err, errlen, key, "a string");
	*out = json_string_value(v);
	return 0;
}

static int
get_long(json_t *o, const char *key, long lo, long hi, long *out, char *err,
    size_t errlen)
{
	json_t *v = json_object_get(o, key);
	char what[96];

	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi) {
		snprintf(what, sizeof(what), "a whole number from %ld to %ld",
		    lo, hi);
		return field_error(err, errlen, key, what);
	}
	*out = (long)json_integer_value(v);
	return 0;
}

static int
get_double(json_t *o, const char *key, double lo, double hi, double *out,
    char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);
	char what[96];

	if (!json_is_number(v) || !(json_number_value(v) >= lo) ||
	    !(json_number_value(v) <= hi)) {
		snprintf(what, sizeof(what), "a number from %g to %g", lo, hi);
		return field_error(err, errlen, key, what);
	}
	*out = json_number_value(v);
	return 0;
}

static int
get_name(json_t *o, const char *key, const char *const *names, int *out,
    char *err, size_t errlen)
{
	const char *s;
	char what[96];

	if (get_string(o, key, &s, err, errlen) == 0 &&
	    (*out = name_index(names, s)) >= 0)
		return 0;
	snprintf(what, sizeof(what), "one of %s", names[0]);
	for (int i = 1; names[i] != NULL; i++)
		snprintf(what + strlen(what), sizeof(what) - strlen(what),
		    "%s%s", names[i + 1] ? ", " : " or ", names[i]);
	return field_error(err, errlen, key, what);
}

static char *
dup_string(json_t *o, const char *key, char *err, size_t errlen, int *failed)
{
	const char *s;
	char *copy;

	if (*failed || get_string(o, key, &s, err, errlen) != 0) {
		*failed = 1;
		return NULL;
	}
	if ((copy = strdup(s)) == NULL) {
		snprintf(err, errlen, "out of memory");
		*failed = 1;
	}
	return copy;
}

static json_t *
load_line(const char *line, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);

	if (root == NULL) {
		snprintf(err, errlen, "not JSON: %s", jerr.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "not a JSON object");
		json_decref(root);
		return NULL;
	}
	return root;
}

static int
read_shard(json_t *root, struct table_header *h, char *err, size_t errlen)
{
	json_t *v = json_object_get(root, "shard");
	int k, n, end = 0;

	h->shard_k = h->shard_n = 0;
	if (v == NULL)
		return 0;
	if (!json_is_string(v) || sscanf(json_string_value(v), "%d/%d%n", &k,
	    &n, &end) != 2 || json_string_value(v)[end] != '\0' || k < 0 ||
	    n < 1 || k >= n)
		return field_error(err, errlen, "shard", "K/N, 0 <= K < N");
	h->shard_k = k;
	h->shard_n = n;
	return 0;
}

static int
read_hash(json_t *root, struct table_header *h, char *err, size_t errlen)
{
	const char *s;

	if (get_string(root, "prompt_template_fnv1a64", &s, err, errlen) != 0 ||
	    strlen(s) != 16 || strspn(s, "0123456789abcdef") != 16)
		return field_error(err, errlen, "prompt_template_fnv1a64",
		    "16 hex digits");
	memcpy(h->prompt_hash, s, 17);
	return 0;
}

static int
read_numbers(json_t *root, struct table_header *h, char *err, size_t errlen)
{
	long max_tokens, samples, seed;

	if (get_double(root, "temperature", 0, 2, &h->temperature, err,
	    errlen) != 0 ||
	    get_long(root, "max_tokens", 1, 1000000, &max_tokens, err,
	    errlen) != 0 ||
	    get_long(root, "samples", 0, 1000000, &samples, err, errlen) != 0 ||
	    get_long(root, "seed", 0, (long)SEED_MAX, &seed, err, errlen) != 0 ||
	    get_long(root, "entries", 0, 2L * TABLE_CONTEXTS, &h->entries, err,
	    errlen) != 0)
		return -1;
	h->max_tokens = (int)max_tokens;
	h->samples = (int)samples;
	h->seed = (uint64_t)seed;
	return 0;
}

static int
read_header(json_t *root, struct table_header *h, char *err, size_t errlen)
{
	const char *event;
	long version;
	int failed = 0;

	if (get_string(root, "event", &event, err, errlen) != 0 ||
	    strcmp(event, "table") != 0) {
		snprintf(err, errlen, "the first line is not a table header "
		    "({\"event\":\"table\",...})");
		return -1;
	}
	if (get_long(root, "version", 0, 1000000, &version, err, errlen) != 0)
		return -1;
	if (version != TABLE_VERSION) {
		snprintf(err, errlen, "table version %ld; this program reads "
		    "version %d", version, TABLE_VERSION);
		return -1;
	}
	h->scenario = dup_string(root, "scenario", err, errlen, &failed);
	h->type_a = dup_string(root, "type_a", err, errlen, &failed);
	h->type_b = dup_string(root, "type_b", err, errlen, &failed);
	h->model = dup_string(root, "model", err, errlen, &failed);
	h->url = dup_string(root, "url", err, errlen, &failed);
	h->created = dup_string(root, "created", err, errlen, &failed);
	h->version_tool = dup_string(root, "version_tool", err, errlen,
	    &failed);
	if (failed || read_hash(root, h, err, errlen) != 0 ||
	    get_name(root, "api", llm_api_names, &h->api, err, errlen) != 0 ||
	    get_name(root, "method", method_names, &h->method, err,
	    errlen) != 0 ||
	    get_name(root, "key", key_names, &h->key, err, errlen) != 0 ||
	    read_numbers(root, h, err, errlen) != 0)
		return -1;
	return read_shard(root, h, err, errlen);
}

int
table_header_read(const char *line, struct table_header *h, char *err,
    size_t errlen)
{
	json_t *root = load_line(line, err, errlen);
	int rc;

	memset(h, 0, sizeof(*h));
	h->fallbacks = -1;
	if (root == NULL)
		return -1;
	if (json_is_integer(json_object_get(root, "fallbacks")))
		h->fallbacks = (long)json_integer_value(json_object_get(root,
		    "fallbacks"));
	if ((rc = read_header(root, h, err, errlen)) != 0)
		table_header_free(h);
	json_decref(root);
	return rc;
}

void
table_header_free(struct table_header *h)
{
	free(h->scenario);
	free(h->type_a);
	free(h->type_b);
	free(h->model);
	free(h->url);
	free(h->created);
	free(h->version_tool);
	memset(h, 0, sizeof(*h));
}

void
table_header_put(struct jw *w, const struct table_header *h)
{
	char shard[32];

	jw_object_begin(w);
	jw_kv_string(w, "event", "table");
	jw_kv_int(w, "version", TABLE_VERSION);
	jw_kv_string(w, "scenario", h->scenario);
	jw_kv_string(w, "type_a", h->type_a);
	jw_kv_string(w, "type_b", h->type_b);
	jw_kv_string(w, "prompt_template_fnv1a64", h->prompt_hash);
	jw_kv_string(w, "model", h->model);
	jw_kv_string(w, "url", h->url);
	jw_kv_string(w, "api", llm_api_names[h->api]);
	jw_kv_double(w, "temperature", h->temperature);
	jw_kv_int(w, "max_tokens", h->max_tokens);
	jw_kv_string(w, "method", method_names[h->method]);
	if (h->fallbacks >= 0)
		jw_kv_int(w, "fallbacks", h->fallbacks);
	jw_kv_int(w, "samples", h->samples);
	jw_key(w, "seed");
	jw_uint(w, h->seed);
	jw_kv_string(w, "key", key_names[h->key]);
	jw_kv_int(w, "entries", h->entries);
	if (h->shard_n > 0) {
		snprintf(shard, sizeof(shard), "%d/%d", h->shard_k, h->shard_n);
		jw_kv_string(w, "shard", shard);
	}
	jw_kv_string(w, "created", h->created);
	jw_kv_string(w, "version_tool", h->version_tool);
	jw_object_end(w);
}

static int
read_slot(json_t *root, int key, struct table_entry *e, char *err,
    size_t errlen)
{
	const char *context;
	long same, occupied;

	if (key == TABLE_KEY_CONTEXT) {
		if (get_string(root, "context", &context, err, errlen) != 0 ||
		    !table_seeable(e->slot = table_code(context)))
			return field_error(err, errlen, "context", "a 3x3 "
			    "context an agent can see, as world_context() "
			    "writes it");
		return 0;
	}
	if (get_long(root, "same", 0, 8, &same, err, errlen) != 0 ||
	    get_long(root, "occupied", same, 8, &occupied, err, errlen) != 0)
		return -1;
	e->slot = table_composition_index((int)same, (int)occupied);
	return 0;
}

static int
read_entry(json_t *root, int key, struct table_entry *e, char *err,
    size_t errlen)
{
	const char *group;

	if (get_string(root, "group", &group, err, errlen) != 0 ||
	    (strcmp(group, "A") != 0 && strcmp(group, "B") != 0))
		return field_error(err, errlen, "group", "\"A\" or \"B\"");
	e->group = group[0] == 'B';
	if (read_slot(root, key, e, err, errlen) != 0 ||
	    get_double(root, "p_move", 0, 1, &e->p_move, err, errlen) != 0 ||
	    get_double(root, "lo", 0, 1, &e->lo, err, errlen) != 0 ||
	    get_double(root, "hi", 0, 1, &e->hi, err, errlen) != 0 ||
	    get_long(root, "n", 1, 1000000, &e->n, err, errlen) != 0 ||
	    get_long(root, "moves", 0, e->n, &e->moves, err, errlen) != 0 ||
	    get_long(root, "unparsed", 0, e->n, &e->unparsed, err, errlen) != 0)
		return -1;
	e->method = -1;
	if (json_object_get(root, "method") != NULL && get_name(root, "method",
	    method_names, &e->method, err, errlen) != 0)
		return -1;
	return 0;
}

int
table_entry_read(const char *line, int key, struct table_entry *e,
    char *err, size_t errlen)
{
	json_t *root = load_line(line, err, errlen);
	int rc;

	if (root == NULL)
		return -1;
	rc = read_entry(root, key, e, err, errlen);
	json_decref(root);
	return rc;
}

void
table_entry_put(struct jw *w, int key, const struct table_entry *e)
{
	char context[CONTEXT_LEN + 1];
	int same, occupied;

	jw_object_begin(w);
	jw_kv_string(w, "group", e->group ? "B" : "A");
	if (key == TABLE_KEY_CONTEXT) {
		table_context(e->slot, context);
		jw_kv_string(w, "context", context);
	} else {
		table_composition(e->slot, &same, &occupied);
		jw_kv_int(w, "same", same);
		jw_kv_int(w, "occupied", occupied);
	}
	jw_kv_doubles(w, estimate_keys, (const double[]){ e->p_move, e->lo,
	    e->hi }, 3);
	jw_kv_ints(w, count_keys, (const long long[]){ e->n, e->moves,
	    e->unparsed }, 3);
	if (e->method >= 0)
		jw_kv_string(w, "method", method_names[e->method]);
	jw_object_end(w);
}

/* ----------------------------------------------------------- the agent */

/* An entry for the message about a missing one, on one line. */
static void
describe_slot(int key, int group, int slot, char *out, size_t len)
{
	char context[CONTEXT_LEN + 1];
	int same, occupied;

	if (key == TABLE_KEY_CONTEXT) {
		table_context(slot, context);
		for (char *c = context; *c; c++)
			if (*c == '\n')
				*c = '|';
		snprintf(out, len, "group %c context %s", "AB"[group], context);
	} else {
		table_composition(slot, &same, &occupied);
		snprintf(out, len, "group %c same %d occupied %d", "AB"[group],
		    same, occupied);
	}
}

static int
check_header(const struct table_header *h, const char *scenario, char *err,
    size_t errlen)
{
	if (h->shard_n > 0) {
		snprintf(err, errlen, "shard %d/%d of a table; merge the shards "
		    "with simprobe --merge", h->shard_k, h->shard_n);
		return -1;
	}
	if (strcmp(h->scenario, scenario) != 0) {
		snprintf(err, errlen, "probed for scenario '%s', not '%s'; use "
		    "--scenario %s or probe a table with simprobe --scenario "
		    "%s", h->scenario, scenario, h->scenario, scenario);
		return -1;
	}
	return 0;
}

static int
take_entry(struct decision_table *t, const char *line, char *err,
    size_t errlen)
{
	struct table_entry e;
	double *p;
	char what[96];

	if (table_entry_read(line, t->h.key, &e, err, errlen) != 0)
		return -1;
	p = &t->p[e.group * t->nslots + e.slot];
	if (*p >= 0) {
		describe_slot(t->h.key, e.group, e.slot, what, sizeof(what));
		snprintf(err, errlen, "a second entry for %s", what);
		return -1;
	}
	*p = e.p_move;
	return 0;
}

static int
check_complete(const struct decision_table *t, long entries, char *err,
    size_t errlen)
{
	char what[96];

	for (int g = 0; g < 2; g++)
		for (int s = 0; s < t->nslots; s++)
			if (t->p[g * t->nslots + s] < 0 &&
			    (t->h.key == TABLE_KEY_COMPOSITION ||
			    table_seeable(s))) {
				describe_slot(t->h.key, g, s, what,
				    sizeof(what));
				snprintf(err, errlen, "incomplete: no entry for "
				    "%s", what);
				return -1;
			}
	if (entries != t->h.entries) {
		snprintf(err, errlen, "the header says %ld entries, the file "
		    "has %ld", t->h.entries, entries);
		return -1;
	}
	return 0;
}

static int
new_slots(struct decision_table *t, char *err, size_t errlen)
{
	t->nslots = t->h.key == TABLE_KEY_CONTEXT ? TABLE_CODES :
	    TABLE_COMPOSITIONS;
	if ((t->p = malloc(2 * (size_t)t->nslots * sizeof(double))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int i = 0; i < 2 * t->nslots; i++)
		t->p[i] = -1;
	return 0;
}

/* Reads the file into t; *lineno is the line a problem is on (0: none). */
static int
read_table(struct decision_table *t, FILE *f, const char *scenario,
    long *lineno, char *err, size_t errlen)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	*lineno = 0;
	while (rc == 0 && (n = lines_get(&line, &cap, f, LINES_TABLE_MAX)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (++*lineno > 1)
			rc = take_entry(t, line, err, errlen);
		else if ((rc = table_header_read(line, &t->h, err, errlen)) == 0)
			rc = check_header(&t->h, scenario, err, errlen) ||
			    new_slots(t, err, errlen) ? -1 : 0;
	}
	free(line);
	if (rc != 0)
		return -1;
	if (n == -2) {
		++*lineno;
		snprintf(err, errlen, "a line longer than %zu bytes; is this a "
		    "table simprobe wrote?", LINES_TABLE_MAX);
		return -1;
	}
	n = *lineno - 1;
	*lineno = 0;
	if (ferror(f) || n < 0) {
		snprintf(err, errlen, "%s", ferror(f) ? "read error" :
		    "empty file");
		return -1;
	}
	return check_complete(t, (long)n, err, errlen);
}

int
table_load(const char *path, const char *scenario,
    struct decision_table **out, char *err, size_t errlen)
{
	struct decision_table *t = calloc(1, sizeof(*t));
	char problem[512];
	long lineno = 0;
	FILE *f = NULL;
	int rc = -1;

	*out = NULL;
	if (t == NULL || (t->path = strdup(path)) == NULL)
		snprintf(problem, sizeof(problem), "out of memory");
	else if ((f = fopen(path, "r")) == NULL)
		snprintf(problem, sizeof(problem), "cannot read it: %s",
		    strerror(errno));
	else
		rc = read_table(t, f, scenario, &lineno, problem,
		    sizeof(problem));
	if (f != NULL)
		fclose(f);
	if (rc == 0) {
		*out = t;
		return 0;
	}
	if (lineno > 0)
		snprintf(err, errlen, "decision table %s: line %ld: %s", path,
		    lineno, problem);
	else
		snprintf(err, errlen, "decision table %s: %s", path, problem);
	table_free(t);
	return -1;
}

void
table_free(struct decision_table *t)
{
	if (t == NULL)
		return;
	table_header_free(&t->h);
	free(t->path);
	free(t->p);
	free(t);
}

/* The probed prompt must be the run's: same template, same labels. */
int
table_check_scenario(const struct decision_table *t,
    const struct scenario *s, char *err, size_t errlen)
{
	char hash[17];

	snprintf(hash, sizeof(hash), "%016" PRIx64,
	    fnv1a64(s->prompt_template));
	if (strcmp(hash, t->h.prompt_hash) == 0 &&
	    strcmp(s->type_a, t->h.type_a) == 0 &&
	    strcmp(s->type_b, t->h.type_b) == 0)
		return 0;
	snprintf(err, errlen, "decision table %s: probed with another prompt "
	    "or other labels than scenario '%s' has now (template hash %s, "
	    "now %s); probe it again with simprobe", t->path, s->name,
	    t->h.prompt_hash, hash);
	return -1;
}

const struct table_header *
table_info(const struct decision_table *t)
{
	return &t->h;
}

double
table_p_move(const struct decision_table *t, int group, int slot)
{
	return t->p[group * t->nslots + slot];
}

/* A decider: MOVE with the table's probability for what the agent sees. */
int
table_decide(void *table, const struct world *w, int agent,
    const struct step_key *key, int *move)
{
	const struct decision_table *t = table;
	char context[CONTEXT_LEN + 1];
	int like, unlike, slot;
	struct rng r;

	if (t->h.key == TABLE_KEY_CONTEXT) {
		world_context(w, w->pos[agent], context);
		slot = code_of(context);
	} else {
		world_neighbours(w, w->pos[agent], &like, &unlike);
		slot = table_composition_index(like, like + unlike);
	}
	rng_init(&r, rng_key(key->seed, key->run_id, (uint64_t)key->step,
	    (uint64_t)agent, RNG_TABLE));
	*move = rng_uniform(&r) < table_p_move(t, world_agent_type(w, agent),
	    slot);
	return 0;
}

/* The first field two headers of one table disagree on, or NULL. */
const char *
table_header_differs(const struct table_header *a, const struct table_header *b)
{
	if (strcmp(a->scenario, b->scenario) != 0)
		return "scenario";
	if (strcmp(a->type_a, b->type_a) != 0 ||
	    strcmp(a->type_b, b->type_b) != 0)
		return "type_a/type_b";
	if (strcmp(a->prompt_hash, b->prompt_hash) != 0)
		return "prompt_template_fnv1a64";
	if (strcmp(a->model, b->model) != 0)
		return "model";
	if (strcmp(a->url, b->url) != 0 || a->api != b->api)
		return "url/api";
	if (a->temperature != b->temperature)
		return "temperature";
	if (a->max_tokens != b->max_tokens)
		return "max_tokens";
	if (a->method != b->method || a->samples != b->samples)
		return "method/samples";
	if (a->seed != b->seed)
		return "seed";
	if (a->key != b->key)
		return "key";
	return NULL;
}
