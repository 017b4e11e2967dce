/*
 * The files of a comparison: comparison.csv, tests.csv, ranking.csv and
 * comparison.md (see compare.h).
 */
#include <math.h>
#include <stdio.h>

#include "compare/tests.h"
#include "io/csvw.h"

static void
num(FILE *f, double x)
{
	if (!isnan(x) && !isinf(x))
		fprintf(f, "%.12g", x);
	else if (isinf(x))
		fputs(x > 0 ? "inf" : "-inf", f);
}


/* n numbers as CSV fields, separated by commas. */
static void
nums(FILE *f, const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			fputc(',', f);
		num(f, v[i]);
	}
}

void
write_comparison_csv(FILE *f, const struct comparison *s,
    const struct compare_options *o)
{
	fputs("experiment,", f);
	for (size_t k = 0; k < s->nparam; k++) {
		csv_put_text(f, s->param[k]);
		fputc(',', f);
	}
	fputs("metric,n,mean,sd,ci_lo,ci_hi,median,q1,q3,iqr\n", f);
	for (size_t i = 0; i < s->n; i++) {
		const struct compare_exp *e = &s->e[i];

		for (int mi = 0; mi < o->nmetric; mi++) {
			int m = o->metric[mi];

			csv_put_text(f, e->name);
			fputc(',', f);
			for (size_t k = 0; k < s->nparam; k++) {
				csv_put_text(f, e->varied ? e->varied[k] : NULL);
				fputc(',', f);
			}
			fprintf(f, "%s,%zu,", compare_metric_name(m), e->n[m]);
			nums(f, (const double[]){ e->st[m].mean, e->st[m].sd,
			    e->ci_lo[m], e->ci_hi[m], e->median[m], e->q1[m],
			    e->q3[m], e->q3[m] - e->q1[m] }, 8);
			fputc('\n', f);
		}
	}
}

static const char tests_header[] =
    "metric,kind,test,experiment,other,n,n_other,statistic,df,df2,p,p_holm,"
    "method,effect,effect_value,effect_ci_lo,effect_ci_hi,note\n";

static void
test_row(FILE *f, int m, const char *kind, const char *test, const char *a,
    const char *b, size_t n, size_t nb, const struct test_result *r,
    double holm, const char *effect, const struct effect *ef)
{
	const char *note = r->undefined, *prefix = "undefined";

	fprintf(f, "%s,%s,%s,", compare_metric_name(m), kind, test);
	csv_put_text(f, a);
	fputc(',', f);
	csv_put_text(f, b);
	fprintf(f, ",%zu,", n);
	if (b != NULL)
		fprintf(f, "%zu", nb);
	fputc(',', f);
	nums(f, (const double[]){ r->stat, r->df1, r->df2, r->p, holm }, 5);
	fprintf(f, ",%s,%s,", r->method ? r->method : "", effect ? effect : "");
	if (ef != NULL) {
		nums(f, (const double[]){ ef->value, ef->ci_lo, ef->ci_hi }, 3);
		if (note == NULL && ef->undefined != NULL) {
			note = ef->undefined;
			prefix = "effect undefined";
		} else if (note == NULL && ef->ci_undefined != NULL) {
			note = ef->ci_undefined;
			prefix = "effect interval undefined";
		}
	} else {
		fputs(",,", f);
	}
	fputc(',', f);
	if (note != NULL) {
		char buf[200];

		snprintf(buf, sizeof(buf), "%s: %s", prefix, note);
		csv_put_text(f, buf);
	}
	fputc('\n', f);
}

