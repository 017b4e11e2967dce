/* The animation of a run's frames (see animation.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "io/atomicfile.h"
#include "plot/animation.h"
#include "plot/grid.h"

/*
 * The frames gnuplot reads: G*G bytes a frame (0 empty, 1 A, 2 B, row 0
 * first), so that frame k is a seek away; the text file with the same
 * numbers would be read from its start for every frame.
 */
static int
write_binary(const char *path, char *const *frames, size_t nframes,
    int side, char *err, size_t errlen)
{
	struct atomic_file f;
	size_t cells = (size_t)side * (size_t)side;

	if (atomic_open_err(&f, path, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < nframes; i++)
		for (size_t c = 0; c < cells; c++)
			putc(frames[i][c] == 'A' ? 1 : frames[i][c] == 'B' ? 2 : 0,
			    f.f);
	if (atomic_commit_err(&f, err, errlen) != 0)
		return -1;
	return 0;
}

int
plot_animation(struct plot_batch *b, const char *out, const char *data,
    char *const *frames, const long long *steps, size_t nframes,
    const char *title, int delay, int width, int height, char *err,
    size_t errlen)
{
	struct atomic_file f;
	int side = nframes > 0 ? plot_grid_side(frames[0]) : 0;
	char label[512], bin[4200];

	if (side == 0) {
		snprintf(err, errlen, "no frames to draw");
		return -1;
	}
	for (size_t i = 1; i < nframes; i++)
		if (plot_grid_side(frames[i]) != side) {
			snprintf(err, errlen, "frame of step %lld is not a "
			    "%dx%d grid", steps[i], side, side);
			return -1;
		}
	if (atomic_open_err(&f, data, err, errlen) != 0)
		return -1;
	fprintf(f.f, "# %zu frames of a %dx%d grid, row 0 first: 0 empty, "
	    "1 A, 2 B; blocks separated by two blank lines\n", nframes, side,
	    side);
	for (size_t i = 0; i < nframes; i++) {
		fprintf(f.f, "%s# step %lld\n", i ? "\n\n" : "", steps[i]);
		plot_grid_matrix(f.f, frames[i], side);
	}
	if (atomic_commit_err(&f, err, errlen) != 0)
		return -1;
	if (plot_sibling(bin, sizeof(bin), data, ".frames") != 0) {
		snprintf(err, errlen, "%s: name too long", data);
		return -1;
	}
	if (write_binary(bin, frames, nframes, side, err, errlen) != 0 ||
	    plot_figure(b, out, width, height, delay, err, errlen) != 0)
		return -1;
	plot_grid_setup(b->script, side);
	for (size_t i = 0; i < nframes; i++) {
		snprintf(label, sizeof(label), "%s\nstep %lld (%zu of %zu)",
		    title, steps[i], i + 1, nframes);
		fputs("set title ", b->script);
		plot_str(b->script, label);
		fputc('\n', b->script);
		plot_grid_frame(b->script, bin, i, side);
	}
	return 0;
}
