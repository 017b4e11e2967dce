/*
 * simcompare: compare experiments (or the cells of a study) metric by
 * metric and write comparison.csv, tests.csv, ranking.csv and
 * comparison.md: descriptive statistics, omnibus, pairwise, within and
 * normality tests, rankings with significance groups, and the sentence a
 * paper would write.  The statistics are the library's (src/lib/stats/).
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include <jansson.h>

#include "cli/cli.h"
#include "io/atomicfile.h"
#include "io/csvw.h"
#include "io/path.h"
#include "runfile/runset.h"
#include "stats/effect.h"
#include "stats/quantile.h"
#include "stats/rank.h"
#include "stats/shapiro.h"
#include "stats/stats.h"
#include "stats/tests.h"

#define PROG "simcompare"

/* The metrics, final ones first in simrun's order. */
#define N_FINAL RUN_N_METRICS
#define N_METRIC (N_FINAL + 4)
enum { M_CONV_STEP = N_FINAL, M_CONV_SHARE, M_N_STEPS, M_LLM_CALLS };

static const char *const extra_names[] = {
	"convergence_step", "converged_share", "n_steps", "llm_calls"
};

static const char *
metric_name(int m)
{
	return m < N_FINAL ? run_metric_names[m] : extra_names[m - N_FINAL];
}

struct options {
	const char *study;
	const char *outdir;
	double alpha;
	int metric[N_METRIC];      /* the metrics to compare, in order */
	int nmetric;
};

struct experiment {
	char *name;                /* cell name or directory basename */
	char *dir;
	char **varied;             /* text of each varied parameter, or NULL */
	struct runset rs;
	struct run **runs;         /* the ok runs */
	size_t nruns, ok, failed, incomplete;
	double *v[N_METRIC];       /* values of the ok runs, NAN left out */
	double *sorted[N_METRIC];  /* the same, ascending */
	size_t n[N_METRIC];
	double *init[N_FINAL], *fin[N_FINAL];   /* pairs with both values */
	size_t npair[N_FINAL];
	struct stats st[N_METRIC];
	double median[N_METRIC], q1[N_METRIC], q3[N_METRIC];
	double ci_lo[N_METRIC], ci_hi[N_METRIC];
};

struct study {
	struct experiment *e;
	size_t n;
	char **param;              /* varied parameter names, in plan order */
	size_t nparam;
};

/* Pairwise results of one metric, pair index of (i < j). */
struct pair {
	size_t i, j;
	struct test_result welch, mwu;
	struct effect d, delta;
	double welch_holm, mwu_holm;
};

struct metric_result {
	int m;
	struct test_result anova, kruskal;
	struct pair *pairs;
	size_t npairs;
	struct test_result *wilcoxon, *paired, *shapiro;  /* by experiment */
	double *rank;              /* average rank by mean, 1 = highest */
	char **group;              /* significance letters */
	size_t *order;             /* experiments by rank */
};

__attribute__((format(printf, 1, 2)))
static void
fail(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
oom(void)
{
	fail("out of memory");
	return EX_OSERR;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: simcompare [--study DIR | EXPERIMENT_DIR...] [--metrics LIST]\n"
	    "                  [--output-dir DIR] [--alpha A]\n"
	    "Compares experiments metric by metric; writes comparison.csv,\n"
	    "tests.csv, ranking.csv and comparison.md into --output-dir (default:\n"
	    "the study directory with --study, else .).\n"
	    "  --study DIR       the cells of a study (DIR/plan.jsonl)\n"
	    "  --metrics LIST    comma list of: clusters, switch_rate, distance,\n"
	    "                    mix_deviation, share, ghetto_rate,\n"
	    "                    dissimilarity_index, convergence_step,\n"
	    "                    converged_share, n_steps, llm_calls (default all)\n"
	    "  --alpha A         significance level, 0 < A < 1 (default 0.05)\n"
	    "  --help, --version\n");
}

static int
parse_metrics(const char *list, struct options *o)
{
	const char *p = list;

	o->nmetric = 0;
	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		int found = -1;

		if (len == 0) {
			fail("--metrics: an empty name in '%s'; give metric names "
			    "separated by commas", list);
			return EX_USAGE;
		}

		for (int m = 0; m < N_METRIC; m++)
			if (strlen(metric_name(m)) == len &&
			    strncmp(metric_name(m), p, len) == 0)
				found = m;
		if (found < 0) {
			fail("--metrics: unknown metric '%.*s'; known: clusters, "
			    "switch_rate, distance, mix_deviation, share, "
			    "ghetto_rate, dissimilarity_index, convergence_step, "
			    "converged_share, n_steps, llm_calls", (int)len, p);
			return EX_USAGE;
		}
		for (int k = 0; k < o->nmetric; k++)
			if (o->metric[k] == found) {
				fail("--metrics: '%s' given twice",
				    metric_name(found));
				return EX_USAGE;
			}
		o->metric[o->nmetric++] = found;
		p += len;
		if (*p == ',')
			p++;
	}
	if (o->nmetric == 0) {
		fail("--metrics: empty list; give metric names separated by commas");
		return EX_USAGE;
	}
	return 0;
}

static int
take_option(void *options, int c, char *arg)
{
	struct options *o = options;
	char *end;

	switch (c) {
	case 's':
		o->study = arg;
		return 0;
	case 'm':
		return parse_metrics(arg, o);
	case 'o':
		if (*arg == '\0') {
			fail("--output-dir: empty directory name");
			return EX_USAGE;
		}
		o->outdir = arg;
		return 0;
	case 'a':
		errno = 0;
		o->alpha = strtod(arg, &end);
		if (*arg == '\0' || *end != '\0' || errno != 0 ||
		    !(o->alpha > 0 && o->alpha < 1)) {
			fail("--alpha: '%s' is not a number between 0 and 1 "
			    "(e.g. 0.05)", arg);
			return EX_USAGE;
		}
		return 0;
	}
	return cli_usage_error(PROG, "unhandled option", NULL);
}