void
write_tests_csv(FILE *f, const struct comparison *s, const struct metric_result *mrs,
    int nm)
{
	fputs(tests_header, f);
	for (int mi = 0; mi < nm; mi++) {
		const struct metric_result *mr = &mrs[mi];
		size_t total = 0;
		int m = mr->m;

		for (size_t i = 0; i < s->n; i++)
			total += s->e[i].n[m];
		test_row(f, m, "omnibus", "welch_anova", NULL, NULL, total, 0,
		    &mr->anova, NAN, NULL, NULL);
		test_row(f, m, "omnibus", "kruskal_wallis", NULL, NULL, total, 0,
		    &mr->kruskal, NAN, NULL, NULL);
		for (size_t p = 0; p < mr->npairs; p++) {
			const struct pair *pr = &mr->pairs[p];
			const struct compare_exp *a = &s->e[pr->i], *b = &s->e[pr->j];

			test_row(f, m, "pairwise", "welch_t", a->name, b->name,
			    a->n[m], b->n[m], &pr->welch, pr->welch_holm,
			    "cohen_d", &pr->d);
			test_row(f, m, "pairwise", "mann_whitney_u", a->name,
			    b->name, a->n[m], b->n[m], &pr->mwu, pr->mwu_holm,
			    "cliffs_delta", &pr->delta);
		}
		for (size_t i = 0; i < s->n && m < COMPARE_N_FINAL; i++) {
			const struct compare_exp *e = &s->e[i];

			test_row(f, m, "within", "wilcoxon_signed_rank", e->name,
			    NULL, e->npair[m], 0, &mr->wilcoxon[i], NAN, NULL,
			    NULL);
			test_row(f, m, "within", "paired_t", e->name, NULL,
			    e->npair[m], 0, &mr->paired[i], NAN, NULL, NULL);
		}
		for (size_t i = 0; i < s->n; i++)
			test_row(f, m, "normality", "shapiro_wilk", s->e[i].name,
			    NULL, s->e[i].n[m], 0, &mr->shapiro[i], NAN, NULL,
			    NULL);
	}
}

void
write_ranking_csv(FILE *f, const struct comparison *s,
    const struct metric_result *mrs, int nm)
{
	fputs("metric,rank,experiment,n,mean,median,group\n", f);
	for (int mi = 0; mi < nm; mi++) {
		const struct metric_result *mr = &mrs[mi];

		for (size_t r = 0; r < s->n; r++) {
			size_t i = mr->order[r];
			const struct compare_exp *e = &s->e[i];

			fprintf(f, "%s,", compare_metric_name(mr->m));
			num(f, mr->rank[i]);
			fputc(',', f);
			csv_put_text(f, e->name);
			fprintf(f, ",%zu,", e->n[mr->m]);
			num(f, e->st[mr->m].mean);
			fputc(',', f);
			num(f, e->median[mr->m]);
			fprintf(f, ",%s\n", mr->group[i] ? mr->group[i] : "");
		}
	}
}

/* A number for reading: 4 significant digits, or the reason it is missing. */
static void
md_num(FILE *f, double x)
{
	if (isnan(x))
		fputs("—", f);
	else
		fprintf(f, "%.4g", x);
}

static void
md_p(FILE *f, double p)
{
	if (isnan(p))
		fputs("—", f);
	else if (p < 0.001)
		fprintf(f, "%.2g", p);
	else
		fprintf(f, "%.3f", p);
}

/* A test's statistic and p-value as two cells, then end; or why it is
 * undefined and a dash. */
static void
md_stat_p(FILE *f, const struct test_result *t, double p, const char *end)
{
	if (t->undefined != NULL) {
		fprintf(f, "undefined: %s | —%s", t->undefined, end);
		return;
	}
	md_num(f, t->stat);
	fputs(" | ", f);
	md_p(f, p);
	fputs(end, f);
}

/* Markdown cell text: pipes escaped */
static void
md_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputc('\\', f);
		fputc(*s, f);
	}
}

/* Which tests to trust: how many samples Shapiro-Wilk finds not normal. */
static void
md_normality(FILE *f, const struct comparison *s, const struct metric_result *mr,
    double alpha)
{
	size_t tested = 0, rejected = 0;

	for (size_t i = 0; i < s->n; i++)
		if (mr->shapiro[i].undefined == NULL) {
			tested++;
			if (mr->shapiro[i].p < alpha)
				rejected++;
		}
	if (rejected > 0)
		fprintf(f, " Shapiro–Wilk rejects normality in %zu of %zu "
		    "experiments (p < %g): prefer the rank tests (Kruskal–Wallis, "
		    "Mann–Whitney).", rejected, tested, alpha);
}

