/* simplot's figures (see figure.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "io/msg.h"
#include "plot/animation.h"
#include "plot/batch.h"
#include "plot/distribution.h"
#include "plot/figure.h"
#include "plot/grid.h"
#include "plot/series.h"
#include "plot/trajectory.h"

const char *const plot_kind_names[] = { "grid", "trajectory",
	"distribution", "animation", NULL };

/* The run asked for (or the first one), or NULL with the message printed. */
static const struct run *
pick_run(const struct plot_series *s, const struct plot_figure *o, size_t *idx,
    const char *prog)
{
	for (size_t i = 0; i < s->nruns; i++)
		if (!o->has_run || s->runs[i]->id == o->run) {
			*idx = i;
			return s->runs[i];
		}
	msg(prog, "%s has no run %lld; pick one with --run",
	    s->path, o->run);
	return NULL;
}

static void
metrics_text(char *buf, size_t len, const double *m)
{
	snprintf(buf, len, "dissimilarity_index %.3f, share %.3f,\n"
	    "clusters %g, switch_rate %.3f, distance %.3f,\n"
	    "mix_deviation %.3f, ghetto_rate %g", m[6], m[4], m[0], m[1], m[2],
	    m[3], m[5]);
}

static int
draw_grid(struct plot_batch *b, const struct plot_series *s,
    const struct plot_figure *o, const char *data, const char *prog,
    char *err, size_t errlen)
{
	const char *step = o->step ? o->step : "final", *grid;
	const double *m;
	char title[512], caption[1024], mt[512], what[64];
	const struct run *r;
	size_t i;

	if ((r = pick_run(s, o, &i, prog)) == NULL)
		return EX_DATAERR;
	if (strcmp(step, "initial") == 0) {
		grid = r->grid_initial;
		m = r->initial;
		snprintf(what, sizeof(what), "initial grid");
	} else if (strcmp(step, "final") == 0) {
		grid = r->grid_final;
		m = r->final;
		snprintf(what, sizeof(what), "final grid (step %g)",
		    r->final_step);
	} else {
		long long k = atoll(step);
		size_t j;

		for (j = 0; j < s->count[i]; j++)
			if (s->set.steps[s->first[i] + j].step == k)
				break;
		if (j == s->count[i]) {
			msg(prog, "run %lld of %s has no step %lld", r->id,
			    s->path, k);
			return EX_DATAERR;
		}
		grid = s->set.steps[s->first[i] + j].grid;
		m = s->set.steps[s->first[i] + j].m;
		if (grid == NULL) {
			msg(prog, "run %lld of %s has no frames "
			    "(no grid on its step lines); run simrun with "
			    "--frames", r->id, s->path);
			return EX_DATAERR;
		}
		snprintf(what, sizeof(what), "grid after step %lld", k);
	}
	if (grid == NULL) {
		msg(prog, "run %lld of %s has no %s line; draw a "
		    "finished run", r->id, s->path,
		    strcmp(step, "initial") == 0 ? "start" : "end");
		return EX_DATAERR;
	}
	snprintf(title, sizeof(title), "%s: run %lld, %s", s->label, r->id,
	    what);
	metrics_text(mt, sizeof(mt), m);
	snprintf(caption, sizeof(caption), "%s", mt);
	if (plot_grid(b, o->output, data, grid, o->title ? o->title : title,
	    caption, o->width ? o->width : 520, o->height ? o->height : 560,
	    err, errlen) != 0)
		return EX_CANTCREAT;
	return 0;
}

static int
draw_animation(struct plot_batch *b, const struct plot_series *s,
    const struct plot_figure *o, const char *data, const char *prog,
    char *err, size_t errlen)
{
	char **frames;
	long long *steps;
	char title[512];
	const struct run *r;
	size_t i, n;
	int rc = 0;

	if ((r = pick_run(s, o, &i, prog)) == NULL)
		return EX_DATAERR;
	n = s->count[i];
	frames = calloc(n + 1, sizeof(*frames));
	steps = calloc(n + 1, sizeof(*steps));
	if (frames == NULL || steps == NULL) {
		free(frames);
		free(steps);
		return msg_oom(prog, NULL);
	}
	for (size_t j = 0; j < n; j++) {
		frames[j] = s->set.steps[s->first[i] + j].grid;
		steps[j] = s->set.steps[s->first[i] + j].step;
		if (frames[j] == NULL)
			n = 0;
	}
	if (n == 0) {
		msg(prog, "run %lld of %s has no frames (no grid "
		    "on its step lines); run simrun with --frames to animate "
		    "it", r->id, s->path);
		rc = EX_DATAERR;
	} else {
		snprintf(title, sizeof(title), "%s: run %lld", s->label, r->id);
		if (plot_animation(b, o->output, data, frames, steps, n,
		    o->title ? o->title : title, o->delay ? o->delay : 10,
		    o->width ? o->width : 520, o->height ? o->height : 560, err,
		    errlen) != 0)
			rc = EX_CANTCREAT;
	}
	free(frames);
	free(steps);
	return rc;
}


