/* The tests of a comparison, metric by metric (see tests.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare/tests.h"
#include "stats/rank.h"
#include "stats/shapiro.h"

/* The pair of experiments x != y: pairs are (i < j) in row order. */
const struct pair *
find_pair(const struct metric_result *mr, size_t k, size_t x, size_t y)
{
	size_t i = x < y ? x : y, j = x < y ? y : x;

	return &mr->pairs[i * (2 * k - i - 1) / 2 + (j - i - 1)];
}

static int
rank_experiments(const struct comparison *s, struct metric_result *mr, double alpha)
{
	size_t k = s->n, nseg = 0, last_end = 0, *segs = NULL;
	double *neg;
	int m = mr->m;
	char **letters;

	neg = malloc(k * sizeof(*neg));
	mr->rank = malloc(k * sizeof(*mr->rank));
	mr->order = malloc(k * sizeof(*mr->order));
	mr->group = calloc(k, sizeof(*mr->group));
	letters = calloc(k, sizeof(*letters));
	if (neg == NULL || mr->rank == NULL ||
	    mr->order == NULL || mr->group == NULL || letters == NULL) {
		free(neg);
		free(letters);
		return -1;
	}
	/* rank 1 = the highest mean; experiments without values last */
	for (size_t i = 0; i < k; i++)
		neg[i] = s->e[i].n[m] ? -s->e[i].st[m].mean : INFINITY;
	if (rank_average(neg, k, mr->rank, NULL) != 0) {
		free(neg);
		free(letters);
		return -1;
	}
	for (size_t i = 0; i < k; i++)
		mr->order[i] = i;
	/* insertion sort by rank, then input order: k is small */
	for (size_t i = 1; i < k; i++)
		for (size_t j = i; j > 0 && mr->rank[mr->order[j - 1]] >
		    mr->rank[mr->order[j]]; j--) {
			size_t t = mr->order[j];

			mr->order[j] = mr->order[j - 1];
			mr->order[j - 1] = t;
		}
	/*
	 * Groups: each maximal run of consecutive experiments (in rank order)
	 * no two of which differ significantly (Holm-adjusted Welch t below
	 * alpha) gets a letter; experiments sharing a letter do not differ.
	 */
	segs = malloc(2 * k * sizeof(*segs));
	if (segs == NULL)
		goto oom;
	for (size_t a = 0; a < k; a++) {
		size_t b = a;

		while (b + 1 < k) {
			int ok = 1;

			for (size_t c = a; c <= b && ok; c++) {
				const struct pair *pr = find_pair(mr, k,
				    mr->order[c], mr->order[b + 1]);

				if (!isnan(pr->welch_holm) &&
				    pr->welch_holm < alpha)
					ok = 0;
			}
			if (!ok)
				break;
			b++;
		}
		if (nseg == 0 || b + 1 > last_end) {
			segs[2 * nseg] = a;
			segs[2 * nseg + 1] = b;
			nseg++;
			last_end = b + 1;
		}
	}
	/*
	 * Letters a .. z; past 26 groups, tokens a1 .. z1, a2 ... separated
	 * by spaces.  Each token is at most 22 characters.
	 */
	for (size_t g = 0; g < nseg; g++)
		for (size_t c = segs[2 * g]; c <= segs[2 * g + 1]; c++) {
			size_t x = mr->order[c], len = letters[x] ?
			    strlen(letters[x]) : 0;
			char *t = realloc(letters[x], len + 24);

			if (t == NULL)
				goto oom;
			letters[x] = t;
			if (nseg <= 26)
				snprintf(t + len, 24, "%c", (char)('a' + g));
			else
				snprintf(t + len, 24, "%s%c%zu", len ? " " : "",
				    (char)('a' + g % 26), g / 26);
		}
	for (size_t i = 0; i < k; i++)
		mr->group[i] = letters[i];
	free(letters);
	free(segs);
	free(neg);
	return 0;
oom:
	for (size_t i = 0; i < k; i++)
		free(letters[i]);
	free(letters);
	free(segs);
	free(neg);
	return -1;
}

