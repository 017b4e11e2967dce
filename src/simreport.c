/*
 * simreport: one self-contained HTML page for an experiment or a study
 * directory, its figures drawn by gnuplot as SVG and inlined, nothing
 * fetched from the network, readable printed.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "io/atomicfile.h"
#include "io/path.h"
#include "plot/batch.h"
#include "plot/distribution.h"
#include "plot/grid.h"
#include "plot/series.h"
#include "plot/trajectory.h"
#include "report/csvtable.h"
#include "report/html.h"
#include "report/markdown.h"

#define PROG "simreport"

struct options {
	const char *dir;
	const char *output;
};

/* What the page shows: the figures, drawn first by one gnuplot. */
struct report {
	const struct options *o;
	char out[4200];            /* the page */
	char data[3800];           /* its figures' data, scripts and SVGs */
	struct plot_batch batch;
	char err[1024];
	int nfig;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " DIR [--output FILE]\n"
	    "\n"
	    "Writes one self-contained HTML page (inline SVG figures drawn by\n"
	    "gnuplot, no network, printable) for DIR, an experiment directory\n"
	    "(bin/llm_runner's) or a study directory (bin/simstudy's), and\n"
	    "prints its path.  The figures' data and gnuplot script go to\n"
	    "FILE's name with _data (default DIR/report.html, DIR/report_data).\n"
	    "\n"
	    "  --output FILE    the page (default DIR/report.html)\n"
	    "  -h, --help, -V, --version\n");
}

static int
take_option(void *options, int c, char *arg)
{
	struct options *o = options;

	if (c != 'o')
		return cli_usage_error(PROG, "unhandled option", NULL);
	o->output = arg;
	return 0;
}

static int
parse_args(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli c = { PROG, opts, usage, take_option, o, 0 };
	int rc;

	if ((rc = cli_read(&c, argc, argv, 1)) != 0)
		return rc;
	if (optind >= argc)
		return cli_usage_error(PROG, "give an experiment or study "
		    "directory", NULL);
	if (argc - optind > 1) {
		fprintf(stderr, PROG ": one directory at a time, not also %s; "
		    "see " PROG " --help\n", argv[optind + 1]);
		return EX_USAGE;
	}
	o->dir = argv[optind];
	return 0;
}

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static char *
read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;
	size_t n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)len + 1)) ==
	    NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, (size_t)len, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The name of figure `name` in the data directory. */
static void
fig_path(const struct report *r, char *buf, size_t len, const char *name,
    const char *ext)
{
	snprintf(buf, len, "%s/%s%s", r->data, name, ext);
}

/* A figure, its caption and its place on the page. */
static int
put_figure(struct report *r, FILE *f, const char *name, const char *caption)
{
	char svg[4400];

	fig_path(r, svg, sizeof(svg), name, ".svg");
	if (html_figure(f, svg, ++r->nfig, caption) != 0) {
		fprintf(stderr, PROG ": cannot read the figure %s: %s\n", svg,
		    strerror(errno));
		return EX_IOERR;
	}
	return 0;
}

static void
put_number(FILE *f, double v)
{
	if (isnan(v))
		fputs("<td></td>", f);
	else
		fprintf(f, "<td>%.4g</td>", v);
}

/* --- an experiment ------------------------------------------------------ */

/* Which runs' grids are shown: closest to the median DI, most, least. */
struct picks {
	const struct run *run[3];
};

