/*
 * Unit tests of src/lib/stats: ranks with ties, quantiles, Holm, the exact
 * distributions (against hand counts), each test's undefined cases, and
 * values worked out by hand or quoted from the scipy 1.10 documentation's
 * examples.  The full comparison with scipy over fixed samples is
 * tests/bats/simcompare.bats (tests/support/scipy-oracle).
 */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "stats/dist.h"
#include "stats/effect.h"
#include "stats/quantile.h"
#include "stats/rank.h"
#include "stats/shapiro.h"
#include "stats/stats.h"
#include "stats/tests.h"

#define REL(a, b) (fabs((double)(a) - (double)(b)) <= 1e-9 * fabs((double)(b)) + 1e-15)

static void
test_ranks(void)
{
	const double x[] = { 3, 1, 4, 1, 5, 9, 2, 6, 5, 3 };
	const double want[] = { 4.5, 1.5, 6, 1.5, 7.5, 10, 3, 9, 7.5, 4.5 };
	double r[10], ties;
	int ok = 1;

	CHECK(rank_average(x, 10, r, &ties) == 0, "rank_average returns 0");
	for (int i = 0; i < 10; i++)
		ok &= r[i] == want[i];
	CHECK(ok, "average ranks of 3 1 4 1 5 9 2 6 5 3");
	/* three pairs of ties: 3 * (8 - 2) */
	CHECK(ties == 18, "tie term sum t^3 - t = 18 (got %g)", ties);
	CHECK(rank_average(x, 0, r, &ties) == 0 && ties == 0, "no values, no ties");
}

static void
test_quantiles(void)
{
	const double s[] = { 1, 2, 3, 4 };

	CHECK(quantile_sorted(s, 4, 0.5) == 2.5, "median of 1..4 is 2.5");
	CHECK(quantile_sorted(s, 4, 0.25) == 1.75, "q1 of 1..4 is 1.75 (type 7)");
	CHECK(quantile_sorted(s, 4, 0.75) == 3.25, "q3 of 1..4 is 3.25");
	CHECK(quantile_sorted(s, 1, 0.25) == 1, "one value is every quantile");
	CHECK(isnan(quantile_sorted(s, 0, 0.5)), "no values: NAN");
}

static void
check_holm(void)
{
	const double p[] = { 0.01, 0.04, 0.03, NAN, 0.005 };
	double a[5];

	CHECK(test_holm(p, 5, a) == 0, "holm returns 0");
	/* family of 4: 0.005*4, 0.01*3, 0.03*2, max(0.04*1, 0.06) */
	CHECK(REL(a[4], 0.02) && REL(a[0], 0.03) && REL(a[2], 0.06) &&
	    REL(a[1], 0.06), "Holm: 0.02 0.03 0.06 0.06 (monotone)");
	CHECK(isnan(a[3]), "an undefined p stays out of the family");
}

static void
test_exact_distributions(void)
{
	size_t len;
	double *pmf = dist_wilcoxon_pmf(3, &len), sum = 0;

	/* r+ over {1,2,3}: 0 1 2 3(x2) 4 5 6, each subset 1/8 */
	CHECK(pmf != NULL && len == 7, "Wilcoxon n = 3 has 7 values of r+");
	if (pmf != NULL) {
		for (size_t i = 0; i < len; i++)
			sum += pmf[i];
		CHECK(REL(sum, 1) && REL(pmf[3], 0.25) && REL(pmf[0], 0.125),
		    "Wilcoxon n = 3: P(r+ = 3) = 2/8, sums to 1");
	}
	free(pmf);
	/* m = n = 2: U in 0..4 with counts 1 1 2 1 1 of 6 */
	CHECK(REL(dist_mwu_sf(4, 2, 2), 1.0 / 6), "P(U >= 4 | 2, 2) = 1/6");
	CHECK(REL(dist_mwu_sf(3, 2, 2), 2.0 / 6), "P(U >= 3 | 2, 2) = 2/6");
	CHECK(REL(dist_mwu_sf(2, 2, 2), 4.0 / 6), "P(U >= 2 | 2, 2) = 4/6");
	CHECK(REL(dist_mwu_sf(3, 1, 5), 3.0 / 6) && REL(dist_mwu_sf(3, 5, 1),
	    3.0 / 6), "P(U >= 3 | 1, 5) = 3/6, either way round");
	CHECK(REL(dist_norm_sf(1.959963984540054), 0.025), "normal sf at z975");
	CHECK(REL(dist_t_ppf(0.975, 10), 2.2281388519649385), "t(0.975, 10)");
	CHECK(REL(dist_t_ppf(0.975, 1), 12.706204736174698), "t(0.975, 1)");
	/* far tails, values of scipy 1.10 (stats.t.sf, stats.norm.sf) */
	CHECK(fabs(dist_t_sf(22.0432421965, 49.0744791622) /
	    2.071987963655654e-27 - 1) < 1e-9,
	    "t tail at p ~ 2e-27 to 1e-9 (gsl_cdf_tdist_Q is 9e-7 off)");
	CHECK(fabs(dist_norm_sf(22) / 1.4398924351450382e-107 - 1) < 1e-9,
	    "normal tail at z = 22");
	CHECK(REL(dist_t_sf(-1, 3) + dist_t_sf(1, 3), 1) &&
	    REL(dist_t_sf(0, 7), 0.5), "t tails are symmetric, sf(0) = 1/2");
}

