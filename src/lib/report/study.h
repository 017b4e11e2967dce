/*
 * The report page of a study: its cells and how many of their runs ended
 * ok, simcompare's comparison (comparison.md, comparison.csv) if made,
 * and each metric's distribution and trajectory per cell.
 */
#ifndef SIM_REPORT_STUDY_H
#define SIM_REPORT_STUDY_H

#include "report/page.h"

/* 0, or an exit status after a message (65 no cell has an ok run, 66,
 * 69, 71, 73, 74). */
int report_study(struct report_page *r);

#endif