static int
parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "study", required_argument, NULL, 's' },
		{ "metrics", required_argument, NULL, 'm' },
		{ "output-dir", required_argument, NULL, 'o' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli c = { PROG, longopts, usage, take_option, o, 1 };
	int rc;

	o->nmetric = N_METRIC;
	for (int m = 0; m < N_METRIC; m++)
		o->metric[m] = m;
	if ((rc = cli_read(&c, argc, argv, 1)) != 0)
		return rc;
	if (o->study != NULL && optind < argc) {
		fail("give either --study DIR or experiment directories, not both");
		return EX_USAGE;
	}
	if (o->study == NULL && optind >= argc) {
		fail("no experiments; give experiment directories or --study DIR "
		    "(see --help)");
		return EX_USAGE;
	}
	if (o->outdir == NULL)
		o->outdir = o->study != NULL ? o->study : ".";
	return 0;
}

static char *
xstrdup(const char *s)
{
	size_t len = strlen(s) + 1;
	char *p = malloc(len);

	if (p != NULL)
		memcpy(p, s, len);
	return p;
}



static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the .jsonl files of DIR/runs into e->rs; 0 or an exit status. */
static int
read_experiment(struct experiment *e)
{
	char *runs, **names = NULL;
	size_t nn = 0, cap = 0;
	struct stat sb;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (stat(e->dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		fail("cannot read experiment directory %s: %s (give directories "
		    "made by bin/llm_runner)", e->dir,
		    errno && stat(e->dir, &sb) != 0 ? strerror(errno) :
		    "not a directory");
		return EX_NOINPUT;
	}
	if ((runs = path_join(e->dir, "runs")) == NULL)
		return oom();
	if ((d = opendir(runs)) == NULL) {
		if (errno == ENOENT) {
			fail("%s has no runs (no runs/ directory): run it first, "
			    "or finish it with bin/llm_runner --resume %s",
			    e->dir, e->dir);
			free(runs);
			return EX_DATAERR;
		}
		fail("cannot read %s: %s", runs, strerror(errno));
		free(runs);
		return EX_NOINPUT;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len < 7 || strcmp(de->d_name + len - 6, ".jsonl") != 0 ||
		    de->d_name[0] == '.')
			continue;
		if (nn == cap) {
			char **p;

			cap = cap ? cap * 2 : 256;
			if ((p = realloc(names, cap * sizeof(*p))) == NULL) {
				rc = oom();
				goto out;
			}
			names = p;
		}
		if ((names[nn] = path_join(runs, de->d_name)) == NULL) {
			rc = oom();
			goto out;
		}
		nn++;
	}
	qsort(names, nn, sizeof(*names), cmp_str);
	for (size_t i = 0; i < nn && rc == 0; i++)
		rc = runset_read_file(&e->rs, names[i]);
	if (rc == 0 && e->rs.nslots == 0) {
		fail("%s has no runs (runs/ holds no run files): run it first, "
		    "or finish it with bin/llm_runner --resume %s", e->dir, e->dir);
		rc = EX_DATAERR;
	}
out:
	closedir(d);
	for (size_t i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	free(runs);
	return rc;
}

static double
metric_value(const struct run *r, int m)
{
	switch (m) {
	case M_CONV_STEP:
		return r->converged ? r->convergence_step : NAN;
	case M_CONV_SHARE:
		return r->converged ? 1 : 0;
	case M_N_STEPS:
		return r->n_steps;
	case M_LLM_CALLS:
		return r->llm_calls;
	default:
		return r->final[m];
	}
}

/* The values of the ok runs, the descriptive statistics. */
static int
collect(struct experiment *e)
{
	struct run **all;
	size_t nall;
	int rc;

	runset_warn_duplicates(&e->rs);
	if ((rc = runset_sort(&e->rs, &all, &nall)) != 0)
		return rc;
	e->nruns = nall;
	for (size_t i = 0; i < nall; i++) {
		if (run_is_ok(all[i]))
			all[e->ok++] = all[i];
		else if (all[i]->has_end)
			e->failed++;
		else
			e->incomplete++;
	}
	e->runs = all;
	if (e->ok == 0) {
		fail("%s has no finished ok runs (%zu failed, %zu incomplete): "
		    "finish it with bin/llm_runner --resume %s", e->dir, e->failed,
		    e->incomplete, e->dir);
		return EX_DATAERR;
	}
	for (int m = 0; m < N_METRIC; m++) {
		double *s;

		if ((e->v[m] = malloc(e->ok * sizeof(double))) == NULL)
			return oom();
		for (size_t i = 0; i < e->ok; i++) {
			double x = metric_value(e->runs[i], m);

			if (!isnan(x))
				e->v[m][e->n[m]++] = x;
		}
		stats_compute(e->v[m], e->n[m], &e->st[m]);
		if ((s = rank_sorted_copy(e->v[m], e->n[m])) == NULL)
			return oom();
		e->sorted[m] = s;
		e->median[m] = quantile_sorted(s, e->n[m], 0.5);
		e->q1[m] = quantile_sorted(s, e->n[m], 0.25);
		e->q3[m] = quantile_sorted(s, e->n[m], 0.75);
		/* stats.c's t interval; undefined with sd 0, as scipy's */
		e->ci_lo[m] = e->ci_hi[m] = NAN;
		if (e->n[m] >= 2 && e->st[m].sd > 0) {
			e->ci_lo[m] = e->st[m].ci_lo;
			e->ci_hi[m] = e->st[m].ci_hi;
		}
	}
	for (int m = 0; m < N_FINAL; m++) {
		e->init[m] = malloc(e->ok * sizeof(double));
		e->fin[m] = malloc(e->ok * sizeof(double));
		if (e->init[m] == NULL || e->fin[m] == NULL)
			return oom();
		for (size_t i = 0; i < e->ok; i++) {
			double a = e->runs[i]->initial[m], b = e->runs[i]->final[m];

			if (!isnan(a) && !isnan(b)) {
				e->init[m][e->npair[m]] = a;
				e->fin[m][e->npair[m]++] = b;
			}
		}
	}
	return 0;
}

/* The value of a varied parameter as CSV/Markdown text. */
static char *
value_text(const json_t *v)
{
	char buf[64];

	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		return xstrdup(buf);
	}
	if (json_is_real(v)) {
		snprintf(buf, sizeof(buf), "%.15g", json_real_value(v));
		return xstrdup(buf);
	}
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_true(v))
		return xstrdup("true");
	if (json_is_false(v))
		return xstrdup("false");
	if (json_is_null(v))
		return xstrdup("");
	{
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY), *t;

		if (s == NULL)
			return NULL;
		t = xstrdup(s);
		free(s);
		return t;
	}
}