static const char *const pick_names[3] = { "typical", "most", "least" };
static const char *const pick_words[3] = {
	"typical run (final dissimilarity index closest to the median)",
	"most segregated run (highest final dissimilarity index)",
	"least segregated run (lowest final dissimilarity index)",
};

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
pick_runs(const struct plot_series *s, struct picks *p)
{
	const int di = 6;
	double *v = malloc((s->nruns + 1) * sizeof(double)), median;
	size_t n = 0;

	memset(p, 0, sizeof(*p));
	if (v == NULL)
		return -1;
	for (size_t i = 0; i < s->nruns; i++)
		if (run_is_ok(s->runs[i]) && !isnan(s->runs[i]->final[di]) &&
		    s->runs[i]->grid_final && s->runs[i]->grid_initial)
			v[n++] = s->runs[i]->final[di];
	if (n == 0) {
		free(v);
		return 0;
	}
	qsort(v, n, sizeof(double), cmp_double);
	median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	free(v);
	for (size_t i = 0; i < s->nruns; i++) {
		const struct run *r = s->runs[i];
		double d = r->final[di];

		if (!run_is_ok(r) || isnan(d) || !r->grid_final ||
		    !r->grid_initial)
			continue;
		if (p->run[0] == NULL || fabs(d - median) <
		    fabs(p->run[0]->final[di] - median))
			p->run[0] = r;
		if (p->run[1] == NULL || d > p->run[1]->final[di])
			p->run[1] = r;
		if (p->run[2] == NULL || d < p->run[2]->final[di])
			p->run[2] = r;
	}
	return 0;
}

static int
draw_experiment(struct report *r, const struct plot_series *s,
    const struct picks *p)
{
	char out[4400], data[4400], name[256], title[512], cap[1024];

	for (int m = 0; m < RUN_N_METRICS; m++) {
		snprintf(name, sizeof(name), "trajectory_%s",
		    run_metric_names[m]);
		fig_path(r, out, sizeof(out), name, ".svg");
		fig_path(r, data, sizeof(data), name, ".dat");
		snprintf(title, sizeof(title), "%s by sweep",
		    run_metric_names[m]);
		if (plot_trajectory(&r->batch, out, data, s, 1, m, 0, title,
		    520, 380, r->err, sizeof(r->err)) != 0)
			return -1;
	}
	for (int k = 0; k < 3; k++) {
		const struct run *run = p->run[k];

		if (run == NULL)
			continue;
		for (int fin = 0; fin < 2; fin++) {
			const double *m = fin ? run->final : run->initial;

			snprintf(name, sizeof(name), "grid_%s_%s",
			    pick_names[k], fin ? "final" : "initial");
			fig_path(r, out, sizeof(out), name, ".svg");
			fig_path(r, data, sizeof(data), name, ".dat");
			if (fin)
				snprintf(title, sizeof(title), "run %lld, "
				    "final grid (step %g)", run->id,
				    run->final_step);
			else
				snprintf(title, sizeof(title), "run %lld, "
				    "initial grid", run->id);
			snprintf(cap, sizeof(cap), "dissimilarity_index %.3f, "
			    "share %.3f, clusters %g", m[6], m[4], m[0]);
			if (plot_grid(&r->batch, out, data, fin ?
			    run->grid_final : run->grid_initial, title, cap,
			    420, 450, r->err, sizeof(r->err)) != 0)
				return -1;
		}
	}
	return 0;
}

