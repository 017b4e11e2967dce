/*
 * simagg: aggregate the JSON Lines of simrun runs into summary.json,
 * run_summary.csv and metrics_history.csv, and print a short summary.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>

#include "io/jsonw.h"
#include "stats/stats.h"

#define PROG "simagg"
#define N_METRICS 7
#define N_OUTPUTS 3

static const char *const metric_names[N_METRICS] = {
	"clusters", "switch_rate", "distance", "mix_deviation", "share",
	"ghetto_rate", "dissimilarity_index",
};

/* run_summary.csv puts the dissimilarity index first. */
static const int csv_metric_order[N_METRICS] = { 6, 0, 1, 2, 3, 4, 5 };

static const char runs_header[] =
    "run_id,scenario,converged,convergence_step,dissimilarity_index,"
    "clusters,switch_rate,distance,mix_deviation,share,ghetto_rate,"
    "initial_dissimilarity_index,initial_clusters,initial_switch_rate,"
    "initial_distance,initial_mix_deviation,initial_share,"
    "initial_ghetto_rate,final_step,n_steps,stop_reason,status,experiment,"
    "agent,llm_model,llm_calls,avg_llm_response_time_s,metrics_source\n";

static const char history_header[] =
    "clusters,switch_rate,distance,mix_deviation,share,ghetto_rate,"
    "dissimilarity_index,step,run_id,moves,decisions\n";

enum {
	OPT_OUTPUT_DIR = 256,
	OPT_NO_FILES,
	OPT_EXPERIMENT
};

struct options {
	const char *dir;
	const char *experiment;    /* NULL: none given */
	int files;
};

/* Where a line came from, for messages. */
struct where {
	const char *file;
	size_t line;
};

/* One run as read; a number the input leaves out (or null) is NAN. */
struct run {
	long long id;
	int has_start, has_end;
	int replaced;              /* a later start line of its id won */
	int converged;
	char *agent, *scenario, *llm_model, *status, *stop_reason;
	double initial[N_METRICS], final[N_METRICS];
	double convergence_step, final_step, n_steps;
	double llm_calls, llm_time, parse_failures, retries;
};

struct step_row {
	long long run_id, step;
	size_t run, seq;           /* index in runs[], place in the input */
	double moves, decisions, m[N_METRICS];
};

struct agg {
	struct run *runs;
	size_t nruns, runs_cap;
	struct step_row *steps;
	size_t nsteps, steps_cap;
	size_t *slot;              /* run id -> runs[] index + 1; 0 is free */
	size_t slot_cap, nslots;
	size_t last;               /* the run of the previous line */
	size_t ndup;               /* start lines of an id already started */
	long long dup_id;
	struct where dup_at;
	/* what the LLM server said about itself, first seen and changed */
	char served[2][128], fingerprint[2][128];
};

struct summary {
	size_t runs, ok, converged, failed, incomplete;
	struct stats convergence_step, n_steps, llm_calls, llm_time;
	struct stats final[N_METRICS], initial[N_METRICS];
	double parse_failures, retries;
};

/*
 * Texts of numbers already written, by the double's bits: metrics repeat
 * (a run's last steps, common fractions), and formatting is the slow part.
 */
#define NUMCACHE_BITS 16

struct numcache {
	uint64_t bits;
	unsigned char len;         /* 0: empty */
	char text[31];
};

struct report {
	const struct options *opt;
	struct run **runs;         /* by run id */
	size_t nruns;
	const struct step_row *steps;   /* by run id, then step */
	size_t nsteps;
	struct summary sum;
	struct numcache *cache;    /* NULL: none */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " [--output-dir DIR] [--no-files] [--experiment NAME] "
	    "[FILE...]\n"
	    "\n"
	    "Aggregates the JSON Lines of simrun runs, read from the FILEs (or\n"
	    "stdin when there are none or FILE is -), into summary.json,\n"
	    "run_summary.csv and metrics_history.csv, and prints a summary.\n"
	    "\n"
	    "  --output-dir DIR     where the files go (default .; made if missing)\n"
	    "  --no-files           write no file, print the summary only\n"
	    "  --experiment NAME    name the experiment in the files and summary\n"
	    "  -h, --help           print this help and exit\n"
	    "  -V, --version        print the version and exit\n"
	    "\n"
	    "Exit 0 when every run is ok, 75 when some failed or are incomplete,\n"
	    "65 for input that is not simrun's JSON Lines or holds no run.\n");
}

