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

void
stats_begin(struct stats_acc *a)
{
	a->s.n = 0;
	a->s.mean = a->s.min = a->s.max = a->s.sd = a->s.ci_lo = a->s.ci_hi = NAN;
	a->sum = a->ss = 0;
}

void
stats_add(struct stats_acc *a, double x)
{
	struct stats *s = &a->s;

	if (isnan(x))
		return;
	if (s->n++ == 0 || x < s->min)
		s->min = x;
	if (s->n == 1 || x > s->max)
		s->max = x;
	a->sum += x;
}

void
stats_middle(struct stats_acc *a)
{
	if (a->s.n > 0)
		a->s.mean = a->sum / (double)a->s.n;
}

void
stats_add2(struct stats_acc *a, double x)
{
	if (a->s.n >= 2 && !isnan(x))
		a->ss += (x - a->s.mean) * (x - a->s.mean);
}

void
stats_end(struct stats_acc *a, struct stats *out)
{
	struct stats *s = &a->s;
	double half;

	if (s->n >= 2) {
		s->sd = sqrt(a->ss / (double)(s->n - 1));
		half = t975(s->n - 1) * s->sd / sqrt((double)s->n);
		s->ci_lo = s->mean - half;
		s->ci_hi = s->mean + half;
	}
	*out = *s;
}

/* Two passes: the plain sum (as jq's add / length), then the squares. */
void
stats_compute(const double *x, size_t len, struct stats *s)
{
	struct stats_acc a;

	stats_begin(&a);
	for (size_t i = 0; i < len; i++)
		stats_add(&a, x[i]);
	stats_middle(&a);
	for (size_t i = 0; i < len; i++)
		stats_add2(&a, x[i]);
	stats_end(&a, s);
}
