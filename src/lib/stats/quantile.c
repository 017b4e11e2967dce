/* Type-7 quantiles, as numpy.percentile(method='linear'). */
#include <math.h>

#include "stats/quantile.h"

double
quantile_sorted(const double *sorted, size_t n, double q)
{
	double h, lo;
	size_t i;

	if (n == 0)
		return NAN;
	h = (double)(n - 1) * q;
	lo = floor(h);
	i = (size_t)lo;
	if (i + 1 >= n)
		return sorted[n - 1];
	/* numpy's _lerp: a + (b - a) * t, from the other end when t >= 0.5 */
	{
		double a = sorted[i], b = sorted[i + 1], t = h - lo;
		double d = b - a, r = a + d * t;

		if (t >= 0.5)
			r = b - d * (1 - t);
		return r;
	}
}