/* simagg's summary lines, from summary.json or from the runs. */
static void
put_summary(FILE *f, const char *dir, const struct plot_series *s)
{
	char path[4200];
	json_t *j;
	double runs = (double)s->nruns, conv = 0, failed = 0, inc = 0;
	double cs = NAN, calls = NAN, rt = NAN;

	snprintf(path, sizeof(path), "%s/summary.json", dir);
	if ((j = json_load_file(path, 0, NULL)) != NULL) {
		runs = json_number_value(json_object_get(j, "runs"));
		conv = json_number_value(json_object_get(j, "converged"));
		failed = json_number_value(json_object_get(j, "failed"));
		inc = json_number_value(json_object_get(j, "incomplete"));
		if (json_integer_value(json_object_get(json_object_get(j,
		    "convergence_step"), "n")) > 0)
			cs = json_number_value(json_object_get(json_object_get(
			    j, "convergence_step"), "mean"));
		if (json_integer_value(json_object_get(json_object_get(j,
		    "llm_calls"), "n")) > 0) {
			calls = json_number_value(json_object_get(
			    json_object_get(j, "llm_calls"), "mean"));
			rt = json_number_value(json_object_get(json_object_get(
			    j, "avg_llm_response_time_s"), "mean"));
		}
		json_decref(j);
	} else {
		double sum = 0;
		size_t n = 0;

		for (size_t i = 0; i < s->nruns; i++) {
			const struct run *r = s->runs[i];

			conv += r->converged;
			failed += r->has_end && !run_is_ok(r);
			inc += !r->has_end;
			if (r->converged && !isnan(r->convergence_step)) {
				sum += r->convergence_step;
				n++;
			}
		}
		if (n > 0)
			cs = sum / (double)n;
	}
	fputs("<pre class=\"summary\">Experiment completed. Results saved to: ",
	    f);
	html_escape(f, dir);
	fprintf(f, "\nTotal runs: %.0f\nConverged runs: %.0f\n", runs, conv);
	if (failed > 0)
		fprintf(f, "Failed runs: %.0f\n", failed);
	if (inc > 0)
		fprintf(f, "Incomplete runs: %.0f\n", inc);
	if (!isnan(cs))
		fprintf(f, "Average convergence step: %.2f\n", cs);
	if (!isnan(calls))
		fprintf(f, "Average LLM calls per run: %.1f\n", calls);
	if (!isnan(rt))
		fprintf(f, "Average LLM response time: %.3fs\n", rt);
	fputs("</pre>\n", f);
}

static void
put_json_value(FILE *f, json_t *v)
{
	char *text;

	if (json_is_string(v)) {
		html_escape(f, json_string_value(v));
		return;
	}
	if ((text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT)) != NULL) {
		html_escape(f, text);
		free(text);
	}
}

