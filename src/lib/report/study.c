/*
 * The page of a study (see study.h): its cells, simcompare's comparison,
 * each metric's distribution and trajectory per cell.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <jansson.h>

#include "io/fs.h"
#include "io/msg.h"
#include "io/path.h"
#include "plot/distribution.h"
#include "plot/series.h"
#include "plot/trajectory.h"
#include "report/csvtable.h"
#include "report/html.h"
#include "report/markdown.h"
#include "report/study.h"

struct cell {
	char *name, *experiment;
	int loaded;
	struct plot_series s;
};

static int
read_plan(const char *prog, const char *dir, struct cell **cells, size_t *n)
{
	char path[4200], *line = NULL;
	size_t cap = 0, len = 0, ncap = 0;
	FILE *f;

	*cells = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "%s/plan.jsonl", dir);
	if ((f = fopen(path, "r")) == NULL) {
		msg(prog, "cannot open %s: %s", path,
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
			msg(prog, "%s:%zu: not a plan line (an "
			    "object with \"name\" and \"experiment\"); give a "
			    "study directory made by bin/simstudy", path, len);
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
		return msg_oom(prog, NULL);
	}
	free(line);
	fclose(f);
	return 0;
}

/* The cells with a run that ended ok, labelled by their names. */
static size_t
load_cells(const struct report_page *r, struct cell *cells, size_t n)
{
	char path[4400];
	size_t nloaded = 0;

	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/runs", cells[i].experiment);
		if (!fs_is_dir(path))
			continue;
		if (plot_series_load(&cells[i].s, r->prog, cells[i].experiment,
		    0) == 0 && plot_series_ok(&cells[i].s) > 0) {
			cells[i].loaded = 1;
			free(cells[i].s.label);
			cells[i].s.label = strdup(cells[i].name);
			if (cells[i].s.label == NULL)
				cells[i].loaded = 0;
		}
		nloaded += cells[i].loaded;
	}
	return nloaded;
}

/* Each metric's distribution and trajectory over the loaded cells. */
static int
draw_study(struct report_page *r, const struct plot_series *series,
    size_t n)
{
	struct report_fig fig;
	char title[512];
	int rc = 0;

	for (int m = 0; m < METRICS_N && rc == 0; m++) {
		report_metric_fig(r, &fig, "distribution", m);
		snprintf(title, sizeof(title), "final %s per cell",
		    metrics_names[m]);
		if (plot_distribution(&r->batch, fig.svg, fig.dat, series, n, m,
		    title, 720, 460, r->err, sizeof(r->err)) != 0)
			rc = EX_CANTCREAT;
		report_metric_fig(r, &fig, "trajectory", m);
		snprintf(title, sizeof(title), "%s by sweep, per cell",
		    metrics_names[m]);
		if (rc == 0 && plot_trajectory(&r->batch, fig.svg, fig.dat,
		    series, n, m, 0, title, 720, 420, r->err,
		    sizeof(r->err)) != 0)
			rc = EX_CANTCREAT;
	}
	return rc == 0 ? 0 : msg_fail(r->prog, rc, "%s", r->err);
}

/* The cells of the page; nloaded of them have runs that ended ok. */
struct cells {
	const struct cell *c;
	size_t n, nloaded;
};

static void
put_cells(const struct report_page *r, FILE *f, const struct cells *cs)
{
	char stamp[32];

	report_page_head(f, "Study", r->dir, stamp, sizeof(stamp));
	fprintf(f, "</h1>\n<p>%zu cells, %zu with runs that ended ok. Written "
	    "by simreport " SIM_VERSION " on %s.</p>\n<h2>Cells</h2>\n"
	    "<table><tr><th>cell</th><th class=\"l\">name</th><th>runs</th>"
	    "<th>ok</th></tr>\n", cs->n, cs->nloaded, stamp);
	for (size_t i = 0; i < cs->n; i++) {
		fprintf(f, "<tr><td>%zu</td><td class=\"l\">", i);
		html_escape(f, cs->c[i].name);
		if (cs->c[i].loaded)
			fprintf(f, "</td><td>%zu</td><td>%zu</td></tr>\n",
			    cs->c[i].s.nruns, plot_series_ok(&cs->c[i].s));
		else
			fputs("</td><td colspan=\"2\" class=\"l failed\">not "
			    "run yet</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* simcompare's comparison.md and comparison.csv, if there. */
static void
put_comparison(const struct report_page *r, FILE *f)
{
	char path[4400], *md;

	fputs("<h2>Comparison</h2>\n", f);
	snprintf(path, sizeof(path), "%s/comparison.md", r->dir);
	if ((md = fs_read_text(path)) != NULL) {
		markdown_html(f, md, 2);
		free(md);
	}
	snprintf(path, sizeof(path), "%s/comparison.csv", r->dir);
	if (fs_is_file(path)) {
		fputs("<h3>comparison.csv</h3>\n", f);
		csv_html_table(f, path);
	} else {
		fputs("<p>No comparison yet: run <code>bin/simcompare --study "
		    "DIR</code> for the tables and tests.</p>\n", f);
	}
}

/* Each metric's figure named prefix_METRIC, captioned. */
static int
put_figures(struct report_page *r, FILE *f, const char *prefix,
    const char *caption)
{
	char name[256], cap[512];
	int rc = 0;

	for (int m = 0; m < METRICS_N && rc == 0; m++) {
		snprintf(name, sizeof(name), "%s_%s", prefix,
		    metrics_names[m]);
		snprintf(cap, sizeof(cap), caption, metrics_names[m]);
		rc = report_put_figure(r, f, name, cap);
	}
	return rc;
}

static int
write_page(struct report_page *r, FILE *f, void *arg)
{
	int rc;

	put_cells(r, f, arg);
	put_comparison(r, f);
	fputs("<h2>Distributions per metric</h2>\n<p>The final value of each "
	    "run that ended ok, per cell, cells ordered by median.</p>\n"
	    "<div class=\"figs\">\n", f);
	rc = put_figures(r, f, "distribution", "final %s per cell");
	fputs("</div>\n<h2>Trajectories per cell</h2>\n<p>Mean over each "
	    "cell's runs with its 95% band; runs that converged early keep "
	    "their final value.</p>\n<div class=\"figs\">\n", f);
	if (rc == 0)
		rc = put_figures(r, f, "trajectory", "%s by sweep, per cell");
	fputs("</div>\n", f);
	html_foot(f);
	return rc;
}

int
report_study(struct report_page *r)
{
	struct cell *cells;
	struct plot_series *series = NULL;
	size_t n, nloaded;
	int rc;

	if ((rc = read_plan(r->prog, r->dir, &cells, &n)) != 0)
		return rc;
	if ((nloaded = load_cells(r, cells, n)) == 0)
		rc = msg_fail(r->prog, EX_DATAERR, "no cell of the study %s has "
		    "a run that ended ok; run it first (bin/simstudy)", r->dir);
	else if ((series = calloc(nloaded, sizeof(*series))) == NULL)
		rc = msg_oom(r->prog, NULL);
	for (size_t i = 0, k = 0; rc == 0 && i < n; i++)
		if (cells[i].loaded)
			series[k++] = cells[i].s;   /* shallow: shared */
	if (rc == 0)
		rc = draw_study(r, series, nloaded);
	if (rc == 0)
		rc = report_page_write(r, write_page,
		    &(struct cells){ cells, n, nloaded });
	for (size_t i = 0; i < n; i++) {
		plot_series_free(&cells[i].s);
		free(cells[i].name);
		free(cells[i].experiment);
	}
	free(cells);
	free(series);
	return rc;
}
