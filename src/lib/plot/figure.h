/*
 * simplot's figures: a run's grid or its frames as an animation, or each
 * input's trajectory or distribution of a metric, from experiment
 * directories or run files, drawn by one gnuplot with the figure's data
 * file and script beside it.
 */
#ifndef SIM_PLOT_FIGURE_H
#define SIM_PLOT_FIGURE_H

#include <stddef.h>

enum plot_kind { PLOT_KIND_GRID, PLOT_KIND_TRAJECTORY, PLOT_KIND_DISTRIBUTION,
	PLOT_KIND_ANIMATION };
extern const char *const plot_kind_names[];   /* by enum plot_kind */

/* What to draw; 0 (or NULL) is the kind's default. */
struct plot_figure {
	int kind;                  /* enum plot_kind */
	const char *output;        /* .png, .svg or .gif */
	const char *title;
	const char *step;          /* grid: initial, final or a step */
	int width, height;
	int metric;                /* trajectory, distribution: its index */
	int until_converged;
	int delay;                 /* animation: 1/100 s per frame */
	long long run;             /* grid, animation: with has_run */
	int has_run;
	const char **labels;       /* names of the first nlabels inputs */
	size_t nlabels;
};

/*
 * Draws f from the n inputs (experiment directories, run files, or -):
 * 0, or an exit status after a message (64, 65, 66, 69 no gnuplot, 70,
 * 71, 73).
 */
int plot_figure_draw(const struct plot_figure *f, char **inputs, size_t n,
    const char *prog);

#endif
