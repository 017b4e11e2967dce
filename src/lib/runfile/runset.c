/* Reading simrun's JSON Lines into runs and step rows (see runset.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sysexits.h>

#include <jansson.h>

#include "runfile/runset.h"
#include "io/msg.h"

#define OOM_HINT " reading runs; read fewer at once or allow more memory"


void
runset_init(struct runset *a, const char *prog)
{
	memset(a, 0, sizeof(*a));
	a->prog = prog;
	a->max_line_bytes = RUNSET_MAX_LINE_DEFAULT;
}

__attribute__((format(printf, 2, 3)))
static int
data_error(const struct runset_where *at, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s:%zu: ", at->prog, at->file, at->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; give %s the JSON Lines that simrun prints\n", at->prog);
	return EX_DATAERR;
}

static const char *
json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

/* Room for one more element in an array of *cap; NULL when out of memory. */
static void *
grow(void *p, size_t *cap, size_t len, size_t size)
{
	size_t n = *cap ? *cap * 2 : 256;
	void *q;

	if (len < *cap)
		return p;
	if (n > SIZE_MAX / size || (q = realloc(p, n * size)) == NULL)
		return NULL;
	*cap = n;
	return q;
}

/* The hash slot of run id: where it is, or the free slot it would take. */
static size_t *
slot_of(struct runset *a, long long id)
{
	uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ULL;
	size_t mask = a->slot_cap - 1, i = (size_t)(h ^ h >> 32) & mask;

	while (a->slot[i] != 0 && a->runs[a->slot[i] - 1].id != id)
		i = (i + 1) & mask;
	return &a->slot[i];
}

static int
rehash(struct runset *a)
{
	size_t *old = a->slot, oldcap = a->slot_cap;
	size_t cap = oldcap ? oldcap * 2 : 1024;

	if ((a->slot = calloc(cap, sizeof(*a->slot))) == NULL) {
		a->slot = old;
		return -1;
	}
	a->slot_cap = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i] != 0)
			*slot_of(a, a->runs[old[i] - 1].id) = old[i];
	free(old);
	return 0;
}

static int
new_run(struct runset *a, long long id, size_t *idx)
{
	struct run *p, *r;

	if ((p = grow(a->runs, &a->runs_cap, a->nruns, sizeof(*p))) == NULL)
		return -1;
	a->runs = p;
	r = &p[a->nruns];
	memset(r, 0, sizeof(*r));
	r->id = id;
	for (int m = 0; m < METRICS_N; m++)
		r->initial[m] = r->final[m] = NAN;
	r->convergence_step = r->final_step = r->n_steps = NAN;
	r->llm_calls = r->llm_time = r->parse_failures = r->retries = NAN;
	*idx = a->nruns++;
	return 0;
}

static void
note_duplicate(struct runset *a, long long id, const struct runset_where *at)
{
	if (a->ndup++ == 0) {
		a->dup_id = id;
		a->dup_at = *at;
	}
}

/*
 * The run a line of run id belongs to, made when new.  A second start line
 * of an id begins a new run that replaces the first.
 */
static int
run_for(struct runset *a, long long id, int start, const struct runset_where *at,
    size_t *idx)
{
	const struct run *r = a->nruns > 0 ? &a->runs[a->last] : NULL;
	size_t *s;

	if (r != NULL && r->id == id && !r->replaced &&
	    !(start && r->has_start)) {
		*idx = a->last;
		return 0;
	}
	if ((a->nslots + 1) * 2 > a->slot_cap && rehash(a) != 0)
		return msg_oom(at->prog, OOM_HINT);
	s = slot_of(a, id);
	if (*s != 0 && !(start && a->runs[*s - 1].has_start)) {
		*idx = a->last = *s - 1;
		return 0;
	}
	if (new_run(a, id, idx) != 0)
		return msg_oom(at->prog, OOM_HINT);
	if (*s != 0) {
		a->runs[*s - 1].replaced = 1;
		note_duplicate(a, id, at);
	} else {
		a->nslots++;
	}
	*s = *idx + 1;
	a->last = *idx;
	return 0;
}

