/* Reading simrun's JSON Lines into runs and step rows (see runset.h). */
#include <errno.h>
#include <stddef.h>
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
#include "runfile/plainjson.h"
#include "io/msg.h"

#define OOM_HINT " reading runs; read fewer at once or allow more memory"

struct runset_starts;
static void starts_free(struct runset_starts *t);


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

/*
 * Interned strings: one copy of each text, however many runs carry it
 * (agent, scenario, status, the parameters' JSON are the same in most runs).
 */
struct istr {
	uint32_t id;               /* 1 + place in all[] */
	char s[];
};

struct runset_strings {
	struct istr **all;
	size_t n, cap;
	uint32_t *slot;            /* hash: id; 0 is free */
	size_t slot_cap;
};

static uint64_t
hash_bytes(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h ^ h >> 29;
}

static uint32_t *
string_slot(struct runset_strings *t, const char *s, size_t n)
{
	size_t mask = t->slot_cap - 1, i = (size_t)hash_bytes(s, n) & mask;

	while (t->slot[i] != 0) {
		const char *x = t->all[t->slot[i] - 1]->s;

		if (strncmp(x, s, n) == 0 && x[n] == '\0')
			break;
		i = (i + 1) & mask;
	}
	return &t->slot[i];
}

static int
strings_rehash(struct runset_strings *t)
{
	size_t cap = t->slot_cap ? t->slot_cap * 2 : 64;
	uint32_t *old = t->slot;

	if ((t->slot = calloc(cap, sizeof(*t->slot))) == NULL) {
		t->slot = old;
		return -1;
	}
	t->slot_cap = cap;
	for (size_t i = 0; i < t->n; i++)
		*string_slot(t, t->all[i]->s, strlen(t->all[i]->s)) =
		    (uint32_t)(i + 1);
	free(old);
	return 0;
}