/* The sentence a paper would write: the highest against the lowest. */
static void
md_sentence(FILE *f, const struct comparison *s, const struct metric_result *mr,
    double alpha)
{
	int m = mr->m;
	size_t hi = mr->order[0], lo = mr->order[s->n - 1];
	const struct compare_exp *a = &s->e[hi], *b = &s->e[lo];
	const struct pair *pr = hi != lo ? find_pair(mr, s->n, hi, lo) : NULL;
	const char *name = compare_metric_name(m);
	double d, sgn;

	if (s->n < 2) {
		fprintf(f, "One experiment: nothing to compare %s with (its "
		    "within-experiment tests follow).\n\n", name);
		return;
	}
	if (s->n > 2) {
		if (mr->anova.undefined == NULL) {
			fprintf(f, "Across the %zu experiments, %s %s (Welch's "
			    "F(%.0f, %.1f) = %.3g, p = ", s->n, name,
			    mr->anova.p < alpha ? "differs" :
			    "does not differ significantly", mr->anova.df1,
			    mr->anova.df2, mr->anova.stat);
			md_p(f, mr->anova.p);
		} else {
			fprintf(f, "Across the %zu experiments, Welch's ANOVA of %s "
			    "is undefined (%s", s->n, name, mr->anova.undefined);
		}
		if (mr->kruskal.undefined == NULL) {
			fprintf(f, "; Kruskal–Wallis H(%.0f) = %.3g, p = ",
			    mr->kruskal.df1, mr->kruskal.stat);
			md_p(f, mr->kruskal.p);
		} else {
			fprintf(f, "; Kruskal–Wallis undefined: %s",
			    mr->kruskal.undefined);
		}
		fputs("). ", f);
	}
	if (pr == NULL || a->n[m] == 0 || b->n[m] == 0) {
		fprintf(f, "%s has too few values to compare.\n\n", name);
		return;
	}
	if (pr->welch.undefined != NULL) {
		fprintf(f, "%s and %s cannot be compared on %s with Welch's t "
		    "(%s): ", a->name, b->name, name, pr->welch.undefined);
		md_num(f, a->st[m].mean);
		fputs(" vs ", f);
		md_num(f, b->st[m].mean);
		fputs(".\n\n", f);
		return;
	}
	if (pr->welch_holm < alpha)
		fprintf(f, "**%s** has a higher %s than **%s**: ", a->name, name,
		    b->name);
	else
		fprintf(f, "**%s** and **%s** do not differ significantly in %s: ",
		    a->name, b->name, name);
	md_num(f, a->st[m].mean);
	fputs(" vs ", f);
	md_num(f, b->st[m].mean);
	/* the pair's tests are of (i, j) in input order; report hi vs lo */
	sgn = pr->i == hi ? 1 : -1;
	fprintf(f, " (Welch's t(%.1f) = %.3g, p_Holm = ", pr->welch.df1,
	    sgn * pr->welch.stat);
	md_p(f, pr->welch_holm);
	d = pr->d.value;
	if (!isnan(d)) {
		fprintf(f, "; Cohen's d = %.2f [%.2f, %.2f]", sgn * d,
		    sgn > 0 ? pr->d.ci_lo : -pr->d.ci_hi,
		    sgn > 0 ? pr->d.ci_hi : -pr->d.ci_lo);
	}
	if (pr->mwu.undefined == NULL) {
		fputs("; Mann–Whitney p_Holm = ", f);
		md_p(f, pr->mwu_holm);
	}
	fputs(").", f);
	md_normality(f, s, mr, alpha);
	fputs("\n\n", f);
}

