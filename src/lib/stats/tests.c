/*
 * The tests of stats/tests.h, each following the scipy.stats 1.10 source
 * it names (the formulas, the order of the cases, the p-value clipping).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats/dist.h"
#include "stats/rank.h"
#include "stats/tests.h"

static void
result_init(struct test_result *r)
{
	r->stat = r->df1 = r->df2 = r->p = NAN;
	r->method = NULL;
	r->undefined = NULL;
}

/* mean and variance (ddof 1) of x */
static void
mean_var(const double *x, size_t n, double *mean, double *var)
{
	double s = 0, ss = 0;

	for (size_t i = 0; i < n; i++)
		s += x[i];
	*mean = n ? s / (double)n : NAN;
	for (size_t i = 0; i < n; i++)
		ss += (x[i] - *mean) * (x[i] - *mean);
	*var = n > 1 ? ss / (double)(n - 1) : NAN;
}

/* two-sided p of t with df, as scipy's _ttest_finish */
static double
t_two_sided(double t, double df)
{
	return 2 * dist_t_sf(fabs(t), df);
}

int
test_welch_t(const double *x, size_t nx, const double *y, size_t ny,
    struct test_result *r)
{
	double mx, my, vx, vy, ax, ay;

	result_init(r);
	if (nx < 2 || ny < 2) {
		r->undefined = "fewer than 2 values in a sample";
		return 0;
	}
	mean_var(x, nx, &mx, &vx);
	mean_var(y, ny, &my, &vy);
	ax = vx / (double)nx;
	ay = vy / (double)ny;
	if (ax + ay == 0) {
		r->undefined = "zero variance in both samples";
		return 0;
	}
	r->df1 = (ax + ay) * (ax + ay) /
	    (ax * ax / (double)(nx - 1) + ay * ay / (double)(ny - 1));
	r->stat = (mx - my) / sqrt(ax + ay);
	r->p = t_two_sided(r->stat, r->df1);
	return 0;
}