/* The interned copy of s[0..n-1] (no NUL in it); NULL: out of memory. */
static const char *
intern_n(struct runset *a, const char *s, size_t n)
{
	struct runset_strings *t = a->strings;
	struct istr *x, **p;
	uint32_t *slot;

	if (t == NULL && (t = a->strings = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if ((t->n + 1) * 2 > t->slot_cap && strings_rehash(t) != 0)
		return NULL;
	slot = string_slot(t, s, n);
	if (*slot != 0)
		return t->all[*slot - 1]->s;
	if (t->n >= UINT32_MAX - 1 ||
	    (p = grow(t->all, &t->cap, t->n, sizeof(*p))) == NULL)
		return NULL;
	t->all = p;
	if ((x = malloc(sizeof(*x) + n + 1)) == NULL)
		return NULL;
	memcpy(x->s, s, n);
	x->s[n] = '\0';
	x->id = (uint32_t)++t->n;
	t->all[t->n - 1] = x;
	*slot = x->id;
	return x->s;
}

static const char *
intern(struct runset *a, const char *s)
{
	return intern_n(a, s, strlen(s));
}

/* An interned string's id, 0 for NULL. */
static uint32_t
string_id(const char *s)
{
	return s == NULL ? 0 :
	    ((const struct istr *)(const void *)(s - offsetof(struct istr, s)))->id;
}

static void
strings_free(struct runset_strings *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->all[i]);
	free(t->all);
	free(t->slot);
	free(t);
}

/*
 * compact: the numbers of a run, each packed as a varint code: 0 for
 * NAN, 4k+1 for a whole number k >= 0, 4k+2 for the k-th distinct value
 * of its column (a dictionary of up to VDICT_MAX values each; metrics of
 * small grids take few values), 3 and the 8 bytes of any other.
 */
#define VCOLS 22
#define VDICT_MAX ((size_t)1 << 16)

struct vdict {
	uint64_t *v;               /* the values' bits */
	uint32_t *slot;            /* 1 + place in v; 0 is free */
	size_t n, cap, slot_cap;
};

struct runset_values {
	struct vdict d[VCOLS];
};

static double *
run_value(struct run *r, int c)
{
	static const size_t off[VCOLS - 2 * METRICS_N] = {
		offsetof(struct run, convergence_step),
		offsetof(struct run, final_step),
		offsetof(struct run, n_steps),
		offsetof(struct run, llm_calls),
		offsetof(struct run, llm_time),
		offsetof(struct run, parse_failures),
		offsetof(struct run, retries),
		offsetof(struct run, mean_utility),
	};

	if (c < METRICS_N)
		return &r->initial[c];
	if (c < 2 * METRICS_N)
		return &r->final[c - METRICS_N];
	return (double *)(void *)((char *)r + off[c - 2 * METRICS_N]);
}

static uint64_t
bits_of(double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	return u;
}

static uint32_t *
vdict_slot(struct vdict *d, uint64_t bits)
{
	uint64_t h = bits * 0x9e3779b97f4a7c15ULL;
	size_t mask = d->slot_cap - 1, i = (size_t)(h ^ h >> 32) & mask;

	while (d->slot[i] != 0 && d->v[d->slot[i] - 1] != bits)
		i = (i + 1) & mask;
	return &d->slot[i];
}

/* 1 + the value's place in d, made when new; 0 when d is full. */
static size_t
vdict_code(struct vdict *d, uint64_t bits)
{
	uint32_t *slot;
	uint64_t *p;

	/* full: the column's values are mostly new ones (mix_deviation),
	 * packed whole without looking them up */
	if (d->n >= VDICT_MAX)
		return 0;
	if ((d->n + 1) * 2 > d->slot_cap) {
		size_t cap = d->slot_cap ? d->slot_cap * 2 : 256;
		uint32_t *old = d->slot;

		if ((d->slot = calloc(cap, sizeof(*d->slot))) == NULL) {
			d->slot = old;
			goto find;
		}
		d->slot_cap = cap;
		for (size_t i = 0; i < d->n; i++)
			*vdict_slot(d, d->v[i]) = (uint32_t)(i + 1);
		free(old);
	}
find:
	if (d->slot_cap == 0)
		return 0;
	slot = vdict_slot(d, bits);
	if (*slot != 0)
		return *slot;
	if ((d->n + 1) * 2 > d->slot_cap ||
	    (p = grow(d->v, &d->cap, d->n, sizeof(*p))) == NULL)
		return 0;
	d->v = p;
	d->v[d->n++] = bits;
	return *slot = (uint32_t)d->n;
}

static unsigned char *
put_varint(unsigned char *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	return p;
}

static const unsigned char *
get_varint(const unsigned char *p, uint64_t *v)
{
	uint64_t x = 0;
	int shift = 0;

	while (*p & 0x80) {
		x |= (uint64_t)(*p++ & 0x7f) << shift;
		shift += 7;
	}
	*v = x | (uint64_t)*p++ << shift;
	return p;
}

static unsigned char *
put_value(struct runset_values *vs, int c, unsigned char *p, double v)
{
	uint64_t bits = bits_of(v);
	size_t k;

	if (isnan(v))
		return put_varint(p, 0);
	if (v >= 0 && v < 0x1p50 && v == floor(v) && !signbit(v))
		return put_varint(p, (uint64_t)v << 2 | 1);
	if (vs != NULL && (k = vdict_code(&vs->d[c], bits)) != 0)
		return put_varint(p, (uint64_t)(k - 1) << 2 | 2);
	*p++ = 3;
	memcpy(p, &bits, sizeof(bits));
	return p + sizeof(bits);
}

static const unsigned char *
get_value(const struct runset_values *vs, int c, const unsigned char *p,
    double *v)
{
	uint64_t code, bits;

	p = get_varint(p, &code);
	switch (code & 3) {
	case 0:
		*v = NAN;
		return p;
	case 1:
		*v = (double)(code >> 2);
		return p;
	case 2:
		bits = vs->d[c].v[code >> 2];
		break;
	default:
		memcpy(&bits, p, sizeof(bits));
		p += sizeof(bits);
	}
	memcpy(v, &bits, sizeof(*v));
	return p;
}

/* cx[] entries: an arena offset, or OPEN and a place in runs[] */
#define CX_OPEN     ((uint64_t)1 << 63)
#define CX_REPLACED ((uint64_t)1 << 62)
#define CX_START    ((uint64_t)1 << 61)
#define CX_AT       (((uint64_t)1 << 61) - 1)
#define RECORD_MAX  (10 + 1 + 7 * 5 + VCOLS * 9)

/* Entry e's run when it is in runs[], else NULL (packed). */
static struct run *
open_run(const struct runset *a, size_t e)
{
	if (!a->compact)
		return &a->runs[e];
	if (a->cx[e] & CX_OPEN)
		return &a->runs[a->cx[e] & CX_AT];
	return NULL;
}

static long long
entry_id(const struct runset *a, size_t e)
{
	const struct run *r = open_run(a, e);
	uint64_t z;

	if (r != NULL)
		return r->id;
	get_varint(a->arena + (a->cx[e] & CX_AT), &z);
	return (long long)(z >> 1) ^ -(long long)(z & 1);
}

static int
entry_has_start(const struct runset *a, size_t e)
{
	const struct run *r = open_run(a, e);

	return r != NULL ? r->has_start : (a->cx[e] & CX_START) != 0;
}

static int
entry_replaced(const struct runset *a, size_t e)
{
	const struct run *r = open_run(a, e);

	return r != NULL ? r->replaced : (a->cx[e] & CX_REPLACED) != 0;
}

static void
entry_set_replaced(struct runset *a, size_t e)
{
	struct run *r = open_run(a, e);

	if (r != NULL)
		r->replaced = 1;
	else
		a->cx[e] |= CX_REPLACED;
}

static void
unpack(const struct runset *a, size_t e, struct run *r)
{
	const struct runset_strings *t = a->strings;
	const unsigned char *p = a->arena + (a->cx[e] & CX_AT);
	const char **str[7] = { &r->agent, &r->scenario, &r->llm_model,
	    &r->status, &r->stop_reason, &r->reason, &r->params };
	uint64_t v;

	memset(r, 0, sizeof(*r));
	p = get_varint(p, &v);
	r->id = (long long)(v >> 1) ^ -(long long)(v & 1);
	r->has_start = (*p & 1) != 0;
	r->has_end = (*p & 2) != 0;
	r->converged = (*p++ & 4) != 0;
	r->replaced = (a->cx[e] & CX_REPLACED) != 0;
	for (int i = 0; i < 7; i++) {
		p = get_varint(p, &v);
		*str[i] = v == 0 ? NULL : t->all[v - 1]->s;
	}
	for (int c = 0; c < VCOLS; c++)
		p = get_value(a->values, c, p, run_value(r, c));
}

/* Packs the open run of entry e into the arena; -1: out of memory. */
static int
pack(struct runset *a, size_t e)
{
	size_t k = a->cx[e] & CX_AT;
	struct run *r = &a->runs[k];
	const char *str[7] = { r->agent, r->scenario, r->llm_model, r->status,
	    r->stop_reason, r->reason, r->params };
	unsigned char *p;
	uint64_t z = (uint64_t)r->id << 1 ^ (uint64_t)(r->id >> 63);

	if (a->values == NULL &&
	    (a->values = calloc(1, sizeof(*a->values))) == NULL)
		return -1;
	if (a->arena_len + RECORD_MAX > a->arena_cap) {
		size_t cap = a->arena_cap ? a->arena_cap * 2 : 1 << 16;
		unsigned char *q = realloc(a->arena, cap);

		if (q == NULL)
			return -1;
		a->arena = q;
		a->arena_cap = cap;
	}
	p = put_varint(a->arena + a->arena_len, z);
	*p++ = (unsigned char)((r->has_start ? 1 : 0) | (r->has_end ? 2 : 0) |
	    (r->converged ? 4 : 0));
	for (int i = 0; i < 7; i++)
		p = put_varint(p, string_id(str[i]));
	for (int c = 0; c < VCOLS; c++)
		p = put_value(a->values, c, p, *run_value(r, c));
	a->cx[e] = (uint64_t)a->arena_len | (r->replaced ? CX_REPLACED : 0) |
	    (r->has_start ? CX_START : 0);
	a->arena_len = (size_t)(p - a->arena);
	a->free_open[a->nfree++] = k;
	return 0;
}

/* A free place in runs[] for an open run; -1: out of memory. */
static int
open_slot(struct runset *a, size_t *k)
{
	if (a->nfree > 0) {
		*k = a->free_open[--a->nfree];
		return 0;
	}
	if (a->nopen == a->runs_cap) {
		struct run *p = grow(a->runs, &a->runs_cap, a->nopen,
		    sizeof(*p));
		size_t *q;

		if (p == NULL)
			return -1;
		a->runs = p;
		if ((q = realloc(a->free_open, a->runs_cap * sizeof(*q))) == NULL)
			return -1;
		a->free_open = q;
		a->free_cap = a->runs_cap;
	}
	*k = a->nopen++;
	return 0;
}

/* Entry e's run, to change: a packed one is opened again; NULL: memory. */
static struct run *
entry_run(struct runset *a, size_t e)
{
	struct run tmp;
	size_t k;

	if (!a->compact)
		return &a->runs[e];
	if (a->cx[e] & CX_OPEN)
		return &a->runs[a->cx[e] & CX_AT];
	if (open_slot(a, &k) != 0)
		return NULL;
	unpack(a, e, &tmp);
	a->runs[k] = tmp;
	a->cx[e] = CX_OPEN | k;
	return &a->runs[k];
}

const struct run *
runset_run(const struct runset *a, size_t i, struct run *tmp)
{
	const struct run *r = open_run(a, i);

	if (r != NULL)
		return r;
	unpack(a, i, tmp);
	return tmp;
}

/* The hash slot of run id: where it is, or the free slot it would take. */
static uint32_t *
slot_of(struct runset *a, long long id)
{
	uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ULL;
	size_t mask = a->slot_cap - 1, i = (size_t)(h ^ h >> 32) & mask;

	while (a->slot[i] != 0 && entry_id(a, a->slot[i] - 1) != id)
		i = (i + 1) & mask;
	return &a->slot[i];
}

/* The free slot an id not in the table takes: its ids are not read. */
static uint32_t *
free_slot_of(struct runset *a, long long id)
{
	uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ULL;
	size_t mask = a->slot_cap - 1, i = (size_t)(h ^ h >> 32) & mask;

	while (a->slot[i] != 0)
		i = (i + 1) & mask;
	return &a->slot[i];
}

static int
rehash(struct runset *a)
{
	uint32_t *old = a->slot;
	size_t oldcap = a->slot_cap;
	size_t cap = oldcap ? oldcap * 2 : 1024;

	if ((a->slot = calloc(cap, sizeof(*a->slot))) == NULL) {
		a->slot = old;
		return -1;
	}
	a->slot_cap = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i] != 0)
			*free_slot_of(a, entry_id(a, old[i] - 1)) = old[i];
	free(old);
	return 0;
}

