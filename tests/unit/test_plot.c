/*
 * plot/'s script and data writing, without running gnuplot: gnuplot
 * strings and captions, a figure's terminal and temporary output, the
 * grid figure's data and commands, series colours and metric names, and
 * a batch whose gnuplot fails or cannot start leaving no output behind.
 */
#define _XOPEN_SOURCE 700     /* nftw */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "plot/batch.h"
#include "plot/grid.h"
#include "plot/series.h"

static char dir[64];

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);
	size_t n;

	if (buf == NULL)
		exit(2);
	if (f == NULL)
		return buf;
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
do_str(const char *in, const char *want, const char *what)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		exit(2);
	plot_str(f, in);
	fclose(f);
	CHECK(strcmp(buf, want) == 0, "plot_str: %s", what);
	free(buf);
}

static void
strings(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	do_str("plain", "\"plain\"", "double-quoted");
	do_str("say \"x\"", "\"say \\\"x\\\"\"", "quotes escaped");
	do_str("a\\b", "\"a\\\\b\"", "a backslash escaped");
	do_str("two\nlines", "\"two\\nlines\"", "a newline as \\n");
	do_str("bell\a tab\t", "\"bell tab\"", "control characters dropped");
	do_str("", "\"\"", "empty");

	if ((f = open_memstream(&buf, &len)) == NULL)
		exit(2);
	plot_caption(f, "one\ntwo\nthree");
	fclose(f);
	CHECK(strncmp(buf, "set label 99 \"one\\ntwo\\nthree\" at screen 0.5, "
	    "screen 0 center", 48) == 0, "a caption's label: %.60s", buf);
	CHECK(strstr(buf, "offset 0, character 2.9\n") != NULL,
	    "lifted by its three lines");
	free(buf);

	CHECK(strcmp(plot_series_colour(0), "#0072B2") == 0 &&
	    strcmp(plot_series_colour(1), "#D55E00") == 0,
	    "the first series colours (Okabe-Ito)");
	CHECK(strcmp(plot_series_colour(8), plot_series_colour(0)) == 0 &&
	    strcmp(plot_series_colour(9), plot_series_colour(1)) == 0,
	    "eight colours, then they cycle");
	for (size_t i = 0; i < 8; i++)
		for (size_t j = i + 1; j < 8; j++)
			if (strcmp(plot_series_colour(i),
			    plot_series_colour(j)) == 0)
				CHECK(0, "colours %zu and %zu differ", i, j);

	CHECK(plot_metric_index("nope") == -1, "an unknown metric: -1");
	CHECK(plot_metric_index(plot_metric_list()) == -1,
	    "the list is not a metric");
	{
		char first[64];
		const char *list = plot_metric_list();
		size_t n = strcspn(list, ",");

		snprintf(first, sizeof(first), "%.*s", (int)n, list);
		CHECK(n > 0 && plot_metric_index(first) == 0,
		    "the list's first name is metric 0 (%s)", first);
	}
}

