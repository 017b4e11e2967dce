/* Descriptive statistics: n, mean, sd, min, max and the t interval. */
#include <math.h>

#include "stats/dist.h"
#include "stats/stats.h"

/* The exact Student t quantile (scipy.stats.t.ppf(0.975, df)), from GSL. */
double
t975(size_t df)
{
	if (df == 0)
		return NAN;
	return dist_t_ppf(0.975, (double)df);
}

/* Two passes: the plain sum (as jq's add / length), then the squares. */
void
stats_compute(const double *x, size_t len, struct stats *s)
{
	double sum = 0, ss = 0, half;

	s->n = 0;
	s->mean = s->min = s->max = s->sd = s->ci_lo = s->ci_hi = NAN;
	for (size_t i = 0; i < len; i++) {
		if (isnan(x[i]))
			continue;
		if (s->n++ == 0 || x[i] < s->min)
			s->min = x[i];
		if (s->n == 1 || x[i] > s->max)
			s->max = x[i];
		sum += x[i];
	}
	if (s->n == 0)
		return;
	s->mean = sum / (double)s->n;
	if (s->n < 2)
		return;
	for (size_t i = 0; i < len; i++)
		if (!isnan(x[i]))
			ss += (x[i] - s->mean) * (x[i] - s->mean);
	s->sd = sqrt(ss / (double)(s->n - 1));
	half = t975(s->n - 1) * s->sd / sqrt((double)s->n);
	s->ci_lo = s->mean - half;
	s->ci_hi = s->mean + half;
}
