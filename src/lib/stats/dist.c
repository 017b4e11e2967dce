/*
 * The distributions of stats/dist.h.  The continuous ones are GSL's
 * (incomplete beta and gamma functions); the exact discrete ones follow
 * scipy.stats 1.10 (_mannwhitneyu._MWU, _hypotests._get_wilcoxon_distr).
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_gamma.h>

#include "stats/dist.h"

/* GSL's default error handler aborts: its status codes are enough here. */
static void
quiet_gsl(void)
{
	static int done;

	if (!done) {
		gsl_set_error_handler_off();
		done = 1;
	}
}

double
dist_norm_sf(double z)
{
	quiet_gsl();
	if (isnan(z))
		return NAN;
	return gsl_cdf_ugaussian_Q(z);
}

double
dist_norm_ppf(double p)
{
	quiet_gsl();
	return gsl_cdf_ugaussian_Pinv(p);
}

/*
 * P(T > t) = I_x(df/2, 1/2) / 2 with x = df / (df + t^2), for t >= 0.
 * gsl_cdf_tdist_Q loses up to 1e-6 of relative accuracy in the far tail
 * (t = 22, df = 49: p ~ 2e-27); the incomplete beta function keeps
 * scipy's (cephes stdtr) digits to ~1e-10 there and everywhere we tried.
 */
double
dist_t_sf(double t, double df)
{
	gsl_sf_result r;
	double half;

	quiet_gsl();
	if (isnan(t) || !(df > 0))
		return NAN;
	if (isinf(t))
		return t > 0 ? 0 : 1;
	if (gsl_sf_beta_inc_e(df / 2, 0.5, df / (df + t * t), &r) != GSL_SUCCESS &&
	    !(r.val >= 0))
		return NAN;
	half = 0.5 * r.val;
	return t >= 0 ? half : 1 - half;
}

double
dist_t_ppf(double p, double df)
{
	quiet_gsl();
	if (!(df > 0))
		return NAN;
	return gsl_cdf_tdist_Pinv(p, df);
}

double
dist_f_sf(double f, double df1, double df2)
{
	quiet_gsl();
	if (isnan(f) || !(df1 > 0) || !(df2 > 0))
		return NAN;
	if (f <= 0)
		return 1;
	return gsl_cdf_fdist_Q(f, df1, df2);
}

double
dist_chi2_sf(double x, double df)
{
	quiet_gsl();
	if (isnan(x) || !(df > 0))
		return NAN;
	if (x <= 0)
		return 1;
	return gsl_cdf_chisq_Q(x, df);
}

/*
 * The counts of U = 0 .. m*n among the C(m+n, m) arrangements are the
 * coefficients of the Gaussian binomial [m+n, m]_q = prod_{i=1..m}
 * (1 - q^(n+i)) / (1 - q^i), m the smaller sample.  Only the coefficients
 * up to m*n - u are needed (scipy: sf(u) = cdf(m*n - u)), and each
 * depends on lower ones only, so the product is taken truncated there:
 * O(m (m*n - u)) time and memory.  Dividing by (1 - q^i) is a running sum;
 * multiplying by (1 - q^(n+i)) takes away counts that the running sums
 * put in, so every intermediate is an exact count while below 2^53 and
 * agrees with exact integer arithmetic to 4e-15 beyond (checked for
 * m <= 8, n <= 5000).
 */
double
dist_mwu_sf(double u, size_t m, size_t n)
{
	size_t deg, lim;
	double *c, total = 1, tail = 0;

	if (m > n) {
		size_t t = m;
		m = n;
		n = t;
	}
	deg = m * n;
	if (isnan(u))
		return NAN;
	if (u <= 0)
		return 1;
	if (u > (double)deg)
		return 0;
	lim = deg - (size_t)u;
	if ((c = calloc(lim + 1, sizeof(*c))) == NULL)
		return NAN;
	c[0] = 1;
	for (size_t i = 1; i <= m; i++) {
		size_t a = n + i;

		for (size_t k = i; k <= lim; k++)
			c[k] += c[k - i];
		for (size_t k = lim; k >= a && k <= lim; k--)
			c[k] -= c[k - a];
		total = total * (double)(n + i) / (double)i;
	}
	for (size_t k = 0; k <= lim; k++)
		tail += c[k];
	free(c);
	if (isinf(total))
		return NAN;
	return tail / total;
}

double *
dist_wilcoxon_pmf(size_t n, size_t *len)
{
	size_t top = n * (n + 1) / 2 + 1, cur = 1;
	double *c, *prev;

	if ((c = calloc(top, sizeof(*c))) == NULL ||
	    (prev = calloc(top, sizeof(*prev))) == NULL) {
		free(c);
		return NULL;
	}
	c[0] = 1;
	for (size_t k = 1; k <= n; k++) {
		size_t m = cur, next = k * (k + 1) / 2 + 1;

		for (size_t i = 0; i < m; i++)
			prev[i] = c[i];
		for (size_t i = 0; i < next; i++)
			c[i] = 0;
		for (size_t i = 0; i < m; i++)
			c[i] = prev[i] * 0.5;
		for (size_t i = 0; i < m; i++)
			c[next - m + i] += prev[i] * 0.5;
		cur = next;
	}
	free(prev);
	*len = top;
	return c;
}
