/*
 * A batch of figures drawn by one gnuplot process: the script is written
 * to a file, each figure goes to a temporary name, and every output is
 * renamed into place only when gnuplot has drawn them all.
 */
#ifndef SIM_PLOT_BATCH_H
#define SIM_PLOT_BATCH_H

#include <stddef.h>
#include <stdio.h>

/* Okabe-Ito colours: A and B tell apart under every colour blindness. */
#define PLOT_COLOUR_A     "#E69F00"   /* orange */
#define PLOT_COLOUR_B     "#0072B2"   /* blue */
#define PLOT_COLOUR_EMPTY "#EEEEEE"   /* light grey */

enum plot_format { PLOT_NONE, PLOT_PNG, PLOT_SVG, PLOT_GIF };

struct plot_output {
	char *tmp, *final;
};

struct plot_batch {
	const char *prog;
	FILE *script;
	char script_path[4096];
	struct plot_output *out;
	size_t nout, cap;
};

/* The format a file name asks for (by its extension), or PLOT_NONE. */
enum plot_format plot_format_of(const char *path);

/* The i-th colour of overlaid series (Okabe-Ito, cycling). */
const char *plot_series_colour(size_t i);

/* Opens the script file; 0, or -1 with err. */
int plot_batch_open(struct plot_batch *b, const char *prog,
    const char *script_path, char *err, size_t errlen);

/*
 * Starts a figure written to path (png, svg or gif by its extension) of
 * width x height pixels; gif_delay > 0 makes an animated GIF with that
 * many hundredths of a second per frame.  0, or -1 with err.
 */
int plot_figure(struct plot_batch *b, const char *path, int width,
    int height, int gif_delay, char *err, size_t errlen);

/*
 * Runs gnuplot on the script and renames the outputs into place.  0, or
 * -1 with err (and *unavailable when gnuplot could not be started); no
 * output is left under its final name then.
 */
int plot_batch_run(struct plot_batch *b, int *unavailable, char *err,
    size_t errlen);

/* Closes and frees; outputs not yet renamed are removed. */
void plot_batch_free(struct plot_batch *b);

/* Writes s as a gnuplot double-quoted string. */
void plot_str(FILE *f, const char *s);

/* The caption under a figure (several lines allowed). */
void plot_caption(FILE *f, const char *caption);

/* path with its extension replaced by ext (".dat"); -1 when too long. */
int plot_sibling(char *buf, size_t len, const char *path, const char *ext);

#endif