static int
new_run(struct runset *a, long long id, size_t *idx)
{
	struct run *p, *r;
	size_t k;

	if (a->nruns >= UINT32_MAX - 1)
		return -1;
	if (a->compact) {
		uint64_t *q = grow(a->cx, &a->cx_cap, a->nruns, sizeof(*q));

		if (q == NULL)
			return -1;
		a->cx = q;
		if (open_slot(a, &k) != 0)
			return -1;
		a->cx[a->nruns] = CX_OPEN | k;
		r = &a->runs[k];
	} else {
		if ((p = grow(a->runs, &a->runs_cap, a->nruns,
		    sizeof(*p))) == NULL)
			return -1;
		a->runs = p;
		r = &p[a->nruns];
	}
	memset(r, 0, sizeof(*r));
	r->id = id;
	for (int m = 0; m < METRICS_N; m++)
		r->initial[m] = r->final[m] = NAN;
	r->convergence_step = r->final_step = r->n_steps = NAN;
	r->llm_calls = r->llm_time = r->parse_failures = r->retries = NAN;
	r->mean_utility = NAN;
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
	uint32_t *s;

	if (a->nruns > 0 && entry_id(a, a->last) == id &&
	    !entry_replaced(a, a->last) &&
	    !(start && entry_has_start(a, a->last))) {
		*idx = a->last;
		return 0;
	}
	if ((a->nslots + 1) * 2 > a->slot_cap && rehash(a) != 0)
		return msg_oom(at->prog, OOM_HINT);
	/* an id above all seen is new: its slot is found without reading
	 * the ids of the slots on the way (campaigns come in id order) */
	s = a->nslots > 0 && id <= a->max_id ? slot_of(a, id) :
	    free_slot_of(a, id);
	if (*s != 0 && !(start && entry_has_start(a, *s - 1))) {
		*idx = a->last = *s - 1;
		return 0;
	}
	if (new_run(a, id, idx) != 0)
		return msg_oom(at->prog, OOM_HINT);
	if (*s != 0) {
		entry_set_replaced(a, *s - 1);
		note_duplicate(a, id, at);
	} else {
		if (a->nslots++ == 0 || id > a->max_id)
			a->max_id = id;
	}
	*s = (uint32_t)(*idx + 1);
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
get_grid(json_t *o, const char *key, char **out, const struct runset_where *at)
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

/* *out: the string interned, or NULL when absent or null. */
static int
get_string(struct runset *a, json_t *o, const char *key, const char **out,
    const struct runset_where *at)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return data_error(at, "\"%s\" is %s, not a string", key,
		    json_kind(v));
	if ((*out = intern(a, json_string_value(v))) == NULL)
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
take_params(struct runset *a, json_t *o, const char **out,
    const struct runset_where *at)
{
	json_t *p = json_deep_copy(o);
	char *text;

	*out = NULL;
	if (p == NULL)
		return msg_oom(at->prog, OOM_HINT);
	for (int i = 0; not_shaping[i] != NULL; i++)
		json_object_del(p, not_shaping[i]);
	text = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(p);
	if (text == NULL)
		return msg_oom(at->prog, OOM_HINT);
	*out = intern(a, text);
	free(text);
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
	if ((r = entry_run(a, i)) == NULL)
		return msg_oom(at->prog, OOM_HINT);
	r->has_start = 1;
	if ((a->keep_grids & RUNSET_GRIDS_ENDS) &&
	    (rc = get_grid(o, "grid", &r->grid_initial, at)) != 0)
		return rc;
	if ((rc = take_params(a, o, &r->params, at)) != 0 ||
	    (rc = get_string(a, o, "agent", &r->agent, at)) != 0 ||
	    (rc = get_string(a, o, "scenario", &r->scenario, at)) != 0 ||
	    (rc = get_string(a, o, "llm_model", &r->llm_model, at)) != 0)
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
	    (rc = get_grid(o, "grid", &row->grid, at)) != 0)
		return rc;
	if ((rc = get_number(o, "mean_utility", &row->mean_utility, at)) != 0)
		return rc;
	return get_metrics(o, row->m, at);
}

