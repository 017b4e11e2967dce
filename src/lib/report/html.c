/* Writing the self-contained report page (see html.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/html.h"

void
html_escape(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

void
html_head(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\""
	    HTML_CSP "\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n<title>", f);
	html_escape(f, title);
	fputs("</title>\n<style>\n"
	    "body { font-family: \"DejaVu Sans\", Helvetica, Arial, sans-serif;"
	    " margin: 1.5em auto; max-width: 72em; padding: 0 1em;"
	    " color: #111; background: #fff; line-height: 1.4; }\n"
	    "h1 { font-size: 1.6em; margin-bottom: 0.2em; }\n"
	    "h2 { font-size: 1.25em; border-bottom: 1px solid #ccc;"
	    " margin-top: 1.6em; }\n"
	    "table { border-collapse: collapse; margin: 0.5em 0;"
	    " font-size: 0.9em; }\n"
	    "th, td { border: 1px solid #ccc; padding: 0.15em 0.5em;"
	    " text-align: right; }\n"
	    "th { background: #f2f2f2; }\n"
	    "td.l, th.l { text-align: left; }\n"
	    "pre.summary { background: #f7f7f7; padding: 0.6em 1em;"
	    " white-space: pre-wrap; overflow-wrap: anywhere;"
	    " border-left: 3px solid #0072B2; }\n"

	    ".figs { display: flex; flex-wrap: wrap; gap: 1em; }\n"
	    "figure { margin: 0; break-inside: avoid; page-break-inside:"
	    " avoid; }\n"
	    "figure svg { max-width: 100%; height: auto; display: block; }\n"
	    "figcaption { font-size: 0.85em; color: #333; max-width: 40em; }\n"
	    ".failed { color: #a00; }\n"
	    ".scroll { max-height: 30em; overflow: auto; }\n"
	    "@media print { .scroll { max-height: none; overflow: visible; }"
	    " body { max-width: none; } h2 { break-after: avoid; } }\n"
	    "</style>\n</head>\n<body>\n", f);
}

const char html_sort_js[] =
	"(function () {\n"
	"var t = document.getElementById(\"runs\");\n"
	"if (!t) return;\n"
	"var head = t.rows[0].cells;\n"
	"function key(s) { var v = parseFloat(s); return isNaN(v) ? null : v; }\n"
	"function sortBy(c, d) {\n"
	" var rows = Array.prototype.slice.call(t.rows, 1);\n"
	" rows.sort(function (a, b) {\n"
	"  var x = a.cells[c].textContent, y = b.cells[c].textContent;\n"
	"  var p = key(x), q = key(y), r;\n"
	"  if (p === null && q === null) r = x.localeCompare(y);\n"
	"  else if (p === null) r = 1;\n"
	"  else if (q === null) r = -1;\n"
	"  else r = p - q;\n"
	"  return r !== 0 ? d * r : a.cells[0].textContent - b.cells[0].textContent;\n"
	" });\n"
	" rows.forEach(function (r) { r.parentNode.appendChild(r); });\n"
	" t.setAttribute(\"data-sorted\", c + (d < 0 ? \"-\" : \"\"));\n"
	"}\n"
	"for (var i = 0; i < head.length; i++) (function (c) {\n"
	" var d = 1;\n"
	" head[c].style.cursor = \"pointer\";\n"
	" head[c].title = \"click to sort\";\n"
	" head[c].onclick = function () { sortBy(c, d); d = -d; };\n"
	"})(i);\n"
	"t.setAttribute(\"data-sortable\", \"yes\");\n"
	"var m = /^#sort=(\\d+)(-?)$/.exec(location.hash);\n"
	"if (m && +m[1] < head.length) sortBy(+m[1], m[2] ? -1 : 1);\n"
	"})();\n";

void
html_sort_script(FILE *f)
{
	fputs("<script>", f);
	fputs(html_sort_js, f);
	fputs("</script>\n", f);
}

void
html_foot(FILE *f)
{
	fputs("</body>\n</html>\n", f);
}

/* Writes text, giving every id and reference to one the prefix. */
static void
copy_svg(FILE *f, const char *text, int n)
{
	static const char *const marks[] = { "id='", "id=\"", "href='#",
		"href=\"#", "url(#" };
	const char *p = text;

	while (*p != '\0') {
		size_t best = strlen(p), len = 0;

		for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
			const char *q = strstr(p, marks[i]);

			if (q != NULL && (size_t)(q - p) < best) {
				best = (size_t)(q - p);
				len = strlen(marks[i]);
			}
		}
		fwrite(p, 1, best + len, f);
		p += best + len;
		if (len > 0)
			fprintf(f, "f%d-", n);
	}
}

int
html_figure(FILE *f, const char *svg_path, int n, const char *caption)
{
	FILE *in = fopen(svg_path, "r");
	char *text = NULL, *svg;
	size_t cap = 0;
	long len;

	if (in == NULL)
		return -1;
	if (fseek(in, 0, SEEK_END) != 0 || (len = ftell(in)) < 0 ||
	    fseek(in, 0, SEEK_SET) != 0 ||
	    (text = malloc((size_t)len + 1)) == NULL ||
	    (cap = fread(text, 1, (size_t)len, in)) != (size_t)len) {
		fclose(in);
		free(text);
		return -1;
	}
	fclose(in);
	text[cap] = '\0';
	/* the XML declaration and any doctype stay out of the page */
	if ((svg = strstr(text, "<svg")) == NULL) {
		free(text);
		return -1;
	}
	fprintf(f, "<figure id=\"figure-%d\">\n", n);
	copy_svg(f, svg, n);
	fputs("<figcaption>", f);
	html_escape(f, caption);
	fputs("</figcaption>\n</figure>\n", f);
	free(text);
	return 0;
}
