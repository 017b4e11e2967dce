/*
 * Writing the report page: one self-contained HTML file (no network: a
 * Content-Security-Policy that allows only inline styles and data:
 * images), gnuplot's SVG figures inlined, printable.
 */
#ifndef REPORT_HTML_H
#define REPORT_HTML_H

#include <stdio.h>

/* The policy in the page's meta tag: nothing may be fetched. */
#define HTML_CSP "default-src 'none'; style-src 'unsafe-inline'; " \
	"img-src data:"

void html_escape(FILE *f, const char *s);
void html_head(FILE *f, const char *title);
void html_foot(FILE *f);

/*
 * Copies gnuplot's SVG file into the page as figure number n (ids made
 * unique to it) with its caption; 0, or -1 when the file cannot be read.
 */
int html_figure(FILE *f, const char *svg_path, int n, const char *caption);

#endif