/* The field of a step row a key names, or NULL for keys not kept. */
static double *
step_field(struct step_row *r, const char *key, size_t len)
{
	if (len == 5 && memcmp(key, "moves", 5) == 0)
		return &r->moves;
	if (len == 9 && memcmp(key, "decisions", 9) == 0)
		return &r->decisions;
	if (len == 12 && memcmp(key, "mean_utility", 12) == 0)
		return &r->mean_utility;
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
	tmp.moves = tmp.decisions = tmp.mean_utility = NAN;
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
		if ((end = plain_scan_number(close + 2, &integral)) == NULL)
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
	if (*p != '}' || !plain_blank(p + 1, len - (size_t)(p + 1 - buf)) || isnan(id) ||
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
	if ((r = entry_run(a, i)) == NULL)
		return msg_oom(at->prog, OOM_HINT);
	r->has_end = 1;
	if ((a->keep_grids & RUNSET_GRIDS_ENDS) &&
	    (rc = get_grid(o, "grid", &r->grid_final, at)) != 0)
		return rc;
	if ((rc = get_string(a, o, "reason", &r->reason, at)) != 0)
		return rc;
	if (conv != NULL && !json_is_null(conv) && !json_is_boolean(conv))
		return data_error(at, "\"converged\" is %s, not a boolean",
		    json_kind(conv));
	r->converged = json_is_true(conv);
	if ((rc = get_string(a, o, "status", &r->status, at)) != 0)
		return rc;
	if (r->status == NULL)
		return data_error(at, "end line without a \"status\" string");
	if ((rc = get_string(a, o, "stop_reason", &r->stop_reason, at)) != 0 ||
	    (rc = get_number(o, "convergence_step", &r->convergence_step,
	    at)) != 0 ||
	    (rc = get_number(o, "final_step", &r->final_step, at)) != 0 ||
	    (rc = get_number(o, "n_steps", &r->n_steps, at)) != 0 ||
	    (rc = get_number(o, "llm_calls", &r->llm_calls, at)) != 0 ||
	    (rc = get_number(o, "avg_llm_response_time_s", &r->llm_time,
	    at)) != 0 ||
	    (rc = get_number(o, "parse_failures", &r->parse_failures,
	    at)) != 0 ||
	    (rc = get_number(o, "retries", &r->retries, at)) != 0 ||
	    (rc = get_number(o, "mean_utility", &r->mean_utility, at)) != 0)
		return rc;
	note_server(a->served, json_string_value(json_object_get(o,
	    "served_model")));
	note_server(a->fingerprint, json_string_value(json_object_get(o,
	    "system_fingerprint")));
	if ((rc = get_metrics_object(o, "metrics", r->final, at)) != 0)
		return rc;
	if (a->compact && pack(a, i) != 0)
		return msg_oom(at->prog, OOM_HINT);
	return 0;
}

/*
 * The start and end lines simrun writes, read without building jansson
 * objects (jansson took most of simagg's time on a campaign of runs with
 * --no-steps).  A line the readers below do not recognise in every byte
 * (escapes, nesting, a value of another type, anything unexpected) goes
 * to jansson and its checks and messages as before: each returns -1
 * then, having taken nothing.
 */

/* The start lines seen, but for run_id, initial and grid: their runs'
 * parameters and strings, so that a line like one seen needs no jansson */
struct start_seen {
	char *text;
	size_t len;
	const char *params, *agent, *scenario, *llm_model;
};

#define STARTS_MAX 1024        /* then the others go through jansson */

struct runset_starts {
	struct start_seen s[STARTS_MAX * 2];
	size_t n;
	char *buf;                 /* the line being read, less three values */
	size_t cap;
};

static void
starts_free(struct runset_starts *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < STARTS_MAX * 2; i++)
		free(t->s[i].text);
	free(t->buf);
	free(t);
}