static int
add_param(struct study *s, const char *name)
{
	char **p;

	for (size_t i = 0; i < s->nparam; i++)
		if (strcmp(s->param[i], name) == 0)
			return 0;
	if ((p = realloc(s->param, (s->nparam + 1) * sizeof(*p))) == NULL)
		return -1;
	s->param = p;
	if ((p[s->nparam] = xstrdup(name)) == NULL)
		return -1;
	s->nparam++;
	return 0;
}

/* DIR/plan.jsonl: the cells' names, varied parameters, experiment dirs. */
static int
read_plan(struct study *s, const char *dir)
{
	char *path, *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	json_t **cells = NULL;
	size_t ncells = 0;
	FILE *f;
	int rc = 0;

	if ((path = path_join(dir, "plan.jsonl")) == NULL)
		return oom();
	if ((f = fopen(path, "r")) == NULL) {
		fail("cannot read %s: %s (give a study directory made by "
		    "bin/simstudy)", path, strerror(errno));
		free(path);
		return EX_NOINPUT;
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		json_error_t err;
		json_t *o, **p, *v;

		lineno++;
		if (strspn(line, " \t\r\n") == (size_t)len)
			continue;
		if ((o = json_loads(line, 0, &err)) == NULL ||
		    !json_is_object(o)) {
			fail("%s line %zu: not a JSON object%s%s", path, lineno,
			    o == NULL ? ": " : "", o == NULL ? err.text : "");
			json_decref(o);
			rc = EX_DATAERR;
			break;
		}
		if (!json_is_string(json_object_get(o, "name")) ||
		    !json_is_string(json_object_get(o, "experiment")) ||
		    ((v = json_object_get(o, "varied")) != NULL &&
		    !json_is_object(v))) {
			fail("%s line %zu: a cell needs \"name\" and \"experiment\" "
			    "strings (and \"varied\", if given, an object)", path,
			    lineno);
			json_decref(o);
			rc = EX_DATAERR;
			break;
		}
		if ((p = realloc(cells, (ncells + 1) * sizeof(*p))) == NULL) {
			json_decref(o);
			rc = oom();
			break;
		}
		cells = p;
		cells[ncells++] = o;
	}
	if (rc == 0 && ferror(f)) {
		fail("cannot read %s: %s", path, strerror(errno));
		rc = EX_NOINPUT;
	}
	fclose(f);
	free(line);
	if (rc == 0 && ncells == 0) {
		fail("%s has no cells", path);
		rc = EX_DATAERR;
	}
	for (size_t c = 0; c < ncells && rc == 0; c++) {
		const char *key;
		json_t *v;

		json_object_foreach(json_object_get(cells[c], "varied"), key, v)
			if (add_param(s, key) != 0) {
				rc = oom();
				break;
			}
	}
	if (rc == 0 && (s->e = calloc(ncells, sizeof(*s->e))) == NULL)
		rc = oom();
	for (size_t c = 0; c < ncells && rc == 0; c++) {
		struct experiment *e = &s->e[c];
		json_t *varied = json_object_get(cells[c], "varied");

		s->n++;
		runset_init(&e->rs, PROG);
		e->rs.skip_steps = 1;
		e->name = xstrdup(json_string_value(json_object_get(cells[c],
		    "name")));
		e->dir = path_join(dir, json_string_value(json_object_get(
		    cells[c], "experiment")));
		e->varied = calloc(s->nparam ? s->nparam : 1, sizeof(char *));
		if (e->name == NULL || e->dir == NULL || e->varied == NULL) {
			rc = oom();
			break;
		}
		for (size_t k = 0; k < s->nparam; k++) {
			json_t *v = json_object_get(varied, s->param[k]);

			if (v != NULL && (e->varied[k] = value_text(v)) == NULL) {
				rc = oom();
				break;
			}
		}
	}
	for (size_t c = 0; c < ncells; c++)
		json_decref(cells[c]);
	free(cells);
	free(path);
	return rc;
}

static int
from_dirs(struct study *s, int n, char **dirs)
{
	if ((s->e = calloc((size_t)n, sizeof(*s->e))) == NULL)
		return oom();
	for (int i = 0; i < n; i++) {
		struct experiment *e = &s->e[i];

		s->n++;
		runset_init(&e->rs, PROG);
		e->rs.skip_steps = 1;
		e->dir = xstrdup(dirs[i]);
		e->name = path_last(dirs[i], NULL);
		if (e->dir == NULL || e->name == NULL)
			return oom();
	}
	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(s->e[i].name, s->e[j].name) == 0) {
				fail("two experiments are named %s (%s and %s); "
				    "give directories with different names",
				    s->e[i].name, s->e[j].dir, s->e[i].dir);
				return EX_USAGE;
			}
	return 0;
}

/* ---- the tests ---------------------------------------------------- */

/* The pair of experiments x != y: pairs are (i < j) in row order. */
static const struct pair *
find_pair(const struct metric_result *mr, size_t k, size_t x, size_t y)
{
	size_t i = x < y ? x : y, j = x < y ? y : x;

	return &mr->pairs[i * (2 * k - i - 1) / 2 + (j - i - 1)];
}

