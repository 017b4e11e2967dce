/*
 * simcompare: compare experiments (or the cells of a study) metric by
 * metric and write comparison.csv, tests.csv, ranking.csv and
 * comparison.md: descriptive statistics, omnibus, pairwise, within and
 * normality tests, rankings with significance groups, and the sentence a
 * paper would write.  The statistics are the library's (src/lib/stats/).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli/cli.h"
#include "compare/compare.h"
#include "io/msg.h"

#define PROG "simcompare"

struct options {
	const char *study;
	struct compare_options cmp;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: simcompare [--study DIR | EXPERIMENT_DIR...] [--metrics LIST]\n"
	    "                  [--output-dir DIR] [--alpha A]\n"
	    "Compares experiments metric by metric; writes comparison.csv,\n"
	    "tests.csv, ranking.csv and comparison.md into --output-dir (default:\n"
	    "the study directory with --study, else .).\n"
	    "  --study DIR       the cells of a study (DIR/plan.jsonl)\n"
	    "  --metrics LIST    comma list of: clusters, switch_rate, distance,\n"
	    "                    mix_deviation, share, ghetto_rate,\n"
	    "                    dissimilarity_index, convergence_step,\n"
	    "                    converged_share, n_steps, llm_calls (default all)\n"
	    "  --alpha A         significance level, 0 < A < 1 (default 0.05)\n"
	    "  --help, --version\n");
}

static int
parse_metrics(const char *list, struct options *o)
{
	const char *p = list;

	o->cmp.nmetric = 0;
	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		int found = -1;

		if (len == 0) {
			msg(PROG, "--metrics: an empty name in '%s'; give metric names "
			    "separated by commas", list);
			return EX_USAGE;
		}

		if ((found = compare_metric_index(p, len)) < 0) {
			msg(PROG, "--metrics: unknown metric '%.*s'; known: clusters, "
			    "switch_rate, distance, mix_deviation, share, "
			    "ghetto_rate, dissimilarity_index, convergence_step, "
			    "converged_share, n_steps, llm_calls", (int)len, p);
			return EX_USAGE;
		}
		for (int k = 0; k < o->cmp.nmetric; k++)
			if (o->cmp.metric[k] == found) {
				msg(PROG, "--metrics: '%s' given twice",
				    compare_metric_name(found));
				return EX_USAGE;
			}
		o->cmp.metric[o->cmp.nmetric++] = found;
		p += len;
		if (*p == ',')
			p++;
	}
	if (o->cmp.nmetric == 0) {
		msg(PROG, "--metrics: empty list; give metric names separated by commas");
		return EX_USAGE;
	}
	return 0;
}

static int
take_option(void *options, int c, char *arg)
{
	struct options *o = options;
	char *end;

	switch (c) {
	case 's':
		o->study = arg;
		return 0;
	case 'm':
		return parse_metrics(arg, o);
	case 'o':
		if (*arg == '\0') {
			msg(PROG, "--output-dir: empty directory name");
			return EX_USAGE;
		}
		o->cmp.outdir = arg;
		return 0;
	case 'a':
		errno = 0;
		o->cmp.alpha = strtod(arg, &end);
		if (*arg == '\0' || *end != '\0' || errno != 0 ||
		    !(o->cmp.alpha > 0 && o->cmp.alpha < 1)) {
			msg(PROG, "--alpha: '%s' is not a number between 0 and 1 "
			    "(e.g. 0.05)", arg);
			return EX_USAGE;
		}
		return 0;
	}
	return cli_usage_error(PROG, "unhandled option", NULL);
}

static int
parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		CLI_VALUE("study", 's'), CLI_VALUE("metrics", 'm'),
		CLI_VALUE("output-dir", 'o'), CLI_VALUE("alpha", 'a'), CLI_END
	};
	struct cli c = { PROG, longopts, usage, take_option, o, 1, -1 };
	int rc;

	o->cmp.nmetric = COMPARE_N_METRIC;
	for (int m = 0; m < COMPARE_N_METRIC; m++)
		o->cmp.metric[m] = m;
	if ((rc = cli_read(&c, argc, argv, 1)) != 0)
		return rc;
	if (o->study != NULL && optind < argc) {
		msg(PROG, "give either --study DIR or experiment directories, not both");
		return EX_USAGE;
	}
	if (o->study == NULL && optind >= argc) {
		msg(PROG, "no experiments; give experiment directories or --study DIR "
		    "(see --help)");
		return EX_USAGE;
	}
	if (o->cmp.outdir == NULL)
		o->cmp.outdir = o->study != NULL ? o->study : ".";
	return 0;
}

int
main(int argc, char **argv)
{
	struct options o = { NULL, { NULL, 0.05, { 0 }, 0 } };
	struct comparison s = { 0 };
	int rc;

	if ((rc = parse_args(argc, argv, &o)) == 0) {
		if (o.study != NULL)
			rc = comparison_from_plan(&s, PROG, o.study);
		else
			rc = comparison_from_dirs(&s, PROG, argc - optind,
			    argv + optind);
		if (rc == 0)
			rc = comparison_run(&s, &o.cmp);
	}
	comparison_free(&s);
	if (rc == -1)
		rc = 0;
	if (fclose(stdout) != 0 && (rc == 0 || rc == EX_TEMPFAIL)) {
		perror(PROG ": writing to stdout");
		rc = EX_IOERR;
	}
	return rc;
}
