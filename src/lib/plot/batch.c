/* A batch of figures drawn by one gnuplot process (see batch.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plot/batch.h"
#include "plot/gnuplot.h"

static const char *const series_colours[] = {
	"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
	"#000000", "#F0E442",
};

enum plot_format
plot_format_of(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot == NULL || strchr(dot, '/') != NULL)
		return PLOT_NONE;
	if (strcmp(dot, ".png") == 0)
		return PLOT_PNG;
	if (strcmp(dot, ".svg") == 0)
		return PLOT_SVG;
	if (strcmp(dot, ".gif") == 0)
		return PLOT_GIF;
	return PLOT_NONE;
}

const char *
plot_series_colour(size_t i)
{
	return series_colours[i % (sizeof(series_colours) /
	    sizeof(series_colours[0]))];
}

int
plot_batch_open(struct plot_batch *b, const char *prog,
    const char *script_path, char *err, size_t errlen)
{
	memset(b, 0, sizeof(*b));
	b->prog = prog;
	if (snprintf(b->script_path, sizeof(b->script_path), "%s",
	    script_path) >= (int)sizeof(b->script_path)) {
		snprintf(err, errlen, "%s: name too long", script_path);
		return -1;
	}
	if ((b->script = fopen(script_path, "w")) == NULL) {
		snprintf(err, errlen, "cannot create %s: %s", script_path,
		    strerror(errno));
		return -1;
	}
	fprintf(b->script, "# written by %s; gnuplot %s redraws it\n", prog,
	    script_path);
	return 0;
}

void
plot_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else if ((unsigned char)*s >= ' ')
			fputc(*s, f);
	}
	fputc('"', f);
}

void
plot_caption(FILE *f, const char *caption)
{
	int lines = 1;

	for (const char *p = caption; *p != '\0'; p++)
		lines += *p == '\n';
	fputs("set label 99 ", f);
	plot_str(f, caption);
	/* a label's first line is at its place: lift it by the lines below */
	fprintf(f, " at screen 0.5, screen 0 center front font \",9\" "
	    "offset 0, character %.1f\n", 1.1 * lines - 0.4);
}

int
plot_sibling(char *buf, size_t len, const char *path, const char *ext)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	size_t stem = dot != NULL && (slash == NULL || dot > slash) ?
	    (size_t)(dot - path) : strlen(path);
	int n = snprintf(buf, len, "%.*s%s", (int)stem, path, ext);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
plot_figure(struct plot_batch *b, const char *path, int width, int height,
    int gif_delay, char *err, size_t errlen)
{
	enum plot_format fmt = plot_format_of(path);
	struct plot_output *o;
	size_t n = strlen(path) + 32;
	FILE *f = b->script;

	if (fmt == PLOT_NONE) {
		snprintf(err, errlen, "%s: the output must end in .png, .svg "
		    "or .gif", path);
		return -1;
	}
	if (b->nout == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;

		if ((o = realloc(b->out, cap * sizeof(*o))) == NULL)
			goto oom;
		b->out = o;
		b->cap = cap;
	}
	o = &b->out[b->nout];
	o->final = strdup(path);
	o->tmp = malloc(n);
	if (o->final == NULL || o->tmp == NULL) {
		free(o->final);
		free(o->tmp);
		goto oom;
	}
	snprintf(o->tmp, n, "%s.%ld.tmp", path, (long)getpid());
	b->nout++;
	fputs("\nreset\n", f);
	switch (fmt) {
	case PLOT_PNG:
		fprintf(f, "set terminal pngcairo size %d,%d noenhanced "
		    "font \"DejaVu Sans,10\" background \"#ffffff\"\n", width,
		    height);
		break;
	case PLOT_SVG:
		fprintf(f, "set terminal svg size %d,%d noenhanced "
		    "font \"DejaVu Sans,10\" background \"#ffffff\"\n", width,
		    height);
		break;
	default:
		if (gif_delay > 0)
			fprintf(f, "set terminal gif animate delay %d loop 0 "
			    "size %d,%d noenhanced font \"DejaVu Sans,10\"\n",
			    gif_delay, width, height);
		else
			fprintf(f, "set terminal gif size %d,%d noenhanced "
			    "font \"DejaVu Sans,10\"\n", width, height);
		break;
	}
	fputs("set output ", f);
	plot_str(f, o->tmp);
	fputc('\n', f);
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static void
drop_outputs(struct plot_batch *b)
{
	for (size_t i = 0; i < b->nout; i++)
		unlink(b->out[i].tmp);
}

int
plot_batch_run(struct plot_batch *b, int *unavailable, char *err,
    size_t errlen)
{
	int bad;

	*unavailable = 0;
	fputs("\nunset output\n", b->script);
	bad = ferror(b->script);
	if (fclose(b->script) != 0 || bad) {
		b->script = NULL;
		snprintf(err, errlen, "cannot write %s: %s", b->script_path,
		    strerror(errno));
		return -1;
	}
	b->script = NULL;
	if (gnuplot_run(b->prog, b->script_path, unavailable, err,
	    errlen) != 0) {
		drop_outputs(b);
		return -1;
	}
	for (size_t i = 0; i < b->nout; i++) {
		if (rename(b->out[i].tmp, b->out[i].final) != 0) {
			snprintf(err, errlen, "cannot rename %s to %s: %s",
			    b->out[i].tmp, b->out[i].final, strerror(errno));
			drop_outputs(b);
			return -1;
		}
	}
	return 0;
}

void
plot_batch_free(struct plot_batch *b)
{
	if (b->script != NULL)
		fclose(b->script);
	drop_outputs(b);
	for (size_t i = 0; i < b->nout; i++) {
		free(b->out[i].tmp);
		free(b->out[i].final);
	}
	free(b->out);
	memset(b, 0, sizeof(*b));
}