static int
rank_experiments(const struct study *s, struct metric_result *mr, double alpha)
{
	size_t k = s->n, nseg = 0, last_end = 0, *segs = NULL;
	double *neg;
	int m = mr->m;
	char **letters;

	neg = malloc(k * sizeof(*neg));
	mr->rank = malloc(k * sizeof(*mr->rank));
	mr->order = malloc(k * sizeof(*mr->order));
	mr->group = calloc(k, sizeof(*mr->group));
	letters = calloc(k, sizeof(*letters));
	if (neg == NULL || mr->rank == NULL ||
	    mr->order == NULL || mr->group == NULL || letters == NULL) {
		free(neg);
		free(letters);
		return -1;
	}
	/* rank 1 = the highest mean; experiments without values last */
	for (size_t i = 0; i < k; i++)
		neg[i] = s->e[i].n[m] ? -s->e[i].st[m].mean : INFINITY;
	if (rank_average(neg, k, mr->rank, NULL) != 0) {
		free(neg);
		free(letters);
		return -1;
	}
	for (size_t i = 0; i < k; i++)
		mr->order[i] = i;
	/* insertion sort by rank, then input order: k is small */
	for (size_t i = 1; i < k; i++)
		for (size_t j = i; j > 0 && mr->rank[mr->order[j - 1]] >
		    mr->rank[mr->order[j]]; j--) {
			size_t t = mr->order[j];

			mr->order[j] = mr->order[j - 1];
			mr->order[j - 1] = t;
		}
	/*
	 * Groups: each maximal run of consecutive experiments (in rank order)
	 * no two of which differ significantly (Holm-adjusted Welch t below
	 * alpha) gets a letter; experiments sharing a letter do not differ.
	 */
	segs = malloc(2 * k * sizeof(*segs));
	if (segs == NULL)
		goto oom;
	for (size_t a = 0; a < k; a++) {
		size_t b = a;

		while (b + 1 < k) {
			int ok = 1;

			for (size_t c = a; c <= b && ok; c++) {
				const struct pair *pr = find_pair(mr, k,
				    mr->order[c], mr->order[b + 1]);

				if (!isnan(pr->welch_holm) &&
				    pr->welch_holm < alpha)
					ok = 0;
			}
			if (!ok)
				break;
			b++;
		}
		if (nseg == 0 || b + 1 > last_end) {
			segs[2 * nseg] = a;
			segs[2 * nseg + 1] = b;
			nseg++;
			last_end = b + 1;
		}
	}
	/*
	 * Letters a .. z; past 26 groups, tokens a1 .. z1, a2 ... separated
	 * by spaces.  Each token is at most 22 characters.
	 */
	for (size_t g = 0; g < nseg; g++)
		for (size_t c = segs[2 * g]; c <= segs[2 * g + 1]; c++) {
			size_t x = mr->order[c], len = letters[x] ?
			    strlen(letters[x]) : 0;
			char *t = realloc(letters[x], len + 24);

			if (t == NULL)
				goto oom;
			letters[x] = t;
			if (nseg <= 26)
				snprintf(t + len, 24, "%c", (char)('a' + g));
			else
				snprintf(t + len, 24, "%s%c%zu", len ? " " : "",
				    (char)('a' + g % 26), g / 26);
		}
	for (size_t i = 0; i < k; i++)
		mr->group[i] = letters[i];
	free(letters);
	free(segs);
	free(neg);
	return 0;
oom:
	for (size_t i = 0; i < k; i++)
		free(letters[i]);
	free(letters);
	free(segs);
	free(neg);
	return -1;
}

static int
compute_metric(const struct study *s, int m, struct metric_result *mr,
    double alpha)
{
	size_t k = s->n, np = k * (k - 1) / 2, p = 0;
	const double **g;
	size_t *n;
	double *pw, *pm, *aw, *am;
	int rc = 0;

	memset(mr, 0, sizeof(*mr));
	mr->m = m;
	g = malloc(k * sizeof(*g));
	n = malloc(k * sizeof(*n));
	mr->pairs = calloc(np ? np : 1, sizeof(*mr->pairs));
	mr->wilcoxon = calloc(k, sizeof(*mr->wilcoxon));
	mr->paired = calloc(k, sizeof(*mr->paired));
	mr->shapiro = calloc(k, sizeof(*mr->shapiro));
	pw = malloc((np ? np : 1) * sizeof(*pw));
	pm = malloc((np ? np : 1) * sizeof(*pm));
	aw = malloc((np ? np : 1) * sizeof(*aw));
	am = malloc((np ? np : 1) * sizeof(*am));
	if (g == NULL || n == NULL || mr->pairs == NULL || mr->wilcoxon == NULL ||
	    mr->paired == NULL || mr->shapiro == NULL || pw == NULL ||
	    pm == NULL || aw == NULL || am == NULL) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < k; i++) {
		g[i] = s->e[i].v[m];
		n[i] = s->e[i].n[m];
	}
	mr->npairs = np;
	if (test_welch_anova(g, n, k, &mr->anova) != 0 ||
	    test_kruskal(g, n, k, &mr->kruskal) != 0) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < k; i++)
		for (size_t j = i + 1; j < k; j++, p++) {
			struct pair *pr = &mr->pairs[p];

			pr->i = i;
			pr->j = j;
			if (test_welch_t(g[i], n[i], g[j], n[j], &pr->welch) != 0 ||
			    test_mann_whitney_sorted(s->e[i].sorted[m], n[i],
			    s->e[j].sorted[m], n[j], &pr->mwu) != 0) {
				rc = -1;
				goto out;
			}
			effect_cliffs_delta_sorted(s->e[i].sorted[m], n[i],
			    s->e[j].sorted[m], n[j], 0.95, &pr->delta);
			effect_cohen_d(g[i], n[i], g[j], n[j], 0.95, &pr->d);
			pw[p] = pr->welch.p;
			pm[p] = pr->mwu.p;
		}
	if (test_holm(pw, np, aw) != 0 || test_holm(pm, np, am) != 0) {
		rc = -1;
		goto out;
	}
	for (p = 0; p < np; p++) {
		mr->pairs[p].welch_holm = aw[p];
		mr->pairs[p].mwu_holm = am[p];
	}
	for (size_t i = 0; i < k; i++) {
		const struct experiment *e = &s->e[i];

		if (test_shapiro(g[i], n[i], &mr->shapiro[i]) != 0) {
			rc = -1;
			goto out;
		}
		if (m < N_FINAL &&
		    (test_wilcoxon(e->fin[m], e->init[m], e->npair[m],
		    &mr->wilcoxon[i]) != 0 ||
		    test_paired_t(e->fin[m], e->init[m], e->npair[m],
		    &mr->paired[i]) != 0)) {
			rc = -1;
			goto out;
		}
	}
	rc = rank_experiments(s, mr, alpha);
