/*
 * The page of an experiment (see experiment.h): simagg's summary, each
 * metric's trajectory, the grids of three runs, the parameters and a
 * sortable table of the runs.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <jansson.h>

#include "io/msg.h"
#include "plot/grid.h"
#include "plot/series.h"
#include "plot/trajectory.h"
#include "report/experiment.h"
#include "report/html.h"

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
draw_experiment(struct report_page *r, const struct plot_series *s,
    const struct picks *p)
{
	struct report_fig fig;
	char name[256], title[512], cap[1024];

	for (int m = 0; m < METRICS_N; m++) {
		report_metric_fig(r, &fig, "trajectory", m);
		snprintf(title, sizeof(title), "%s by sweep",
		    metrics_names[m]);
		if (plot_trajectory(&r->batch, fig.svg, fig.dat, s, 1, m, 0,
		    title, 520, 380, r->err, sizeof(r->err)) != 0)
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
			report_fig_files(r, &fig, name);
			if (fin)
				snprintf(title, sizeof(title), "run %lld, "
				    "final grid (step %g)", run->id,
				    run->final_step);
			else
				snprintf(title, sizeof(title), "run %lld, "
				    "initial grid", run->id);
			snprintf(cap, sizeof(cap), "dissimilarity_index %.3f, "
			    "share %.3f, clusters %g", m[6], m[4], m[0]);
			if (plot_grid(&r->batch, fig.svg, fig.dat, fin ?
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
	for (int m = 0; m < METRICS_N; m++)
		fprintf(f, "<th>%s</th>", metrics_names[m]);
	fputs("</tr>\n", f);
	for (size_t i = 0; i < s->nruns; i++) {
		const struct run *r = s->runs[i];

		fprintf(f, "<tr%s><td>%lld</td><td class=\"l\">%s</td>"
		    "<td>%s</td>", run_is_ok(r) ? "" : " class=\"failed\"",
		    r->id, r->has_end ? (r->status ? r->status : "") :
		    "incomplete", r->converged ? "yes" : "no");
		report_put_number(f, r->convergence_step);
		report_put_number(f, r->n_steps);
		for (int m = 0; m < METRICS_N; m++)
			report_put_number(f, r->final[m]);
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

/* What the page shows: the runs and the three picked. */
struct page_of {
	const struct plot_series *s;
	const struct picks *p;
};

static int
write_page(struct report_page *r, FILE *f, void *arg)
{
	const struct plot_series *s = ((struct page_of *)arg)->s;
	const struct picks *p = ((struct page_of *)arg)->p;
	char cap[1024], name[256], stamp[32];
	int rc = 0;

	report_page_head(f, "Experiment", s->label, stamp, sizeof(stamp));
	fprintf(f, "</h1>\n<p>%zu runs, %zu ended ok. Written by simreport "
	    SIM_VERSION " on %s from <code>", s->nruns, plot_series_ok(s),
	    stamp);
	html_escape(f, r->dir);
	fputs("</code>.</p>\n<h2>Summary</h2>\n", f);
	put_summary(f, r->dir, s);
	fputs("<h2>Trajectories</h2>\n<p>Each metric against the sweeps done "
	    "(0 is the initial grid): the mean over the runs that ended ok, "
	    "with its 95% confidence band. Runs that converged early keep "
	    "their final value after they stop.</p>\n<div class=\"figs\">\n",
	    f);
	for (int m = 0; m < METRICS_N && rc == 0; m++) {
		snprintf(name, sizeof(name), "trajectory_%s",
		    metrics_names[m]);
		snprintf(cap, sizeof(cap), "%s, mean and 95%% band",
		    metrics_names[m]);
		rc = report_put_figure(r, f, name, cap);
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
			rc = report_put_figure(r, f, name, cap);
		}
		fputs("</div>\n", f);
	}
	if (rc == 0) {
		put_parameters(f, r->dir);
		put_runs_table(f, s);
	}
	html_foot(f);
	return rc;
}

int
report_experiment(struct report_page *r)
{
	struct plot_series s;
	struct picks p;
	int rc;

	if ((rc = plot_series_load(&s, r->prog, r->dir,
	    RUNSET_GRIDS_ENDS)) != 0) {
		plot_series_free(&s);
		return rc;
	}
	if (plot_series_ok(&s) == 0) {
		msg(r->prog, "no run of %s ended ok; nothing to draw "
		    "(resume it: bin/llm_runner --resume %s)", r->dir,
		    r->dir);
		plot_series_free(&s);
		return EX_DATAERR;
	}
	if (pick_runs(&s, &p) != 0 || draw_experiment(r, &s, &p) != 0) {
		msg(r->prog, "%s", r->err);
		plot_series_free(&s);
		return EX_CANTCREAT;
	}
	rc = report_page_write(r, write_page, &(struct page_of){ &s, &p });
	plot_series_free(&s);
	return rc;
}