static struct start_seen *
start_slot(struct runset_starts *t, const char *text, size_t len)
{
	size_t i = (size_t)hash_bytes(text, len) & (STARTS_MAX * 2 - 1);

	while (t->s[i].text != NULL && (t->s[i].len != len ||
	    memcmp(t->s[i].text, text, len) != 0))
		i = (i + 1) & (STARTS_MAX * 2 - 1);
	return &t->s[i];
}

/* A start or end line's grid, kept where the run set keeps the ends'
 * grids (the one read before, if any, replaced). */
static int
keep_grid(const struct runset *a, char **slot, const char *grid,
    size_t grid_len, const struct runset_where *at)
{
	if (!(a->keep_grids & RUNSET_GRIDS_ENDS))
		return 0;
	free(*slot);
	*slot = NULL;
	if (grid != NULL && (*slot = strndup(grid, grid_len)) == NULL)
		return msg_oom(at->prog, OOM_HINT);
	return 0;
}

static int take_start(struct runset *a, json_t *o,
    const struct runset_where *at);

static int
fast_start(struct runset *a, const char *buf, size_t len,
    const struct runset_where *at)
{
	static const char head[] = "{\"event\":\"start\"";
	const char *p = buf + sizeof(head) - 1, *grid = NULL;
	struct runset_starts *t = a->starts;
	struct start_seen *seen;
	double id = NAN, initial[METRICS_N], v;
	int got_initial = 0, rc;
	size_t blen = 0, i, grid_len = 0;
	struct run *r;

	if (strncmp(buf, head, sizeof(head) - 1) != 0)
		return -1;
	if (t == NULL && (t = a->starts = calloc(1, sizeof(*t))) == NULL)
		return -1;
	if (t->cap < len + 1) {
		char *q = realloc(t->buf, len + 1);

		if (q == NULL)
			return -1;
		t->buf = q;
		t->cap = len + 1;
	}
	for (int m = 0; m < METRICS_N; m++)
		initial[m] = NAN;
	while (*p == ',') {
		const char *key = p + 1, *close, *end;
		size_t klen;
		int kind;

		if (*key != '"' || (close = plain_string(key + 1)) == NULL ||
		    close[1] != ':')
			return -1;
		klen = (size_t)(close - key - 1);
		if (plain_key_is(key + 1, klen, "run_id")) {
			if (!isnan(id) || (end = plain_value(close + 2, &kind,
			    &v)) == NULL || kind != 'n' ||
			    !plain_integer(close + 2, end))
				return -1;
			id = v;
		} else if (plain_key_is(key + 1, klen, "initial")) {
			if (got_initial++ ||
			    (end = plain_metrics(close + 2, initial)) == NULL)
				return -1;
		} else if (plain_key_is(key + 1, klen, "grid")) {
			if (grid != NULL || close[2] != '"' ||
			    (end = plain_string(close + 3)) == NULL)
				return -1;
			grid = close + 3;
			grid_len = (size_t)(end - grid);
			end++;
		} else {
			if ((end = plain_value(close + 2, &kind, &v)) == NULL)
				return -1;
			memcpy(t->buf + blen, p, (size_t)(end - p));
			blen += (size_t)(end - p);
			p = end;
			continue;
		}
		/* the key stays, so the shape of the line counts */
		memcpy(t->buf + blen, p, (size_t)(close + 2 - p));
		blen += (size_t)(close + 2 - p);
		p = end;
	}
	if (*p != '}' || !plain_blank(p + 1, len - (size_t)(p + 1 - buf)) ||
	    isnan(id) || fabs(id) > 9e15)
		return -1;
	seen = start_slot(t, t->buf, blen);
	if (seen->text == NULL) {
		/* new: jansson reads it, and its results are kept */
		json_error_t err;
		json_t *o = t->n < STARTS_MAX ? json_loadb(buf, len, 0, &err) :
		    NULL;

		if (o == NULL)
			return -1;
		if ((rc = take_start(a, o, at)) == 0 &&
		    (seen->text = malloc(blen + 1)) != NULL) {
			r = entry_run(a, a->last);
			memcpy(seen->text, t->buf, blen);
			seen->len = blen;
			seen->params = r->params;
			seen->agent = r->agent;
			seen->scenario = r->scenario;
			seen->llm_model = r->llm_model;
			t->n++;
		}
		json_decref(o);
		return rc;
	}
	if ((rc = run_for(a, (long long)id, 1, at, &i)) != 0)
		return rc;
	if ((r = entry_run(a, i)) == NULL)
		return msg_oom(at->prog, OOM_HINT);
	r->has_start = 1;
	if ((rc = keep_grid(a, &r->grid_initial, grid, grid_len, at)) != 0)
		return rc;
	r->params = seen->params;
	r->agent = seen->agent;
	r->scenario = seen->scenario;
	r->llm_model = seen->llm_model;
	memcpy(r->initial, initial, sizeof(initial));
	return 0;
}

