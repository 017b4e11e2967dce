/*
 * The small part of Markdown that simcompare's comparison.md uses, as
 * HTML: headings, paragraphs, bullet lists, pipe tables, `code` and
 * **bold**.  Anything else is shown as text; nothing is ever unescaped.
 */
#ifndef SIM_REPORT_MARKDOWN_H
#define SIM_REPORT_MARKDOWN_H

#include <stdio.h>

/* Writes text (Markdown) as HTML; headings are shifted down by shift. */
void markdown_html(FILE *f, const char *text, int shift);

#endif