out:
	free(g);
	free(n);
	free(pw);
	free(pm);
	free(aw);
	free(am);
	return rc;
}

static void
free_metric(const struct study *s, struct metric_result *mr)
{
	free(mr->pairs);
	free(mr->wilcoxon);
	free(mr->paired);
	free(mr->shapiro);
	free(mr->rank);
	free(mr->order);
	if (mr->group != NULL)
		for (size_t i = 0; i < s->n; i++)
			free(mr->group[i]);
	free(mr->group);
}

/* ---- writing -------------------------------------------------------- */

/* A number for CSV: 12 significant digits, empty when undefined. */
static void
num(FILE *f, double x)
{
	if (!isnan(x) && !isinf(x))
		fprintf(f, "%.12g", x);
	else if (isinf(x))
		fputs(x > 0 ? "inf" : "-inf", f);
}


static void
write_comparison_csv(FILE *f, const struct study *s, const struct options *o)
{
	fputs("experiment,", f);
	for (size_t k = 0; k < s->nparam; k++) {
		csv_put_text(f, s->param[k]);
		fputc(',', f);
	}
	fputs("metric,n,mean,sd,ci_lo,ci_hi,median,q1,q3,iqr\n", f);
	for (size_t i = 0; i < s->n; i++) {
		const struct experiment *e = &s->e[i];

		for (int mi = 0; mi < o->nmetric; mi++) {
			int m = o->metric[mi];

			csv_put_text(f, e->name);
			fputc(',', f);
			for (size_t k = 0; k < s->nparam; k++) {
				csv_put_text(f, e->varied ? e->varied[k] : NULL);
				fputc(',', f);
			}
			fprintf(f, "%s,%zu,", metric_name(m), e->n[m]);
			num(f, e->st[m].mean);
			fputc(',', f);
			num(f, e->st[m].sd);
			fputc(',', f);
			num(f, e->ci_lo[m]);
			fputc(',', f);
			num(f, e->ci_hi[m]);
			fputc(',', f);
			num(f, e->median[m]);
			fputc(',', f);
			num(f, e->q1[m]);
			fputc(',', f);
			num(f, e->q3[m]);
			fputc(',', f);
			num(f, e->q3[m] - e->q1[m]);
			fputc('\n', f);
		}
	}
}

static const char tests_header[] =
    "metric,kind,test,experiment,other,n,n_other,statistic,df,df2,p,p_holm,"
    "method,effect,effect_value,effect_ci_lo,effect_ci_hi,note\n";

static void
test_row(FILE *f, int m, const char *kind, const char *test, const char *a,
    const char *b, size_t n, size_t nb, const struct test_result *r,
    double holm, const char *effect, const struct effect *ef)
{
	const char *note = r->undefined, *prefix = "undefined";

	fprintf(f, "%s,%s,%s,", metric_name(m), kind, test);
	csv_put_text(f, a);
	fputc(',', f);
	csv_put_text(f, b);
	fprintf(f, ",%zu,", n);
	if (b != NULL)
		fprintf(f, "%zu", nb);
	fputc(',', f);
	num(f, r->stat);
	fputc(',', f);
	num(f, r->df1);
	fputc(',', f);
	num(f, r->df2);
	fputc(',', f);
	num(f, r->p);
	fputc(',', f);
	num(f, holm);
	fprintf(f, ",%s,%s,", r->method ? r->method : "", effect ? effect : "");
	if (ef != NULL) {
		num(f, ef->value);
		fputc(',', f);
		num(f, ef->ci_lo);
		fputc(',', f);
		num(f, ef->ci_hi);
		if (note == NULL && ef->undefined != NULL) {
			note = ef->undefined;
			prefix = "effect undefined";
		} else if (note == NULL && ef->ci_undefined != NULL) {
			note = ef->ci_undefined;
			prefix = "effect interval undefined";
		}
	} else {
		fputs(",,", f);
	}
	fputc(',', f);
	if (note != NULL) {
		char buf[200];

		snprintf(buf, sizeof(buf), "%s: %s", prefix, note);
		csv_put_text(f, buf);
	}
	fputc('\n', f);
}

static void
write_tests_csv(FILE *f, const struct study *s, const struct metric_result *mrs,
    int nm)
{
	fputs(tests_header, f);
	for (int mi = 0; mi < nm; mi++) {
		const struct metric_result *mr = &mrs[mi];
		size_t total = 0;
		int m = mr->m;

		for (size_t i = 0; i < s->n; i++)
			total += s->e[i].n[m];
		test_row(f, m, "omnibus", "welch_anova", NULL, NULL, total, 0,
		    &mr->anova, NAN, NULL, NULL);
		test_row(f, m, "omnibus", "kruskal_wallis", NULL, NULL, total, 0,
		    &mr->kruskal, NAN, NULL, NULL);
		for (size_t p = 0; p < mr->npairs; p++) {
			const struct pair *pr = &mr->pairs[p];
			const struct experiment *a = &s->e[pr->i], *b = &s->e[pr->j];

			test_row(f, m, "pairwise", "welch_t", a->name, b->name,
			    a->n[m], b->n[m], &pr->welch, pr->welch_holm,
			    "cohen_d", &pr->d);
			test_row(f, m, "pairwise", "mann_whitney_u", a->name,
			    b->name, a->n[m], b->n[m], &pr->mwu, pr->mwu_holm,
			    "cliffs_delta", &pr->delta);
		}
		for (size_t i = 0; i < s->n && m < N_FINAL; i++) {
			const struct experiment *e = &s->e[i];

			test_row(f, m, "within", "wilcoxon_signed_rank", e->name,
			    NULL, e->npair[m], 0, &mr->wilcoxon[i], NAN, NULL,
			    NULL);
			test_row(f, m, "within", "paired_t", e->name, NULL,
			    e->npair[m], 0, &mr->paired[i], NAN, NULL, NULL);
		}
		for (size_t i = 0; i < s->n; i++)
			test_row(f, m, "normality", "shapiro_wilk", s->e[i].name,
			    NULL, s->e[i].n[m], 0, &mr->shapiro[i], NAN, NULL,
			    NULL);
	}
}