/* An end line's fields, as take_end reads them. */
static int
fast_end(struct runset *a, const char *buf, size_t len,
    const struct runset_where *at)
{
	static const char head[] = "{\"event\":\"end\"";
	static const char *const num_keys[] = { "convergence_step",
	    "final_step", "n_steps", "llm_calls", "avg_llm_response_time_s",
	    "parse_failures", "retries", "mean_utility" };
	enum { NNUM = sizeof(num_keys) / sizeof(num_keys[0]) };
	const char *p = buf + sizeof(head) - 1, *grid = NULL;
	const char *str[5] = { NULL };    /* status stop_reason reason
	                                     served_model system_fingerprint */
	static const char *const str_keys[5] = { "status", "stop_reason",
	    "reason", "served_model", "system_fingerprint" };
	size_t str_len[5] = { 0 }, grid_len = 0, i;
	double id = NAN, num[NNUM], final[METRICS_N], v;
	int converged = 0, rc;
	struct run *r;

	if (strncmp(buf, head, sizeof(head) - 1) != 0)
		return -1;
	for (size_t k = 0; k < NNUM; k++)
		num[k] = NAN;
	for (int m = 0; m < METRICS_N; m++)
		final[m] = NAN;
	while (*p == ',') {
		const char *key = p + 1, *close, *end;
		size_t klen, k;
		int kind;

		if (*key != '"' || (close = plain_string(key + 1)) == NULL ||
		    close[1] != ':')
			return -1;
		key++;
		klen = (size_t)(close - key);
		if (plain_key_is(key, klen, "metrics")) {
			if ((p = plain_metrics(close + 2, final)) == NULL)
				return -1;
			continue;
		}
		if ((end = plain_value(close + 2, &kind, &v)) == NULL)
			return -1;
		p = end;
		if (plain_key_is(key, klen, "run_id")) {
			if (kind != 'n' || !plain_integer(close + 2, end))
				return -1;
			id = v;
			continue;
		}
		if (plain_key_is(key, klen, "converged")) {
			if (kind == 's' || kind == 'n')
				return -1;
			converged = kind == 't';
			continue;
		}
		if (plain_key_is(key, klen, "grid")) {
			if (kind != 's' && kind != 'z')
				return -1;
			grid = kind == 's' ? close + 3 : NULL;
			grid_len = kind == 's' ? (size_t)(end - 1 - grid) : 0;
			continue;
		}
		for (k = 0; k < NNUM && !plain_key_is(key, klen, num_keys[k]); k++)
			;
		if (k < NNUM) {
			if (kind != 'n' && kind != 'z')
				return -1;
			num[k] = kind == 'n' ? v : NAN;
			continue;
		}
		for (k = 0; k < 5 && !plain_key_is(key, klen, str_keys[k]); k++)
			;
		if (k < 5) {
			/* served_model and system_fingerprint: strings or not */
			if (kind != 's' && kind != 'z' && k < 3)
				return -1;
			str[k] = kind == 's' ? close + 3 : NULL;
			str_len[k] = kind == 's' ? (size_t)(end - 1 - str[k]) : 0;
			if (str_len[k] >= 127)     /* note_server's cut */
				return -1;
		}
	}
	if (*p != '}' || !plain_blank(p + 1, len - (size_t)(p + 1 - buf)) ||
	    isnan(id) || fabs(id) > 9e15 || str[0] == NULL)
		return -1;
	if ((rc = run_for(a, (long long)id, 0, at, &i)) != 0)
		return rc;
	if ((r = entry_run(a, i)) == NULL)
		return msg_oom(at->prog, OOM_HINT);
	r->has_end = 1;
	if ((rc = keep_grid(a, &r->grid_final, grid, grid_len, at)) != 0)
		return rc;
	{
		const char **to[3] = { &r->status, &r->stop_reason, &r->reason };

		for (int k = 0; k < 3; k++)
			if ((*to[k] = str[k] == NULL ? NULL :
			    intern_n(a, str[k], str_len[k])) == NULL &&
			    str[k] != NULL)
				return msg_oom(at->prog, OOM_HINT);
	}
	r->converged = converged;
	r->convergence_step = num[0];
	r->final_step = num[1];
	r->n_steps = num[2];
	r->llm_calls = num[3];
	r->llm_time = num[4];
	r->parse_failures = num[5];
	r->retries = num[6];
	r->mean_utility = num[7];
	for (int k = 3; k < 5; k++) {
		char text[128];

		if (str[k] != NULL) {
			snprintf(text, sizeof(text), "%.*s", (int)str_len[k],
			    str[k]);
			note_server(k == 3 ? a->served : a->fingerprint, text);
		}
	}
	memcpy(r->final, final, sizeof(final));
	if (a->compact && pack(a, i) != 0)
		return msg_oom(at->prog, OOM_HINT);
	return 0;
}

