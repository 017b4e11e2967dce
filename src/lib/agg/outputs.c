/*
 * The three files of an aggregate: summary.json, run_summary.csv and
 * metrics_history.csv, each through a temporary name (see outputs.h).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>

#include "agg/outputs.h"
#include "io/msg.h"

#define OOM_HINT "; aggregate fewer runs at once"
#include "io/csvw.h"
#include "io/iostatus.h"
#include "io/jsonw.h"

#define N_METRICS METRICS_N
#define metric_names metrics_names
#define N_OUTPUTS 3

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

/* One group's parameters (those that differ) as "k=v k=v" or JSON. */
static void
put_group_params(struct jw *w, FILE *text, const struct aggregate *rep,
    const struct group *g)
{
	char v[256];
	struct run tmp;
	const struct run *first = runset_run(rep->set, g->runs[0], &tmp);

	if (w != NULL)
		jw_object_begin(w);
	for (size_t k = 0; rep->keys != NULL && rep->keys[k] != NULL; k++) {
		int present = runset_param_text(first, rep->keys[k], v,
		    sizeof(v));

		if (w != NULL) {
			json_t *j = present ? json_loads(v, JSON_DECODE_ANY,
			    NULL) : NULL;

			jw_key(w, rep->keys[k]);
			if (json_is_integer(j))
				jw_int(w, json_integer_value(j));
			else if (json_is_number(j))
				jw_double(w, json_number_value(j));
			else if (json_is_string(j))
				jw_string(w, json_string_value(j));
			else if (json_is_boolean(j))
				jw_bool(w, json_is_true(j));
			else
				jw_null(w);
			json_decref(j);
		} else {
			fprintf(text, "%s%s=%s", k ? " " : "", rep->keys[k], v);
		}
	}
	if (w != NULL)
		jw_object_end(w);
}

static void
put_groups(struct jw *w, const struct aggregate *rep)
{
	jw_key(w, "mixed_parameters");
	jw_array_begin(w);
	for (size_t k = 0; rep->keys != NULL && rep->keys[k] != NULL; k++)
		jw_string(w, rep->keys[k]);
	jw_array_end(w);
	jw_key(w, "groups");
	jw_array_begin(w);
	for (size_t g = 0; g < rep->ngroups; g++) {
		const struct summary *s = &rep->groups[g].sum;

		jw_object_begin(w);
		jw_key(w, "parameters");
		put_group_params(w, NULL, rep, &rep->groups[g]);
		jw_kv_int(w, "runs", (long long)s->runs);
		jw_kv_int(w, "ok", (long long)s->ok);
		jw_kv_int(w, "converged", (long long)s->converged);
		jw_kv_int(w, "failed", (long long)s->failed);
		jw_kv_int(w, "incomplete", (long long)s->incomplete);
		put_stats(w, "convergence_step", &s->convergence_step);
		put_metric_stats(w, "final", s->final);
		put_stats(w, "n_steps", &s->n_steps);
		if (s->with_utility > 0)
			put_stats(w, "mean_utility", &s->mean_utility);
		jw_object_end(w);
	}
	jw_array_end(w);
}

static int
write_summary(FILE *f, const struct aggregate *rep)
{
	const struct summary *s = &rep->sum;
	struct jw w;
	int rc;

	jw_init(&w);
	jw_object_begin(&w);
	jw_key(&w, "experiment");
	if (rep->experiment != NULL)
		jw_string(&w, rep->experiment);
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
	/* utility agents (--agent utility): collective utility / N */
	if (s->with_utility > 0)
		put_stats(&w, "mean_utility", &s->mean_utility);
	if (s->llm_calls.n > 0) {
		put_stats(&w, "llm_calls", &s->llm_calls);
		put_stats(&w, "avg_llm_response_time_s", &s->llm_time);
		jw_kv_double(&w, "parse_failures", s->parse_failures);
		jw_kv_double(&w, "retries", s->retries);
	}
	if (rep->ngroups > 0)
		put_groups(&w, rep);
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


static const char *
stop_reason(const struct run *r)
{
	if (!r->has_end)
		return "incomplete";
	if (r->stop_reason != NULL)
		return r->stop_reason;
	if (!run_is_ok(r))
		return "failed";
	return r->converged ? "converged" : "max_steps";
}

static void
put_run_row(FILE *f, const struct run *r, const struct aggregate *rep)
{
	fprintf(f, "%lld,", r->id);
	csv_put_text(f, r->scenario);
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
	csv_put_text(f, stop_reason(r));
	putc(',', f);
	csv_put_text(f, r->has_end ? r->status : "incomplete");
	putc(',', f);
	csv_put_text(f, rep->experiment);
	putc(',', f);
	csv_put_text(f, r->agent);
	putc(',', f);
	csv_put_text(f, r->llm_model);
	putc(',', f);
	csv_number(f, r->llm_calls, rep->cache);
	putc(',', f);
	csv_number(f, r->llm_time, rep->cache);
	fputs(",live", f);
	if (rep->sum.with_utility > 0) {
		putc(',', f);
		csv_number(f, r->mean_utility, rep->cache);
	}
	putc('\n', f);
}

/* A last column mean_utility when a run (a step row) has one. */
static void
put_header(FILE *f, const char *header, int utility)
{
	if (!utility) {
		fputs(header, f);
		return;
	}
	fwrite(header, 1, strlen(header) - 1, f);
	fputs(",mean_utility\n", f);
}

static int
write_runs(FILE *f, const struct aggregate *rep)
{
	struct run tmp;

	put_header(f, runs_header, rep->sum.with_utility > 0);
	for (size_t i = 0; i < rep->nruns; i++)
		put_run_row(f, runset_run(rep->set, rep->runs[i], &tmp), rep);
	return 0;
}

static int
write_history(FILE *f, const struct aggregate *rep)
{
	int utility = 0;

	for (size_t i = 0; i < rep->nsteps && !utility; i++)
		utility = !isnan(rep->steps[i].mean_utility);
	put_header(f, history_header, utility);
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
		if (utility) {
			putc(',', f);
			csv_number(f, s->mean_utility, rep->cache);
		}
		putc('\n', f);
	}
	return 0;
}

