/*
 * Shapiro-Wilk, AS R94 as in scipy 1.10 (statlib/swilk.f: SWILK, PPND
 * (AS 111), POLY (AS 181.2) and ALNORM (AS 66)), transcribed in the same
 * order of operations with float where the Fortran has REAL, so W and its
 * p-value agree with scipy's to the last bit of single precision.  The
 * censoring branch (N1 < N) is left out: every value is used.
 */
#include <math.h>
#include <stdlib.h>

#include "stats/rank.h"
#include "stats/shapiro.h"

static float
poly(const float *c, int nord, float x)
{
	float ret = c[0], p;

	if (nord == 1)
		return ret;
	p = x * c[nord - 1];
	if (nord != 2)
		for (int j = nord - 2; j >= 1; j--)
			p = (p + c[j]) * x;
	return ret + p;
}

/* AS 111, REAL version */
static float
ppnd(float p)
{
	const float a0 = 2.50662823884f, a1 = -18.61500062529f,
	    a2 = 41.39119773534f, a3 = -25.44106049637f, b1 = -8.47351093090f,
	    b2 = 23.08336743743f, b3 = -21.06224101826f, b4 = 3.13082909833f,
	    c0 = -2.78718931138f, c1 = -2.29796479134f, c2 = 4.85014127135f,
	    c3 = 2.32121276858f, d1 = 3.54388924762f, d2 = 1.63706781897f;
	float q = p - 0.5f, r, v;

	if (fabsf(q) <= 0.42f) {
		r = q * q;
		return q * (((a3 * r + a2) * r + a1) * r + a0) /
		    ((((b4 * r + b3) * r + b2) * r + b1) * r + 1.0f);
	}
	r = p;
	if (q > 0)
		r = 1.0f - p;
	if (r <= 0)
		return 0;
	r = sqrtf(-logf(r));
	v = (((c3 * r + c2) * r + c1) * r + c0) / ((d2 * r + d1) * r + 1.0f);
	return q < 0 ? -v : v;
}

/* AS 66, double precision, upper tail */
static double
alnorm(double x, int upper)
{
	const double ltone = 7.0, utzero = 38.0, con = 1.28;
	const double a1 = 0.398942280444, a2 = 0.399903438504,
	    a3 = 5.75885480458, a4 = 29.8213557808, a5 = 2.62433121679,
	    a6 = 48.6959930692, a7 = 5.92885724438;
	const double b1 = 0.398942280385, b2 = 3.8052e-8, b3 = 1.00000615302,
	    b4 = 3.98064794e-4, b5 = 1.98615381364, b6 = 0.151679116635,
	    b7 = 5.29330324926, b8 = 4.8385912808, b9 = 15.1508972451,
	    b10 = 0.742380924027, b11 = 30.789933034, b12 = 3.99019417011;
	int up = upper;
	double z = x, y, r;

	if (z < 0) {
		up = !up;
		z = -z;
	}
	if (!(z <= ltone || (up && z <= utzero))) {
		r = 0;
	} else {
		y = 0.5 * z * z;
		if (z > con)
			r = b1 * exp(-y) / (z - b2 + b3 / (z + b4 + b5 / (z - b6 +
			    b7 / (z + b8 - b9 / (z + b10 + b11 / (z + b12))))));
		else
			r = 0.5 - z * (a1 - a2 * y / (y + a3 - a4 / (y + a5 +
			    a6 / (y + a7))));
	}
	if (!up)
		r = 1.0 - r;
	return r;
}

static float
sign1(int d)
{
	return d >= 0 ? 1.0f : -1.0f;
}