static int
get_run_id(json_t *o, const char *event, const struct runset_where *at,
    long long *id)
{
	json_t *v = json_object_get(o, "run_id");

	if (!json_is_integer(v))
		return data_error(at, "%s line without an integer \"run_id\"",
		    event);
	*id = json_integer_value(v);
	return 0;
}

static int
get_number(json_t *o, const char *key, double *out, const struct runset_where *at)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		*out = NAN;
	else if (json_is_number(v))
		*out = json_number_value(v);
	else
		return data_error(at, "\"%s\" is %s, not a number", key,
		    json_kind(v));
	return 0;
}

/* Replaces *out with a copy of the string, or NULL when absent or null. */
static int
get_string(json_t *o, const char *key, char **out, const struct runset_where *at)
{
	json_t *v = json_object_get(o, key);

	free(*out);
	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return data_error(at, "\"%s\" is %s, not a string", key,
		    json_kind(v));
	if ((*out = strdup(json_string_value(v))) == NULL)
		return msg_oom(at->prog, OOM_HINT);
	return 0;
}

static int
get_metrics(json_t *o, double *m, const struct runset_where *at)
{
	int rc = 0;

	for (int i = 0; i < METRICS_N && rc == 0; i++)
		rc = get_number(o, metrics_names[i], &m[i], at);
	return rc;
}

static int
get_metrics_object(json_t *o, const char *key, double *m,
    const struct runset_where *at)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v)) {
		for (int i = 0; i < METRICS_N; i++)
			m[i] = NAN;
		return 0;
	}
	if (!json_is_object(v))
		return data_error(at, "\"%s\" is %s, not an object of metrics",
		    key, json_kind(v));
	return get_metrics(v, m, at);
}

/*
 * Start-line keys that are no parameter of the run, or change where and
 * how fast answers come but not what they are (so runs that differ only
 * in them are runs of one experiment).
 */
static const char *const not_shaping[] = {
	"event", "run_id", "version", "initial", "grid", "llm_url",
	"llm_concurrency", "llm_slots", "llm_cache", "llm_cache_reset",
	"connect_timeout", "request_timeout", "retry_base_ms", "retry_max_ms",
	"llm_retries", "decision_log", "no_steps", "frames", "host",
	"llm_endpoints", NULL
};

/* The start line's parameters as one canonical text (sorted keys). */
static int
take_params(json_t *o, char **out, const struct runset_where *at)
{
	json_t *p = json_deep_copy(o);

	free(*out);
	*out = NULL;
	if (p == NULL)
		return msg_oom(at->prog, OOM_HINT);
	for (int i = 0; not_shaping[i] != NULL; i++)
		json_object_del(p, not_shaping[i]);
	*out = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(p);
	return *out == NULL ? msg_oom(at->prog, OOM_HINT) : 0;
}

static int
take_start(struct runset *a, json_t *o, const struct runset_where *at)
{
	struct run *r;
	long long id = 0;
	size_t i;
	int rc;

	if ((rc = get_run_id(o, "start", at, &id)) != 0 ||
	    (rc = run_for(a, id, 1, at, &i)) != 0)
		return rc;
	r = &a->runs[i];
	r->has_start = 1;
	if ((a->keep_grids & RUNSET_GRIDS_ENDS) &&
	    (rc = get_string(o, "grid", &r->grid_initial, at)) != 0)
		return rc;
	if ((rc = take_params(o, &r->params, at)) != 0 ||
	    (rc = get_string(o, "agent", &r->agent, at)) != 0 ||
	    (rc = get_string(o, "scenario", &r->scenario, at)) != 0 ||
	    (rc = get_string(o, "llm_model", &r->llm_model, at)) != 0)
		return rc;
	return get_metrics_object(o, "initial", r->initial, at);
}

/* A new row for step `step` of run `id`, in input order. */
static int
new_step_row(struct runset *a, long long id, long long step,
    const struct runset_where *at, struct step_row **row)
{
	struct step_row *p;
	size_t i;
	int rc;

	if ((rc = run_for(a, id, 0, at, &i)) != 0)
		return rc;
	p = grow(a->steps, &a->steps_cap, a->nsteps, sizeof(*p));
	if (p == NULL)
		return msg_oom(at->prog, OOM_HINT);
	a->steps = p;
	*row = &p[a->nsteps];
	(*row)->run_id = id;
	(*row)->step = step;
	(*row)->run = i;
	(*row)->seq = a->nsteps++;
	(*row)->grid = NULL;
	return 0;
}

