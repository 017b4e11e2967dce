/*
 * Playing runs: place the agents, sweep until convergence or the step
 * cap, and write each run as JSON Lines (a start line, a line per step,
 * an end line) on stdout, into DIR/run_N.jsonl, or all of them into one
 * shard DIR/shard_A-B.jsonl (runfile/store.h), each file appearing under
 * its name only once complete.  The agent kind comes in through
 * agent/agent.h; mechanical agents need nothing else.
 */
#ifndef SIM_RUN_RUNNER_H
#define SIM_RUN_RUNNER_H

#include <stdio.h>

#include "agent/agent.h"
#include "config/params.h"
#include "config/runids.h"
#include "io/jsonw.h"
#include "model/metrics.h"
#include "model/world.h"

/* Everything one process needs to play runs of one geometry. */
struct runner {
	const char *prog;          /* messages start with it */
	const struct sim_params *params;
	struct agent agent;        /* mechanical until runner_set_agent */
	struct world *world;
	struct metrics_work *metrics;
	struct jw line;
	char *grid;
	int step_lines;
	FILE *out;                 /* where a run's lines go */
	const char *output_dir;    /* NULL: all runs on stdout */
	int shards;                /* with output_dir: one shard, not a file
	                              per run (set after runner_init) */
	const char *host;          /* NULL: no host key in start lines */
	int io_reported;           /* a failed write has had its message */
};

/* 0, or 71 after a message (no memory for the grid); runner_free() in
 * every case. */
int runner_init(struct runner *r, const char *prog,
    const struct sim_params *p, int step_lines, const char *output_dir,
    const char *host);
void runner_set_agent(struct runner *r, const struct agent *a);
void runner_free(struct runner *r);

/*
 * Plays the runs in order, stopping at the first that fails (the rest
 * would meet the same server): 0, or the exit status of the failure after
 * its message (65 parse failures, 69 refused, 75 gave out, 71, 73, 74).
 */
int runner_play(struct runner *r, const struct runids *ids);

#endif
