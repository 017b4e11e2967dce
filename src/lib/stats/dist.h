/*
 * Distributions the tests need: upper tails (sf) of the normal, Student t,
 * F and chi-square (GSL's special functions), quantiles of the normal and
 * t, and the exact small-sample null distributions of the Mann-Whitney U
 * and Wilcoxon signed-rank statistics, computed as scipy.stats 1.10 does.
 */
#ifndef SIM_STATS_DIST_H
#define SIM_STATS_DIST_H

#include <stddef.h>

double dist_norm_sf(double z);                 /* P(Z > z) */
double dist_norm_ppf(double p);                /* P(Z <= x) = p */
double dist_t_sf(double t, double df);         /* P(T > t) */
double dist_t_ppf(double p, double df);
double dist_f_sf(double f, double df1, double df2);
double dist_chi2_sf(double x, double df);

/*
 * Exact Mann-Whitney: P(U >= u) under H0 for samples of m and n without
 * ties, as scipy's _mwu_state.sf (which sums the lower tail of m*n - u).
 * NAN when the system refuses memory.
 */
double dist_mwu_sf(double u, size_t m, size_t n);

/*
 * Exact Wilcoxon signed-rank: the probabilities of r+ = 0 .. n(n+1)/2 for
 * n differences, into a new array (*len entries); NULL without memory.
 */
double *dist_wilcoxon_pmf(size_t n, size_t *len);

#endif
