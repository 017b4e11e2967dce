/*
 * Study files (bin/simstudy): a study's name, runs, seed, agent kinds,
 * scenarios, decision tables, the parameters varied and fixed, and the
 * density, each key checked against simrun's own parameter table (the
 * checks simrun --config makes); study/plan.h expands it into cells.
 * Any mistake is one line "PROG: FILE: ..." on stderr.
 */
#ifndef SIM_STUDY_STUDY_H
#define SIM_STUDY_STUDY_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "config/params.h"
#include "llm/scenario.h"

#define STUDY_MAX_CELLS 10000

enum { AG_MECHANICAL, AG_LLM, AG_TABLE, AG_UTILITY, AG_KINDS };
extern const char *const study_agent_kinds[];   /* by AG_* */

struct varied {
	const struct param_spec *spec;
	json_t *values;            /* borrowed from the document */
	size_t n;
};

struct study {
	const char *prog;          /* messages start with it */
	const char *file;
	char dir[PATH_MAX];        /* the study file's directory */
	json_t *root;
	const char *name;
	long runs;
	int has_seed;
	uint64_t seed;
	int agents[AG_KINDS];      /* order of appearance, -1 ended */
	int n_agents;
	int uses[AG_KINDS];
	const char **scenarios;
	struct scenario *scen;
	size_t n_scenarios;
	char **tables;             /* per scenario, absolute; table agents */
	int *table_key;
	struct varied *vary;
	size_t n_vary;
	json_t *fixed;
	double density;            /* 0: not given */
	const char *store;         /* "files", "shards"; NULL: not given */
	long combos;
	long cells;
	double product;            /* combos without a cap, for the message */
};

/*
 * Reads and checks the study file: 0, or 78 (a bad study file) or 71
 * after its message.  study_free() in every case.
 */
int study_read(struct study *st, const char *prog, const char *file);
void study_free(struct study *st);

/* "PROG: FILE: ..." on stderr; returns status. */
__attribute__((format(printf, 3, 4)))
int study_fail(const struct study *st, int status, const char *fmt, ...);
/* Sets a parameter from the study's JSON value; paths (the cache, the key
 * file) become absolute, relative to the study file.  0 or -1. */
int study_set_value(const struct study *st, struct sim_params *p,
    const struct param_spec *s, const json_t *v);
/*
 * Agent counts from the density: n = density * G^2 rounded to the nearest
 * whole number (halves up), A = ceil(n / 2), B = floor(n / 2).
 */
void study_density_counts(double density, int grid, int *a, int *b);

#endif
