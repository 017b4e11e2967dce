/*
 * Effect sizes of two samples with 95% (or any level) confidence intervals:
 * Cohen's d (pooled sd; normal-approximation interval of Hedges & Olkin
 * 1985) and Cliff's delta (Cliff 1996: its consistent variance estimate
 * and asymmetric interval).  scipy 1.10 has neither; the tests' oracle
 * computes both from the same textbook formulas in numpy.
 */
#ifndef SIM_STATS_EFFECT_H
#define SIM_STATS_EFFECT_H

#include <stddef.h>

struct effect {
	double value, ci_lo, ci_hi;    /* NAN where undefined */
	const char *undefined;         /* why value is NAN, or NULL */
	const char *ci_undefined;      /* why the interval is NAN, or NULL */
};

/*
 * d = (mean x - mean y) / s_pooled, s_pooled^2 = ((nx-1) vx + (ny-1) vy) /
 * (nx + ny - 2); interval d -+ z se, se^2 = (nx+ny)/(nx ny) + d^2/(2(nx+ny)),
 * z the normal quantile of (1 + level) / 2.
 */
void effect_cohen_d(const double *x, size_t nx, const double *y, size_t ny,
    double level, struct effect *e);

/*
 * delta = (#(x_i > y_j) - #(x_i < y_j)) / (nx ny), in O((nx+ny) log) time.
 * Returns 0, or -1 when the system refuses memory.
 */
int effect_cliffs_delta(const double *x, size_t nx, const double *y, size_t ny,
    double level, struct effect *e);
/* The same of samples already sorted ascending: O(nx + ny), no memory. */
void effect_cliffs_delta_sorted(const double *xs, size_t nx, const double *ys,
    size_t ny, double level, struct effect *e);

#endif
