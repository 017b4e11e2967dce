/*
 * simcompare's comparison: experiments (or the cells of a study) read
 * from their run files, compared metric by metric (descriptive
 * statistics, omnibus, pairwise, within and normality tests, rankings
 * with significance groups) and written as comparison.csv, tests.csv,
 * ranking.csv and comparison.md.  The statistics are stats/'s.
 */
#ifndef SIM_COMPARE_COMPARE_H
#define SIM_COMPARE_COMPARE_H

#include <stddef.h>

#include "runfile/runset.h"
#include "stats/stats.h"

/* The metrics, final ones first in simrun's order. */
#define COMPARE_N_FINAL METRICS_N
#define COMPARE_N_METRIC (COMPARE_N_FINAL + 4)
enum { M_CONV_STEP = COMPARE_N_FINAL, M_CONV_SHARE, M_N_STEPS, M_LLM_CALLS };

const char *compare_metric_name(int m);
/* The metric named by the len bytes at name, or -1. */
int compare_metric_index(const char *name, size_t len);

struct compare_options {
	const char *outdir;        /* made if missing */
	double alpha;
	int metric[COMPARE_N_METRIC];  /* the metrics to compare, in order */
	int nmetric;
};

struct compare_exp {
	char *name;                /* cell name or directory basename */
	char *dir;
	char **varied;             /* text of each varied parameter, or NULL */
	struct runset rs;
	struct run **runs;         /* the ok runs */
	size_t nruns, ok, failed, incomplete;
	double *v[COMPARE_N_METRIC];       /* values of the ok runs, NAN left out */
	double *sorted[COMPARE_N_METRIC];  /* the same, ascending */
	size_t n[COMPARE_N_METRIC];
	double *init[COMPARE_N_FINAL], *fin[COMPARE_N_FINAL];   /* pairs with both values */
	size_t npair[COMPARE_N_FINAL];
	struct stats st[COMPARE_N_METRIC];
	double median[COMPARE_N_METRIC], q1[COMPARE_N_METRIC], q3[COMPARE_N_METRIC];
	double ci_lo[COMPARE_N_METRIC], ci_hi[COMPARE_N_METRIC];
};

struct comparison {
	const char *prog;          /* messages start with it */
	struct compare_exp *e;
	size_t n;
	char **param;              /* varied parameter names, in plan order */
	size_t nparam;
};

/*
 * The experiments: the cells of the study in dir (its plan.jsonl), or the
 * n experiment directories.  0, or an exit status after a message (64
 * two of one name, 65, 66, 71).  comparison_free() in every case.
 */
int comparison_from_plan(struct comparison *s, const char *prog,
    const char *dir);
int comparison_from_dirs(struct comparison *s, const char *prog, int n,
    char **dirs);
/*
 * Reads the experiments' runs, compares them and writes the four files
 * into o->outdir; prints a line saying so.  0, 75 when runs were left out
 * (failed or incomplete, each experiment named), or an exit status after
 * a message.
 */
int comparison_run(struct comparison *s, const struct compare_options *o);
void comparison_free(struct comparison *s);

#endif
