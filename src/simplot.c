/*
 * simplot: draw a grid, a trajectory, a distribution or an animation of
 * simulation runs with gnuplot, from experiment directories or run files,
 * writing the figure, its data file and its gnuplot script side by side.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli/cli.h"
#include "param/number.h"
#include "plot/animation.h"
#include "plot/batch.h"
#include "plot/distribution.h"
#include "plot/grid.h"
#include "plot/series.h"
#include "plot/trajectory.h"

#define PROG "simplot"

enum kind { KIND_GRID, KIND_TRAJECTORY, KIND_DISTRIBUTION, KIND_ANIMATION };
static const char *const kind_names[] = { "grid", "trajectory",
	"distribution", "animation", NULL };

enum { OPT_OUTPUT = 256, OPT_WIDTH, OPT_HEIGHT, OPT_TITLE, OPT_METRIC,
	OPT_UNTIL, OPT_LABEL, OPT_RUN, OPT_STEP, OPT_DELAY };

struct options {
	enum kind kind;
	const char *output, *title, *metric_name, *step;
	int width, height, metric, until_converged, delay;
	long long run;
	int has_run;
	const char **labels;
	size_t nlabels;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " KIND [options] INPUT... [--output FILE]\n"
	    "\n"
	    "Draws runs with gnuplot.  INPUT is an experiment directory (its\n"
	    "runs/run_*.jsonl), a run file of simrun's JSON Lines, or -.\n"
	    "Writes FILE (.png, .svg or .gif), and beside it FILE's name with\n"
	    ".dat (the data drawn) and .gp (the gnuplot script).\n"
	    "\n"
	    "KIND:\n"
	    "  grid           a run's grid: --run ID, --step initial|final|K\n"
	    "                 (K needs simrun --frames); default: first run, final\n"
	    "  trajectory     --metric M against the sweeps: mean of each INPUT's\n"
	    "                 runs with its 95%% band; --until-converged\n"
	    "  distribution   final --metric M per INPUT: box plots and points,\n"
	    "                 ordered by median\n"
	    "  animation      a run's frames (simrun --frames) as an animated\n"
	    "                 GIF, one frame per step: --run ID, --delay CS\n"
	    "\n"
	    "Options:\n"
	    "  --output FILE        default KIND.png (animation: animation.gif)\n"
	    "  --width W            pixels (default 640; grid, animation 520)\n"
	    "  --height H           pixels (default 480; grid, animation 560)\n"
	    "  --title TEXT         the figure's title (default: says what it is)\n"
	    "  --metric M           %s\n"
	    "                       (default dissimilarity_index)\n"
	    "  --until-converged    trajectory: a run counts only until it stops\n"
	    "                       (default: it keeps its final value)\n"
	    "  --label NAME         legend name of the next INPUT (repeatable;\n"
	    "                       default: the parameters in which experiments\n"
	    "                       differ, else the directory's or file's name)\n"
	    "  --run ID             grid, animation: the run (default the first)\n"
	    "  --step S             grid: initial, final (default) or a step\n"
	    "  --delay CS           animation: 1/100 s per frame (default 10)\n"
	    "  -h, --help, -V, --version\n", plot_metric_list());
}

static const struct option long_options[] = {
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "width", required_argument, NULL, OPT_WIDTH },
	{ "height", required_argument, NULL, OPT_HEIGHT },
	{ "title", required_argument, NULL, OPT_TITLE },
	{ "metric", required_argument, NULL, OPT_METRIC },
	{ "until-converged", no_argument, NULL, OPT_UNTIL },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "run", required_argument, NULL, OPT_RUN },
	{ "step", required_argument, NULL, OPT_STEP },
	{ "delay", required_argument, NULL, OPT_DELAY },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static int
usage_error(const char *what, const char *arg)
{
	return cli_usage_error(PROG, what, arg);
}

static int
take(void *options, int c, char *arg)
{
	struct options *o = options;
	long v;

	switch (c) {
	case OPT_OUTPUT:
		o->output = arg;
		return 0;
	case OPT_WIDTH:
	case OPT_HEIGHT:
		if (parse_long_range(arg, 50, 10000, &v) != 0)
			return usage_error(c == OPT_WIDTH ? "--width wants "
			    "pixels from 50 to 10000, not" : "--height wants "
			    "pixels from 50 to 10000, not", arg);
		*(c == OPT_WIDTH ? &o->width : &o->height) = (int)v;
		return 0;
	case OPT_TITLE:
		o->title = arg;
		return 0;
	case OPT_METRIC:
		if ((o->metric = plot_metric_index(arg)) < 0) {
			fprintf(stderr, PROG ": unknown metric '%s'; use one "
			    "of %s\n", arg, plot_metric_list());
			return EX_USAGE;
		}
		o->metric_name = arg;
		return 0;
	case OPT_UNTIL:
		o->until_converged = 1;
		return 0;
	case OPT_LABEL:
		o->labels[o->nlabels++] = arg;
		return 0;
	case OPT_RUN:
		if (parse_long_range(arg, 0, 2000000000L, &v) != 0)
			return usage_error("--run wants a run id, not", arg);
		o->run = v;
		o->has_run = 1;
		return 0;
	case OPT_STEP:
		if (strcmp(arg, "initial") != 0 && strcmp(arg, "final") != 0 &&
		    parse_long_range(arg, 0, 2000000000L, &v) != 0)
			return usage_error("--step wants initial, final or a "
			    "step number, not", arg);
		o->step = arg;
		return 0;
	case OPT_DELAY:
		if (parse_long_range(arg, 1, 10000, &v) != 0)
			return usage_error("--delay wants hundredths of a "
			    "second from 1 to 10000, not", arg);
		o->delay = (int)v;
		return 0;
	}
	return usage_error("unhandled option", NULL);
}

/* -1 after --help/--version, else 0 or an exit status. */
static int
parse_args(int argc, char **argv, struct options *o)
{
	struct cli c = { PROG, long_options, usage, take, o, 0 };
	int rc, k;

	if (argc < 2)
		return usage_error("missing KIND (grid, trajectory, "
		    "distribution or animation)", NULL);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return -1;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf(PROG " %s\n", SIM_VERSION);
		return -1;
	}
	for (k = 0; kind_names[k] != NULL; k++)
		if (strcmp(kind_names[k], argv[1]) == 0)
			break;
	if (kind_names[k] == NULL)
		return usage_error("unknown KIND (grid, trajectory, "
		    "distribution or animation):", argv[1]);
	o->kind = (enum kind)k;
	if ((o->labels = calloc((size_t)argc, sizeof(char *))) == NULL)
		return EX_OSERR;
	rc = cli_read(&c, argc, argv, 2);
	if (rc != 0)
		return rc;
	if (optind >= argc)
		return usage_error("no INPUT: give an experiment directory or "
		    "a run file", NULL);
	if ((o->kind == KIND_GRID || o->kind == KIND_ANIMATION) &&
	    argc - optind > 1)
		return usage_error("grid and animation draw one run: give one "
		    "INPUT, not", argv[optind + 1]);
	if (o->output == NULL)
		o->output = o->kind == KIND_ANIMATION ? "animation.gif" :
		    o->kind == KIND_GRID ? "grid.png" :
		    o->kind == KIND_TRAJECTORY ? "trajectory.png" :
		    "distribution.png";
	if (plot_format_of(o->output) == PLOT_NONE)
		return usage_error("--output must end in .png, .svg or .gif, "
		    "not", o->output);
	if (o->kind == KIND_ANIMATION && plot_format_of(o->output) != PLOT_GIF)
		return usage_error("an animation is a GIF: --output must end "
		    "in .gif, not", o->output);
	if (o->step != NULL && o->kind != KIND_GRID)
		return usage_error("--step is for grid", NULL);
	if (o->until_converged && o->kind != KIND_TRAJECTORY)
		return usage_error("--until-converged is for trajectory", NULL);
	return 0;
}