static void
batch(void)
{
	struct plot_batch b;
	char script[128], out[128], svg[128], data[128], err[512] = "";
	char *text, want[256];
	int unavailable = -1;
	struct stat st;

	snprintf(script, sizeof(script), "%s/fig.gp", dir);
	snprintf(out, sizeof(out), "%s/grid.png", dir);
	snprintf(svg, sizeof(svg), "%s/anim.gif", dir);
	snprintf(data, sizeof(data), "%s/grid.dat", dir);
	CHECK(plot_batch_open(&b, "simplot", script, err, sizeof(err)) == 0,
	    "a batch opens its script");
	CHECK(plot_figure(&b, "x.jpg", 100, 100, 0, err, sizeof(err)) == -1 &&
	    strcmp(err, "x.jpg: the output must end in .png, .svg or .gif") ==
	    0, "a .jpg is refused: %s", err);
	CHECK(plot_grid(&b, out, data, "AB.BA.B.X", "t", "c", 400, 300, err,
	    sizeof(err)) == -1 && stat(data, &st) != 0,
	    "a grid with an X is refused before any data is written");
	CHECK(plot_grid(&b, out, data, "AB.B", "my \"title\"", "cap", 400, 300,
	    err, sizeof(err)) == 0, "a 2x2 grid figure");
	CHECK(plot_figure(&b, svg, 50, 60, 25, err, sizeof(err)) == 0,
	    "an animated gif figure");
	fflush(b.script);
	text = slurp(data);
	CHECK(strcmp(text, "# 2x2 grid, row 0 first: 0 empty, 1 A, 2 B\n"
	    "1 2\n0 2\n") == 0, "the grid's data file");
	free(text);
	text = slurp(script);
	CHECK(strncmp(text, "# written by simplot; gnuplot ", 30) == 0,
	    "the script says who wrote it");
	CHECK(strstr(text, "set terminal pngcairo size 400,300 noenhanced") !=
	    NULL, "the png terminal and size");
	snprintf(want, sizeof(want), "set output \"%s.%ld.tmp\"\n", out,
	    (long)getpid());
	CHECK(strstr(text, want) != NULL,
	    "drawn to a temporary name first");
	CHECK(strstr(text, "set title \"my \\\"title\\\"\"\n") != NULL,
	    "the title as a gnuplot string");
	CHECK(strstr(text, "set xrange [-0.5:1.5]\nset yrange [1.5:-0.5]\n") !=
	    NULL, "ranges of a 2x2 grid, row 0 on top");
	snprintf(want, sizeof(want), "plot \"%s\" matrix with image pixels "
	    "notitle", data);
	CHECK(strstr(text, want) != NULL, "the grid's plot command");
	CHECK(strstr(text, "set terminal gif animate delay 25 loop 0 size "
	    "50,60") != NULL, "the animation's terminal");
	free(text);

	/* gnuplot fails: no output under its final name, no temporary */
	setenv("SIM_GNUPLOT", "false", 1);
	CHECK(plot_batch_run(&b, &unavailable, err, sizeof(err)) == -1,
	    "a gnuplot that fails fails the batch");
	CHECK(unavailable == 0, "it did start (%d)", unavailable);
	CHECK(stat(out, &st) != 0 && stat(svg, &st) != 0,
	    "no figure under its final name");
	snprintf(want, sizeof(want), "%s.%ld.tmp", out, (long)getpid());
	CHECK(stat(want, &st) != 0, "nor under its temporary one");
	plot_batch_free(&b);

	setenv("SIM_GNUPLOT", "/nonexistent/gnuplot", 1);
	CHECK(plot_batch_open(&b, "simplot", script, err, sizeof(err)) == 0 &&
	    plot_figure(&b, out, 10, 10, 0, err, sizeof(err)) == 0,
	    "a second batch");
	CHECK(plot_batch_run(&b, &unavailable, err, sizeof(err)) == -1 &&
	    unavailable == 1, "no gnuplot at all: unavailable");
	CHECK(strstr(err, "/nonexistent/gnuplot") != NULL &&
	    strstr(err, "SIM_GNUPLOT") != NULL,
	    "the line names it and what to do: %s", err);
	CHECK(stat(out, &st) != 0, "still no figure");
	plot_batch_free(&b);
	unsetenv("SIM_GNUPLOT");

	snprintf(script, sizeof(script), "%s/no-dir/fig.gp", dir);
	CHECK(plot_batch_open(&b, "simplot", script, err, sizeof(err)) == -1 &&
	    strncmp(err, "cannot create ", 14) == 0,
	    "a script in a missing directory: %s", err);
}

static void
commands(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		exit(2);
	plot_grid_command(f, "d.dat", 3, 101);
	fclose(f);
	CHECK(strncmp(buf, "plot \"d.dat\" index 3 matrix with image notitle",
	    46) == 0, "block 3; a grid over 100 as one image: %.50s", buf);
	CHECK(strstr(buf, "title 'A'") && strstr(buf, "title 'B'") &&
	    strstr(buf, "title 'empty'"), "with a key of A, B and empty");
	free(buf);
}

static int
rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/test_plot.XXXXXX",
	    tmp != NULL && strlen(tmp) < 32 ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return 2;
	strings();
	batch();
	commands();
	nftw(dir, rm, 8, FTW_DEPTH | FTW_PHYS);
	return check_done();
}
