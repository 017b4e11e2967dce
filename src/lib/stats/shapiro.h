/*
 * The Shapiro-Wilk W test of normality by Royston's algorithm AS R94
 * (Appl. Statist. 1995, 44(4), 547-551), computed exactly as scipy.stats
 * 1.10's shapiro: the sample less its median, sorted, then single
 * precision throughout (scipy's statlib/swilk.f works in REAL).
 */
#ifndef SIM_STATS_SHAPIRO_H
#define SIM_STATS_SHAPIRO_H

#include <stddef.h>

#include "stats/tests.h"

/* W and its p-value; undefined for n < 3 or a zero range.  0 or -1 (memory). */
int test_shapiro(const double *x, size_t n, struct test_result *r);

#endif
