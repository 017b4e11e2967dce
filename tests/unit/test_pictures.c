/*
 * The pictures' text work: grid strings, file names, HTML escaping, the
 * Markdown subset, CSV tables, SVG ids made unique, runset's frames.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "plot/batch.h"
#include "plot/grid.h"
#include "report/csvtable.h"
#include "report/html.h"
#include "report/markdown.h"
#include "runfile/runset.h"

/* Runs fn(f) into a memory buffer; the text, to free. */
static char *
capture(void (*fn)(FILE *, const void *), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		exit(2);
	fn(f, arg);
	fclose(f);
	return buf;
}

static void
do_escape(FILE *f, const void *s)
{
	html_escape(f, s);
}

static void
do_markdown(FILE *f, const void *s)
{
	markdown_html(f, s, 1);
}

static void
do_matrix(FILE *f, const void *s)
{
	plot_grid_matrix(f, s, plot_grid_side(s));
}

static void
do_csv(FILE *f, const void *path)
{
	if (csv_html_table(f, path) != 0)
		fputs("unreadable", f);
}

static void
do_figure(FILE *f, const void *path)
{
	if (html_figure(f, path, 7, "cap <1>") != 0)
		fputs("unreadable", f);
}

static void
grids(void)
{
	char *m;

	CHECK(plot_grid_side("A.B.") == 2, "a 2x2 grid");
	CHECK(plot_grid_side("A.B") == 0, "3 cells are no square");
	CHECK(plot_grid_side("A.BX") == 0, "only '.', 'A' and 'B'");
	CHECK(plot_grid_side("") == 0, "empty is no grid");
	m = capture(do_matrix, "AB.BA.B.A");
	CHECK(strcmp(m, "1 2 0\n2 1 0\n2 0 1\n") == 0, "matrix rows");
	free(m);
}

static void
names(void)
{
	char b[64];

	CHECK(plot_sibling(b, sizeof(b), "out/fig.png", ".dat") == 0 &&
	    strcmp(b, "out/fig.dat") == 0, "sibling: %s", b);
	CHECK(plot_sibling(b, sizeof(b), "a.b/fig", ".gp") == 0 &&
	    strcmp(b, "a.b/fig.gp") == 0, "no extension: %s", b);
	CHECK(plot_sibling(b, 8, "long/name.png", ".dat") == -1,
	    "too long is refused");
	CHECK(plot_format_of("x.svg") == PLOT_SVG && plot_format_of("x.png") ==
	    PLOT_PNG && plot_format_of("x.gif") == PLOT_GIF &&
	    plot_format_of("x.jpg") == PLOT_NONE &&
	    plot_format_of("a.png/x") == PLOT_NONE, "formats by extension");
}

static void
html(void)
{
	char *s = capture(do_escape, "a<b & \"c\">");

	CHECK(strcmp(s, "a&lt;b &amp; &quot;c&quot;&gt;") == 0, "escape: %s", s);
	free(s);
	s = capture(do_markdown, "# Title\n\nSome **bold** `x<y` text\nmore.\n\n"
	    "- one\n- two\n\n| a | b |\n|---|---|\n| 1 | <2> |\n");
	CHECK(strstr(s, "<h2>Title</h2>") != NULL, "heading shifted");
	CHECK(strstr(s, "<p>Some <strong>bold</strong> <code>x&lt;y</code> "
	    "text\nmore.</p>") != NULL, "paragraph");
	CHECK(strstr(s, "<ul>\n<li>one</li>\n<li>two</li>\n</ul>") != NULL,
	    "list");
	CHECK(strstr(s, "<tr><th class=\"l\">a</th><th class=\"l\">b</th></tr>")
	    != NULL && strstr(s, "<td class=\"l\">&lt;2&gt;</td>") != NULL &&
	    strstr(s, "---") == NULL, "table without its rule");
	free(s);
}