static int
usage_error(const char *what, const char *arg)
{
	fprintf(stderr, PROG ": %s%s%s; see " PROG " --help\n", what,
	    arg ? " " : "", arg ? arg : "");
	return EX_USAGE;
}

static int
oom(void)
{
	fprintf(stderr, PROG ": out of memory; aggregate fewer runs at once\n");
	return EX_OSERR;
}

/* Returns -1 when --help or --version was served, else an exit code. */
static int
parse_args(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{ "output-dir", required_argument, NULL, OPT_OUTPUT_DIR },
		{ "no-files", no_argument, NULL, OPT_NO_FILES },
		{ "experiment", required_argument, NULL, OPT_EXPERIMENT },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return -1;
		case 'V':
			printf(PROG " " SIM_VERSION "\n");
			return -1;
		case OPT_OUTPUT_DIR:
			if (*optarg == '\0')
				return usage_error("--output-dir wants a "
				    "directory, not an empty string", NULL);
			o->dir = optarg;
			break;
		case OPT_NO_FILES:
			o->files = 0;
			break;
		case OPT_EXPERIMENT:
			o->experiment = optarg;
			break;
		case ':':
			return usage_error("missing value for", argv[optind - 1]);
		default:
			return usage_error("unknown option", argv[optind - 1]);
		}
	}
	return 0;
}

__attribute__((format(printf, 2, 3)))
static int
data_error(const struct where *at, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": %s:%zu: ", at->file, at->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; give " PROG " the JSON Lines that simrun prints\n");
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
slot_of(struct agg *a, long long id)
{
	uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ULL;
	size_t mask = a->slot_cap - 1, i = (size_t)(h ^ h >> 32) & mask;

	while (a->slot[i] != 0 && a->runs[a->slot[i] - 1].id != id)
		i = (i + 1) & mask;
	return &a->slot[i];
}

static int
rehash(struct agg *a)
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
new_run(struct agg *a, long long id, size_t *idx)
{
	struct run *p, *r;

	if ((p = grow(a->runs, &a->runs_cap, a->nruns, sizeof(*p))) == NULL)
		return -1;
	a->runs = p;
	r = &p[a->nruns];
	memset(r, 0, sizeof(*r));
	r->id = id;
	for (int m = 0; m < N_METRICS; m++)
		r->initial[m] = r->final[m] = NAN;
	r->convergence_step = r->final_step = r->n_steps = NAN;
	r->llm_calls = r->llm_time = r->parse_failures = r->retries = NAN;
	*idx = a->nruns++;
	return 0;
}

static void
note_duplicate(struct agg *a, long long id, const struct where *at)
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
run_for(struct agg *a, long long id, int start, const struct where *at,
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
		return oom();
	s = slot_of(a, id);
	if (*s != 0 && !(start && a->runs[*s - 1].has_start)) {
		*idx = a->last = *s - 1;
		return 0;
	}
	if (new_run(a, id, idx) != 0)
		return oom();
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
get_run_id(json_t *o, const char *event, const struct where *at,
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
get_number(json_t *o, const char *key, double *out, const struct where *at)
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
get_string(json_t *o, const char *key, char **out, const struct where *at)
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
		return oom();
	return 0;
}

static int
get_metrics(json_t *o, double *m, const struct where *at)
{
	int rc = 0;

	for (int i = 0; i < N_METRICS && rc == 0; i++)
		rc = get_number(o, metric_names[i], &m[i], at);
	return rc;
}

static int
get_metrics_object(json_t *o, const char *key, double *m,
    const struct where *at)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v)) {
		for (int i = 0; i < N_METRICS; i++)
			m[i] = NAN;
		return 0;
	}
	if (!json_is_object(v))
		return data_error(at, "\"%s\" is %s, not an object of metrics",
		    key, json_kind(v));
	return get_metrics(v, m, at);
}

