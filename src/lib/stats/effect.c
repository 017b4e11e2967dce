/*
 * Cohen's d and Cliff's delta with confidence intervals (stats/effect.h).
 * Cliff's delta is counted from sorted copies by binary search, so
 * 1,000 x 1,000 runs cost milliseconds, not a million comparisons.
 */
#include <math.h>
#include <stdlib.h>

#include "stats/dist.h"
#include "stats/effect.h"
#include "stats/rank.h"

static void
effect_init(struct effect *e)
{
	e->value = e->ci_lo = e->ci_hi = NAN;
	e->undefined = e->ci_undefined = NULL;
}

void
effect_cohen_d(const double *x, size_t nx, const double *y, size_t ny,
    double level, struct effect *e)
{
	double mx = 0, my = 0, sx = 0, sy = 0, sp, z, se, n1 = (double)nx,
	    n2 = (double)ny;

	effect_init(e);
	if (nx < 1 || ny < 1 || nx + ny < 3) {
		e->undefined = e->ci_undefined = "fewer than 3 values in all";
		return;
	}
	for (size_t i = 0; i < nx; i++)
		mx += x[i];
	for (size_t i = 0; i < ny; i++)
		my += y[i];
	mx /= n1;
	my /= n2;
	for (size_t i = 0; i < nx; i++)
		sx += (x[i] - mx) * (x[i] - mx);
	for (size_t i = 0; i < ny; i++)
		sy += (y[i] - my) * (y[i] - my);
	sp = sqrt((sx + sy) / (n1 + n2 - 2));
	if (sp == 0) {
		e->undefined = e->ci_undefined = "zero variance in both samples";
		return;
	}
	e->value = (mx - my) / sp;
	z = dist_norm_ppf((1 + level) / 2);
	se = sqrt((n1 + n2) / (n1 * n2) + e->value * e->value / (2 * (n1 + n2)));
	e->ci_lo = e->value - z * se;
	e->ci_hi = e->value + z * se;
}

/* how many of sorted[0..n-1] are < v, and how many are <= v */
static void
count_below(const double *sorted, size_t n, double v, size_t *lt, size_t *le)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sorted[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	*lt = lo;
	hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sorted[mid] <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	*le = lo;
}

/*
 * With d_ij = sign(x_i - y_j), d_i. and d_.j its row and column means:
 * s^2 = (ny^2 sum (d_i. - d)^2 + nx^2 sum (d_.j - d)^2
 *        - sum sum (d_ij - d)^2) / (nx ny (nx-1) (ny-1)),
 * and the interval (d - d^3 -+ z s sqrt((1-d^2)^2 + z^2 s^2)) /
 * (1 - d^2 + z^2 s^2).  sum sum d_ij^2 is nx ny less the tied pairs.
 */
int
effect_cliffs_delta(const double *x, size_t nx, const double *y, size_t ny,
    double level, struct effect *e)
{
	double *sx, *sy, n1 = (double)nx, n2 = (double)ny, d, z, s2, si = 0,
	    sj = 0, sij, num, den, root;
	long long dom = 0, tied = 0;

	effect_init(e);
	if (nx == 0 || ny == 0) {
		e->undefined = e->ci_undefined = "an empty sample";
		return 0;
	}
	if ((sx = rank_sorted_copy(x, nx)) == NULL)
		return -1;
	if ((sy = rank_sorted_copy(y, ny)) == NULL) {
		free(sx);
		return -1;
	}
	for (size_t i = 0; i < nx; i++) {
		size_t lt, le;

		count_below(sy, ny, x[i], &lt, &le);
		dom += (long long)lt - (long long)(ny - le);
		tied += (long long)(le - lt);
	}
	d = (double)dom / (n1 * n2);
	e->value = d;
	if (nx < 2 || ny < 2) {
		e->ci_undefined = "fewer than 2 values in a sample";
		goto out;
	}
	for (size_t i = 0; i < nx; i++) {
		size_t lt, le;
		double di;

		count_below(sy, ny, x[i], &lt, &le);
		di = ((double)lt - (double)(ny - le)) / n2;
		si += (di - d) * (di - d);
	}
	for (size_t j = 0; j < ny; j++) {
		size_t lt, le;
		double dj;

		count_below(sx, nx, y[j], &lt, &le);
		dj = ((double)(nx - le) - (double)lt) / n1;
		sj += (dj - d) * (dj - d);
	}
	sij = (n1 * n2 - (double)tied) - n1 * n2 * d * d;
	s2 = (n2 * n2 * si + n1 * n1 * sj - sij) /
	    (n1 * n2 * (n1 - 1) * (n2 - 1));
	if (s2 < 0)
		s2 = 0;
	z = dist_norm_ppf((1 + level) / 2);
	den = 1 - d * d + z * z * s2;
	if (den <= 0) {
		e->ci_undefined = "zero variance of the dominance";
		goto out;
	}
	root = z * sqrt(s2) * sqrt((1 - d * d) * (1 - d * d) + z * z * s2);
	num = d - d * d * d;
	e->ci_lo = (num - root) / den;
	e->ci_hi = (num + root) / den;
out:
	free(sx);
	free(sy);
	return 0;
}
