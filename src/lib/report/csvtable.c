/* A CSV file as an HTML table (see csvtable.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "report/csvtable.h"
#include "report/html.h"

/* The next field of line at *p (quotes "" as in RFC 4180) into buf. */
static void
next_field(const char **p, char *buf, size_t len)
{
	const char *s = *p;
	size_t n = 0;

	if (*s == '"') {
		for (s++; *s != '\0'; s++) {
			if (*s == '"' && s[1] == '"')
				s++;
			else if (*s == '"') {
				s++;
				break;
			}
			if (n + 1 < len)
				buf[n++] = *s;
		}
	} else {
		for (; *s != '\0' && *s != ',' && *s != '\n' && *s != '\r';
		    s++)
			if (n + 1 < len)
				buf[n++] = *s;
	}
	buf[n] = '\0';
	*p = s;
}

static void
cell(FILE *f, const char *tag, const char *v)
{
	char *end;
	double d = strtod(v, &end);

	if (*v != '\0' && *end == '\0' && isfinite(d) && strcmp(tag, "td") == 0) {
		fprintf(f, "<td title=\"");
		html_escape(f, v);
		fprintf(f, "\">%.4g</td>", d);
		return;
	}
	fprintf(f, "<%s class=\"l\">", tag);
	html_escape(f, v);
	fprintf(f, "</%s>", tag);
}

int
csv_html_table(FILE *f, const char *path)
{
	FILE *in = fopen(path, "r");
	char *line = NULL, field[4096];
	size_t cap = 0, row = 0;
	ssize_t n;

	if (in == NULL)
		return -1;
	fputs("<div class=\"scroll\"><table>\n", f);
	while ((n = getline(&line, &cap, in)) != -1 && row < 100000) {
		const char *p = line;

		if (n == 0 || line[0] == '\n' || line[0] == '\r')
			continue;
		fputs("<tr>", f);
		for (;;) {
			next_field(&p, field, sizeof(field));
			cell(f, row == 0 ? "th" : "td", field);
			if (*p != ',')
				break;
			p++;
		}
		fputs("</tr>\n", f);
		row++;
	}
	fputs("</table></div>\n", f);
	free(line);
	fclose(in);
	return 0;
}