int
compute_metric(const struct comparison *s, int m, struct metric_result *mr,
    double alpha)
{
	size_t k = s->n, np = k * (k - 1) / 2, p = 0;
	const double **g;
	size_t *n;
	double *pw, *pm, *aw, *am;
	int rc = 0;

	memset(mr, 0, sizeof(*mr));
	mr->m = m;
	g = malloc(k * sizeof(*g));
	n = malloc(k * sizeof(*n));
	mr->pairs = calloc(np ? np : 1, sizeof(*mr->pairs));
	mr->wilcoxon = calloc(k, sizeof(*mr->wilcoxon));
	mr->paired = calloc(k, sizeof(*mr->paired));
	mr->shapiro = calloc(k, sizeof(*mr->shapiro));
	pw = malloc((np ? np : 1) * sizeof(*pw));
	pm = malloc((np ? np : 1) * sizeof(*pm));
	aw = malloc((np ? np : 1) * sizeof(*aw));
	am = malloc((np ? np : 1) * sizeof(*am));
	if (g == NULL || n == NULL || mr->pairs == NULL || mr->wilcoxon == NULL ||
	    mr->paired == NULL || mr->shapiro == NULL || pw == NULL ||
	    pm == NULL || aw == NULL || am == NULL) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < k; i++) {
		g[i] = s->e[i].v[m];
		n[i] = s->e[i].n[m];
	}
	mr->npairs = np;
	if (test_welch_anova(g, n, k, &mr->anova) != 0 ||
	    test_kruskal(g, n, k, &mr->kruskal) != 0) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < k; i++)
		for (size_t j = i + 1; j < k; j++, p++) {
			struct pair *pr = &mr->pairs[p];

			pr->i = i;
			pr->j = j;
			if (test_welch_t(g[i], n[i], g[j], n[j], &pr->welch) != 0 ||
			    test_mann_whitney_sorted(s->e[i].sorted[m], n[i],
			    s->e[j].sorted[m], n[j], &pr->mwu) != 0) {
				rc = -1;
				goto out;
			}
			effect_cliffs_delta_sorted(s->e[i].sorted[m], n[i],
			    s->e[j].sorted[m], n[j], 0.95, &pr->delta);
			effect_cohen_d(g[i], n[i], g[j], n[j], 0.95, &pr->d);
			pw[p] = pr->welch.p;
			pm[p] = pr->mwu.p;
		}
	if (test_holm(pw, np, aw) != 0 || test_holm(pm, np, am) != 0) {
		rc = -1;
		goto out;
	}
	for (p = 0; p < np; p++) {
		mr->pairs[p].welch_holm = aw[p];
		mr->pairs[p].mwu_holm = am[p];
	}
	for (size_t i = 0; i < k; i++) {
		const struct compare_exp *e = &s->e[i];

		if (test_shapiro(g[i], n[i], &mr->shapiro[i]) != 0) {
			rc = -1;
			goto out;
		}
		if (m < COMPARE_N_FINAL &&
		    (test_wilcoxon(e->fin[m], e->init[m], e->npair[m],
		    &mr->wilcoxon[i]) != 0 ||
		    test_paired_t(e->fin[m], e->init[m], e->npair[m],
		    &mr->paired[i]) != 0)) {
			rc = -1;
			goto out;
		}
	}
	rc = rank_experiments(s, mr, alpha);
out:
	free(g);
	free(n);
	free(pw);
	free(pm);
	free(aw);
	free(am);
	return rc;
}

void
free_metric(const struct comparison *s, struct metric_result *mr)
{
	free(mr->pairs);
	free(mr->wilcoxon);
	free(mr->paired);
	free(mr->shapiro);
	free(mr->rank);
	free(mr->order);
	if (mr->group != NULL)
		for (size_t i = 0; i < s->n; i++)
			free(mr->group[i]);
	free(mr->group);
}

