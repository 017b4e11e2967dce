/* The grid picture (see grid.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "io/atomicfile.h"
#include "plot/grid.h"

int
plot_grid_side(const char *grid)
{
	size_t n = strlen(grid), side = (size_t)llround(sqrt((double)n));

	if (n == 0 || side * side != n || strspn(grid, ".AB") != n)
		return 0;
	return (int)side;
}

void
plot_grid_matrix(FILE *f, const char *grid, int side)
{
	static const char digit[128] = { ['.'] = '0', ['A'] = '1', ['B'] = '2' };

	for (int y = 0; y < side; y++) {
		const char *row = grid + (size_t)y * (size_t)side;

		for (int x = 0; x < side; x++) {
			putc(digit[(unsigned char)row[x] & 0x7f], f);
			putc(x + 1 < side ? ' ' : '\n', f);
		}
	}
}

void
plot_grid_setup(FILE *s, int side)
{
	fprintf(s, "set palette defined (0 '%s', 1 '%s', 2 '%s')\n"
	    "set palette maxcolors 3\nset cbrange [0:2]\nunset colorbox\n"
	    "set size ratio -1\n"
	    "set xrange [-0.5:%d.5]\nset yrange [%d.5:-0.5]\n"
	    "set xlabel 'column'\nset ylabel 'row'\n"
	    "set style fill solid 1.0 noborder\n"
	    "set key outside right top vertical samplen 1\n"
	    "set tics out nomirror\nset bmargin 6\n",
	    PLOT_COLOUR_EMPTY, PLOT_COLOUR_A, PLOT_COLOUR_B, side - 1, side - 1);
}

static void
key_entries(FILE *s)
{
	fprintf(s, "keyentry with boxes fc rgb '%s' title 'A', "
	    "keyentry with boxes fc rgb '%s' title 'B', "
	    "keyentry with boxes fc rgb '%s' title 'empty'\n", PLOT_COLOUR_A,
	    PLOT_COLOUR_B, PLOT_COLOUR_EMPTY);
}

void
plot_grid_frame(FILE *s, const char *bin, size_t i, int side)
{
	fputs("plot ", s);
	plot_str(s, bin);
	fprintf(s, " binary array=(%d,%d) format='%%uchar' skip=%zu with "
	    "image notitle, ", side, side, i * (size_t)side * (size_t)side);
	key_entries(s);
}

void
plot_grid_command(FILE *s, const char *data, int index, int side)
{
	fputs("plot ", s);
	plot_str(s, data);
	if (index >= 0)
		fprintf(s, " index %d", index);
	fprintf(s, " matrix with image%s notitle, "
	    "keyentry with boxes fc rgb '%s' title 'A', "
	    "keyentry with boxes fc rgb '%s' title 'B', "
	    "keyentry with boxes fc rgb '%s' title 'empty'\n",
	    side <= PLOT_GRID_CELLS_MAX ? " pixels" : "", PLOT_COLOUR_A,
	    PLOT_COLOUR_B, PLOT_COLOUR_EMPTY);
}

int
plot_grid(struct plot_batch *b, const char *out, const char *data,
    const char *grid, const char *title, const char *caption, int width,
    int height, char *err, size_t errlen)
{
	struct atomic_file f;
	int side = plot_grid_side(grid);

	if (side == 0) {
		snprintf(err, errlen, "the grid is not G*G cells of '.', 'A' "
		    "and 'B'");
		return -1;
	}
	if (atomic_open_err(&f, data, err, errlen) != 0)
		return -1;
	fprintf(f.f, "# %dx%d grid, row 0 first: 0 empty, 1 A, 2 B\n", side,
	    side);
	plot_grid_matrix(f.f, grid, side);
	if (atomic_commit_err(&f, err, errlen) != 0)
		return -1;
	if (plot_figure(b, out, width, height, 0, err, errlen) != 0)
		return -1;
	plot_grid_setup(b->script, side);
	fputs("set title ", b->script);
	plot_str(b->script, title);
	fputc('\n', b->script);
	plot_caption(b->script, caption);
	plot_grid_command(b->script, data, -1, side);
	return 0;
}