/* Lines of other events (decision, ...) are someone else's business. */
static int
take_line(struct runset *a, const char *buf, size_t len, const struct runset_where *at)
{
	json_error_t err;
	const char *event;
	json_t *o;
	int rc = 0;

	if (plain_blank(buf, len))
		return 0;
	if (a->skip_steps && strncmp(buf, "{\"event\":\"step\"", 15) == 0)
		return 0;
	if (buf[len] == '\0' && (rc = fast_step(a, buf, len, at)) != -1)
		return rc;
	if (buf[len] == '\0' && (rc = fast_start(a, buf, len, at)) != -1)
		return rc;
	if (buf[len] == '\0' && (rc = fast_end(a, buf, len, at)) != -1)
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
	for (size_t i = 0; !a->compact && i < a->nruns; i++) {
		free(a->runs[i].grid_initial);
		free(a->runs[i].grid_final);
	}
	strings_free(a->strings);
	for (int c = 0; a->values != NULL && c < VCOLS; c++) {
		free(a->values->d[c].v);
		free(a->values->d[c].slot);
	}
	free(a->values);
	free(a->cx);
	free(a->free_open);
	free(a->arena);
	starts_free(a->starts);
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

struct id_entry {
	long long id;
	size_t e;
};

static int
cmp_id_entry(const void *x, const void *y)
{
	const struct id_entry *a = x, *b = y;

	return cmp_ll(a->id, b->id);
}

/* The steps of the runs kept, in (run id, step, input) order. */
static void
order_steps(struct runset *a)
{
	size_t kept = 0;

	for (size_t i = 0; i < a->nsteps; i++)
		if (!entry_replaced(a, a->steps[i].run))
			a->steps[kept++] = a->steps[i];
		else
			free(a->steps[i].grid);
	if (kept > 0)
		qsort(a->steps, kept, sizeof(*a->steps), cmp_step);
	a->nsteps = kept;
}

/*
 * Dense ids (a campaign's 0..N-1, in whatever order its shards come):
 * each entry put at its id's place, then the places closed up, in linear
 * time and one array; 0 when the ids are too sparse for it.
 */
static int
order_dense(struct runset *a, size_t **order, size_t *nruns)
{
	long long lo = 0, hi = 0;
	size_t n = 0, range, k = 0, *o, *q;

	for (size_t i = 0; i < a->nruns; i++) {
		long long id;

		if (entry_replaced(a, i))
			continue;
		id = entry_id(a, i);
		if (n++ == 0 || id < lo)
			lo = id;
		if (n == 1 || id > hi)
			hi = id;
	}
	if (n == 0 || (unsigned long long)hi - (unsigned long long)lo >=
	    2 * (unsigned long long)n + 1024)
		return 0;
	range = (size_t)((unsigned long long)hi - (unsigned long long)lo) + 1;
	if ((o = malloc(range * sizeof(*o))) == NULL)
		return 0;
	for (size_t i = 0; i < range; i++)
		o[i] = SIZE_MAX;
	for (size_t i = 0; i < a->nruns; i++)
		if (!entry_replaced(a, i))
			o[(size_t)((unsigned long long)entry_id(a, i) -
			    (unsigned long long)lo)] = i;
	for (size_t i = 0; i < range; i++)
		if (o[i] != SIZE_MAX)
			o[k++] = o[i];
	if ((q = realloc(o, k * sizeof(*o))) != NULL)
		o = q;
	*order = o;
	*nruns = k;
	return 1;
}

int
runset_order(struct runset *a, size_t **order, size_t *nruns)
{
	struct id_entry *p;
	size_t *o, n = 0;
	int sorted = 1;

	*order = NULL;
	*nruns = 0;
	free(a->slot);
	a->slot = NULL;
	a->slot_cap = 0;
	if (a->nruns == 0)
		return 0;
	if (order_dense(a, order, nruns)) {
		order_steps(a);
		return 0;
	}
	if ((p = malloc(a->nruns * sizeof(*p))) == NULL)
		return msg_oom(a->prog, OOM_HINT);
	for (size_t i = 0; i < a->nruns; i++) {
		if (entry_replaced(a, i))
			continue;
		p[n].id = entry_id(a, i);
		p[n].e = i;
		if (n > 0 && p[n].id < p[n - 1].id)
			sorted = 0;
		n++;
	}
	if (!sorted)
		qsort(p, n, sizeof(*p), cmp_id_entry);
	/* in place: o[i] is written below p[i], which is read first */
	o = (size_t *)(void *)p;
	for (size_t i = 0; i < n; i++) {
		size_t e = p[i].e;

		o[i] = e;
	}
	order_steps(a);
	if (n > 0 && (o = realloc(p, n * sizeof(*o))) != NULL)
		p = (struct id_entry *)(void *)o;
	*order = (size_t *)(void *)p;
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