/* The run asked for (or the first one), or NULL with the message printed. */
static const struct run *
pick_run(const struct plot_series *s, const struct options *o, size_t *idx)
{
	for (size_t i = 0; i < s->nruns; i++)
		if (!o->has_run || s->runs[i]->id == o->run) {
			*idx = i;
			return s->runs[i];
		}
	fprintf(stderr, PROG ": %s has no run %lld; pick one with --run\n",
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
    const struct options *o, const char *data, char *err, size_t errlen)
{
	const char *step = o->step ? o->step : "final", *grid;
	const double *m;
	char title[512], caption[1024], mt[512], what[64];
	const struct run *r;
	size_t i;

	if ((r = pick_run(s, o, &i)) == NULL)
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
			fprintf(stderr, PROG ": run %lld of %s has no step %lld"
			    "\n", r->id, s->path, k);
			return EX_DATAERR;
		}
		grid = s->set.steps[s->first[i] + j].grid;
		m = s->set.steps[s->first[i] + j].m;
		if (grid == NULL) {
			fprintf(stderr, PROG ": run %lld of %s has no frames "
			    "(no grid on its step lines); run simrun with "
			    "--frames\n", r->id, s->path);
			return EX_DATAERR;
		}
		snprintf(what, sizeof(what), "grid after step %lld", k);
	}
	if (grid == NULL) {
		fprintf(stderr, PROG ": run %lld of %s has no %s line; draw a "
		    "finished run\n", r->id, s->path,
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
    const struct options *o, const char *data, char *err, size_t errlen)
{
	char **frames;
	long long *steps;
	char title[512];
	const struct run *r;
	size_t i, n;
	int rc = 0;

	if ((r = pick_run(s, o, &i)) == NULL)
		return EX_DATAERR;
	n = s->count[i];
	frames = calloc(n + 1, sizeof(*frames));
	steps = calloc(n + 1, sizeof(*steps));
	if (frames == NULL || steps == NULL) {
		free(frames);
		free(steps);
		fprintf(stderr, PROG ": out of memory\n");
		return EX_OSERR;
	}
	for (size_t j = 0; j < n; j++) {
		frames[j] = s->set.steps[s->first[i] + j].grid;
		steps[j] = s->set.steps[s->first[i] + j].step;
		if (frames[j] == NULL)
			n = 0;
	}
	if (n == 0) {
		fprintf(stderr, PROG ": run %lld of %s has no frames (no grid "
		    "on its step lines); run simrun with --frames to animate "
		    "it\n", r->id, s->path);
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

int
main(int argc, char **argv)
{
	struct options o = { .metric = 6 };
	struct plot_series *series = NULL;
	struct plot_batch b = { 0 };
	char data[4200], script[4200], title[512], err[1024];
	size_t n = 0, ok = 0;
	int rc, unavailable;

	if ((rc = parse_args(argc, argv, &o)) != 0) {
		free(o.labels);
		return rc == -1 ? (fclose(stdout) == 0 ? 0 : EX_IOERR) : rc;
	}
	if ((series = calloc((size_t)(argc - optind), sizeof(*series))) == NULL)
		return EX_OSERR;
	for (int i = optind; i < argc && rc == 0; i++, n++) {
		rc = plot_series_load(&series[n], PROG, argv[i],
		    o.kind == KIND_ANIMATION ? RUNSET_GRIDS_FRAMES :
		    o.kind == KIND_GRID ? RUNSET_GRIDS_ENDS |
		    (o.step != NULL && strcmp(o.step, "initial") != 0 &&
		    strcmp(o.step, "final") != 0 ? RUNSET_GRIDS_FRAMES : 0) : 0);
		if (rc == 0 && n < o.nlabels) {
			char *l = strdup(o.labels[n]);

			if (l == NULL)
				rc = EX_OSERR;
			else {
				free(series[n].label);
				series[n].label = l;
			}
		}
		if (rc == 0)
			ok += plot_series_ok(&series[n]);
	}
	/* no names given: experiments are told apart by their parameters */
	if (rc == 0 && o.nlabels == 0 && n > 1 &&
	    plot_series_vary_labels(series, n) != 0) {
		fprintf(stderr, PROG ": out of memory\n");
		rc = EX_OSERR;
	}
	if (rc == 0 && ok == 0 && (o.kind == KIND_TRAJECTORY ||
	    o.kind == KIND_DISTRIBUTION)) {
		fprintf(stderr, PROG ": no run ended ok in the input; nothing "
		    "to draw\n");
		rc = EX_DATAERR;
	}
	if (rc == 0 && (plot_sibling(data, sizeof(data), o.output, ".dat") ||
	    plot_sibling(script, sizeof(script), o.output, ".gp"))) {
		fprintf(stderr, PROG ": output name too long\n");
		rc = EX_USAGE;
	}
	if (rc == 0 && plot_batch_open(&b, PROG, script, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		rc = EX_CANTCREAT;
	}
	if (rc == 0) {
		const char *name = run_metric_names[o.metric];

		switch (o.kind) {
		case KIND_GRID:
			rc = draw_grid(&b, &series[0], &o, data, err,
			    sizeof(err));
			break;
		case KIND_ANIMATION:
			rc = draw_animation(&b, &series[0], &o, data, err,
			    sizeof(err));
			break;
		case KIND_TRAJECTORY:
			snprintf(title, sizeof(title), "%s by sweep%s%s", name,
			    n == 1 ? ": " : "", n == 1 ? series[0].label : "");
			if (plot_trajectory(&b, o.output, data, series, n,
			    o.metric, o.until_converged, o.title ? o.title :
			    title, o.width ? o.width : 640, o.height ? o.height :
			    480, err, sizeof(err)) != 0)
				rc = EX_CANTCREAT;
			break;
		case KIND_DISTRIBUTION:
			snprintf(title, sizeof(title), "final %s per experiment",
			    name);
			if (plot_distribution(&b, o.output, data, series, n,
			    o.metric, o.title ? o.title : title,
			    o.width ? o.width : 640, o.height ? o.height : 480,
			    err, sizeof(err)) != 0)
				rc = EX_CANTCREAT;
			break;
		}
		if (rc == EX_CANTCREAT)
			fprintf(stderr, PROG ": %s\n", err);
	}
	if (rc == 0 && plot_batch_run(&b, &unavailable, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		rc = unavailable ? EX_UNAVAILABLE : EX_SOFTWARE;
	}
	if (rc == 0)
		printf("%s\n", o.output);
	plot_batch_free(&b);
	for (size_t i = 0; i < n; i++)
		plot_series_free(&series[i]);
	free(series);
	free(o.labels);
	if (fclose(stdout) != 0 && rc == 0)
		rc = EX_IOERR;
	return rc;
}
