/*
 * Reading simrun's JSON Lines into runs and step rows: the start, step and
 * end lines of any number of runs, from files or a stream, checked as they
 * come, with one message line naming the file and line of anything wrong.
 * simagg aggregates what it reads; other programs draw or compare it.
 */
#ifndef SIM_RUNFILE_RUNSET_H
#define SIM_RUNFILE_RUNSET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/metrics.h"   /* the metrics' names: METRICS_N, metrics_names */

/* Where a line came from, for messages. */
struct runset_where {
	const char *prog;
	const char *file;
	size_t line;
};

/*
 * One run as read; a number the input leaves out (or null) is NAN.  Its
 * strings are the runset's (interned: one copy of each text however many
 * runs carry it), valid until runset_free.
 */
struct run {
	long long id;
	int has_start, has_end;
	int replaced;              /* a later start line of its id won */
	int converged;
	const char *agent, *scenario, *llm_model, *status, *stop_reason;
	double initial[METRICS_N], final[METRICS_N];
	double convergence_step, final_step, n_steps;
	double llm_calls, llm_time, parse_failures, retries;
	double mean_utility;       /* utility agents' end line, else NAN */
	char *grid_initial, *grid_final;   /* with keep_grids, else NULL */
	const char *reason;        /* a failed run's end line: why */
	/* the start line's parameters that shape the run: canonical JSON
	 * (sorted keys), NULL without a start line */
	const char *params;
};

struct step_row {
	long long run_id, step;
	size_t run, seq;           /* index in runs[], place in the input */
	double moves, decisions, m[METRICS_N];
	double mean_utility;       /* utility agents, else NAN */
	char *grid;                /* simrun --frames, with keep_grids */
};

struct runset_strings;
struct runset_starts;
struct runset_values;

struct runset {
	const char *prog;          /* for messages */
	/* the runs: runs[] itself, or with compact the entries of cx[] */
	struct run *runs;
	size_t nruns, runs_cap;
	struct step_row *steps;
	size_t nsteps, steps_cap;
	uint32_t *slot;            /* run id -> entry + 1; 0 is free */
	size_t slot_cap, nslots;
	long long max_id;          /* the largest id in slot (nslots > 0) */
	size_t last;               /* the run of the previous line */
	size_t ndup;               /* start lines of an id already started */
	long long dup_id;
	struct runset_where dup_at;
	int skip_steps;            /* set after runset_init: step lines are
	                              passed over unread (for programs that
	                              use only the start and end lines) */
	int keep_grids;            /* set before reading: RUNSET_GRIDS_* */
	/* what the LLM server said about itself, first seen and changed */
	char served[2][128], fingerprint[2][128];
	size_t max_line_bytes;     /* a longer line is an error (65) */
	/*
	 * compact (set before reading, without keep_grids): a run whose end
	 * line has been read is packed into arena (about 60 bytes for a
	 * mechanical run), so that a million runs fit in little memory; read
	 * them with runset_run and runset_order, not runs[] and runset_sort.
	 * runs[] then holds only the runs still open (started, not ended).
	 */
	int compact;
	uint64_t *cx;              /* entry -> arena offset or open run */
	size_t cx_cap;
	struct runset_starts *starts;   /* start lines' texts seen */
	size_t *free_open;         /* runs[] slots free for reuse */
	size_t nfree, free_cap, nopen;
	unsigned char *arena;
	size_t arena_len, arena_cap;
	struct runset_strings *strings;
	struct runset_values *values;
};

/* What keep_grids keeps: start and end grids, the step lines' frames. */
#define RUNSET_GRIDS_ENDS   1
#define RUNSET_GRIDS_FRAMES 2

/* The default cap on a line: a 4096x4096 grid's start line is 17 MB. */
#define RUNSET_MAX_LINE_DEFAULT ((size_t)64 << 20)

/* An empty set whose messages start with prog. */
void runset_init(struct runset *a, const char *prog);
void runset_free(struct runset *a);

/* Each returns 0 or an exit status (65 data, 66 unreadable, 71 memory). */
int runset_read_stream(struct runset *a, FILE *f, const char *name);
int runset_read_file(struct runset *a, const char *path);   /* "-": stdin */

/* Warns on stderr when a run id started more than once. */
void runset_warn_duplicates(const struct runset *a);

/*
 * The runs in run id order (the later of a repeated id), and the step rows
 * kept in place in (run id, step, input) order.  *runs is allocated; the
 * pointers point into a, which must outlive them.
 */
int runset_sort(struct runset *a, struct run ***runs, size_t *nruns);

/*
 * The entries (runs) in run id order, the replaced left out, and the step
 * rows sorted as by runset_sort; *order is allocated.  Reading more runs
 * after it is not allowed (its id index is freed).
 */
int runset_order(struct runset *a, size_t **order, size_t *nruns);

/* Entry i's run: a pointer into a, or into tmp, filled (compact). */
const struct run *runset_run(const struct runset *a, size_t i,
    struct run *tmp);

/* A run that ended with status ok. */
int run_is_ok(const struct run *r);

/*
 * Runs of different settings: 1 when x and y (both with a start line)
 * differ in a parameter that shapes a run, named in key.
 */
int runset_params_differ(const struct run *x, const struct run *y,
    char *key, size_t keylen);
/* 1 when two of the runs differ (the first two such, *i < *j, and key). */
int runset_find_mixed(struct run *const *runs, size_t n, size_t *i,
    size_t *j, char *key, size_t keylen);
/* A parameter's value in a run as JSON text ("absent" and 0 if none). */
int runset_param_text(const struct run *r, const char *key, char *out,
    size_t outlen);

#endif