/* What of the runs a figure needs kept: grids, frames. */
static int
keep_of(const struct plot_figure *o)
{
	if (o->kind == PLOT_KIND_ANIMATION)
		return RUNSET_GRIDS_FRAMES;
	if (o->kind != PLOT_KIND_GRID)
		return 0;
	return RUNSET_GRIDS_ENDS | (o->step != NULL &&
	    strcmp(o->step, "initial") != 0 && strcmp(o->step, "final") != 0 ?
	    RUNSET_GRIDS_FRAMES : 0);
}

/* The inputs as series, labelled; 0 or a status.  *n: loaded. */
static int
load_inputs(const struct plot_figure *o, struct plot_series *series,
    char **inputs, size_t count, size_t *n, const char *prog)
{
	size_t ok = 0;
	int rc = 0;

	for (*n = 0; *n < count && rc == 0; (*n)++) {
		struct plot_series *s = &series[*n];

		rc = plot_series_load(s, prog, inputs[*n], keep_of(o));
		if (rc == 0 && *n < o->nlabels) {
			char *l = strdup(o->labels[*n]);

			if (l == NULL)
				rc = msg_oom(prog, NULL);
			else {
				free(s->label);
				s->label = l;
			}
		}
		if (rc == 0)
			ok += plot_series_ok(s);
	}
	/* no names given: experiments are told apart by their parameters */
	if (rc == 0 && o->nlabels == 0 && *n > 1 &&
	    plot_series_vary_labels(series, *n) != 0)
		rc = msg_oom(prog, NULL);
	if (rc == 0 && ok == 0 && (o->kind == PLOT_KIND_TRAJECTORY ||
	    o->kind == PLOT_KIND_DISTRIBUTION))
		rc = msg_fail(prog, EX_DATAERR, "no run ended ok in the input; "
		    "nothing to draw");
	return rc;
}

/* The figure onto the batch; 0 or a status (73 with err). */
static int
draw(struct plot_batch *b, const struct plot_figure *o,
    const struct plot_series *series, size_t n, const char *data,
    const char *prog, char *err, size_t errlen)
{
	const char *name = metrics_names[o->metric];
	char title[512];

	switch (o->kind) {
	case PLOT_KIND_GRID:
		return draw_grid(b, &series[0], o, data, prog, err, errlen);
	case PLOT_KIND_ANIMATION:
		return draw_animation(b, &series[0], o, data, prog, err, errlen);
	case PLOT_KIND_TRAJECTORY:
		snprintf(title, sizeof(title), "%s by sweep%s%s", name,
		    n == 1 ? ": " : "", n == 1 ? series[0].label : "");
		return plot_trajectory(b, o->output, data, series, n, o->metric,
		    o->until_converged, o->title ? o->title : title,
		    o->width ? o->width : 640, o->height ? o->height : 480, err,
		    errlen) != 0 ? EX_CANTCREAT : 0;
	default:
		snprintf(title, sizeof(title), "final %s per experiment", name);
		return plot_distribution(b, o->output, data, series, n,
		    o->metric, o->title ? o->title : title,
		    o->width ? o->width : 640, o->height ? o->height : 480, err,
		    errlen) != 0 ? EX_CANTCREAT : 0;
	}
}

int
plot_figure_draw(const struct plot_figure *o, char **inputs, size_t count,
    const char *prog)
{
	struct plot_series *series;
	struct plot_batch b = { 0 };
	char data[4200], script[4200], err[1024];
	size_t n = 0;
	int rc, unavailable;

	if ((series = calloc(count, sizeof(*series))) == NULL)
		return msg_oom(prog, NULL);
	rc = load_inputs(o, series, inputs, count, &n, prog);
	if (rc == 0 && (plot_sibling(data, sizeof(data), o->output, ".dat") ||
	    plot_sibling(script, sizeof(script), o->output, ".gp")))
		rc = msg_fail(prog, EX_USAGE, "output name too long");
	if (rc == 0 && plot_batch_open(&b, prog, script, err,
	    sizeof(err)) != 0)
		rc = msg_fail(prog, EX_CANTCREAT, "%s", err);
	if (rc == 0 && (rc = draw(&b, o, series, n, data, prog, err,
	    sizeof(err))) == EX_CANTCREAT)
		msg(prog, "%s", err);
	if (rc == 0 && plot_batch_run(&b, &unavailable, err,
	    sizeof(err)) != 0)
		rc = msg_fail(prog, unavailable ? EX_UNAVAILABLE : EX_SOFTWARE,
		    "%s", err);
	plot_batch_free(&b);
	for (size_t i = 0; i < n; i++)
		plot_series_free(&series[i]);
	free(series);
	return rc;
}
