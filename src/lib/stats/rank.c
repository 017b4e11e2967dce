/* Average ranks with ties, as scipy.stats.rankdata(method='average'). */
#include <stdlib.h>
#include <string.h>

#include "stats/rank.h"

int
rank_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct keyed {
	double v;
	size_t i;
};

static int
cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->v != y->v)
		return (x->v > y->v) - (x->v < y->v);
	return (x->i > y->i) - (x->i < y->i);
}

int
rank_average(const double *x, size_t n, double *ranks, double *ties)
{
	struct keyed *k;
	double tt = 0;

	if (n == 0) {
		if (ties)
			*ties = 0;
		return 0;
	}
	if ((k = malloc(n * sizeof(*k))) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		k[i].v = x[i];
		k[i].i = i;
	}
	qsort(k, n, sizeof(*k), cmp_keyed);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		double r, t;

		while (j < n && k[j].v == k[i].v)
			j++;
		/* ranks i+1 .. j, averaged */
		r = ((double)(i + 1) + (double)j) / 2;
		for (size_t m = i; m < j; m++)
			ranks[k[m].i] = r;
		t = (double)(j - i);
		tt += t * t * t - t;
		i = j;
	}
	free(k);
	if (ties)
		*ties = tt;
	return 0;
}

double *
rank_sorted_copy(const double *x, size_t n)
{
	double *s = malloc((n ? n : 1) * sizeof(*s));

	if (s == NULL)
		return NULL;
	if (n)
		memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), rank_cmp_double);
	return s;
}
