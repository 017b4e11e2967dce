/*
 * Writing the report page: one self-contained HTML file (no network: a
 * Content-Security-Policy that allows only inline styles and data:
 * images), gnuplot's SVG figures inlined, printable.
 */
#ifndef SIM_REPORT_HTML_H
#define SIM_REPORT_HTML_H

#include <stdio.h>

/*
 * The policy in the page's meta tag: nothing may be fetched, and the only
 * script that may run is the table sorter below, by its SHA-256 (the page
 * works without it: the table is then in run id order).
 */
#define HTML_SORT_SHA256 "fX12I0vhrCauj2z/cWF5xWtsIuQTj3qK3BpW8h2Tcp8="
#define HTML_CSP "default-src 'none'; style-src 'unsafe-inline'; " \
	"img-src data:; script-src 'sha256-" HTML_SORT_SHA256 "'"

/*
 * Sorts the table with id "runs" by the column clicked (numbers as
 * numbers, empty cells last, again for descending), or by #sort=N[-] in
 * the address.  Changing it changes its hash: tests/bats/pictures.bats
 * checks that HTML_SORT_SHA256 is this text's.
 */
extern const char html_sort_js[];

void html_escape(FILE *f, const char *s);
void html_head(FILE *f, const char *title);
void html_foot(FILE *f);

/* The table sorter, as the page's one inline script. */
void html_sort_script(FILE *f);

/*
 * Copies gnuplot's SVG file into the page as figure number n (ids made
 * unique to it) with its caption; 0, or -1 when the file cannot be read.
 */
int html_figure(FILE *f, const char *svg_path, int n, const char *caption);

#endif