static int
take_start(struct agg *a, json_t *o, const struct where *at)
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
	if ((rc = get_string(o, "agent", &r->agent, at)) != 0 ||
	    (rc = get_string(o, "scenario", &r->scenario, at)) != 0 ||
	    (rc = get_string(o, "llm_model", &r->llm_model, at)) != 0)
		return rc;
	return get_metrics_object(o, "initial", r->initial, at);
}

/* A new row for step `step` of run `id`, in input order. */
static int
new_step_row(struct agg *a, long long id, long long step,
    const struct where *at, struct step_row **row)
{
	struct step_row *p;
	size_t i;
	int rc;

	if ((rc = run_for(a, id, 0, at, &i)) != 0)
		return rc;
	p = grow(a->steps, &a->steps_cap, a->nsteps, sizeof(*p));
	if (p == NULL)
		return oom();
	a->steps = p;
	*row = &p[a->nsteps];
	(*row)->run_id = id;
	(*row)->step = step;
	(*row)->run = i;
	(*row)->seq = a->nsteps++;
	return 0;
}

static int
take_step(struct agg *a, json_t *o, const struct where *at)
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
	for (int m = 0; m < N_METRICS; m++)
		if (strlen(metric_names[m]) == len &&
		    memcmp(key, metric_names[m], len) == 0)
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
fast_step(struct agg *a, const char *buf, size_t len, const struct where *at)
{
	static const char head[] = "{\"event\":\"step\"";
	struct step_row tmp = { 0 }, *row;
	double id = NAN, step = NAN;
	const char *p = buf + sizeof(head) - 1;
	int rc;

	if (strncmp(buf, head, sizeof(head) - 1) != 0)
		return -1;
	tmp.moves = tmp.decisions = NAN;
	for (int m = 0; m < N_METRICS; m++)
		tmp.m[m] = NAN;
	while (*p == ',') {
		const char *key = p + 2, *close = strchr(key, '"'), *end;
		int integral;
		double *field, v;

		if (p[1] != '"' || close == NULL || close[1] != ':' ||
		    memchr(key, '\\', (size_t)(close - key)) != NULL ||
		    (end = scan_number(close + 2, &integral)) == NULL)
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
take_end(struct agg *a, json_t *o, const struct where *at)
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
take_line(struct agg *a, const char *buf, size_t len, const struct where *at)
{
	json_error_t err;
	const char *event;
	json_t *o;
	int rc = 0;

	if (is_blank(buf, len))
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

static int
read_stream(struct agg *a, FILE *f, const char *name)
{
	struct where at = { name, 0 };
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = 0;

	while (rc == 0 && (len = getline(&line, &cap, f)) != -1) {
		at.line++;
		rc = take_line(a, line, (size_t)len, &at);
	}
	if (rc == 0 && ferror(f)) {
		fprintf(stderr, PROG ": reading %s: %s; check that it is a "
		    "readable file\n", name, strerror(errno));
		rc = EX_NOINPUT;
	}
	free(line);
	return rc;
}

static int
read_file(struct agg *a, const char *path)
{
	static char buf[1 << 16];
	FILE *f;
	int rc;

	if (strcmp(path, "-") == 0)
		return read_stream(a, stdin, "stdin");
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, PROG ": cannot open %s: %s; check the path\n",
		    path, strerror(errno));
		return EX_NOINPUT;
	}
	setvbuf(f, buf, _IOFBF, sizeof(buf));
	rc = read_stream(a, f, path);
	fclose(f);
	return rc;
}

static void
agg_free(struct agg *a)
{
	for (size_t i = 0; i < a->nruns; i++) {
		struct run *r = &a->runs[i];

		free(r->agent);
		free(r->scenario);
		free(r->llm_model);
		free(r->status);
		free(r->stop_reason);
	}
	free(a->runs);
	free(a->steps);
	free(a->slot);
}

static void
warn_duplicates(const struct agg *a)
{
	if (a->ndup == 1)
		fprintf(stderr, PROG ": warning: run %lld starts again at "
		    "%s:%zu; the later run replaces the earlier one\n",
		    a->dup_id, a->dup_at.file, a->dup_at.line);
	else if (a->ndup > 1)
		fprintf(stderr, PROG ": warning: %zu start lines repeat a run id "
		    "(the first: run %lld at %s:%zu); each later run replaces "
		    "the earlier one\n", a->ndup, a->dup_id, a->dup_at.file,
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

static int
is_ok(const struct run *r)
{
	return r->has_end && strcmp(r->status, "ok") == 0;
}

/* x has room for one value per run. */
static void
summarize(const struct report *rep, double *x, struct summary *s)
{
	struct run *const *runs = rep->runs;
	size_t n = rep->nruns;

	memset(s, 0, sizeof(*s));
	s->runs = n;
	for (size_t i = 0; i < n; i++) {
		s->ok += is_ok(runs[i]);
		s->converged += runs[i]->converged;
		s->failed += runs[i]->has_end && !is_ok(runs[i]);
		s->incomplete += !runs[i]->has_end;
	}
	for (int m = 0; m < N_METRICS; m++) {
		for (size_t i = 0; i < n; i++)
			x[i] = is_ok(runs[i]) ? runs[i]->final[m] : NAN;
		stats_compute(x, n, &s->final[m]);
		for (size_t i = 0; i < n; i++)
			x[i] = runs[i]->initial[m];
		stats_compute(x, n, &s->initial[m]);
	}
	for (size_t i = 0; i < n; i++)
		x[i] = runs[i]->converged ? runs[i]->convergence_step : NAN;
	stats_compute(x, n, &s->convergence_step);
	for (size_t i = 0; i < n; i++)
		x[i] = is_ok(runs[i]) ? runs[i]->n_steps : NAN;
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

/*
 * The runs in run id order, their step lines in (run id, step) order, and
 * the summary.  The report points into agg, which must outlive it.
 */
static int
make_report(struct agg *a, const struct options *o, struct report *rep)
{
	double *x;
	size_t n = 0, kept = 0;

	memset(rep, 0, sizeof(*rep));
	rep->opt = o;
	if ((rep->runs = calloc(a->nruns, sizeof(*rep->runs))) == NULL ||
	    (x = calloc(a->nruns, sizeof(*x))) == NULL) {
		free(rep->runs);
		return oom();
	}
	for (size_t i = 0; i < a->nruns; i++)
		if (!a->runs[i].replaced)
			rep->runs[n++] = &a->runs[i];
	qsort(rep->runs, n, sizeof(*rep->runs), cmp_run);
	rep->nruns = n;
	for (size_t i = 0; i < a->nsteps; i++)
		if (!a->runs[a->steps[i].run].replaced)
			a->steps[kept++] = a->steps[i];
	qsort(a->steps, kept, sizeof(*a->steps), cmp_step);
	rep->steps = a->steps;
	rep->nsteps = kept;
	summarize(rep, x, &rep->sum);
	free(x);
	return 0;
}

static void
put_stats(struct jw *w, const char *key, const struct stats *s)
{
	jw_key(w, key);
	jw_object_begin(w);
	jw_kv_int(w, "n", (long long)s->n);
	/* jw_double writes null for NAN, the value of what is undefined */
	jw_kv_double(w, "mean", s->mean);
	jw_kv_double(w, "sd", s->sd);
	jw_key(w, "ci95");
	if (s->n < 2) {
		jw_null(w);
	} else {
		jw_array_begin(w);
		jw_double(w, s->ci_lo);
		jw_double(w, s->ci_hi);
		jw_array_end(w);
	}
	jw_kv_double(w, "min", s->min);
	jw_kv_double(w, "max", s->max);
	jw_object_end(w);
}

static void
put_metric_stats(struct jw *w, const char *key, const struct stats *s)
{
	jw_key(w, key);
	jw_object_begin(w);
	for (int m = 0; m < N_METRICS; m++)
		put_stats(w, metric_names[m], &s[m]);
	jw_object_end(w);
}

static int
write_summary(FILE *f, const struct report *rep)
{
	const struct summary *s = &rep->sum;
	struct jw w;
	int rc;

	jw_init(&w);
	jw_object_begin(&w);
	jw_key(&w, "experiment");
	if (rep->opt->experiment != NULL)
		jw_string(&w, rep->opt->experiment);
	else
		jw_null(&w);
	jw_kv_string(&w, "version", SIM_VERSION);
	jw_kv_int(&w, "runs", (long long)s->runs);
	jw_kv_int(&w, "ok", (long long)s->ok);
	jw_kv_int(&w, "converged", (long long)s->converged);
	jw_kv_int(&w, "failed", (long long)s->failed);
	jw_kv_int(&w, "incomplete", (long long)s->incomplete);
	put_stats(&w, "convergence_step", &s->convergence_step);
	put_metric_stats(&w, "final", s->final);
	put_metric_stats(&w, "initial", s->initial);
	put_stats(&w, "n_steps", &s->n_steps);
	if (s->llm_calls.n > 0) {
		put_stats(&w, "llm_calls", &s->llm_calls);
		put_stats(&w, "avg_llm_response_time_s", &s->llm_time);
		jw_kv_double(&w, "parse_failures", s->parse_failures);
		jw_kv_double(&w, "retries", s->retries);
	}
	jw_object_end(&w);
	rc = jw_write_line(&w, f);
	jw_free(&w);
	return rc;
}

static uint64_t
double_bits(double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	return u;
}

/*
 * jw_format_double's text; integers, half the columns, without its printf
 * and strtod round trips.
 */
static size_t
format_number(double v, char *b, size_t size, struct numcache *cache)
{
	char digits[24], *p = digits + sizeof(digits);
	uint64_t bits = double_bits(v);
	struct numcache *c = NULL;
	unsigned long long u;
	size_t n;

	if (fabs(v) < 1e15 && v == floor(v) && !(v == 0 && signbit(v))) {
		u = (unsigned long long)fabs(v);
		do
			*--p = (char)('0' + u % 10);
		while ((u /= 10) > 0);
		if (v < 0)
			*--p = '-';
		n = (size_t)(digits + sizeof(digits) - p);
		memcpy(b, p, n);
		return n;
	}
	if (cache != NULL) {
		c = &cache[(bits * 0x9e3779b97f4a7c15ULL) >>
		    (64 - NUMCACHE_BITS)];
		if (c->len > 0 && c->bits == bits) {
			memcpy(b, c->text, c->len);
			return c->len;
		}
	}
	n = (size_t)jw_format_double(v, b, size);
	if (c != NULL && n < sizeof(c->text)) {
		c->bits = bits;
		c->len = (unsigned char)n;
		memcpy(c->text, b, n);
	}
	return n;
}

/* An empty cell for a missing number. */
static void
csv_number(FILE *f, double v, struct numcache *cache)
{
	char b[40];

	if (!isnan(v))
		fwrite(b, 1, format_number(v, b, sizeof(b), cache), f);
}

/* RFC 4180: quoted, with quotes doubled, when it holds , " CR or LF. */
static void
csv_text(FILE *f, const char *s)
{
	if (s == NULL)
		return;
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	putc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putc('"', f);
		putc(*s, f);
	}
	putc('"', f);
}

static const char *
stop_reason(const struct run *r)
{
	if (!r->has_end)
		return "incomplete";
	if (r->stop_reason != NULL)
		return r->stop_reason;
	if (!is_ok(r))
		return "failed";
	return r->converged ? "converged" : "max_steps";
}

static void
put_run_row(FILE *f, const struct run *r, const struct report *rep)
{
	fprintf(f, "%lld,", r->id);
	csv_text(f, r->scenario);
	fputs(r->converged ? ",True," : ",False,", f);
	csv_number(f, r->converged ? r->convergence_step : NAN, rep->cache);
	for (int i = 0; i < N_METRICS; i++) {
		putc(',', f);
		csv_number(f, r->final[csv_metric_order[i]], rep->cache);
	}
	for (int i = 0; i < N_METRICS; i++) {
		putc(',', f);
		csv_number(f, r->initial[csv_metric_order[i]], rep->cache);
	}
	putc(',', f);
	csv_number(f, r->final_step, rep->cache);
	putc(',', f);
	csv_number(f, r->n_steps, rep->cache);
	putc(',', f);
	csv_text(f, stop_reason(r));
	putc(',', f);
	csv_text(f, r->has_end ? r->status : "incomplete");
	putc(',', f);
	csv_text(f, rep->opt->experiment);
	putc(',', f);
	csv_text(f, r->agent);
	putc(',', f);
	csv_text(f, r->llm_model);
	putc(',', f);
	csv_number(f, r->llm_calls, rep->cache);
	putc(',', f);
	csv_number(f, r->llm_time, rep->cache);
	fputs(",live\n", f);
}

static int
write_runs(FILE *f, const struct report *rep)
{
	fputs(runs_header, f);
	for (size_t i = 0; i < rep->nruns; i++)
		put_run_row(f, rep->runs[i], rep);
	return 0;
}

static int
write_history(FILE *f, const struct report *rep)
{
	fputs(history_header, f);
	for (size_t i = 0; i < rep->nsteps; i++) {
		const struct step_row *s = &rep->steps[i];

		for (int m = 0; m < N_METRICS; m++) {
			csv_number(f, s->m[m], rep->cache);
			putc(',', f);
		}
		fprintf(f, "%lld,%lld,", s->step, s->run_id);
		csv_number(f, s->moves, rep->cache);
		putc(',', f);
		csv_number(f, s->decisions, rep->cache);
		putc('\n', f);
	}
	return 0;
}

static const struct output {
	const char *name;
	int (*write)(FILE *, const struct report *);
} outputs[N_OUTPUTS] = {
	{ "summary.json", write_summary },
	{ "run_summary.csv", write_runs },
	{ "metrics_history.csv", write_history },
};

static int
cant_create(const char *path)
{
	fprintf(stderr, PROG ": cannot write %s: %s; check that the directory "
	    "is writable and has room, or choose another --output-dir\n",
	    path, strerror(errno));
	return EX_CANTCREAT;
}

/* mkdir -p */
static int
make_dir(const char *dir)
{
	char *s = strdup(dir);
	int rc = 0, e = 0;

	if (s == NULL)
		return -1;
	for (char *p = s + 1; *p != '\0' && rc == 0; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(s, 0777) != 0 && errno != EEXIST)
			rc = -1, e = errno;
		*p = '/';
	}
	if (rc == 0 && mkdir(s, 0777) != 0 && errno != EEXIST)
		rc = -1, e = errno;
	free(s);
	errno = e;
	return rc;
}

static char *
join(const char *dir, const char *name, const char *suffix)
{
	size_t n = strlen(dir) + strlen(name) + strlen(suffix) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s%s", dir, name, suffix);
	return p;
}

static int
write_one(const char *tmp, const struct output *out, const struct report *rep)
{
	static char buf[1 << 16];
	FILE *f = fopen(tmp, "w");
	int failed, e;

	if (f == NULL)
		return cant_create(tmp);
	setvbuf(f, buf, _IOFBF, sizeof(buf));
	failed = out->write(f, rep) != 0 || ferror(f);
	e = errno;
	if (fclose(f) != 0 || failed) {
		if (failed)
			errno = e;
		e = errno;
		unlink(tmp);
		errno = e;
		return cant_create(tmp);
	}
	return 0;
}

/*
 * Each file is written as NAME.tmp and renamed only once all three are
 * complete, so that a file under its own name is always whole.
 */
static int
write_outputs(const struct report *rep, const char *dir)
{
	char *tmp[N_OUTPUTS] = { NULL }, *path[N_OUTPUTS] = { NULL };
	int rc = 0;

	if (make_dir(dir) != 0) {
		fprintf(stderr, PROG ": cannot make the directory %s: %s; "
		    "choose another --output-dir\n", dir, strerror(errno));
		return EX_CANTCREAT;
	}
	for (int i = 0; i < N_OUTPUTS && rc == 0; i++) {
		if ((path[i] = join(dir, outputs[i].name, "")) == NULL ||
		    (tmp[i] = join(dir, outputs[i].name, ".tmp")) == NULL)
			rc = oom();
		else
			rc = write_one(tmp[i], &outputs[i], rep);
	}
	for (int i = 0; i < N_OUTPUTS && rc == 0; i++)
		if (rename(tmp[i], path[i]) != 0)
			rc = cant_create(path[i]);
	for (int i = 0; i < N_OUTPUTS; i++) {
		if (rc != 0 && tmp[i] != NULL)
			unlink(tmp[i]);
		free(tmp[i]);
		free(path[i]);
	}
	return rc;
}

static void
print_summary(const struct report *rep)
{
	const struct options *o = rep->opt;
	const struct summary *s = &rep->sum;

	if (o->files)
		printf("Experiment completed. Results saved to: %s\n",
		    o->experiment != NULL ? o->experiment : o->dir);
	else
		printf("Experiment summary:\n");
	printf("Total runs: %zu\nConverged runs: %zu\n", s->runs, s->converged);
	if (s->failed > 0)
		printf("Failed runs: %zu\n", s->failed);
	if (s->incomplete > 0)
		printf("Incomplete runs: %zu\n", s->incomplete);
	if (s->convergence_step.n > 0)
		printf("Average convergence step: %.2f\n",
		    s->convergence_step.mean);
	if (s->llm_calls.n > 0)
		printf("Average LLM calls per run: %.1f\n", s->llm_calls.mean);
	if (s->llm_time.n > 0)
		printf("Average LLM response time: %.3fs\n", s->llm_time.mean);
}

static int
read_inputs(struct agg *a, int n, char **files)
{
	int rc = 0;

	if (n == 0)
		return read_stream(a, stdin, "stdin");
	for (int i = 0; i < n && rc == 0; i++)
		rc = read_file(a, files[i]);
	return rc;
}

static int
aggregate(struct agg *a, const struct options *o)
{
	struct report rep;
	int rc;

	if (a->nslots == 0) {
		fprintf(stderr, PROG ": no runs in the input; give it the JSON "
		    "Lines that simrun prints\n");
		return EX_DATAERR;
	}
	warn_duplicates(a);
	if ((rc = make_report(a, o, &rep)) != 0)
		return rc;
	if (o->files) {
		/* without the memory for it, writing is only slower */
		rep.cache = calloc((size_t)1 << NUMCACHE_BITS, sizeof(*rep.cache));
		rc = write_outputs(&rep, o->dir);
		free(rep.cache);
	}
	if (rc == 0) {
		print_summary(&rep);
		if (rep.sum.failed > 0 || rep.sum.incomplete > 0)
			rc = EX_TEMPFAIL;
	}
	free(rep.runs);
	return rc;
}

int
main(int argc, char **argv)
{
	struct options o = { ".", NULL, 1 };
	struct agg a;
	int rc;

	memset(&a, 0, sizeof(a));
	if ((rc = parse_args(argc, argv, &o)) == 0 &&
	    (rc = read_inputs(&a, argc - optind, argv + optind)) == 0)
		rc = aggregate(&a, &o);
	if (a.served[1][0] != '\0')
		fprintf(stderr, PROG ": warning: the LLM server answered with "
		    "different models within the experiment (%s, %s): the runs "
		    "are not of one model\n", a.served[0], a.served[1]);
	if (a.fingerprint[1][0] != '\0')
		fprintf(stderr, PROG ": warning: the server's system_fingerprint "
		    "changed within the experiment (%s, %s): its backend changed "
		    "and answers may differ\n", a.fingerprint[0],
		    a.fingerprint[1]);
	agg_free(&a);
	if (rc == -1)
		rc = 0;
	if (fclose(stdout) != 0 && (rc == 0 || rc == EX_TEMPFAIL)) {
		perror(PROG ": writing the summary");
		rc = EX_IOERR;
	}
	return rc;
}
