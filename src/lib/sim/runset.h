/*
 * Reading simrun's JSON Lines into runs and step rows: the start, step and
 * end lines of any number of runs, from files or a stream, checked as they
 * come, with one message line naming the file and line of anything wrong.
 * simagg aggregates what it reads; other programs draw or compare it.
 */
#ifndef RUNSET_H
#define RUNSET_H

#include <stddef.h>
#include <stdio.h>

#define RUN_N_METRICS 7

/* The seven metrics, in the order simrun prints them. */
extern const char *const run_metric_names[RUN_N_METRICS];

/* Where a line came from, for messages. */
struct runset_where {
	const char *prog;
	const char *file;
	size_t line;
};

/* One run as read; a number the input leaves out (or null) is NAN. */
struct run {
	long long id;
	int has_start, has_end;
	int replaced;              /* a later start line of its id won */
	int converged;
	char *agent, *scenario, *llm_model, *status, *stop_reason;
	double initial[RUN_N_METRICS], final[RUN_N_METRICS];
	double convergence_step, final_step, n_steps;
	double llm_calls, llm_time, parse_failures, retries;
};

struct step_row {
	long long run_id, step;
	size_t run, seq;           /* index in runs[], place in the input */
	double moves, decisions, m[RUN_N_METRICS];
};

struct runset {
	const char *prog;          /* for messages */
	struct run *runs;
	size_t nruns, runs_cap;
	struct step_row *steps;
	size_t nsteps, steps_cap;
	size_t *slot;              /* run id -> runs[] index + 1; 0 is free */
	size_t slot_cap, nslots;
	size_t last;               /* the run of the previous line */
	size_t ndup;               /* start lines of an id already started */
	long long dup_id;
	struct runset_where dup_at;
};

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

/* A run that ended with status ok. */
int run_is_ok(const struct run *r);

#endif