static void
test_t_tests(void)
{
	const double x[] = { 1, 2, 3, 4, 5 }, y[] = { 2, 4, 6, 8, 10, 12 };
	const double c[] = { 3, 3, 3 };
	struct test_result r;
	double vx = 2.5 / 5, vy = 14.0 / 6, t = (3 - 7) / sqrt(vx + vy);

	test_welch_t(x, 5, y, 6, &r);
	CHECK(r.undefined == NULL && REL(r.stat, t), "Welch t by hand: %g", t);
	CHECK(REL(r.df1, (vx + vy) * (vx + vy) / (vx * vx / 4 + vy * vy / 5)),
	    "Welch-Satterthwaite df");
	test_welch_t(c, 3, c, 3, &r);
	CHECK(r.undefined != NULL && isnan(r.p), "Welch t: zero variance is undefined");
	test_welch_t(x, 1, y, 6, &r);
	CHECK(r.undefined != NULL, "Welch t: n = 1 is undefined");
	test_paired_t(x, x, 5, &r);
	CHECK(r.undefined != NULL, "paired t of identical samples is undefined");
	test_paired_t(y, x, 5, &r);
	/* d = 1 2 3 4 5: mean 3, var 2.5 */
	CHECK(REL(r.stat, 3 / sqrt(2.5 / 5)) && r.df1 == 4, "paired t by hand");
}

static void
test_rank_tests(void)
{
	/* scipy docs (mannwhitneyu): males vs females, U = 17, p = 0.1111 exact */
	const double male[] = { 19, 22, 16, 29, 24 }, female[] = { 20, 11, 17, 12 };
	const double same[] = { 5, 5, 5, 5 };
	/* scipy docs (wilcoxon): d has no zeros, n = 10 -> exact, W = 24 */
	const double d[] = { 6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60,
		-67, 75 };
	const double zero[15] = { 0 };
	const double *g[2] = { male, female };
	const size_t n[2] = { 5, 4 };
	struct test_result r;

	test_mann_whitney(male, 5, female, 4, &r);
	CHECK(r.stat == 17 && r.method && r.method[0] == 'e' &&
	    fabs(r.p - 0.1111111111111111) < 1e-12,
	    "Mann-Whitney, scipy's example: U = 17, exact p = 1/9 (got %g)", r.p);
	test_mann_whitney(same, 4, same, 4, &r);
	CHECK(r.undefined != NULL, "Mann-Whitney: every value tied is undefined");
	test_wilcoxon(d, zero, 15, &r);
	CHECK(r.stat == 24 && fabs(r.p - 0.041259765625) < 1e-12,
	    "Wilcoxon, scipy's example: W = 24, exact p = 0.04126 (got %g)", r.p);
	test_wilcoxon(zero, zero, 15, &r);
	CHECK(r.undefined != NULL, "Wilcoxon: all differences zero is undefined");
	test_kruskal(g, n, 2, &r);
	CHECK(r.undefined == NULL && r.df1 == 1 && r.p > 0 && r.p < 1,
	    "Kruskal-Wallis on two groups has 1 df");
	{
		const double *gs[2] = { same, same };
		const size_t ns[2] = { 4, 4 };

		test_kruskal(gs, ns, 2, &r);
		CHECK(r.undefined != NULL, "Kruskal-Wallis: identical values undefined");
		test_welch_anova(gs, ns, 2, &r);
		CHECK(r.undefined != NULL, "Welch ANOVA: zero variance undefined");
	}
}