static void
md_metric(FILE *f, const struct comparison *s, const struct metric_result *mr,
    double alpha)
{
	int m = mr->m;

	fprintf(f, "## %s\n\n", compare_metric_name(m));
	md_sentence(f, s, mr, alpha);
	fputs("| rank | experiment | n | mean | sd | 95% CI | median [IQR] | "
	    "group | Shapiro–Wilk p |\n|---:|---|---:|---:|---:|---|---|---|---:|\n",
	    f);
	for (size_t r = 0; r < s->n; r++) {
		size_t i = mr->order[r];
		const struct compare_exp *e = &s->e[i];

		fputs("| ", f);
		md_num(f, mr->rank[i]);
		fputs(" | ", f);
		md_text(f, e->name);
		fprintf(f, " | %zu | ", e->n[m]);
		md_num(f, e->st[m].mean);
		fputs(" | ", f);
		md_num(f, e->st[m].sd);
		fputs(" | ", f);
		if (isnan(e->ci_lo[m])) {
			fputs("—", f);
		} else {
			fputc('[', f);
			md_num(f, e->ci_lo[m]);
			fputs(", ", f);
			md_num(f, e->ci_hi[m]);
			fputc(']', f);
		}
		fputs(" | ", f);
		md_num(f, e->median[m]);
		fputs(" [", f);
		md_num(f, e->q1[m]);
		fputs(", ", f);
		md_num(f, e->q3[m]);
		fprintf(f, "] | %s | ", mr->group[i] ? mr->group[i] : "");
		if (mr->shapiro[i].undefined != NULL)
			fprintf(f, "undefined: %s", mr->shapiro[i].undefined);
		else
			md_p(f, mr->shapiro[i].p);
		fputs(" |\n", f);
	}
	fputc('\n', f);
	if (mr->npairs > 0) {
		fputs("| pair | Welch t | df | p_Holm | Cohen's d [95% CI] | "
		    "U | p_Holm | Cliff's δ [95% CI] |\n"
		    "|---|---:|---:|---:|---|---:|---:|---|\n", f);
		for (size_t p = 0; p < mr->npairs; p++) {
			const struct pair *pr = &mr->pairs[p];

			fputs("| ", f);
			md_text(f, s->e[pr->i].name);
			fputs(" vs ", f);
			md_text(f, s->e[pr->j].name);
			fputs(" | ", f);
			if (pr->welch.undefined) {
				fprintf(f, "undefined: %s | — | — | ",
				    pr->welch.undefined);
			} else {
				md_num(f, pr->welch.stat);
				fputs(" | ", f);
				md_num(f, pr->welch.df1);
				fputs(" | ", f);
				md_p(f, pr->welch_holm);
				fputs(" | ", f);
			}
			if (pr->d.undefined) {
				fputs("— | ", f);
			} else {
				fprintf(f, "%.2f [%.2f, %.2f] | ", pr->d.value,
				    pr->d.ci_lo, pr->d.ci_hi);
			}
			md_stat_p(f, &pr->mwu, pr->mwu_holm, " | ");
			if (pr->delta.undefined)
				fputs("—", f);
			else if (pr->delta.ci_undefined)
				fprintf(f, "%.2f", pr->delta.value);
			else
				fprintf(f, "%.2f [%.2f, %.2f]", pr->delta.value,
				    pr->delta.ci_lo, pr->delta.ci_hi);
			fputs(" |\n", f);
		}
		fputc('\n', f);
	}
	if (m < COMPARE_N_FINAL) {
		fputs("Initial → final grid, within each experiment:\n\n"
		    "| experiment | mean change | paired t | p | Wilcoxon W | p |\n"
		    "|---|---:|---:|---:|---:|---:|\n", f);
		for (size_t i = 0; i < s->n; i++) {
			const struct compare_exp *e = &s->e[i];
			const struct test_result *t = &mr->paired[i],
			    *w = &mr->wilcoxon[i];
			double change = 0;

			for (size_t j = 0; j < e->npair[m]; j++)
				change += e->fin[m][j] - e->init[m][j];
			fputs("| ", f);
			md_text(f, e->name);
			fputs(" | ", f);
			md_num(f, e->npair[m] ? change / (double)e->npair[m] : NAN);
			fputs(" | ", f);
			md_stat_p(f, t, t->p, " | ");
			md_stat_p(f, w, w->p, " |\n");
		}
		fputc('\n', f);
	}
}

void
write_markdown(FILE *f, const struct comparison *s, const struct compare_options *o,
    const struct metric_result *mrs)
{
	fprintf(f, "# Comparison of %zu experiments\n\n", s->n);
	fputs("| experiment | ", f);
	for (size_t k = 0; k < s->nparam; k++) {
		md_text(f, s->param[k]);
		fputs(" | ", f);
	}
	fputs("runs | ok | failed | incomplete | directory |\n|---|", f);
	for (size_t k = 0; k < s->nparam; k++)
		fputs("---|", f);
	fputs("---:|---:|---:|---:|---|\n", f);
	for (size_t i = 0; i < s->n; i++) {
		const struct compare_exp *e = &s->e[i];

		fputs("| ", f);
		md_text(f, e->name);
		fputs(" | ", f);
		for (size_t k = 0; k < s->nparam; k++) {
			md_text(f, e->varied ? e->varied[k] : NULL);
			fputs(" | ", f);
		}
		fprintf(f, "%zu | %zu | %zu | %zu | ", e->nruns, e->ok, e->failed,
		    e->incomplete);
		md_text(f, e->dir);
		fputs(" |\n", f);
	}
	fprintf(f, "\nOnly ok runs are compared. Significance level α = %g; "
	    "pairwise p-values are Holm-adjusted over the %zu pairs of each "
	    "metric and test. Groups: experiments sharing a letter do not "
	    "differ significantly (Welch's t, p_Holm ≥ α). Ranks: 1 = the "
	    "highest mean, ties averaged.\n\n", o->alpha,
	    s->n * (s->n - 1) / 2);
	for (int mi = 0; mi < o->nmetric; mi++)
		md_metric(f, s, &mrs[mi], o->alpha);
}

/* mkdir -p: 0, or -1 with errno */