static void
files(void)
{
	char dir[] = "/tmp/test_pictures.XXXXXX", path[128], *s;
	FILE *f;

	if (mkdtemp(dir) == NULL)
		exit(2);
	snprintf(path, sizeof(path), "%s/c.csv", dir);
	f = fopen(path, "w");
	fputs("experiment,metric,mean\n\"a,b\",share,0.123456789\nx,,\n", f);
	fclose(f);
	s = capture(do_csv, path);
	CHECK(strstr(s, "<td class=\"l\">a,b</td>") != NULL, "quoted field");
	CHECK(strstr(s, "<td title=\"0.123456789\">0.1235</td>") != NULL,
	    "4 significant digits, the whole in the title");
	CHECK(strstr(s, "<td class=\"l\">x</td><td class=\"l\"></td><td "
	    "class=\"l\"></td>") != NULL, "empty fields kept");
	free(s);
	remove(path);
	snprintf(path, sizeof(path), "%s/f.svg", dir);
	f = fopen(path, "w");
	fputs("<?xml version=\"1.0\"?>\n<svg width=\"10\"><g id=\"gnuplot_canvas\">"
	    "<path id='gpPt0'/><use xlink:href='#gpPt0'/></g></svg>\n", f);
	fclose(f);
	s = capture(do_figure, path);
	CHECK(strstr(s, "<?xml") == NULL, "no XML declaration in the page");
	CHECK(strstr(s, "id=\"f7-gnuplot_canvas\"") != NULL &&
	    strstr(s, "id='f7-gpPt0'") != NULL &&
	    strstr(s, "href='#f7-gpPt0'") != NULL, "ids per figure");
	CHECK(strstr(s, "<figcaption>cap &lt;1&gt;</figcaption>") != NULL,
	    "caption escaped");
	free(s);
	remove(path);
	s = capture(do_figure, path);
	CHECK(strcmp(s, "unreadable") == 0, "a missing figure is an error");
	free(s);
	remove(dir);
}

static void
frames(void)
{
	static const char text[] =
	    "{\"event\":\"start\",\"run_id\":0,\"initial\":{},\"grid\":\"AB..\"}\n"
	    "{\"event\":\"step\",\"run_id\":0,\"step\":0,\"moves\":1,"
	    "\"share\":0.5,\"grid\":\"A..B\"}\n"
	    "{\"event\":\"end\",\"run_id\":0,\"status\":\"failed\","
	    "\"reason\":\"HTTP 503\",\"grid\":\"A..B\"}\n";
	struct runset a;
	struct run **runs;
	size_t n;
	FILE *f;

	for (int keep = 0; keep < 4; keep++) {
		runset_init(&a, "test");
		a.keep_grids = keep;
		f = fmemopen((void *)text, sizeof(text) - 1, "r");
		CHECK(runset_read_stream(&a, f, "mem") == 0 &&
		    runset_sort(&a, &runs, &n) == 0 && n == 1 && a.nsteps == 1,
		    "keep_grids %d: read", keep);
		fclose(f);
		CHECK(a.steps[0].m[4] == 0.5, "the fast scanner reads past the "
		    "grid");
		CHECK((keep & RUNSET_GRIDS_FRAMES ? a.steps[0].grid != NULL &&
		    strcmp(a.steps[0].grid, "A..B") == 0 : a.steps[0].grid ==
		    NULL), "frames kept only when asked");
		CHECK((keep & RUNSET_GRIDS_ENDS ? runs[0]->grid_initial != NULL &&
		    strcmp(runs[0]->grid_initial, "AB..") == 0 &&
		    strcmp(runs[0]->grid_final, "A..B") == 0 :
		    runs[0]->grid_initial == NULL), "start and end grids");
		CHECK(runs[0]->reason && strcmp(runs[0]->reason, "HTTP 503") ==
		    0, "a failed run's reason");
		free(runs);
		runset_free(&a);
	}
}

int
main(void)
{
	grids();
	names();
	html();
	files();
	frames();
	return check_done();
}
