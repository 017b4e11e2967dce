/*
 * The report page of an experiment: simagg's summary lines, each metric's
 * trajectory, the grids of the typical, most and least segregated runs,
 * the parameters (config.json) and a sortable table of the runs.
 */
#ifndef SIM_REPORT_EXPERIMENT_H
#define SIM_REPORT_EXPERIMENT_H

#include "report/page.h"

/* 0, or an exit status after a message (65 no run ended ok, 66, 69, 71,
 * 73, 74). */
int report_experiment(struct report_page *r);

#endif
