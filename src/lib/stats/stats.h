/* Descriptive statistics of a sample, with a Student t 95% interval. */
#ifndef SIM_STATS_STATS_H
#define SIM_STATS_STATS_H

#include <stddef.h>

struct stats {
	size_t n;
	double mean, min, max;     /* NAN when n = 0 */
	double sd;                 /* sample sd (n - 1); NAN when n < 2 */
	double ci_lo, ci_hi;       /* mean -+ t * sd / sqrt(n); NAN when n < 2 */
};

/* Statistics of x[0..len-1], NAN entries left out (they are missing). */
void stats_compute(const double *x, size_t len, struct stats *s);

/*
 * stats_compute given the values one at a time, in two passes:
 * stats_begin, stats_add of each, stats_middle, stats_add2 of each (the
 * same values in the same order), stats_end; the same results to the bit.
 */
struct stats_acc {
	struct stats s;
	double sum, ss;
};
void stats_begin(struct stats_acc *a);
void stats_add(struct stats_acc *a, double x);
void stats_middle(struct stats_acc *a);
void stats_add2(struct stats_acc *a, double x);
void stats_end(struct stats_acc *a, struct stats *s);

/* t(0.975, df), exact (stats/dist.c); NAN for df = 0. */
double t975(size_t df);

#endif