static void
put_parameters(FILE *f, const char *dir)
{
	char path[4200];
	const char *key;
	json_t *j, *v;

	snprintf(path, sizeof(path), "%s/config.json", dir);
	fputs("<h2>Parameters</h2>\n", f);
	if ((j = json_load_file(path, 0, NULL)) == NULL ||
	    !json_is_object(j)) {
		fputs("<p>No readable config.json.</p>\n", f);
		json_decref(j);
		return;
	}
	fputs("<table>\n", f);
	json_object_foreach(j, key, v) {
		if (json_is_null(v))
			continue;
		fputs("<tr><th class=\"l\">", f);
		html_escape(f, key);
		fputs("</th><td class=\"l\">", f);
		if (json_is_object(v) && json_object_get(v, "name") != NULL) {
			/* context_info: the scenario, its labels, its prompt */
			const char *k2;
			json_t *v2;

			json_object_foreach(v, k2, v2) {
				fputs("<b>", f);
				html_escape(f, k2);
				fputs("</b>: ", f);
				put_json_value(f, v2);
				fputs("<br>", f);
			}
		} else {
			put_json_value(f, v);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
	json_decref(j);
}

static void
put_runs_table(FILE *f, const struct plot_series *s)
{
	size_t bad = 0;

	fputs("<h2>Runs</h2>\n<p>Click a column's title to sort by it (again: "
	    "descending).</p>\n<div class=\"scroll\"><table id=\"runs\">\n"
	    "<tr><th>run</th><th class=\"l\">status</th><th>converged</th>"
	    "<th>convergence step</th><th>steps</th>", f);
	for (int m = 0; m < RUN_N_METRICS; m++)
		fprintf(f, "<th>%s</th>", run_metric_names[m]);
	fputs("</tr>\n", f);
	for (size_t i = 0; i < s->nruns; i++) {
		const struct run *r = s->runs[i];

		fprintf(f, "<tr%s><td>%lld</td><td class=\"l\">%s</td>"
		    "<td>%s</td>", run_is_ok(r) ? "" : " class=\"failed\"",
		    r->id, r->has_end ? (r->status ? r->status : "") :
		    "incomplete", r->converged ? "yes" : "no");
		put_number(f, r->convergence_step);
		put_number(f, r->n_steps);
		for (int m = 0; m < RUN_N_METRICS; m++)
			put_number(f, r->final[m]);
		fputs("</tr>\n", f);
		bad += !run_is_ok(r);
	}
	fputs("</table></div>\n", f);
	html_sort_script(f);
	fputs("<h2>Failed runs</h2>\n", f);
	if (bad == 0) {
		fputs("<p>None: every run ended ok.</p>\n", f);
		return;
	}
	fputs("<table id=\"failed\"><tr><th>run</th><th class=\"l\">"
	    "reason</th></tr>\n", f);
	for (size_t i = 0; i < s->nruns; i++) {
		const struct run *r = s->runs[i];

		if (run_is_ok(r))
			continue;
		fprintf(f, "<tr class=\"failed\"><td>%lld</td><td class=\"l\">",
		    r->id);
		if (!r->has_end)
			fputs("incomplete: no end line (interrupted or still "
			    "running); resume the experiment", f);
		else
			html_escape(f, r->reason ? r->reason : r->status);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static int
write_experiment(struct report *r, FILE *f, const struct plot_series *s,
    const struct picks *p)
{
	char cap[1024], name[256];
	time_t now = time(NULL);
	char stamp[32];
	int rc = 0;

	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M UTC", gmtime(&now));
	snprintf(cap, sizeof(cap), "Experiment %s", s->label);
	html_head(f, cap);
	fputs("<h1>Experiment ", f);
	html_escape(f, s->label);
	fprintf(f, "</h1>\n<p>%zu runs, %zu ended ok. Written by simreport "
	    SIM_VERSION " on %s from <code>", s->nruns, plot_series_ok(s),
	    stamp);
	html_escape(f, r->o->dir);
	fputs("</code>.</p>\n<h2>Summary</h2>\n", f);
	put_summary(f, r->o->dir, s);
	fputs("<h2>Trajectories</h2>\n<p>Each metric against the sweeps done "
	    "(0 is the initial grid): the mean over the runs that ended ok, "
	    "with its 95% confidence band. Runs that converged early keep "
	    "their final value after they stop.</p>\n<div class=\"figs\">\n",
	    f);
	for (int m = 0; m < RUN_N_METRICS && rc == 0; m++) {
		snprintf(name, sizeof(name), "trajectory_%s",
		    run_metric_names[m]);
		snprintf(cap, sizeof(cap), "%s, mean and 95%% band",
		    run_metric_names[m]);
		rc = put_figure(r, f, name, cap);
	}
	fputs("</div>\n<h2>Grids</h2>\n<p>A orange, B blue, empty cells light "
	    "grey (a colour-blind-safe pair).</p>\n", f);
	for (int k = 0; k < 3 && rc == 0; k++) {
		if (p->run[k] == NULL)
			continue;
		fprintf(f, "<h3>The %s: run %lld</h3>\n<div class=\"figs\">\n",
		    pick_words[k], p->run[k]->id);
		for (int fin = 0; fin < 2 && rc == 0; fin++) {
			snprintf(name, sizeof(name), "grid_%s_%s",
			    pick_names[k], fin ? "final" : "initial");
			snprintf(cap, sizeof(cap), "Run %lld, %s grid",
			    p->run[k]->id, fin ? "final" : "initial");
			rc = put_figure(r, f, name, cap);
		}
		fputs("</div>\n", f);
	}
	if (rc == 0) {
		put_parameters(f, r->o->dir);
		put_runs_table(f, s);
	}
	html_foot(f);
	return rc;
}

static int
report_experiment(struct report *r)
{
	struct plot_series s;
	struct picks p;
	int rc;

	if ((rc = plot_series_load(&s, PROG, r->o->dir,
	    RUNSET_GRIDS_ENDS)) != 0) {
		plot_series_free(&s);
		return rc;
	}
	if (plot_series_ok(&s) == 0) {
		fprintf(stderr, PROG ": no run of %s ended ok; nothing to draw "
		    "(resume it: bin/llm_runner --resume %s)\n", r->o->dir,
		    r->o->dir);
		plot_series_free(&s);
		return EX_DATAERR;
	}
	if (pick_runs(&s, &p) != 0 || draw_experiment(r, &s, &p) != 0) {
		fprintf(stderr, PROG ": %s\n", r->err);
		plot_series_free(&s);
		return EX_CANTCREAT;
	}
	rc = -2;   /* draw, then write */
	{
		int unavailable;
		struct atomic_file page;

		if (plot_batch_run(&r->batch, &unavailable, r->err,
		    sizeof(r->err)) != 0) {
			fprintf(stderr, PROG ": %s\n", r->err);
			rc = unavailable ? EX_UNAVAILABLE : EX_SOFTWARE;
		} else if (atomic_open(&page, r->out) != 0) {
			fprintf(stderr, PROG ": cannot create %s: %s\n", r->out,
			    strerror(errno));
			rc = EX_CANTCREAT;
		} else if ((rc = write_experiment(r, page.f, &s, &p)) != 0) {
			atomic_abort(&page);
		} else if (atomic_commit(&page) != 0) {
			fprintf(stderr, PROG ": cannot write %s: %s\n", r->out,
			    strerror(errno));
			rc = EX_IOERR;
		}
	}
	plot_series_free(&s);
	return rc;
}

/* --- a study ------------------------------------------------------------ */

struct cell {
	char *name, *experiment;
	int loaded;
	struct plot_series s;
};

static int
read_plan(const char *dir, struct cell **cells, size_t *n)
{
	char path[4200], *line = NULL;
	size_t cap = 0, len = 0, ncap = 0;
	FILE *f;

	*cells = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "%s/plan.jsonl", dir);
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, PROG ": cannot open %s: %s\n", path,
		    strerror(errno));
		return EX_NOINPUT;
	}
	while (getline(&line, &cap, f) != -1) {
		json_t *j = json_loads(line, 0, NULL);
		const char *name, *exp;
		struct cell *c;

		len++;
		if (j == NULL && strspn(line, " \t\r\n") == strlen(line))
			continue;
		name = json_string_value(json_object_get(j, "name"));
		exp = json_string_value(json_object_get(j, "experiment"));
		if (name == NULL || exp == NULL) {
			fprintf(stderr, PROG ": %s:%zu: not a plan line (an "
			    "object with \"name\" and \"experiment\"); give a "
			    "study directory made by bin/simstudy\n", path, len);
			json_decref(j);
			free(line);
			fclose(f);
			return EX_DATAERR;
		}
		if (*n == ncap) {
			ncap = ncap ? ncap * 2 : 16;
			if ((c = realloc(*cells, ncap * sizeof(*c))) == NULL)
				goto oom;
			*cells = c;
		}
		c = &(*cells)[*n];
		memset(c, 0, sizeof(*c));
		c->name = strdup(name);
		c->experiment = path_join(dir, exp);
		if (c->name == NULL || c->experiment == NULL) {
			free(c->name);
			free(c->experiment);
			goto oom;
		}
		(*n)++;
		json_decref(j);
		continue;
oom:
		json_decref(j);
		free(line);
		fclose(f);
		fprintf(stderr, PROG ": out of memory\n");
		return EX_OSERR;
	}
	free(line);
	fclose(f);
	return 0;
}

static int
report_study(struct report *r)
{
	struct cell *cells;
	struct plot_series *series = NULL;
	size_t n, nloaded = 0;
	char path[4400], data[4400], name[256], title[512], cap[512];
	int rc, unavailable;
	struct atomic_file page;
	FILE *f;
	char *md;
	time_t now = time(NULL);
	char stamp[32];

	if ((rc = read_plan(r->o->dir, &cells, &n)) != 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/runs", cells[i].experiment);
		if (!is_dir(path))
			continue;
		if (plot_series_load(&cells[i].s, PROG, cells[i].experiment,
		    0) == 0 && plot_series_ok(&cells[i].s) > 0) {
			cells[i].loaded = 1;
			free(cells[i].s.label);
			cells[i].s.label = strdup(cells[i].name);
			if (cells[i].s.label == NULL)
				cells[i].loaded = 0;
		}
		nloaded += cells[i].loaded;
	}
	if (nloaded == 0) {
		fprintf(stderr, PROG ": no cell of the study %s has a run that "
		    "ended ok; run it first (bin/simstudy)\n", r->o->dir);
		rc = EX_DATAERR;
		goto out;
	}
	if ((series = calloc(nloaded, sizeof(*series))) == NULL) {
		rc = EX_OSERR;
		goto out;
	}
	nloaded = 0;
	for (size_t i = 0; i < n; i++)
		if (cells[i].loaded)
			series[nloaded++] = cells[i].s;   /* shallow: shared */
	for (int m = 0; m < RUN_N_METRICS && rc == 0; m++) {
		snprintf(name, sizeof(name), "distribution_%s",
		    run_metric_names[m]);
		fig_path(r, path, sizeof(path), name, ".svg");
		fig_path(r, data, sizeof(data), name, ".dat");
		snprintf(title, sizeof(title), "final %s per cell",
		    run_metric_names[m]);
		if (plot_distribution(&r->batch, path, data, series, nloaded,
		    m, title, 720, 460, r->err, sizeof(r->err)) != 0)
			rc = EX_CANTCREAT;
		snprintf(name, sizeof(name), "trajectory_%s",
		    run_metric_names[m]);
		fig_path(r, path, sizeof(path), name, ".svg");
		fig_path(r, data, sizeof(data), name, ".dat");
		snprintf(title, sizeof(title), "%s by sweep, per cell",
		    run_metric_names[m]);
		if (rc == 0 && plot_trajectory(&r->batch, path, data, series,
		    nloaded, m, 0, title, 720, 420, r->err,
		    sizeof(r->err)) != 0)
			rc = EX_CANTCREAT;
	}
	if (rc != 0) {
		fprintf(stderr, PROG ": %s\n", r->err);
		goto out;
	}
	if (plot_batch_run(&r->batch, &unavailable, r->err,
	    sizeof(r->err)) != 0) {
		fprintf(stderr, PROG ": %s\n", r->err);
		rc = unavailable ? EX_UNAVAILABLE : EX_SOFTWARE;
		goto out;
	}
	if (atomic_open(&page, r->out) != 0) {
		fprintf(stderr, PROG ": cannot create %s: %s\n", r->out,
		    strerror(errno));
		rc = EX_CANTCREAT;
		goto out;
	}
	f = page.f;
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M UTC", gmtime(&now));
	snprintf(title, sizeof(title), "Study %s", r->o->dir);
	html_head(f, title);
	fputs("<h1>Study ", f);
	html_escape(f, r->o->dir);
	fprintf(f, "</h1>\n<p>%zu cells, %zu with runs that ended ok. Written "
	    "by simreport " SIM_VERSION " on %s.</p>\n<h2>Cells</h2>\n"
	    "<table><tr><th>cell</th><th class=\"l\">name</th><th>runs</th>"
	    "<th>ok</th></tr>\n", n, nloaded, stamp);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "<tr><td>%zu</td><td class=\"l\">", i);
		html_escape(f, cells[i].name);
		if (cells[i].loaded)
			fprintf(f, "</td><td>%zu</td><td>%zu</td></tr>\n",
			    cells[i].s.nruns, plot_series_ok(&cells[i].s));
		else
			fputs("</td><td colspan=\"2\" class=\"l failed\">not "
			    "run yet</td></tr>\n", f);
	}
	fputs("</table>\n<h2>Comparison</h2>\n", f);
	snprintf(path, sizeof(path), "%s/comparison.md", r->o->dir);
	if ((md = read_text(path)) != NULL) {
		markdown_html(f, md, 2);
		free(md);
	}
	snprintf(path, sizeof(path), "%s/comparison.csv", r->o->dir);
	if (is_file(path)) {
		fputs("<h3>comparison.csv</h3>\n", f);
		csv_html_table(f, path);
	} else {
		fputs("<p>No comparison yet: run <code>bin/simcompare --study "
		    "DIR</code> for the tables and tests.</p>\n", f);
	}
	fputs("<h2>Distributions per metric</h2>\n<p>The final value of each "
	    "run that ended ok, per cell, cells ordered by median.</p>\n"
	    "<div class=\"figs\">\n", f);
	for (int m = 0; m < RUN_N_METRICS && rc == 0; m++) {
		snprintf(name, sizeof(name), "distribution_%s",
		    run_metric_names[m]);
		snprintf(cap, sizeof(cap), "final %s per cell",
		    run_metric_names[m]);
		rc = put_figure(r, f, name, cap);
	}
	fputs("</div>\n<h2>Trajectories per cell</h2>\n<p>Mean over each "
	    "cell's runs with its 95% band; runs that converged early keep "
	    "their final value.</p>\n<div class=\"figs\">\n", f);
	for (int m = 0; m < RUN_N_METRICS && rc == 0; m++) {
		snprintf(name, sizeof(name), "trajectory_%s",
		    run_metric_names[m]);
		snprintf(cap, sizeof(cap), "%s by sweep, per cell",
		    run_metric_names[m]);
		rc = put_figure(r, f, name, cap);
	}
	fputs("</div>\n", f);
	html_foot(f);
	if (rc != 0)
		atomic_abort(&page);
	else if (atomic_commit(&page) != 0) {
		fprintf(stderr, PROG ": cannot write %s: %s\n", r->out,
		    strerror(errno));
		rc = EX_IOERR;
	}
