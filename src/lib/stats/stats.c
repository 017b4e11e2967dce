#include <math.h>

#include "stats/stats.h"

double
t975(size_t df)
{
	static const double t[] = {
		12.706204736, 4.302652730, 3.182446305, 2.776445105,
		2.570581836, 2.446911851, 2.364624252, 2.306004135,
		2.262157163, 2.228138852, 2.200985160, 2.178812830,
		2.160368656, 2.144786688, 2.131449546, 2.119905299,
		2.109815578, 2.100922040, 2.093024054, 2.085963447,
		2.079613845, 2.073873068, 2.068657610, 2.063898562,
		2.059538553, 2.055529439, 2.051830516, 2.048407142,
		2.045229642, 2.042272456,
	};

	if (df == 0)
		return NAN;
	return df <= sizeof(t) / sizeof(t[0]) ? t[df - 1] : 1.96;
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
