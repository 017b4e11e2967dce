/* Reading one experiment of a comparison (compare/read.c). */
#ifndef SIM_COMPARE_READ_H
#define SIM_COMPARE_READ_H

#include "compare/compare.h"

/* Reads the .jsonl files of DIR/runs into e->rs; 0 or an exit status. */
int compare_read_experiment(struct compare_exp *e);
/* The values of the ok runs, the descriptive statistics; 0 or a status. */
int compare_collect(struct compare_exp *e);

#endif
