/*
 * Quantiles of a sorted sample by linear interpolation between order
 * statistics (numpy.percentile's default, Hyndman & Fan type 7).
 */
#ifndef SIM_STATS_QUANTILE_H
#define SIM_STATS_QUANTILE_H

#include <stddef.h>

/* The q-quantile (0 <= q <= 1) of sorted[0..n-1]; NAN when n = 0. */
double quantile_sorted(const double *sorted, size_t n, double q);

#endif