out:
	for (size_t i = 0; i < n; i++) {
		plot_series_free(&cells[i].s);
		free(cells[i].name);
		free(cells[i].experiment);
	}
	free(cells);
	free(series);
	return rc;
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	struct report r;
	char path[4200], script[4400];
	int rc, study;

	memset(&r, 0, sizeof(r));
	if ((rc = parse_args(argc, argv, &o)) != 0)
		return rc == -1 ? (fclose(stdout) == 0 ? 0 : EX_IOERR) : rc;
	r.o = &o;
	if (!is_dir(o.dir)) {
		fprintf(stderr, PROG ": %s is not a directory; give an "
		    "experiment or a study directory\n", o.dir);
		return EX_NOINPUT;
	}
	snprintf(path, sizeof(path), "%s/plan.jsonl", o.dir);
	study = is_file(path);
	snprintf(path, sizeof(path), "%s/runs", o.dir);
	if (!study && !is_dir(path)) {
		fprintf(stderr, PROG ": %s is neither an experiment (no runs/) "
		    "nor a study (no plan.jsonl); give a directory made by "
		    "bin/llm_runner or bin/simstudy\n", o.dir);
		return EX_DATAERR;
	}
	if (o.output != NULL)
		snprintf(r.out, sizeof(r.out), "%s", o.output);
	else
		snprintf(r.out, sizeof(r.out), "%s/report.html", o.dir);
	if (plot_sibling(r.data, sizeof(r.data), r.out, "_data") != 0 ||
	    (mkdir(r.data, 0777) != 0 && errno != EEXIST) || !is_dir(r.data)) {
		fprintf(stderr, PROG ": cannot create the directory %s: %s\n",
		    r.data, strerror(errno));
		return EX_CANTCREAT;
	}
	snprintf(script, sizeof(script), "%s/figures.gp", r.data);
	if (plot_batch_open(&r.batch, PROG, script, r.err, sizeof(r.err))) {
		fprintf(stderr, PROG ": %s\n", r.err);
		return EX_CANTCREAT;
	}
	rc = study ? report_study(&r) : report_experiment(&r);
	plot_batch_free(&r.batch);
	if (rc == 0)
		printf("%s\n", r.out);
	if (fclose(stdout) != 0 && rc == 0)
		rc = EX_IOERR;
	return rc;
}