static void
test_welch_anova_two_groups(void)
{
	/* with two groups Welch's F is Welch's t squared, df2 its df */
	const double x[] = { 1, 2, 3, 4, 5 }, y[] = { 2, 4, 6, 8, 10, 12 };
	const double *g[2] = { x, y };
	const size_t n[2] = { 5, 6 };
	struct test_result f, t;

	test_welch_anova(g, n, 2, &f);
	test_welch_t(x, 5, y, 6, &t);
	CHECK(REL(f.stat, t.stat * t.stat) && REL(f.df2, t.df1) &&
	    REL(f.p, t.p), "Welch F(2 groups) = t^2, same df and p");
}

static void
test_shapiro_cases(void)
{
	const double three[] = { 1, 2, 4 }, two[] = { 1, 2 }, flat[] = { 7, 7, 7, 7 };
	struct test_result r;

	CHECK(test_shapiro(two, 2, &r) == 0 && r.undefined != NULL,
	    "Shapiro-Wilk: n < 3 is undefined");
	test_shapiro(flat, 4, &r);
	CHECK(r.undefined != NULL, "Shapiro-Wilk: zero range is undefined");
	test_shapiro(three, 3, &r);
	/* n = 3: W = 3/4 * (x3 - x1)^2 / SS * 1/2 ... exact p = 6/pi (asin sqrt W - asin sqrt .75) */
	CHECK(r.undefined == NULL && r.stat > 0.9 && r.stat < 1 &&
	    fabs(r.p - 6 / M_PI * (asin(sqrt(r.stat)) - asin(sqrt(0.75)))) < 1e-5,
	    "Shapiro-Wilk n = 3: p from the exact formula (W %g p %g)", r.stat, r.p);
}

static void
test_effects(void)
{
	const double x[] = { 1, 2, 3, 4 }, y[] = { 3, 4, 5, 6 }, c[] = { 2, 2 };
	struct effect e;

	effect_cohen_d(x, 4, y, 4, 0.95, &e);
	/* means 2.5 and 4.5, both sd sqrt(5/3): d = -2 / sqrt(5/3) */
	CHECK(REL(e.value, -2 / sqrt(5.0 / 3)) && e.ci_lo < e.value &&
	    e.ci_hi > e.value, "Cohen's d by hand, inside its interval");
	effect_cohen_d(c, 2, c, 2, 0.95, &e);
	CHECK(e.undefined != NULL && isnan(e.value), "Cohen's d: zero variance undefined");
	CHECK(effect_cliffs_delta(x, 4, y, 4, 0.95, &e) == 0, "cliff returns 0");
	/* pairs x > y: 4>3; x < y: 13 of 16; ties: 3=3, 4=4 -> (1 - 13) / 16 */
	CHECK(REL(e.value, -12.0 / 16), "Cliff's delta by hand: -0.75 (got %g)", e.value);
	CHECK(e.ci_lo >= -1 && e.ci_lo < e.value && e.ci_hi > e.value &&
	    e.ci_hi <= 1, "Cliff's interval inside [-1, 1] around delta");
	effect_cliffs_delta(c, 2, c, 2, 0.95, &e);
	CHECK(e.value == 0, "Cliff's delta of identical samples is 0");
}

static void
test_descriptive(void)
{
	const double x[] = { 1, NAN, 2, 3, 4 };
	struct stats s;

	stats_compute(x, 5, &s);
	CHECK(s.n == 4 && s.mean == 2.5 && REL(s.sd, sqrt(5.0 / 3)),
	    "stats_compute leaves NAN out");
}

int
main(void)
{
	test_ranks();
	test_quantiles();
	check_holm();
	test_exact_distributions();
	test_t_tests();
	test_rank_tests();
	test_welch_anova_two_groups();
	test_shapiro_cases();
	test_effects();
	test_descriptive();
	return check_done();
}
