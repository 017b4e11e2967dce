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
#include "sim/runset.h"
#include "stats/stats.h"

#define PROG "simagg"
#define N_METRICS RUN_N_METRICS
#define metric_names run_metric_names
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

/* x has room for one value per run. */
static void
summarize(const struct report *rep, double *x, struct summary *s)
{
	struct run *const *runs = rep->runs;
	size_t n = rep->nruns;

	memset(s, 0, sizeof(*s));
	s->runs = n;
	for (size_t i = 0; i < n; i++) {
		s->ok += run_is_ok(runs[i]);
		s->converged += runs[i]->converged;
		s->failed += runs[i]->has_end && !run_is_ok(runs[i]);
		s->incomplete += !runs[i]->has_end;
	}
	for (int m = 0; m < N_METRICS; m++) {
		for (size_t i = 0; i < n; i++)
			x[i] = run_is_ok(runs[i]) ? runs[i]->final[m] : NAN;
		stats_compute(x, n, &s->final[m]);
		for (size_t i = 0; i < n; i++)
			x[i] = runs[i]->initial[m];
		stats_compute(x, n, &s->initial[m]);
	}
	for (size_t i = 0; i < n; i++)
		x[i] = runs[i]->converged ? runs[i]->convergence_step : NAN;
	stats_compute(x, n, &s->convergence_step);
	for (size_t i = 0; i < n; i++)
		x[i] = run_is_ok(runs[i]) ? runs[i]->n_steps : NAN;
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
make_report(struct runset *a, const struct options *o, struct report *rep)
{
	double *x;
	int rc;

	memset(rep, 0, sizeof(*rep));
	rep->opt = o;
	if ((rc = runset_sort(a, &rep->runs, &rep->nruns)) != 0)
		return rc;
	if ((x = calloc(rep->nruns, sizeof(*x))) == NULL) {
		free(rep->runs);
		return oom();
	}
	rep->steps = a->steps;
	rep->nsteps = a->nsteps;
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
	if (!run_is_ok(r))
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
read_inputs(struct runset *a, int n, char **files)
{
	int rc = 0;

	if (n == 0)
		return runset_read_stream(a, stdin, "stdin");
	for (int i = 0; i < n && rc == 0; i++)
		rc = runset_read_file(a, files[i]);
	return rc;
}

static int
aggregate(struct runset *a, const struct options *o)
{
	struct report rep;
	int rc;

	if (a->nslots == 0) {
		fprintf(stderr, PROG ": no runs in the input; give it the JSON "
		    "Lines that simrun prints\n");
		return EX_DATAERR;
	}
	runset_warn_duplicates(a);
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
	struct runset a;
	int rc;

	runset_init(&a, PROG);
	if ((rc = parse_args(argc, argv, &o)) == 0 &&
	    (rc = read_inputs(&a, argc - optind, argv + optind)) == 0)
		rc = aggregate(&a, &o);
	runset_free(&a);
	if (rc == -1)
		rc = 0;
	if (fclose(stdout) != 0 && (rc == 0 || rc == EX_TEMPFAIL)) {
		perror(PROG ": writing the summary");
		rc = EX_IOERR;
	}
	return rc;
}
