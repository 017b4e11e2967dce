/*
 * The tests of a comparison, metric by metric (see compare.h): omnibus,
 * pairwise with Holm's adjustment, within each experiment, normality, the
 * ranking and its significance groups.
 */
#ifndef SIM_COMPARE_TESTS_H
#define SIM_COMPARE_TESTS_H

#include "compare/compare.h"
#include "stats/effect.h"
#include "stats/tests.h"

/* Pairwise results of one metric, pair index of (i < j). */
struct pair {
	size_t i, j;
	struct test_result welch, mwu;
	struct effect d, delta;
	double welch_holm, mwu_holm;
};

struct metric_result {
	int m;
	struct test_result anova, kruskal;
	struct pair *pairs;
	size_t npairs;
	struct test_result *wilcoxon, *paired, *shapiro;  /* by experiment */
	double *rank;              /* average rank by mean, 1 = highest */
	char **group;              /* significance letters */
	size_t *order;             /* experiments by rank */
};

/* The pair of experiments x != y: pairs are (i < j) in row order. */
const struct pair *find_pair(const struct metric_result *mr, size_t k,
    size_t x, size_t y);
/* Metric m of every experiment; 0, or -1 out of memory. */
int compute_metric(const struct comparison *s, int m,
    struct metric_result *mr, double alpha);
void free_metric(const struct comparison *s, struct metric_result *mr);

/* The files (compare/output.c). */
void write_comparison_csv(FILE *f, const struct comparison *s,
    const struct compare_options *o);
void write_tests_csv(FILE *f, const struct comparison *s,
    const struct metric_result *mrs, int nm);
void write_ranking_csv(FILE *f, const struct comparison *s,
    const struct metric_result *mrs, int nm);
void write_markdown(FILE *f, const struct comparison *s,
    const struct compare_options *o, const struct metric_result *mrs);

#endif