static const struct output {
	const char *name;
	int (*write)(FILE *, const struct aggregate *);
} outputs[N_OUTPUTS] = {
	{ "summary.json", write_summary },
	{ "run_summary.csv", write_runs },
	{ "metrics_history.csv", write_history },
};

static int
cant_create(const char *prog, const char *path)
{
	fprintf(stderr, "%s: cannot write %s: %s; check that the directory "
	    "is writable and has room, or choose another --output-dir\n",
	    prog, path, strerror(errno));
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
write_one(const char *tmp, const struct output *out, const struct aggregate *rep)
{
	static char buf[1 << 16];
	FILE *f = fopen(tmp, "w");
	int failed, e;

	if (f == NULL)
		return cant_create(rep->prog, tmp);
	setvbuf(f, buf, _IOFBF, sizeof(buf));
	failed = out->write(f, rep) != 0 || ferror(f);
	e = errno;
	if (fclose(f) != 0 || failed) {
		if (failed)
			errno = e;
		e = errno;
		unlink(tmp);
		errno = e;
		cant_create(rep->prog, tmp);
		return EX_IOERR;       /* made, but not written: 74 */
	}
	return 0;
}

/*
 * Each file is written as NAME.tmp and renamed only once all three are
 * complete, so that a file under its own name is always whole.
 */
static int
write_all(const struct aggregate *rep, const char *dir)
{
	char *tmp[N_OUTPUTS] = { NULL }, *path[N_OUTPUTS] = { NULL };
	int rc = 0;

	if (make_dir(dir) != 0) {
		fprintf(stderr, "%s: cannot make the directory %s: %s; "
		    "choose another --output-dir\n", rep->prog, dir,
		    strerror(errno));
		return EX_CANTCREAT;
	}
	for (int i = 0; i < N_OUTPUTS && rc == 0; i++) {
		if ((path[i] = join(dir, outputs[i].name, "")) == NULL ||
		    (tmp[i] = join(dir, outputs[i].name, ".tmp")) == NULL)
			rc = msg_oom(rep->prog, OOM_HINT);
		else
			rc = write_one(tmp[i], &outputs[i], rep);
	}
	for (int i = 0; i < N_OUTPUTS && rc == 0; i++)
		if (rename(tmp[i], path[i]) != 0 &&
		    (rc = cant_create(rep->prog, path[i])) != 0 && io_status(errno) ==
		    EX_IOERR)
			rc = EX_IOERR;
	for (int i = 0; i < N_OUTPUTS; i++) {
		if (rc != 0 && tmp[i] != NULL)
			unlink(tmp[i]);
		free(tmp[i]);
		free(path[i]);
	}
	return rc;
}

int
outputs_write(struct aggregate *rep, const char *dir)
{
	int rc;

	/* without the memory for it, writing is only slower */
	rep->cache = calloc((size_t)1 << NUMCACHE_BITS, sizeof(*rep->cache));
	rc = write_all(rep, dir);
	free(rep->cache);
	rep->cache = NULL;
	return rc;
}

void
outputs_group_text(FILE *f, const struct aggregate *rep, const struct group *g)
{
	put_group_params(NULL, f, rep, g);
}
