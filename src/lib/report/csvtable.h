/*
 * A CSV file (simcompare's comparison.csv and the like) as an HTML table:
 * the header row as th, numbers shown with 4 significant digits, the full
 * value in the cell's title.
 */
#ifndef SIM_REPORT_CSVTABLE_H
#define SIM_REPORT_CSVTABLE_H

#include <stdio.h>

/* 0, or -1 when path cannot be read. */
int csv_html_table(FILE *f, const char *path);

#endif