static void
write_ranking_csv(FILE *f, const struct study *s,
    const struct metric_result *mrs, int nm)
{
	fputs("metric,rank,experiment,n,mean,median,group\n", f);
	for (int mi = 0; mi < nm; mi++) {
		const struct metric_result *mr = &mrs[mi];

		for (size_t r = 0; r < s->n; r++) {
			size_t i = mr->order[r];
			const struct experiment *e = &s->e[i];

			fprintf(f, "%s,", metric_name(mr->m));
			num(f, mr->rank[i]);
			fputc(',', f);
			csv_put_text(f, e->name);
			fprintf(f, ",%zu,", e->n[mr->m]);
			num(f, e->st[mr->m].mean);
			fputc(',', f);
			num(f, e->median[mr->m]);
			fprintf(f, ",%s\n", mr->group[i] ? mr->group[i] : "");
		}
	}
}

/* A number for reading: 4 significant digits, or the reason it is missing. */
static void
md_num(FILE *f, double x)
{
	if (isnan(x))
		fputs("—", f);
	else
		fprintf(f, "%.4g", x);
}

static void
md_p(FILE *f, double p)
{
	if (isnan(p))
		fputs("—", f);
	else if (p < 0.001)
		fprintf(f, "%.2g", p);
	else
		fprintf(f, "%.3f", p);
}

/* Markdown cell text: pipes escaped */
static void
md_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputc('\\', f);
		fputc(*s, f);
	}
}

/* Which tests to trust: how many samples Shapiro-Wilk finds not normal. */
static void
md_normality(FILE *f, const struct study *s, const struct metric_result *mr,
    double alpha)
{
	size_t tested = 0, rejected = 0;

	for (size_t i = 0; i < s->n; i++)
		if (mr->shapiro[i].undefined == NULL) {
			tested++;
			if (mr->shapiro[i].p < alpha)
				rejected++;
		}
	if (rejected > 0)
		fprintf(f, " Shapiro–Wilk rejects normality in %zu of %zu "
		    "experiments (p < %g): prefer the rank tests (Kruskal–Wallis, "
		    "Mann–Whitney).", rejected, tested, alpha);
}

/* The sentence a paper would write: the highest against the lowest. */
static void
md_sentence(FILE *f, const struct study *s, const struct metric_result *mr,
    double alpha)
{
	int m = mr->m;
	size_t hi = mr->order[0], lo = mr->order[s->n - 1];
	const struct experiment *a = &s->e[hi], *b = &s->e[lo];
	const struct pair *pr = hi != lo ? find_pair(mr, s->n, hi, lo) : NULL;
	const char *name = metric_name(m);
	double d, sgn;

	if (s->n < 2) {
		fprintf(f, "One experiment: nothing to compare %s with (its "
		    "within-experiment tests follow).\n\n", name);
		return;
	}
	if (s->n > 2) {
		if (mr->anova.undefined == NULL) {
			fprintf(f, "Across the %zu experiments, %s %s (Welch's "
			    "F(%.0f, %.1f) = %.3g, p = ", s->n, name,
			    mr->anova.p < alpha ? "differs" :
			    "does not differ significantly", mr->anova.df1,
			    mr->anova.df2, mr->anova.stat);
			md_p(f, mr->anova.p);
		} else {
			fprintf(f, "Across the %zu experiments, Welch's ANOVA of %s "
			    "is undefined (%s", s->n, name, mr->anova.undefined);
		}
		if (mr->kruskal.undefined == NULL) {
			fprintf(f, "; Kruskal–Wallis H(%.0f) = %.3g, p = ",
			    mr->kruskal.df1, mr->kruskal.stat);
			md_p(f, mr->kruskal.p);
		} else {
			fprintf(f, "; Kruskal–Wallis undefined: %s",
			    mr->kruskal.undefined);
		}
		fputs("). ", f);
	}
	if (pr == NULL || a->n[m] == 0 || b->n[m] == 0) {
		fprintf(f, "%s has too few values to compare.\n\n", name);
		return;
	}
	if (pr->welch.undefined != NULL) {
		fprintf(f, "%s and %s cannot be compared on %s with Welch's t "
		    "(%s): ", a->name, b->name, name, pr->welch.undefined);
		md_num(f, a->st[m].mean);
		fputs(" vs ", f);
		md_num(f, b->st[m].mean);
		fputs(".\n\n", f);
		return;
	}
	if (pr->welch_holm < alpha)
		fprintf(f, "**%s** has a higher %s than **%s**: ", a->name, name,
		    b->name);
	else
		fprintf(f, "**%s** and **%s** do not differ significantly in %s: ",
		    a->name, b->name, name);
	md_num(f, a->st[m].mean);
	fputs(" vs ", f);
	md_num(f, b->st[m].mean);
	/* the pair's tests are of (i, j) in input order; report hi vs lo */
	sgn = pr->i == hi ? 1 : -1;
	fprintf(f, " (Welch's t(%.1f) = %.3g, p_Holm = ", pr->welch.df1,
	    sgn * pr->welch.stat);
	md_p(f, pr->welch_holm);
	d = pr->d.value;
	if (!isnan(d)) {
		fprintf(f, "; Cohen's d = %.2f [%.2f, %.2f]", sgn * d,
		    sgn > 0 ? pr->d.ci_lo : -pr->d.ci_hi,
		    sgn > 0 ? pr->d.ci_hi : -pr->d.ci_lo);
	}
	if (pr->mwu.undefined == NULL) {
		fputs("; Mann–Whitney p_Holm = ", f);
		md_p(f, pr->mwu_holm);
	}
	fputs(").", f);
	md_normality(f, s, mr, alpha);
	fputs("\n\n", f);
}

