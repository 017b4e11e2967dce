/*
 * Hypothesis tests, with scipy.stats 1.10's conventions (two-sided):
 * Welch's t (ttest_ind equal_var=False), the paired t (ttest_rel), Welch's
 * one-way ANOVA (Welch 1951; not in scipy 1.10), Kruskal-Wallis (kruskal,
 * tie-corrected), Mann-Whitney U (mannwhitneyu, method 'auto'), Wilcoxon's
 * signed-rank test (wilcoxon, zero_method 'wilcox', method 'auto') and
 * Holm's step-down adjustment.  Where a test is undefined (zero variance,
 * too few values, every value tied) the result says why instead of giving
 * numbers.
 */
#ifndef SIM_STATS_TESTS_H
#define SIM_STATS_TESTS_H

#include <stddef.h>

struct test_result {
	double stat;               /* t, F, H, U (of the first sample), W */
	double df1, df2;           /* NAN where the test has none */
	double p;
	const char *method;        /* "exact", "asymptotic" or NULL */
	const char *undefined;     /* NULL, or why there are no numbers */
};

/* Each returns 0, or -1 when the system refuses memory. */
int test_welch_t(const double *x, size_t nx, const double *y, size_t ny,
    struct test_result *r);
int test_paired_t(const double *x, const double *y, size_t n,
    struct test_result *r);
/* groups: k samples, g[i] of n[i] values */
int test_welch_anova(const double *const *g, const size_t *n, size_t k,
    struct test_result *r);
int test_kruskal(const double *const *g, const size_t *n, size_t k,
    struct test_result *r);
int test_mann_whitney(const double *x, size_t nx, const double *y, size_t ny,
    struct test_result *r);
/* The same of samples already sorted ascending: O(nx + ny), no memory. */
int test_mann_whitney_sorted(const double *xs, size_t nx, const double *ys,
    size_t ny, struct test_result *r);
/* on d = x - y */
int test_wilcoxon(const double *x, const double *y, size_t n,
    struct test_result *r);

/*
 * Holm's adjustment of p[0..m-1] into adj (NAN entries are left out of
 * the family and stay NAN).  Returns 0 or -1 without memory.
 */
int test_holm(const double *p, size_t m, double *adj);

#endif
