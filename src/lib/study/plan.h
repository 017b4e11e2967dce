/*
 * A study's plan: its cells (agent kinds x scenarios x the product of
 * "vary", in cell order), each with its name, directory, parameters
 * (checked as simrun would) and the runner's flags, as plan.jsonl.
 */
#ifndef SIM_STUDY_PLAN_H
#define SIM_STUDY_PLAN_H

#include <stdio.h>

#include "study/study.h"

/*
 * Every cell checked first, then one line per cell on out: 0, or 64
 * (parameters of a cell that contradict each other), 71 or 74 after the
 * message, nothing written then.
 */
int study_plan(struct study *st, FILE *out);

#endif