static void
md_metric(FILE *f, const struct study *s, const struct metric_result *mr,
    double alpha)
{
	int m = mr->m;

	fprintf(f, "## %s\n\n", metric_name(m));
	md_sentence(f, s, mr, alpha);
	fputs("| rank | experiment | n | mean | sd | 95% CI | median [IQR] | "
	    "group | Shapiro–Wilk p |\n|---:|---|---:|---:|---:|---|---|---|---:|\n",
	    f);
	for (size_t r = 0; r < s->n; r++) {
		size_t i = mr->order[r];
		const struct experiment *e = &s->e[i];

		fputs("| ", f);
		md_num(f, mr->rank[i]);
		fputs(" | ", f);
		md_text(f, e->name);
		fprintf(f, " | %zu | ", e->n[m]);
		md_num(f, e->st[m].mean);
		fputs(" | ", f);
		md_num(f, e->st[m].sd);
		fputs(" | ", f);
		if (isnan(e->ci_lo[m])) {
			fputs("—", f);
		} else {
			fputc('[', f);
			md_num(f, e->ci_lo[m]);
			fputs(", ", f);
			md_num(f, e->ci_hi[m]);
			fputc(']', f);
		}
		fputs(" | ", f);
		md_num(f, e->median[m]);
		fputs(" [", f);
		md_num(f, e->q1[m]);
		fputs(", ", f);
		md_num(f, e->q3[m]);
		fprintf(f, "] | %s | ", mr->group[i] ? mr->group[i] : "");
		if (mr->shapiro[i].undefined != NULL)
			fprintf(f, "undefined: %s", mr->shapiro[i].undefined);
		else
			md_p(f, mr->shapiro[i].p);
		fputs(" |\n", f);
	}
	fputc('\n', f);
	if (mr->npairs > 0) {
		fputs("| pair | Welch t | df | p_Holm | Cohen's d [95% CI] | "
		    "U | p_Holm | Cliff's δ [95% CI] |\n"
		    "|---|---:|---:|---:|---|---:|---:|---|\n", f);
		for (size_t p = 0; p < mr->npairs; p++) {
			const struct pair *pr = &mr->pairs[p];

			fputs("| ", f);
			md_text(f, s->e[pr->i].name);
			fputs(" vs ", f);
			md_text(f, s->e[pr->j].name);
			fputs(" | ", f);
			if (pr->welch.undefined) {
				fprintf(f, "undefined: %s | — | — | ",
				    pr->welch.undefined);
			} else {
				md_num(f, pr->welch.stat);
				fputs(" | ", f);
				md_num(f, pr->welch.df1);
				fputs(" | ", f);
				md_p(f, pr->welch_holm);
				fputs(" | ", f);
			}
			if (pr->d.undefined) {
				fputs("— | ", f);
			} else {
				fprintf(f, "%.2f [%.2f, %.2f] | ", pr->d.value,
				    pr->d.ci_lo, pr->d.ci_hi);
			}
			if (pr->mwu.undefined) {
				fprintf(f, "undefined: %s | — | ", pr->mwu.undefined);
			} else {
				md_num(f, pr->mwu.stat);
				fputs(" | ", f);
				md_p(f, pr->mwu_holm);
				fputs(" | ", f);
			}
			if (pr->delta.undefined)
				fputs("—", f);
			else if (pr->delta.ci_undefined)
				fprintf(f, "%.2f", pr->delta.value);
			else
				fprintf(f, "%.2f [%.2f, %.2f]", pr->delta.value,
				    pr->delta.ci_lo, pr->delta.ci_hi);
			fputs(" |\n", f);
		}
		fputc('\n', f);
	}
	if (m < N_FINAL) {
		fputs("Initial → final grid, within each experiment:\n\n"
		    "| experiment | mean change | paired t | p | Wilcoxon W | p |\n"
		    "|---|---:|---:|---:|---:|---:|\n", f);
		for (size_t i = 0; i < s->n; i++) {
			const struct experiment *e = &s->e[i];
			const struct test_result *t = &mr->paired[i],
			    *w = &mr->wilcoxon[i];
			double change = 0;

			for (size_t j = 0; j < e->npair[m]; j++)
				change += e->fin[m][j] - e->init[m][j];
			fputs("| ", f);
			md_text(f, e->name);
			fputs(" | ", f);
			md_num(f, e->npair[m] ? change / (double)e->npair[m] : NAN);
			fputs(" | ", f);
			if (t->undefined) {
				fprintf(f, "undefined: %s | — | ", t->undefined);
			} else {
				md_num(f, t->stat);
				fputs(" | ", f);
				md_p(f, t->p);
				fputs(" | ", f);
			}
			if (w->undefined) {
				fprintf(f, "undefined: %s | — |\n", w->undefined);
			} else {
				md_num(f, w->stat);
				fputs(" | ", f);
				md_p(f, w->p);
				fputs(" |\n", f);
			}
		}
		fputc('\n', f);
	}
}

static void
write_markdown(FILE *f, const struct study *s, const struct options *o,
    const struct metric_result *mrs)
{
	fprintf(f, "# Comparison of %zu experiments\n\n", s->n);
	fputs("| experiment | ", f);
	for (size_t k = 0; k < s->nparam; k++) {
		md_text(f, s->param[k]);
		fputs(" | ", f);
	}
	fputs("runs | ok | failed | incomplete | directory |\n|---|", f);
	for (size_t k = 0; k < s->nparam; k++)
		fputs("---|", f);
	fputs("---:|---:|---:|---:|---|\n", f);
	for (size_t i = 0; i < s->n; i++) {
		const struct experiment *e = &s->e[i];

		fputs("| ", f);
		md_text(f, e->name);
		fputs(" | ", f);
		for (size_t k = 0; k < s->nparam; k++) {
			md_text(f, e->varied ? e->varied[k] : NULL);
			fputs(" | ", f);
		}
		fprintf(f, "%zu | %zu | %zu | %zu | ", e->nruns, e->ok, e->failed,
		    e->incomplete);
		md_text(f, e->dir);
		fputs(" |\n", f);
	}
	fprintf(f, "\nOnly ok runs are compared. Significance level α = %g; "
	    "pairwise p-values are Holm-adjusted over the %zu pairs of each "
	    "metric and test. Groups: experiments sharing a letter do not "
	    "differ significantly (Welch's t, p_Holm ≥ α). Ranks: 1 = the "
	    "highest mean, ties averaged.\n\n", o->alpha,
	    s->n * (s->n - 1) / 2);
	for (int mi = 0; mi < o->nmetric; mi++)
		md_metric(f, s, &mrs[mi], o->alpha);
}