int
test_paired_t(const double *x, const double *y, size_t n, struct test_result *r)
{
	double *d, m, v;

	result_init(r);
	if (n < 2) {
		r->undefined = "fewer than 2 pairs";
		return 0;
	}
	if ((d = malloc(n * sizeof(*d))) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		d[i] = x[i] - y[i];
	mean_var(d, n, &m, &v);
	free(d);
	if (v == 0) {
		r->undefined = "zero variance of the differences";
		return 0;
	}
	r->df1 = (double)(n - 1);
	r->stat = m / sqrt(v / (double)n);
	r->p = t_two_sided(r->stat, r->df1);
	return 0;
}

/*
 * Welch (1951): w_i = n_i / s_i^2, the weighted grand mean, A the weighted
 * between-group mean square, B = 1 + 2(k-2)/(k^2-1) sum (1-w_i/W)^2/(n_i-1),
 * F = A / B with k-1 and (k^2-1) / (3 sum (1-w_i/W)^2/(n_i-1)) df.
 */
int
test_welch_anova(const double *const *g, const size_t *n, size_t k,
    struct test_result *r)
{
	double *m, *w, sw = 0, swm = 0, grand, a = 0, tmp = 0, kk = (double)k;

	result_init(r);
	if (k < 2) {
		r->undefined = "fewer than 2 experiments";
		return 0;
	}
	for (size_t i = 0; i < k; i++)
		if (n[i] < 2) {
			r->undefined = "fewer than 2 values in an experiment";
			return 0;
		}
	m = malloc(k * sizeof(*m));
	w = malloc(k * sizeof(*w));
	if (m == NULL || w == NULL) {
		free(m);
		free(w);
		return -1;
	}
	for (size_t i = 0; i < k; i++) {
		double v;

		mean_var(g[i], n[i], &m[i], &v);
		if (v == 0) {
			r->undefined = "zero variance in an experiment";
			goto out;
		}
		w[i] = (double)n[i] / v;
		sw += w[i];
		swm += w[i] * m[i];
	}
	grand = swm / sw;
	for (size_t i = 0; i < k; i++) {
		double f = 1 - w[i] / sw;

		a += w[i] * (m[i] - grand) * (m[i] - grand);
		tmp += f * f / (double)(n[i] - 1);
	}
	a /= kk - 1;
	r->stat = a / (1 + 2 * (kk - 2) / (kk * kk - 1) * tmp);
	r->df1 = kk - 1;
	r->df2 = (kk * kk - 1) / (3 * tmp);
	r->p = dist_f_sf(r->stat, r->df1, r->df2);
out:
	free(m);
	free(w);
	return 0;
}

/* scipy.stats.kruskal: H from the rank sums, divided by the tie correction */
int
test_kruskal(const double *const *g, const size_t *n, size_t k,
    struct test_result *r)
{
	size_t total = 0, at = 0;
	double *all, *ranks, ties, ssbn = 0, tn, corr;

	result_init(r);
	if (k < 2) {
		r->undefined = "fewer than 2 experiments";
		return 0;
	}
	for (size_t i = 0; i < k; i++) {
		if (n[i] == 0) {
			r->undefined = "an experiment without values";
			return 0;
		}
		total += n[i];
	}
	all = malloc(total * sizeof(*all));
	ranks = malloc(total * sizeof(*ranks));
	if (all == NULL || ranks == NULL) {
		free(all);
		free(ranks);
		return -1;
	}
	for (size_t i = 0; i < k; i++) {
		memcpy(all + at, g[i], n[i] * sizeof(*all));
		at += n[i];
	}
	if (rank_average(all, total, ranks, &ties) != 0) {
		free(all);
		free(ranks);
		return -1;
	}
	tn = (double)total;
	corr = 1 - ties / (tn * tn * tn - tn);
	if (corr == 0) {
		r->undefined = "all values are identical";
		goto out;
	}
	at = 0;
	for (size_t i = 0; i < k; i++) {
		double s = 0;

		for (size_t j = 0; j < n[i]; j++)
			s += ranks[at + j];
		ssbn += s * s / (double)n[i];
		at += n[i];
	}
	r->stat = (12.0 / (tn * (tn + 1)) * ssbn - 3 * (tn + 1)) / corr;
	r->df1 = (double)(k - 1);
	r->p = dist_chi2_sf(r->stat, r->df1);
out:
	free(all);
	free(ranks);
	return 0;
}

/*
 * scipy.stats.mannwhitneyu, two-sided, use_continuity: 'exact' when a
 * sample has at most 8 values and there are no ties, else the normal
 * approximation with the tie-corrected variance and continuity 0.5;
 * p = 2 sf(max(U1, U2)), clipped to 1.  The statistic is U1 (of x).
 */
int
test_mann_whitney(const double *x, size_t nx, const double *y, size_t ny,
    struct test_result *r)
{
	double *xs = rank_sorted_copy(x, nx), *ys = rank_sorted_copy(y, ny);
	int rc = -1;

	if (xs != NULL && ys != NULL)
		rc = test_mann_whitney_sorted(xs, nx, ys, ny, r);
	free(xs);
	free(ys);
	return rc;
}

/*
 * The rank sum of x and the tie term from one merge of the sorted
 * samples: a group of t equal values holds ranks pos+1 .. pos+t.
 */
int
test_mann_whitney_sorted(const double *xs, size_t nx, const double *ys,
    size_t ny, struct test_result *r)
{
	size_t i = 0, j = 0, pos = 0;
	double ties = 0, r1 = 0, u1, u2, u, n1 = (double)nx, n2 = (double)ny,
	    nn = (double)(nx + ny);

	result_init(r);
	if (nx == 0 || ny == 0) {
		r->undefined = "an empty sample";
		return 0;
	}
	while (i < nx || j < ny) {
		double v = j >= ny || (i < nx && xs[i] <= ys[j]) ? xs[i] : ys[j];
		size_t cx = 0, cy = 0;
		double t;

		while (i < nx && xs[i] == v) {
			i++;
			cx++;
		}
		while (j < ny && ys[j] == v) {
			j++;
			cy++;
		}
		t = (double)(cx + cy);
		r1 += (double)cx * ((double)pos + (t + 1) / 2);
		ties += t * t * t - t;
		pos += cx + cy;
	}
	u1 = r1 - n1 * (n1 + 1) / 2;
	u2 = n1 * n2 - u1;
	u = u1 > u2 ? u1 : u2;
	r->stat = u1;
	if ((nx <= 8 || ny <= 8) && ties == 0) {
		r->method = "exact";
		r->p = dist_mwu_sf(u, nx, ny);
		if (isnan(r->p))
			return -1;
	} else {
		double s = sqrt(n1 * n2 / 12 * ((nn + 1) - ties / (nn * (nn - 1))));

		r->method = "asymptotic";
		if (!(s > 0)) {
			r->stat = NAN;
			r->undefined = "all values are tied";
			return 0;
		}
		r->p = dist_norm_sf((u - n1 * n2 / 2 - 0.5) / s);
	}
	r->p *= 2;
	if (r->p > 1)
		r->p = 1;
	return 0;
}

/*
 * scipy.stats.wilcoxon(x, y), zero_method 'wilcox', no correction: exact
 * when there are at most 50 pairs and no zero difference (r+ truncated to
 * an integer when ties make it a half), else the normal approximation on
 * the non-zero differences with the tie-corrected variance.  The
 * statistic is min(r+, r-).
 */
int
test_wilcoxon(const double *x, const double *y, size_t n, struct test_result *r)
{
	double *d, *a, *ranks, ties, rp = 0, rm = 0, t;
	size_t nz = 0, count = 0;

	result_init(r);
	if (n == 0) {
		r->undefined = "no pairs";
		return 0;
	}
	d = malloc(n * sizeof(*d));
	a = calloc(n, sizeof(*a));
	ranks = malloc(n * sizeof(*ranks));
	if (d == NULL || a == NULL || ranks == NULL)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		d[i] = x[i] - y[i];
		if (d[i] == 0)
			nz++;
	}
	r->method = n <= 50 && nz == 0 ? "exact" : "asymptotic";
	if (nz == n) {
		r->undefined = "every difference is zero";
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		if (d[i] != 0)
			d[count++] = d[i];
	for (size_t i = 0; i < count; i++)
		a[i] = fabs(d[i]);
	if (rank_average(a, count, ranks, &ties) != 0)
		goto oom;
	for (size_t i = 0; i < count; i++) {
		if (d[i] > 0)
			rp += ranks[i];
		else
			rm += ranks[i];
	}
	t = rp < rm ? rp : rm;
	r->stat = t;
	if (r->method[0] == 'e') {
		size_t len, irp = (size_t)rp;
		double *pmf = dist_wilcoxon_pmf(count, &len), lo = 0, hi = 0;

		if (pmf == NULL)
			goto oom;
		if (irp == (len - 1) / 2) {
			r->p = 1;
		} else {
			for (size_t i = 0; i <= irp; i++)
				lo += pmf[i];
			for (size_t i = irp; i < len; i++)
				hi += pmf[i];
			r->p = 2 * (lo < hi ? lo : hi);
		}
		free(pmf);
	} else {
		double c = (double)count;
		double mn = c * (c + 1) * 0.25;
		double se = c * (c + 1) * (2 * c + 1);

		/* ties: sum of t (t^2 - 1) = sum t^3 - t over tie groups */
		se -= 0.5 * ties;
		se = sqrt(se / 24);
		r->p = 2 * dist_norm_sf(fabs((t - mn) / se));
	}
	if (r->p > 1)
		r->p = 1;
	if (r->p < 0)
		r->p = 0;
done:
	free(d);
	free(a);
	free(ranks);
	return 0;
oom:
	free(d);
	free(a);
	free(ranks);
	return -1;
}

struct pidx {
	double p;
	size_t i;
};

static int
cmp_pidx(const void *a, const void *b)
{
	const struct pidx *x = a, *y = b;

	if (x->p != y->p)
		return (x->p > y->p) - (x->p < y->p);
	return (x->i > y->i) - (x->i < y->i);
}

int
test_holm(const double *p, size_t m, double *adj)
{
	struct pidx *s;
	size_t k = 0;
	double run = 0;

	if ((s = malloc((m ? m : 1) * sizeof(*s))) == NULL)
		return -1;
	for (size_t i = 0; i < m; i++) {
		adj[i] = NAN;
		if (!isnan(p[i])) {
			s[k].p = p[i];
			s[k++].i = i;
		}
	}
	qsort(s, k, sizeof(*s), cmp_pidx);
	for (size_t j = 0; j < k; j++) {
		double v = (double)(k - j) * s[j].p;

		if (v > 1)
			v = 1;
		if (v > run)
			run = v;
		adj[s[j].i] = run;
	}
	free(s);
	return 0;
}