static int
take_step(struct runset *a, json_t *o, const struct runset_where *at)
{
	struct step_row *row;
	json_t *step = json_object_get(o, "step");
	long long id = 0;
	int rc;

	if ((rc = get_run_id(o, "step", at, &id)) != 0)
		return rc;
	if (!json_is_integer(step))
		return data_error(at, "step line without an integer \"step\"");
	if ((rc = new_step_row(a, id, json_integer_value(step), at, &row)) != 0)
		return rc;
	if ((rc = get_number(o, "moves", &row->moves, at)) != 0 ||
	    (rc = get_number(o, "decisions", &row->decisions, at)) != 0)
		return rc;
	if ((a->keep_grids & RUNSET_GRIDS_FRAMES) &&
	    (rc = get_string(o, "grid", &row->grid, at)) != 0)
		return rc;
	return get_metrics(o, row->m, at);
}

static int
is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

/* The end of a JSON number token at p, or NULL; *integral if no . or e. */
static const char *
scan_number(const char *p, int *integral)
{
	*integral = 1;
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {
		*integral = 0;
		if (*++p < '0' || *p > '9')
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		*integral = 0;
		if (*++p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return p;
}

/* The field of a step row a key names, or NULL for keys not kept. */
static double *
step_field(struct step_row *r, const char *key, size_t len)
{
	if (len == 5 && memcmp(key, "moves", 5) == 0)
		return &r->moves;
	if (len == 9 && memcmp(key, "decisions", 9) == 0)
		return &r->decisions;
	for (int m = 0; m < METRICS_N; m++)
		if (strlen(metrics_names[m]) == len &&
		    memcmp(key, metrics_names[m], len) == 0)
			return &r->m[m];
	return NULL;
}

/*
 * simrun's step lines, most of the input, are flat objects of numbers:
 * this reads them without building jansson objects.  It returns -1,
 * having taken nothing, for any line it does not recognise, which then
 * goes to jansson and its checks and messages.
 */
static int
fast_step(struct runset *a, const char *buf, size_t len, const struct runset_where *at)
{
	static const char head[] = "{\"event\":\"step\"";
	struct step_row tmp = { 0 }, *row;
	double id = NAN, step = NAN;
	const char *p = buf + sizeof(head) - 1, *grid = NULL;
	size_t grid_len = 0;
	int rc;

	if (strncmp(buf, head, sizeof(head) - 1) != 0)
		return -1;
	tmp.moves = tmp.decisions = NAN;
	for (int m = 0; m < METRICS_N; m++)
		tmp.m[m] = NAN;
	while (*p == ',') {
		const char *key, *close, *end;
		int integral;
		double *field, v;

		/* p[1] first: after a ',' at the very end, p + 2 is past it */
		if (p[1] != '"')
			return -1;
		key = p + 2;
		close = strchr(key, '"');
		if (close == NULL || close[1] != ':' ||
		    memchr(key, '\\', (size_t)(close - key)) != NULL)
			return -1;
		/* simrun --frames: "grid" and a string of '.', 'A' and 'B' */
		if ((size_t)(close - key) == 4 && memcmp(key, "grid", 4) == 0 &&
		    close[2] == '"' && grid == NULL) {
			grid = close + 3;
			grid_len = strspn(grid, ".AB");
			if (grid[grid_len] != '"')
				return -1;
			p = grid + grid_len + 1;
			continue;
		}
		if ((end = scan_number(close + 2, &integral)) == NULL)
			return -1;
		v = strtod(close + 2, NULL);
		if ((size_t)(close - key) == 6 && memcmp(key, "run_id", 6) == 0)
			id = integral ? v : NAN;
		else if ((size_t)(close - key) == 4 && memcmp(key, "step", 4) == 0)
			step = integral ? v : NAN;
		else if ((field = step_field(&tmp, key, (size_t)(close - key))))
			*field = v;
		p = end;
	}
	if (*p != '}' || !is_blank(p + 1, len - (size_t)(p + 1 - buf)) || isnan(id) ||
	    isnan(step) || fabs(id) > 9e15 || fabs(step) > 9e15)
		return -1;
	if ((rc = new_step_row(a, (long long)id, (long long)step, at, &row)))
		return rc;
	tmp.run_id = row->run_id;
	tmp.step = row->step;
	tmp.run = row->run;
	tmp.seq = row->seq;
	if (grid != NULL && (a->keep_grids & RUNSET_GRIDS_FRAMES)) {
		if ((tmp.grid = strndup(grid, grid_len)) == NULL) {
			a->nsteps--;
			return msg_oom(at->prog, OOM_HINT);
		}
	}
	*row = tmp;
	return 0;
}

/* The first value seen, and the first one that differs from it. */
static void
note_server(char seen[2][128], const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	if (seen[0][0] == '\0')
		snprintf(seen[0], sizeof(seen[0]), "%s", value);
	else if (seen[1][0] == '\0' && strcmp(seen[0], value) != 0)
		snprintf(seen[1], sizeof(seen[1]), "%s", value);
}

static int
take_end(struct runset *a, json_t *o, const struct runset_where *at)
{
	json_t *conv = json_object_get(o, "converged");
	struct run *r;
	long long id = 0;
	size_t i;
	int rc;

	if ((rc = get_run_id(o, "end", at, &id)) != 0 ||
	    (rc = run_for(a, id, 0, at, &i)) != 0)
		return rc;
	r = &a->runs[i];
	r->has_end = 1;
	if ((a->keep_grids & RUNSET_GRIDS_ENDS) &&
	    (rc = get_string(o, "grid", &r->grid_final, at)) != 0)
		return rc;
	if ((rc = get_string(o, "reason", &r->reason, at)) != 0)
		return rc;
	if (conv != NULL && !json_is_null(conv) && !json_is_boolean(conv))
		return data_error(at, "\"converged\" is %s, not a boolean",
		    json_kind(conv));
	r->converged = json_is_true(conv);
	if ((rc = get_string(o, "status", &r->status, at)) != 0)
		return rc;
	if (r->status == NULL)
		return data_error(at, "end line without a \"status\" string");
	if ((rc = get_string(o, "stop_reason", &r->stop_reason, at)) != 0 ||
	    (rc = get_number(o, "convergence_step", &r->convergence_step,
	    at)) != 0 ||
	    (rc = get_number(o, "final_step", &r->final_step, at)) != 0 ||
	    (rc = get_number(o, "n_steps", &r->n_steps, at)) != 0 ||
	    (rc = get_number(o, "llm_calls", &r->llm_calls, at)) != 0 ||
	    (rc = get_number(o, "avg_llm_response_time_s", &r->llm_time,
	    at)) != 0 ||
	    (rc = get_number(o, "parse_failures", &r->parse_failures,
	    at)) != 0 ||
	    (rc = get_number(o, "retries", &r->retries, at)) != 0)
		return rc;
	note_server(a->served, json_string_value(json_object_get(o,
	    "served_model")));
	note_server(a->fingerprint, json_string_value(json_object_get(o,
	    "system_fingerprint")));
	return get_metrics_object(o, "metrics", r->final, at);
}

/* Lines of other events (decision, ...) are someone else's business. */
static int
take_line(struct runset *a, const char *buf, size_t len, const struct runset_where *at)
{
	json_error_t err;
	const char *event;
	json_t *o;
	int rc = 0;

	if (is_blank(buf, len))
		return 0;
	if (a->skip_steps && strncmp(buf, "{\"event\":\"step\"", 15) == 0)
		return 0;
	if (buf[len] == '\0' && (rc = fast_step(a, buf, len, at)) != -1)
		return rc;
	rc = 0;
	if ((o = json_loadb(buf, len, JSON_DECODE_ANY, &err)) == NULL)
		return data_error(at, "not JSON (%s)", err.text);
	if (!json_is_object(o))
		rc = data_error(at, "%s, not a JSON object", json_kind(o));
	else if ((event = json_string_value(json_object_get(o, "event")))
	    == NULL)
		rc = data_error(at, "no \"event\" string");
	else if (strcmp(event, "start") == 0)
		rc = take_start(a, o, at);
	else if (strcmp(event, "step") == 0)
		rc = take_step(a, o, at);
	else if (strcmp(event, "end") == 0)
		rc = take_end(a, o, at);
	json_decref(o);
	return rc;
}

/*
 * Lines of at most max bytes, read in blocks: getline would grow without
 * bound on input without newlines (/dev/zero).  Each line is given
 * without its newline and NUL-terminated; 1 a line, 0 the end, -1 a line
 * over the cap or out of memory (errno ENOMEM), -2 a read error.
 */
struct line_reader {
	FILE *f;
	char *buf;
	size_t cap, start, end, max;
	int eof;
};

static int
next_line(struct line_reader *r, char **line, size_t *len)
{
	for (;;) {
		char *nl = r->end > r->start ? memchr(r->buf + r->start, '\n',
		    r->end - r->start) : NULL;
		size_t got;

		if (nl != NULL || (r->eof && r->end > r->start)) {
			if (nl == NULL)
				nl = r->buf + r->end;
			*nl = '\0';
			*line = r->buf + r->start;
			*len = (size_t)(nl - *line);
			r->start = nl == r->buf + r->end ? r->end :
			    (size_t)(nl - r->buf) + 1;
			return 1;
		}
		if (r->eof)
			return 0;
		if (r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		if (r->end == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 1 << 16;
			char *q;

			if (r->cap > r->max)
				return -1;     /* a line longer than max */
			if (cap > r->max + 1)
				cap = r->max + 1;
			if ((q = realloc(r->buf, cap + 1)) == NULL) {
				errno = ENOMEM;
				return -1;
			}
			r->buf = q;
			r->cap = cap;
		}
		got = fread(r->buf + r->end, 1, r->cap - r->end, r->f);
		r->end += got;
		if (got == 0) {
			if (ferror(r->f))
				return -2;
			r->eof = 1;
		}
	}
}

int
runset_read_stream(struct runset *a, FILE *f, const char *name)
{
	struct runset_where at = { a->prog, name, 0 };
	struct line_reader r = { f, NULL, 0, 0, 0, a->max_line_bytes ?
	    a->max_line_bytes : RUNSET_MAX_LINE_DEFAULT, 0 };
	char *line;
	size_t len;
	int rc = 0, got;

	errno = 0;
	while (rc == 0 && (got = next_line(&r, &line, &len)) == 1) {
		at.line++;
		rc = take_line(a, line, len, &at);
	}
	if (rc == 0 && got == -1 && errno == ENOMEM)
		rc = msg_oom(a->prog, OOM_HINT);
	else if (rc == 0 && got == -1) {
		at.line++;
		rc = data_error(&at, "a line longer than %zu bytes, the cap "
		    "(--max-line-bytes raises it)", r.max);
	} else if (rc == 0 && got == -2) {
		fprintf(stderr, "%s: reading %s: %s; check that it is a "
		    "readable file\n", a->prog, name, strerror(errno));
		rc = EX_NOINPUT;
	}
	free(r.buf);
	return rc;
}

int
runset_read_file(struct runset *a, const char *path)
{
	static char buf[1 << 16];
	FILE *f;
	int rc;

	if (strcmp(path, "-") == 0)
		return runset_read_stream(a, stdin, "stdin");
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "%s: cannot open %s: %s; check the path\n",
		    a->prog, path, strerror(errno));
		return EX_NOINPUT;
	}
	setvbuf(f, buf, _IOFBF, sizeof(buf));
	rc = runset_read_stream(a, f, path);
	fclose(f);
	return rc;
}

void
runset_free(struct runset *a)
{
	for (size_t i = 0; i < a->nruns; i++) {
		struct run *r = &a->runs[i];

		free(r->agent);
		free(r->scenario);
		free(r->llm_model);
		free(r->status);
		free(r->stop_reason);
		free(r->grid_initial);
		free(r->grid_final);
		free(r->reason);
		free(r->params);
	}
	for (size_t i = 0; i < a->nsteps; i++)
		free(a->steps[i].grid);
	free(a->runs);
	free(a->steps);
	free(a->slot);
}

void
runset_warn_duplicates(const struct runset *a)
{
	if (a->ndup == 1)
		fprintf(stderr, "%s: warning: run %lld starts again at "
		    "%s:%zu; the later run replaces the earlier one\n",
		    a->prog, a->dup_id, a->dup_at.file, a->dup_at.line);
	else if (a->ndup > 1)
		fprintf(stderr, "%s: warning: %zu start lines repeat a run id "
		    "(the first: run %lld at %s:%zu); each later run replaces "
		    "the earlier one\n", a->prog, a->ndup, a->dup_id, a->dup_at.file,
		    a->dup_at.line);
}

static int
cmp_ll(long long x, long long y)
{
	return (x > y) - (x < y);
}

static int
cmp_run(const void *x, const void *y)
{
	const struct run *const *a = x, *const *b = y;

	return cmp_ll((*a)->id, (*b)->id);
}

static int
cmp_step(const void *x, const void *y)
{
	const struct step_row *a = x, *b = y;
	int c;

	if ((c = cmp_ll(a->run_id, b->run_id)) != 0 ||
	    (c = cmp_ll(a->step, b->step)) != 0)
		return c;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

int
run_is_ok(const struct run *r)
{
	return r->has_end && strcmp(r->status, "ok") == 0;
}


int
runset_sort(struct runset *a, struct run ***runs, size_t *nruns)
{
	struct runset_where at = { a->prog, "", 0 };
	struct run **r;
	size_t n = 0, kept = 0;

	*runs = NULL;
	*nruns = 0;
	if (a->nruns == 0)
		return 0;
	if ((r = calloc(a->nruns, sizeof(*r))) == NULL)
		return msg_oom(at.prog, OOM_HINT);
	for (size_t i = 0; i < a->nruns; i++)
		if (!a->runs[i].replaced)
			r[n++] = &a->runs[i];
	qsort(r, n, sizeof(*r), cmp_run);
	for (size_t i = 0; i < a->nsteps; i++)
		if (!a->runs[a->steps[i].run].replaced)
			a->steps[kept++] = a->steps[i];
		else
			free(a->steps[i].grid);
	if (kept > 0)
		qsort(a->steps, kept, sizeof(*a->steps), cmp_step);
	a->nsteps = kept;
	*runs = r;
	*nruns = n;
	return 0;
}

/* The first key whose values differ in x and y (one may lack it). */
static void
first_difference(json_t *x, json_t *y, char *key, size_t keylen)
{
	const char *k;
	json_t *v;

	json_object_foreach(x, k, v) {
		if (!json_equal(v, json_object_get(y, k))) {
			snprintf(key, keylen, "%s", k);
			return;
		}
	}
	json_object_foreach(y, k, v) {
		if (json_object_get(x, k) == NULL) {
			snprintf(key, keylen, "%s", k);
			return;
		}
	}
}

int
runset_params_differ(const struct run *x, const struct run *y, char *key,
    size_t keylen)
{
	json_t *jx, *jy;

	if (x->params == NULL || y->params == NULL ||
	    strcmp(x->params, y->params) == 0)
		return 0;
	snprintf(key, keylen, "?");
	jx = json_loads(x->params, 0, NULL);
	jy = json_loads(y->params, 0, NULL);
	if (jx != NULL && jy != NULL)
		first_difference(jx, jy, key, keylen);
	json_decref(jx);
	json_decref(jy);
	return 1;
}

int
runset_find_mixed(struct run *const *runs, size_t n, size_t *i, size_t *j,
    char *key, size_t keylen)
{
	size_t first = n;

	for (size_t k = 0; k < n; k++) {
		if (runs[k]->params == NULL)
			continue;
		if (first == n) {
			first = k;
		} else if (runset_params_differ(runs[first], runs[k], key,
		    keylen)) {
			*i = first;
			*j = k;
			return 1;
		}
	}
	return 0;
}

/* The value of key in a run's parameters as JSON text, or "absent". */
int
runset_param_text(const struct run *r, const char *key, char *out,
    size_t outlen)
{
	json_t *p = r->params ? json_loads(r->params, 0, NULL) : NULL;
	json_t *v = p ? json_object_get(p, key) : NULL;
	char *t = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

	snprintf(out, outlen, "%s", t ? t : "absent");
	free(t);
	json_decref(p);
	return v != NULL;
}