/* mkdir -p: 0, or -1 with errno */
static int
mkdir_p(const char *dir)
{
	char *p = xstrdup(dir);
	int rc = 0;

	if (p == NULL)
		return -1;
	for (char *q = p + 1; *q != '\0' && rc == 0; q++)
		if (*q == '/') {
			*q = '\0';
			if (mkdir(p, 0777) != 0 && errno != EEXIST)
				rc = -1;
			*q = '/';
		}
	if (rc == 0 && mkdir(p, 0777) != 0 && errno != EEXIST)
		rc = -1;
	if (rc == 0) {
		struct stat sb;

		if (stat(p, &sb) != 0)
			rc = -1;
		else if (!S_ISDIR(sb.st_mode)) {
			errno = ENOTDIR;
			rc = -1;
		}
	}
	free(p);
	return rc;
}

enum { OUT_COMPARISON, OUT_TESTS, OUT_RANKING, OUT_MD, N_OUT };

static const char *const out_names[N_OUT] = {
	"comparison.csv", "tests.csv", "ranking.csv", "comparison.md"
};

static int
write_outputs(const struct study *s, const struct options *o,
    const struct metric_result *mrs)
{
	struct atomic_file af[N_OUT];
	int opened = 0, rc = 0;
	struct stat sb;

	if (stat(o->outdir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		if (mkdir_p(o->outdir) != 0) {
			fail("cannot create output directory %s: %s", o->outdir,
			    strerror(errno));
			return EX_CANTCREAT;
		}
	}
	for (; opened < N_OUT; opened++) {
		char *path = path_join(o->outdir, out_names[opened]);

		if (path == NULL) {
			rc = oom();
			break;
		}
		if (atomic_open(&af[opened], path) != 0) {
			fail("cannot create %s: %s", path, strerror(errno));
			free(path);
			rc = EX_CANTCREAT;
			break;
		}
		free(path);
	}
	if (rc == 0) {
		write_comparison_csv(af[OUT_COMPARISON].f, s, o);
		write_tests_csv(af[OUT_TESTS].f, s, mrs, o->nmetric);
		write_ranking_csv(af[OUT_RANKING].f, s, mrs, o->nmetric);
		write_markdown(af[OUT_MD].f, s, o, mrs);
		for (int i = 0; i < N_OUT; i++)
			if (ferror(af[i].f)) {
				fail("cannot write %s/%s: %s", o->outdir,
				    out_names[i], strerror(errno));
				rc = EX_IOERR;
			}
	}
	for (int i = 0; i < opened; i++) {
		if (rc != 0) {
			atomic_abort(&af[i]);
		} else if (atomic_commit(&af[i]) != 0) {
			fail("cannot write %s/%s: %s", o->outdir, out_names[i],
			    strerror(errno));
			rc = EX_IOERR;
		}
	}
	return rc;
}

static void
free_study(struct study *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct experiment *e = &s->e[i];

		free(e->name);
		free(e->dir);
		if (e->varied != NULL)
			for (size_t k = 0; k < s->nparam; k++)
				free(e->varied[k]);
		free(e->varied);
		free(e->runs);
		for (int m = 0; m < N_METRIC; m++) {
			free(e->v[m]);
			free(e->sorted[m]);
		}
		for (int m = 0; m < N_FINAL; m++) {
			free(e->init[m]);
			free(e->fin[m]);
		}
		runset_free(&e->rs);
	}
	free(s->e);
	for (size_t k = 0; k < s->nparam; k++)
		free(s->param[k]);
	free(s->param);
}

static int
compare(struct study *s, const struct options *o)
{
	struct metric_result *mrs;
	size_t failed = 0, incomplete = 0;
	int rc = 0, nm = 0;

	for (size_t i = 0; i < s->n && rc == 0; i++)
		if ((rc = read_experiment(&s->e[i])) == 0)
			rc = collect(&s->e[i]);
	if (rc != 0)
		return rc == -1 ? oom() : rc;
	if ((mrs = calloc((size_t)o->nmetric, sizeof(*mrs))) == NULL)
		return oom();
	for (; nm < o->nmetric; nm++)
		if (compute_metric(s, o->metric[nm], &mrs[nm], o->alpha) != 0) {
			free_metric(s, &mrs[nm]);
			rc = oom();
			break;
		}
	if (rc == 0)
		rc = write_outputs(s, o, mrs);
	for (int i = 0; i < nm; i++)
		free_metric(s, &mrs[i]);
	free(mrs);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < s->n; i++) {
		failed += s->e[i].failed;
		incomplete += s->e[i].incomplete;
		if (s->e[i].failed || s->e[i].incomplete)
			fprintf(stderr, PROG ": %s: %zu failed and %zu incomplete "
			    "runs left out of the comparison (finish them with "
			    "bin/llm_runner --resume %s)\n", s->e[i].dir,
			    s->e[i].failed, s->e[i].incomplete, s->e[i].dir);
	}
	printf("Compared %zu experiment%s on %d metric%s. Results saved to: %s\n",
	    s->n, s->n == 1 ? "" : "s", o->nmetric, o->nmetric == 1 ? "" : "s",
	    o->outdir);
	return failed || incomplete ? EX_TEMPFAIL : 0;
}

int
main(int argc, char **argv)
{
	struct options o = { NULL, NULL, 0.05, { 0 }, 0 };
	struct study s = { NULL, 0, NULL, 0 };
	int rc;

	if ((rc = parse_args(argc, argv, &o)) == 0) {
		if (o.study != NULL)
			rc = read_plan(&s, o.study);
		else
			rc = from_dirs(&s, argc - optind, argv + optind);
		if (rc == 0)
			rc = compare(&s, &o);
	}
	free_study(&s);
	if (rc == -1)
		rc = 0;
	if (fclose(stdout) != 0 && (rc == 0 || rc == EX_TEMPFAIL)) {
		perror(PROG ": writing to stdout");
		rc = EX_IOERR;
	}
	return rc;
}
