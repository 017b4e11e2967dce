/* A small Markdown subset as HTML (see markdown.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/html.h"
#include "report/markdown.h"

/* Inline text: `code` and **bold**, everything else escaped. */
static void
inline_text(FILE *f, const char *s, size_t len)
{
	int code = 0, bold = 0;
	char c[2] = { 0, 0 };

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '`') {
			fputs(code ? "</code>" : "<code>", f);
			code = !code;
		} else if (!code && s[i] == '*' && i + 1 < len &&
		    s[i + 1] == '*') {
			fputs(bold ? "</strong>" : "<strong>", f);
			bold = !bold;
			i++;
		} else {
			c[0] = s[i];
			html_escape(f, c);
		}
	}
	if (code)
		fputs("</code>", f);
	if (bold)
		fputs("</strong>", f);
}

/* One row of a pipe table: | a | b | */
static void
table_row(FILE *f, const char *s, size_t len, const char *cell)
{
	size_t i = (len > 0 && s[0] == '|') ? 1 : 0;

	fputs("<tr>", f);
	while (i < len) {
		size_t j = i;

		while (j < len && s[j] != '|')
			j++;
		if (j == len && j - i == strspn(s + i, " \t\r"))
			break;
		while (i < j && s[i] == ' ')
			i++;
		fprintf(f, "<%s class=\"l\">", cell);
		{
			size_t e = j;

			while (e > i && (s[e - 1] == ' ' || s[e - 1] == '\r'))
				e--;
			inline_text(f, s + i, e - i);
		}
		fprintf(f, "</%s>", cell);
		i = j + 1;
	}
	fputs("</tr>\n", f);
}

static int
is_rule(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (strchr("|-: \r", s[i]) == NULL)
			return 0;
	return len > 0;
}

void
markdown_html(FILE *f, const char *text, int shift)
{
	const char *p = text;
	int para = 0, list = 0, table = 0;

	while (*p != '\0') {
		size_t len = strcspn(p, "\n");
		const char *next = p + len + (p[len] == '\n');
		int blank = len == strspn(p, " \t\r");

		if (table && (len == 0 || p[0] != '|')) {
			fputs("</table>\n", f);
			table = 0;
		}
		if (list && !(len > 1 && (p[0] == '-' || p[0] == '*') &&
		    p[1] == ' ')) {
			fputs("</ul>\n", f);
			list = 0;
		}
		if (para && (blank || p[0] == '#' || p[0] == '|' ||
		    ((p[0] == '-' || p[0] == '*') && len > 1 && p[1] == ' '))) {
			fputs("</p>\n", f);
			para = 0;
		}
		if (blank) {
			/* nothing */
		} else if (p[0] == '#') {
			size_t h = strspn(p, "#");
			int level = (int)h + shift > 6 ? 6 : (int)h + shift;

			fprintf(f, "<h%d>", level);
			inline_text(f, p + h + (p[h] == ' '), len - h -
			    (p[h] == ' '));
			fprintf(f, "</h%d>\n", level);
		} else if (p[0] == '|') {
			if (!table) {
				fputs("<table>\n", f);
				table = 1;
				table_row(f, p, len, "th");
			} else if (!is_rule(p, len)) {
				table_row(f, p, len, "td");
			}
		} else if ((p[0] == '-' || p[0] == '*') && len > 1 &&
		    p[1] == ' ') {
			if (!list) {
				fputs("<ul>\n", f);
				list = 1;
			}
			fputs("<li>", f);
			inline_text(f, p + 2, len - 2);
			fputs("</li>\n", f);
		} else {
			fputs(para ? "\n" : "<p>", f);
			para = 1;
			inline_text(f, p, len);
		}
		p = next;
	}
	if (table)
		fputs("</table>\n", f);
	if (list)
		fputs("</ul>\n", f);
	if (para)
		fputs("</p>\n", f);
}
