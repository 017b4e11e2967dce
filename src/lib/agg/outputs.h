/*
 * The three files of an aggregate (summary.json, run_summary.csv,
 * metrics_history.csv), written as NAME.tmp and renamed only once all
 * three are complete, so that a file under its own name is always whole.
 */
#ifndef SIM_AGG_OUTPUTS_H
#define SIM_AGG_OUTPUTS_H

#include <stdio.h>

#include "agg/summary.h"

/* Into dir (made if missing); 0, 73 (cannot create), 74 or 71. */
int outputs_write(struct aggregate *rep, const char *dir);

/* A group's differing parameters as "key=value key=value". */
void outputs_group_text(FILE *f, const struct aggregate *rep,
    const struct group *g);

#endif
