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
#include "plot/batch.h"
#include "plot/figure.h"
#include "plot/series.h"

#define PROG "simplot"

enum { OPT_OUTPUT = 256, OPT_WIDTH, OPT_HEIGHT, OPT_TITLE, OPT_METRIC,
	OPT_UNTIL, OPT_LABEL, OPT_RUN, OPT_STEP, OPT_DELAY };

struct options {
	struct plot_figure fig;
	const char *metric_name;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " KIND [options] INPUT... [--output FILE]\n"
	    "\n"
	    "Draws runs with gnuplot.  INPUT is an experiment directory (its\n"
	    "runs/run_*.jsonl or shard_*.jsonl), a run file of simrun's JSON Lines, or -.\n"
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
	CLI_VALUE("output", OPT_OUTPUT), CLI_VALUE("width", OPT_WIDTH),
	CLI_VALUE("height", OPT_HEIGHT), CLI_VALUE("title", OPT_TITLE),
	CLI_VALUE("metric", OPT_METRIC),
	CLI_SWITCH("until-converged", OPT_UNTIL),
	CLI_VALUE("label", OPT_LABEL), CLI_VALUE("run", OPT_RUN),
	CLI_VALUE("step", OPT_STEP), CLI_VALUE("delay", OPT_DELAY), CLI_END
};

static int
take(void *options, int c, char *arg)
{
	struct options *o = options;
	long v;

	switch (c) {
	case OPT_OUTPUT:
		o->fig.output = arg;
		return 0;
	case OPT_WIDTH:
	case OPT_HEIGHT:
		if (parse_long_range(arg, 50, 10000, &v) != 0)
			return cli_usage_error(PROG, c == OPT_WIDTH ? "--width wants "
			    "pixels from 50 to 10000, not" : "--height wants "
			    "pixels from 50 to 10000, not", arg);
		*(c == OPT_WIDTH ? &o->fig.width : &o->fig.height) = (int)v;
		return 0;
	case OPT_TITLE:
		o->fig.title = arg;
		return 0;
	case OPT_METRIC:
		if ((o->fig.metric = plot_metric_index(arg)) < 0) {
			fprintf(stderr, PROG ": unknown metric '%s'; use one "
			    "of %s\n", arg, plot_metric_list());
			return EX_USAGE;
		}
		o->metric_name = arg;
		return 0;
	case OPT_UNTIL:
		o->fig.until_converged = 1;
		return 0;
	case OPT_LABEL:
		o->fig.labels[o->fig.nlabels++] = arg;
		return 0;
	case OPT_RUN:
		if (parse_long_range(arg, 0, 2000000000L, &v) != 0)
			return cli_usage_error(PROG, "--run wants a run id, not", arg);
		o->fig.run = v;
		o->fig.has_run = 1;
		return 0;
	case OPT_STEP:
		if (strcmp(arg, "initial") != 0 && strcmp(arg, "final") != 0 &&
		    parse_long_range(arg, 0, 2000000000L, &v) != 0)
			return cli_usage_error(PROG, "--step wants initial, final or a "
			    "step number, not", arg);
		o->fig.step = arg;
		return 0;
	case OPT_DELAY:
		if (parse_long_range(arg, 1, 10000, &v) != 0)
			return cli_usage_error(PROG, "--delay wants hundredths of a "
			    "second from 1 to 10000, not", arg);
		o->fig.delay = (int)v;
		return 0;
	}
	return cli_usage_error(PROG, "unhandled option", NULL);
}

/* -1 after --help/--version, else 0 or an exit status. */
static int
parse_args(int argc, char **argv, struct options *o)
{
	struct cli c = { PROG, long_options, usage, take, o, 0, -1 };
	int rc, k;

	if (argc < 2)
		return cli_usage_error(PROG, "missing KIND (grid, trajectory, "
		    "distribution or animation)", NULL);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return -1;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf(PROG " %s\n", SIM_VERSION);
		return -1;
	}
	for (k = 0; plot_kind_names[k] != NULL; k++)
		if (strcmp(plot_kind_names[k], argv[1]) == 0)
			break;
	if (plot_kind_names[k] == NULL)
		return cli_usage_error(PROG, "unknown KIND (grid, trajectory, "
		    "distribution or animation):", argv[1]);
	o->fig.kind = k;
	if ((o->fig.labels = calloc((size_t)argc, sizeof(char *))) == NULL)
		return EX_OSERR;
	rc = cli_read(&c, argc, argv, 2);
	if (rc != 0)
		return rc;
	if (optind >= argc)
		return cli_usage_error(PROG, "no INPUT: give an experiment directory or "
		    "a run file", NULL);
	if ((o->fig.kind == PLOT_KIND_GRID || o->fig.kind == PLOT_KIND_ANIMATION) &&
	    argc - optind > 1)
		return cli_usage_error(PROG, "grid and animation draw one run: give one "
		    "INPUT, not", argv[optind + 1]);
	if (o->fig.output == NULL)
		o->fig.output = o->fig.kind == PLOT_KIND_ANIMATION ? "animation.gif" :
		    o->fig.kind == PLOT_KIND_GRID ? "grid.png" :
		    o->fig.kind == PLOT_KIND_TRAJECTORY ? "trajectory.png" :
		    "distribution.png";
	if (plot_format_of(o->fig.output) == PLOT_NONE)
		return cli_usage_error(PROG, "--output must end in .png, .svg or .gif, "
		    "not", o->fig.output);
	if (o->fig.kind == PLOT_KIND_ANIMATION && plot_format_of(o->fig.output) != PLOT_GIF)
		return cli_usage_error(PROG, "an animation is a GIF: --output must end "
		    "in .gif, not", o->fig.output);
	if (o->fig.step != NULL && o->fig.kind != PLOT_KIND_GRID)
		return cli_usage_error(PROG, "--step is for grid", NULL);
	if (o->fig.until_converged && o->fig.kind != PLOT_KIND_TRAJECTORY)
		return cli_usage_error(PROG, "--until-converged is for trajectory", NULL);
	return 0;
}

int
main(int argc, char **argv)
{
	struct options o = { .fig = { .metric = 6 } };
	int rc;

	if ((rc = parse_args(argc, argv, &o)) != 0) {
		free(o.fig.labels);
		return rc == -1 ? (fclose(stdout) == 0 ? 0 : EX_IOERR) : rc;
	}
	rc = plot_figure_draw(&o.fig, argv + optind, (size_t)(argc - optind),
	    PROG);
	if (rc == 0)
		printf("%s\n", o.fig.output);
	free(o.fig.labels);
	if (fclose(stdout) != 0 && rc == 0)
		rc = EX_IOERR;
	return rc;
}