int
test_shapiro(const double *xd, size_t nsz, struct test_result *r)
{
	static const float c1[6] = { 0.0f, 0.221157f, -0.147981f, -2.07119f,
		4.434685f, -2.706056f };
	static const float c2[6] = { 0.0f, 0.042981f, -0.293762f, -1.752461f,
		5.682633f, -3.582633f };
	static const float c3[4] = { 0.5440f, -0.39978f, 0.025054f, -6.714e-4f };
	static const float c4[4] = { 1.3822f, -0.77857f, 0.062767f, -2.0322e-3f };
	static const float c5[4] = { -1.5861f, -0.31082f, -0.083751f, 3.8915e-3f };
	static const float c6[3] = { -0.4803f, -0.082676f, 3.0302e-3f };
	static const float g[2] = { -2.273f, 0.459f };
	const float small = 1e-19f, sqrth = 0.70711f, pi6 = 1.909859f,
	    stqr = 1.047198f;
	double *s, med;
	float *x, *a, an, an25, summ2, ssumm2, rsn, a1, a2, fac, range, xx,
	    sx, sa, xi, ssa, ssx, sax, asa, xsx, ssassx, w1, w, y, m, sd,
	    gamma, pw;
	int n, nn2, i1;

	r->stat = r->df1 = r->df2 = r->p = NAN;
	r->method = NULL;
	r->undefined = NULL;
	if (nsz < 3) {
		r->undefined = "fewer than 3 values";
		return 0;
	}
	if (nsz > 1000000) {
		r->undefined = "more than 1,000,000 values";
		return 0;
	}
	n = (int)nsz;
	nn2 = n / 2;
	if ((s = rank_sorted_copy(xd, nsz)) == NULL)
		return -1;
	x = malloc(nsz * sizeof(*x));
	a = malloc(((size_t)nn2 + 1) * sizeof(*a));
	if (x == NULL || a == NULL) {
		free(s);
		free(x);
		free(a);
		return -1;
	}
	/* scipy: x - np.median(x) in double, sorted, then float32 */
	med = nsz % 2 ? s[nsz / 2] : (s[nsz / 2 - 1] + s[nsz / 2]) / 2;
	for (int i = 0; i < n; i++)
		x[i] = (float)(s[i] - med);
	free(s);

	/* coefficients, a[1..nn2] (1-based as the Fortran) */
	an = (float)n;
	if (n == 3) {
		a[1] = sqrth;
	} else {
		an25 = an + 0.25f;
		summ2 = 0;
		for (int i = 1; i <= nn2; i++) {
			a[i] = ppnd(((float)i - 0.375f) / an25);
			summ2 = summ2 + a[i] * a[i];
		}
		summ2 = summ2 * 2.0f;
		ssumm2 = sqrtf(summ2);
		rsn = 1.0f / sqrtf(an);
		a1 = poly(c1, 6, rsn) - a[1] / ssumm2;
		if (n > 5) {
			i1 = 3;
			a2 = -a[2] / ssumm2 + poly(c2, 6, rsn);
			fac = sqrtf((summ2 - 2.0f * (a[1] * a[1]) - 2.0f *
			    (a[2] * a[2])) / (1.0f - 2.0f * (a1 * a1) - 2.0f *
			    (a2 * a2)));
			a[1] = a1;
			a[2] = a2;
		} else {
			i1 = 2;
			fac = sqrtf((summ2 - 2.0f * (a[1] * a[1])) /
			    (1.0f - 2.0f * (a1 * a1)));
			a[1] = a1;
		}
		for (int i = i1; i <= nn2; i++)
			a[i] = -a[i] / fac;
	}

	range = x[n - 1] - x[0];
	if (range < small) {
		r->undefined = "zero range (every value equal)";
		goto out;
	}
	xx = x[0] / range;
	sx = xx;
	sa = -a[1];
	for (int i = 2, j = n - 1; i <= n; i++, j--) {
		xi = x[i - 1] / range;
		sx = sx + xi;
		if (i != j)
			sa = sa + sign1(i - j) * a[i < j ? i : j];
		xx = xi;
	}
	sa = sa / (float)n;
	sx = sx / (float)n;
	ssa = ssx = sax = 0;
	for (int i = 1, j = n; i <= n; i++, j--) {
		if (i != j)
			asa = sign1(i - j) * a[i < j ? i : j] - sa;
		else
			asa = -sa;
		xsx = x[i - 1] / range - sx;
		ssa = ssa + asa * asa;
		ssx = ssx + xsx * xsx;
		sax = sax + asa * xsx;
	}
	ssassx = sqrtf(ssa * ssx);
	w1 = (ssassx - sax) * (ssassx + sax) / (ssa * ssx);
	w = 1.0f - w1;
	r->stat = w;
	if (n == 3) {
		pw = pi6 * (asinf(sqrtf(w)) - stqr);
		r->p = pw;
		goto out;
	}
	y = logf(w1);
	xx = logf(an);
	if (n <= 11) {
		gamma = poly(g, 2, an);
		if (y >= gamma) {
			r->p = small;
			goto out;
		}
		y = -logf(gamma - y);
		m = poly(c3, 4, an);
		sd = expf(poly(c4, 4, an));
	} else {
		m = poly(c5, 4, xx);
		sd = expf(poly(c6, 3, xx));
	}
	pw = (float)alnorm((double)((y - m) / sd), 1);
	r->p = pw;
out:
	free(x);
	free(a);
	return 0;
}
