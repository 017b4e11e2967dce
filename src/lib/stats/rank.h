/*
 * Ranks with ties: average ranks (scipy.stats.rankdata's default) and the
 * tie terms the rank tests correct their variances with.
 */
#ifndef SIM_STATS_RANK_H
#define SIM_STATS_RANK_H

#include <stddef.h>

/*
 * ranks[i] = the average rank (1-based) of x[i] among x[0..n-1]; *ties =
 * sum of t^3 - t over groups of t equal values (may be NULL).  Returns 0,
 * or -1 when the system refuses memory.
 */
int rank_average(const double *x, size_t n, double *ranks, double *ties);

/* x sorted ascending into a new array; NULL without memory. */
double *rank_sorted_copy(const double *x, size_t n);

/* qsort comparison of doubles, ascending. */
int rank_cmp_double(const void *a, const void *b);

#endif
