/* Box plots of a final metric per series, ordered by median. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/atomicfile.h"
#include "plot/distribution.h"

struct column {
	size_t series;
	double median;
	double *x;
	size_t n;
};

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
cmp_column(const void *a, const void *b)
{
	const struct column *x = a, *y = b;

	if (isnan(x->median) || isnan(y->median))
		return isnan(x->median) - isnan(y->median);
	if (x->median != y->median)
		return (x->median > y->median) - (x->median < y->median);
	return (x->series > y->series) - (x->series < y->series);
}

/* A fixed spread of points around their box: -0.3 .. 0.3. */
static double
jitter(size_t i)
{
	uint64_t h = (uint64_t)(i + 1) * 0x9e3779b97f4a7c15ULL;

	return ((double)(h >> 11) / 9007199254740992.0 - 0.5) * 0.6;
}

/*
 * A long name as lines of about 14 characters, broken after '_', ',' or
 * '=' or at a space, so names stand level under their boxes; *lines
 * counts them.  NULL when out of memory.
 */
static char *
wrap(const char *name, int *lines)
{
	char *w = malloc(strlen(name) * 2 + 1), *q = w;
	size_t col = 0;

	*lines = 1;
	if (w == NULL)
		return NULL;
	for (const char *p = name; *p != '\0'; p++) {
		int brk = col >= 12 && p[1] != '\0' && strchr("_,= ", *p);

		if (*p != ' ' || !brk)
			*q++ = *p;
		col++;
		if (brk) {
			*q++ = '\n';
			col = 0;
			++*lines;
		}
	}
	*q = '\0';
	return w;
}

int
plot_distribution(struct plot_batch *b, const char *out, const char *data,
    const struct plot_series *series, size_t nseries, int metric,
    const char *title, int width, int height, char *err, size_t errlen)
{
	const char *name = metrics_names[metric];
	struct column *col = calloc(nseries + 1, sizeof(*col));
	struct atomic_file f;
	FILE *s = b->script;
	int rc = -1, most = 1;

	if (col == NULL)
		goto oom;
	for (size_t i = 0; i < nseries; i++) {
		const struct plot_series *p = &series[i];

		col[i].series = i;
		col[i].median = NAN;
		if ((col[i].x = malloc((p->nruns + 1) * sizeof(double))) == NULL)
			goto oom;
		for (size_t r = 0; r < p->nruns; r++)
			if (run_is_ok(p->runs[r]) && !isnan(p->runs[r]->final[metric]))
				col[i].x[col[i].n++] = p->runs[r]->final[metric];
		qsort(col[i].x, col[i].n, sizeof(double), cmp_double);
		if (col[i].n > 0)
			col[i].median = col[i].n % 2 ? col[i].x[col[i].n / 2] :
			    (col[i].x[col[i].n / 2 - 1] + col[i].x[col[i].n / 2]) / 2;
	}
	qsort(col, nseries, sizeof(*col), cmp_column);
	if (atomic_open_err(&f, data, err, errlen) != 0)
		goto out;
	fprintf(f.f, "# final %s of each ok run; one block per series, "
	    "ordered by median, blocks separated by two blank lines\n", name);
	for (size_t i = 0; i < nseries; i++) {
		fprintf(f.f, "%s# series: %s (median %.17g)\n# position value "
		    "jittered_position\n", i ? "\n\n" : "",
		    series[col[i].series].label, col[i].median);
		for (size_t k = 0; k < col[i].n; k++)
			fprintf(f.f, "%zu %.17g %.6f\n", i + 1, col[i].x[k],
			    (double)(i + 1) + jitter(k));
		if (col[i].n == 0)   /* an empty block would end the file early */
			fprintf(f.f, "%zu NaN %zu\n", i + 1, i + 1);
	}
	if (atomic_commit_err(&f, err, errlen) != 0)
		goto out;
	if (plot_figure(b, out, width, height, 0, err, errlen) != 0)
		goto out;
	fputs("set title ", s);
	plot_str(s, title);
	fprintf(s, "\nset ylabel 'final %s'\nset grid ytics\nunset key\n"
	    "set style fill solid 0.25 border\nset style boxplot nooutliers "
	    "medianlinewidth 2\nset style data boxplot\nset boxwidth 0.6\n"
	    "set xrange [0.4:%zu.6]\nset xtics (", name, nseries);
	for (size_t i = 0; i < nseries; i++) {
		int lines;
		char *w = wrap(series[col[i].series].label, &lines);

		if (w == NULL) {
			fputs(")\n", s);
			goto oom;
		}
		fputs(i ? ", " : "", s);
		plot_str(s, w);
		fprintf(s, " %zu", i + 1);
		free(w);
		if (lines > most)
			most = lines;
	}
	/* room below for the names' lines, the axis label and the caption */
	most = most > 20 ? 20 : most;
	fprintf(s, ")\nset bmargin %d\nset xlabel 'experiment (ordered by "
	    "median)' offset 0, %d\n", 6 + most, 1 - most);
	plot_caption(s, "Boxes: quartiles and median; whiskers: 1.5 IQR; "
	    "dots: the runs.");
	fputs("plot ", s);
	for (size_t i = 0; i < nseries; i++) {
		const char *c = plot_series_colour(col[i].series);

		fputs(i ? ", \\\n  " : "", s);
		plot_str(s, data);
		fprintf(s, " index %zu using (%zu):2 with boxplot lc rgb '%s', ",
		    i, i + 1, c);
		plot_str(s, data);
		fprintf(s, " index %zu using 3:2 with points pt 7 ps 0.35 "
		    "lc rgb '%s'", i, c);
	}
	fputc('\n', s);
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	if (col != NULL)
		for (size_t i = 0; i < nseries; i++)
			free(col[i].x);
	free(col);
	return rc;
}
